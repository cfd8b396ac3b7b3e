import * as fs from 'fs';
import * as os from 'os';
import { shellQuote } from '../core/shell-quote';
import { GitOpsError } from '../core/errors';
import { Git } from './git';

/** Name of the lock file in the git directory (per working tree, see `git rev-parse --git-path`). */
export const CLONE_LOCK = 'cdk8s-gitops.lock';

/** Who holds a lock: what the lock file records. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder started. */
  readonly started: string;
}

/**
 * The lock a cdk8s-gitops command holds while it changes a clone (`release`, `promote`,
 * `rollback`, `shift`, and `synth --gitops-dir`): `cdk8s-gitops.lock` in the git directory,
 * created atomically (a fully written temporary file hard-linked into place, which fails if the
 * lock exists), holding the pid, the host and the start time. A second command in the same
 * clone is refused at once ({@link CloneLock.acquire}) or after a bounded wait
 * ({@link CloneLock.acquireWaiting}, what synth does) instead of racing the first through git. A lock whose process no longer runs on this host (a command
 * that was killed) is stale: the next command removes it and says so.
 */
export class CloneLock {
  /**
   * Take the lock of the working tree `git` runs in.
   *
   * @param log told when a stale lock is removed
   * @throws GitOpsError when another live cdk8s-gitops command holds it
   */
  public static acquire(git: Git, dir: string, log: (line: string) => void = () => undefined): CloneLock {
    const taken = CloneLock.tryAcquire(git, dir, log);
    if (taken instanceof CloneLock) return taken;
    throw heldError(dir, taken, 'wait for it to finish, then run the command again');
  }

  /**
   * Take the lock of the working tree `git` runs in, waiting up to `options.waitMs` while
   * another cdk8s-gitops command holds it (checked every 100 ms).
   *
   * @throws GitOpsError naming the holder (pid, host, start) when it still holds the lock
   *   after that, or when the lock file names no command
   */
  public static async acquireWaiting(git: Git, dir: string, options: AcquireWaitingOptions): Promise<CloneLock> {
    const deadline = Date.now() + options.waitMs;
    for (let first = true; ; first = false) {
      const taken = CloneLock.tryAcquire(git, dir, options.log ?? (() => undefined));
      if (taken instanceof CloneLock) return taken;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw heldError(dir, taken, `${options.command ?? 'this command'} waited ${formatSeconds(options.waitMs)} for it; let it finish, then run ${options.command ?? 'the command'} again`);
      }
      if (first) options.onWait?.(`another cdk8s-gitops command (${describeHolder(taken.holder)}) is changing ${dir}: waiting up to ${formatSeconds(options.waitMs)} for it to finish`);
      await new Promise(resolve => setTimeout(resolve, Math.min(100, left)));
    }
  }

  /**
   * Take the lock, or say who holds it (a live command, or one on another host, which cannot be
   * checked); a stale lock of a command that no longer runs on this host is taken over.
   */
  private static tryAcquire(git: Git, dir: string, log: (line: string) => void): CloneLock | Held {
    const [file] = git.gitPaths([CLONE_LOCK]);
    const me: Holder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
    const text = `${JSON.stringify(me)}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (create(file, text)) return new CloneLock(file, text);
      const found = readText(file);
      if (found === undefined) continue; // released meanwhile
      const holder = parse(found);
      if (holder === undefined) {
        throw new GitOpsError(`${dir}: the lock ${file} exists but does not name a cdk8s-gitops command: if no cdk8s-gitops command runs in this clone, remove it (rm ${shellQuote(file)})`);
      }
      if (holder.host !== me.host || processRuns(holder.pid)) return { file, holder };
      if (takeOver(file, found)) {
        log(`removed the lock of an earlier cdk8s-gitops command that no longer runs (pid ${holder.pid}, started ${holder.started})`);
      }
    }
    throw new GitOpsError(`${dir}: could not take the lock ${file}: other cdk8s-gitops commands keep taking it; run the command again`);
  }

  private released = false;

  private constructor(private readonly file: string, private readonly text: string) {}

  /** Give the lock up (once; a lock that is no longer this command's is left alone). */
  public release(): void {
    if (this.released) return;
    this.released = true;
    if (readText(this.file) === this.text) fs.rmSync(this.file, { force: true });
  }
}

/** Options of {@link CloneLock.acquireWaiting}. */
export interface AcquireWaitingOptions {
  /** How long to wait for another command to give the lock up (milliseconds). */
  readonly waitMs: number;
  /**
   * The command waiting, for messages (e.g. `synth`).
   * @default "this command"
   */
  readonly command?: string;
  /**
   * Told when a stale lock is removed.
   * @default - nothing is told
   */
  readonly log?: (line: string) => void;
  /**
   * Told once, when the lock is held and the wait begins (what waits for whom).
   * @default - nothing is told
   */
  readonly onWait?: (line: string) => void;
}

/** A lock held by another command: the lock file and what it records. */
interface Held {
  readonly file: string;
  readonly holder: Holder;
}

/** `pid 4711 on ci-7, started 2026-...`. */
function describeHolder(holder: Holder): string {
  return `pid ${holder.pid} on ${holder.host}, started ${holder.started}`;
}

function heldError(dir: string, held: Held, what: string): GitOpsError {
  return new GitOpsError(`${dir}: another cdk8s-gitops command (${describeHolder(held.holder)}) is changing this clone: `
    + `${what} (if no such process runs, remove its lock: rm ${shellQuote(held.file)})`);
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Create `file` holding `text` atomically; false when it exists. */
function create(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e: any) {
    if (e?.code === 'EEXIST') return false;
    throw new GitOpsError(`cannot create the lock ${file}: ${e?.message ?? e}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Remove a stale lock that held `stale`: moved aside first, so that of two commands taking
 * over the same stale lock only one removes it; a lock that turns out to be another (a command
 * took it meanwhile) is put back.
 */
function takeOver(file: string, stale: string): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (e: any) {
    if (e?.code === 'ENOENT') return false;
    throw e;
  }
  try {
    if (readText(aside) === stale) return true;
    try {
      fs.linkSync(aside, file);
    } catch {
      // another command holds a newer lock already
    }
    return false;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined;
    throw e;
  }
}

function parse(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text);
    return Number.isInteger(h?.pid) && typeof h.host === 'string' && typeof h.started === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this host (as any user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e?.code === 'EPERM'; // it runs, as another user
  }
}
