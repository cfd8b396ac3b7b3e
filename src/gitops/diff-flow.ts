import * as fs from 'fs';
import * as path from 'path';
import { RELEASE_FILE } from '../release/release';
import { InputError } from '../core/errors';
import { checkStoredReleases } from './release-entries';
import { readReleases } from '../release/release-file';
import { renderEnvironment, requireEnvironment } from './environment-change';
import { CreateApp } from './repository';
import { unifiedDiff } from '../git/unified-diff';

/** Options of {@link diffRepository}. */
export interface DiffOptions {
  /** The GitOps directory (a working tree, or any folder synth writes to). */
  readonly dir: string;
  /** The program. */
  readonly createApp: CreateApp;
  /** Only this environment's folder. @default - every folder the program renders */
  readonly env?: string;
}

/** One file synth would change. */
export interface FileChange {
  /** Path relative to the GitOps directory. */
  readonly path: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** Unified diff of the file. */
  readonly patch: string;
}

/** The outcome of {@link diffRepository}. */
export interface DiffResult {
  /** Changed files, sorted by path. */
  readonly changes: FileChange[];
  /** The whole unified diff (empty when nothing would change). */
  readonly patch: string;
}

/**
 * What synth would change in the GitOps directory, without writing anything: render the
 * program with the release states found in the directory, and compare every folder it
 * renders (or only `env`'s: then only that environment is built) with the files on disk. A
 * release entry the program does not have is refused, as synth refuses it.
 */
export function diffRepository(options: DiffOptions): DiffResult {
  const dir = path.resolve(options.dir);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new InputError(`--gitops-dir: ${JSON.stringify(options.dir)} is not a directory`);
  const releases = readReleases(dir);
  const env = options.env;
  // one environment: the app builds only that one
  const app = options.createApp({ releases });
  if (env !== undefined) requireEnvironment(app, env, '--env');
  // synth refuses release entries the program does not have: so does its preview
  checkStoredReleases(env !== undefined ? { [env]: releases[env] } : releases, app, e => path.join(dir, e, RELEASE_FILE),
    { pruneHint: 'see what dropping it changes with `cdk8s-gitops synth --gitops-dir DIR --prune-releases` and `git diff`' });
  const wanted = env !== undefined ? renderEnvironment(app, env) : app.files();
  const owned = env !== undefined ? [env] : [...new Set([...wanted.keys()].map(p => p.split('/')[0]))];
  const existing = new Map<string, string>();
  for (const top of owned) collect(dir, top, existing);
  const paths = [...new Set([...wanted.keys(), ...existing.keys()])].sort(); // code-unit order
  const changes: FileChange[] = [];
  for (const p of paths) {
    const before = existing.get(p);
    const after = wanted.get(p);
    if (before === after) continue;
    const status = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
    changes.push({ path: p, status, patch: unifiedDiff(p, before, after) });
  }
  return { changes, patch: changes.map(c => c.patch).join('') };
}

function collect(root: string, rel: string, into: Map<string, string>): void {
  const abs = path.join(root, rel);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(abs)) collect(root, `${rel}/${name}`, into);
  } else if (stat.isFile()) {
    into.set(rel, fs.readFileSync(abs, 'utf8'));
  }
}
