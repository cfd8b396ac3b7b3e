import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isInside, lstatIfExists } from '../core/safe-fs';

/** Where {@link outputFolderProblem} looks from. */
export interface OutputFolderContext {
  /**
   * The working directory: its project (the nearest folder above it, itself included, that
   * holds a package.json) is protected.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * The user's home folder.
   * @default os.homedir()
   */
  readonly home?: string;
  /**
   * More folders synth must never write into, e.g. the folder of the app module (its project,
   * the nearest folder above it that holds a package.json, is protected too).
   * @default - none
   */
  readonly protect?: readonly string[];
}

/**
 * Why `dir` can never be an output folder, whatever is in it, or undefined when it may be
 * one: it is the file system root, inside a `.git` folder, the home folder or an ancestor of it, or one of the
 * program's folders (see {@link protectedFolders}). An output folder may hold the program's
 * folders (the program kept in the GitOps repository, e.g. in `program/`): synth then refuses
 * only a path it would write inside one of them. Paths are compared after resolving
 * symbolic links.
 */
export function outputFolderProblem(dir: string, context: OutputFolderContext = {}): string | undefined {
  const out = realpathOfExisting(path.resolve(dir));
  if (out === path.parse(out).root) return 'is the root of the file system';
  if (out.split(path.sep).some(s => s.toLowerCase() === '.git')) return 'is inside a .git folder (git\'s own files)';
  const home = realpathOfExisting(context.home ?? os.homedir());
  if (isInside(out, home)) return out === home ? 'is your home folder' : `contains your home folder (${home})`;
  const folder = programFolders(context).find(f => f.path === out);
  return folder === undefined ? undefined : folder.project ? 'is the project folder (it holds package.json)' : 'is the folder of the app module';
}

/**
 * The program's folders that lie inside `dir` (not `dir` itself), as paths relative to it
 * with `/` separators, sorted: synth never writes into them. They are the project of the
 * working directory, each of `protect` and each one's project (a project: the nearest folder
 * above, itself included, that holds a package.json).
 */
export function protectedFolders(dir: string, context: OutputFolderContext = {}): string[] {
  const out = realpathOfExisting(path.resolve(dir));
  const inside = programFolders(context).filter(f => f.path !== out && isInside(out, f.path));
  return [...new Set(inside.map(f => path.relative(out, f.path).split(path.sep).join('/')))].sort();
}

/** The program's folders (symbolic links resolved), each marked whether it is a project (holds a package.json). */
function programFolders(context: OutputFolderContext): { readonly path: string; readonly project: boolean }[] {
  const cwd = realpathOfExisting(path.resolve(context.cwd ?? process.cwd()));
  const protect = (context.protect ?? []).map(p => realpathOfExisting(path.resolve(p)));
  const projects = [cwd, ...protect].map(projectOf).filter((p): p is string => p !== undefined);
  return [...projects.map(p => ({ path: p, project: true })), ...protect.map(p => ({ path: p, project: projects.includes(p) }))];
}

/** The nearest folder from `dir` up that holds a package.json. */
function projectOf(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (lstatIfExists(path.join(d, 'package.json')) !== undefined) return d;
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
