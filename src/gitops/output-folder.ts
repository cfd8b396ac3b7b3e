import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isInside, lstatIfExists } from '../safe-fs';
import { OWNERSHIP_RECORD } from './ownership-record';

/** Where {@link outputFolderProblem} looks from. */
export interface OutputFolderContext {
  /**
   * The working directory: its project (the nearest folder above it, itself included, that
   * holds a package.json or .git) is protected.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * The user's home folder.
   * @default os.homedir()
   */
  readonly home?: string;
  /**
   * More folders that must not be the output folder or lie inside it, e.g. the folder of the
   * app module.
   * @default - none
   */
  readonly protect?: readonly string[];
}

/**
 * Why `dir` can never be an output folder, whatever is in it, or undefined when it may be
 * one: it is the file system root, inside a `.git` folder, the home folder, the project of
 * the working directory or an ancestor of it, or one of `protect` or an ancestor of it. Paths are compared after
 * resolving symbolic links. A folder with a .git but no package.json that holds synth's
 * ownership record is an output folder (a GitOps repository synth writes to), not a project.
 */
export function outputFolderProblem(dir: string, context: OutputFolderContext = {}): string | undefined {
  const out = realpathOfExisting(path.resolve(dir));
  if (out === path.parse(out).root) return 'is the root of the file system';
  if (out.split(path.sep).some(s => s.toLowerCase() === '.git')) return 'is inside a .git folder (git\'s own files)';
  const home = realpathOfExisting(context.home ?? os.homedir());
  if (isInside(out, home)) return out === home ? 'is your home folder' : `contains your home folder (${home})`;
  const cwd = realpathOfExisting(path.resolve(context.cwd ?? process.cwd()));
  const project = projectOf(cwd);
  if (project !== undefined && isInside(out, project)) {
    return out === project ? 'is the project folder (it holds package.json or .git)' : `contains the project folder ${project}`;
  }
  for (const p of context.protect ?? []) {
    const folder = realpathOfExisting(path.resolve(p));
    if (isInside(out, folder)) return out === folder ? 'is the folder of the app module' : `contains the app module's folder ${folder}`;
  }
  return undefined;
}

/**
 * The nearest folder from `dir` up that holds a package.json, or a .git without synth's
 * ownership record (a GitOps repository synth writes to is an output folder, not a project).
 */
function projectOf(dir: string): string | undefined {
  const has = (d: string, name: string) => lstatIfExists(path.join(d, name)) !== undefined;
  for (let d = dir; ; d = path.dirname(d)) {
    if (has(d, 'package.json') || (has(d, '.git') && !has(d, OWNERSHIP_RECORD))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** `file` with symbolic links resolved in the part of it that exists. */
function realpathOfExisting(file: string): string {
  const missing: string[] = [];
  for (let d = file; ; d = path.dirname(d)) {
    try {
      return path.join(fs.realpathSync(d), ...missing.reverse());
    } catch {
      if (path.dirname(d) === d) return file;
      missing.push(path.basename(d));
    }
  }
}
