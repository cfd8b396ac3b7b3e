import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { faultPoint } from '../fault-point';
import { describeKind, lstatIfExists, readRegularFile, readRegularFileAt } from '../safe-fs';
import { processRuns } from './clone-lock';
import { GitOpsError } from './errors';
import { blobSha } from './git';
import { OWNERSHIP_RECORD, outputPathProblem } from './ownership-record';

/**
 * The crash-safe swap of synth's output: new and changed files are written into a staging
 * folder inside the output folder (so on the same file system), then a journal listing every
 * file to install and to remove is committed (written beside, fsynced, renamed into place);
 * only then are the files moved into place one by one. A process killed at any point leaves
 * either a staging folder without a journal (the output is untouched: the next run removes
 * the leftovers) or one with a journal (the next run completes it: the output becomes the new
 * one, whole).
 *
 * Layout: `<out>/.cdk8s-gitops-staging/` holding `owner` (pid and host of the writing
 * process), `files/<path>` (the new contents) and `journal` (JSON, see {@link SwapJournal}).
 */
export const STAGING_FOLDER = '.cdk8s-gitops-staging';

/** What a committed swap does, in this order. */
export interface SwapJournal {
  /** Files to remove, each only while it still holds this content (git blob id). */
  readonly removes: readonly { readonly path: string; readonly blob: string }[];
  /**
   * Files, and folders that did not exist, to move from the staging folder into place (the
   * ownership record last).
   */
  readonly installs: readonly string[];
}

/** A staging folder being filled by this process. */
export class Staging {
  /**
   * Create the staging folder of `root` (which has none: see {@link recoverInterruptedSwap}).
   * @throws GitOpsError when another process made one meanwhile
   */
  public static create(root: string): Staging {
    const dir = path.join(root, STAGING_FOLDER);
    try {
      fs.mkdirSync(dir);
    } catch (e: any) {
      if (e.code === 'EEXIST') throw new GitOpsError(`${dir} appeared while synth was writing: another synth is writing ${root}; run one at a time`);
      throw e;
    }
    fs.writeFileSync(path.join(dir, 'owner'), `${process.pid} ${os.hostname()}\n`);
    return new Staging(root, dir);
  }

  private readonly made = new Set<string>();
  /** Whether the journal is committed: the folder is then the next run's to complete, never discarded. */
  private committed = false;

  private constructor(private readonly root: string, private readonly dir: string) {}

  /** Stage the new content of `rel`. */
  public write(rel: string, content: string): void {
    const target = path.join(this.dir, 'files', rel);
    const folder = path.dirname(target);
    if (!this.made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      this.made.add(folder);
    }
    fs.writeFileSync(target, content);
  }

  /**
   * Commit `journal` and carry it out: from here on the swap is completed even if this process
   * dies (by the next run).
   */
  public swap(journal: SwapJournal): void {
    faultPoint('synth:staged');
    const tmp = path.join(this.dir, 'journal.tmp');
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, `${JSON.stringify({ version: 1, ...journal })}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(this.dir, 'journal'));
    this.committed = true;
    fsyncFolder(this.dir);
    faultPoint('synth:journal');
    try {
      apply(this.root, journal);
    } catch (e: any) {
      throw new GitOpsError(`synth stopped half-way through its swap: ${e?.message ?? e}; its journal stays in ${this.dir}: fix the cause and run synth again, which completes the swap`);
    }
  }

  /** Remove the staging folder instead of a swap (once the journal is committed, it stays for the next run). */
  public discard(): void {
    if (!this.committed) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Finish or discard what an interrupted swap left in `root`, and say what was done (for the
 * user), or undefined when there was nothing. With a committed journal the swap is completed
 * (the output becomes that run's, whole); without one the staging folder is removed (the
 * output was never touched).
 *
 * @throws GitOpsError when another process is writing the folder now, or the journal is damaged
 */
export function recoverInterruptedSwap(root: string): string | undefined {
  const dir = path.join(root, STAGING_FOLDER);
  const s = lstatIfExists(dir);
  if (s === undefined) return undefined;
  if (!s.isDirectory()) throw new GitOpsError(`${dir} is ${describeKind(s)}: synth keeps its staging folder there; remove it`);
  const owner = liveOwner(dir);
  if (owner !== undefined) {
    throw new GitOpsError(`another synth (process ${owner}) is writing ${root} now: wait for it to finish (if there is no such process, remove ${dir})`);
  }
  const text = readRegularFile(dir, 'journal', { maxBytes: 1024 * 1024 * 1024 });
  if (text === undefined) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `removed ${dir}, left by a synth that was stopped before its swap began: ${root} holds the output from before that run, whole`;
  }
  const journal = parseJournal(text, path.join(dir, 'journal'));
  apply(root, journal);
  return `completed the swap of a synth that was stopped half-way (${journal.installs.length} files or new folders moved into place, ${journal.removes.length} files removed, as its journal lists): ${root} holds that run's output, whole`;
}

/** Carry out `journal` (again: each step is skipped when already done), then remove the staging folder. */
function apply(root: string, journal: SwapJournal): void {
  const staging = path.join(root, STAGING_FOLDER);
  for (const { path: rel, blob } of journal.removes) {
    const file = path.join(root, rel);
    const s = lstatIfExists(file);
    // only a regular file that still holds what was checked (a replay after a kill)
    if (s !== undefined && s.isFile() && blobSha(readRegularFileAt(file)) === blob) {
      fs.unlinkSync(file);
      removeEmptyFolders(root, rel);
    }
    faultPoint('synth:apply');
  }
  const made = new Set<string>();
  for (const rel of journal.installs) {
    const from = path.join(staging, 'files', rel);
    if (lstatIfExists(from) !== undefined) { // else moved before the kill
      const to = path.join(root, rel);
      const folder = path.dirname(to);
      if (!made.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      fs.renameSync(from, to);
    }
    faultPoint('synth:apply');
  }
  faultPoint('synth:cleanup');
  fs.rmSync(path.join(staging, 'journal'), { force: true }); // first: a kill during the removal below leaves no journal to replay
  fs.rmSync(staging, { recursive: true, force: true });
}

/** Remove the folders of `rel` that are empty now, from the deepest up (never `root`). */
function removeEmptyFolders(root: string, rel: string): void {
  for (let d = path.dirname(rel); d !== '.'; d = path.dirname(d)) {
    try {
      fs.rmdirSync(path.join(root, d));
    } catch {
      return; // not empty (files synth does not own stay, and their folders), or gone
    }
  }
}

/** The pid of a live process on this host that owns the staging folder `dir`, if any. */
function liveOwner(dir: string): number | undefined {
  let text: string | undefined;
  try {
    text = readRegularFile(dir, 'owner', { maxBytes: 1024 });
  } catch {
    return undefined;
  }
  const m = /^(\d+) (.*)\n$/.exec(text ?? '');
  if (!m || m[2] !== os.hostname()) return undefined;
  const pid = Number(m[1]);
  return pid !== process.pid && processRuns(pid) ? pid : undefined;
}

function parseJournal(text: string, source: string): SwapJournal {
  const damaged = (why: string): never => {
    throw new GitOpsError(`${source}: the journal of an interrupted synth is damaged (${why}); the output folder may hold a mix of two runs: check it (e.g. git status), remove ${path.dirname(source)} and run synth again`);
  };
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (e: any) {
    return damaged(`not JSON: ${e.message}`);
  }
  if (data?.version !== 1 || !Array.isArray(data.removes) || !Array.isArray(data.installs)) return damaged('not a version 1 journal');
  const pathOk = (p: unknown, record: boolean) => typeof p === 'string' && (outputPathProblem(p) === undefined || (record && p === OWNERSHIP_RECORD));
  for (const r of data.removes) {
    if (!pathOk(r?.path, false) || typeof r.blob !== 'string' || !/^[0-9a-f]{40}$/.test(r.blob)) damaged(`bad entry ${JSON.stringify(r)}`);
  }
  for (const p of data.installs) if (!pathOk(p, true)) damaged(`bad path ${JSON.stringify(p)}`);
  return { removes: data.removes, installs: data.installs };
}

function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // a platform that cannot open or sync a folder
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
