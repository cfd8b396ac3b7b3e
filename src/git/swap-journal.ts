import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { faultPoint } from '../core/fault-point';
import { describeKind, lstatIfExists, readRegularFile, readRegularFileAt, UnsafePathError } from '../core/safe-fs';
import { shellQuote } from '../core/shell-quote';
import { processRuns } from './clone-lock';
import { GitOpsError, InputError } from '../core/errors';
import { blobSha, Git } from './git';
import { OWNERSHIP_RECORD, outputPathProblem } from './ownership-record';

/**
 * The crash-safe swap of synth's output: new and changed files are written into a staging
 * folder inside the output folder (so on the same file system: each is moved into place with
 * one `rename`), then a journal listing every file to install and to remove is committed
 * (written beside, fsynced, renamed into place); only then are the files moved into place one
 * by one. A process killed at any point leaves either a staging folder without a journal (the
 * output is untouched: the next run removes the leftovers) or one with a journal (the next run
 * completes it: the output becomes the new one, whole).
 *
 * What a run trusts is what this machine's own run wrote, never what is in the output folder:
 * the journal and the record of who writes the staging folder live in the **state folder**
 * ({@link swapStateDir}), outside the tracked tree: in the git directory of the working tree
 * the output is in (`git rev-parse --git-path cdk8s-gitops-synth`, which git never checks out
 * or pushes), else in the user's state folder (`$XDG_STATE_HOME/cdk8s-gitops/synth`, by
 * default `~/.local/state/cdk8s-gitops/synth`; see {@link userStateBase}), one subfolder per
 * output folder. A staging
 * folder in the output that the state folder has no record of (committed to the repository,
 * unpacked from an archive, left by an older cdk8s-gitops) is refused, never replayed or
 * removed. Every path of a journal is confined to the output folder: each folder along it
 * must be a real folder (never a symbolic link), and nothing under `.git` is ever named.
 *
 * Layout: `<out>/.cdk8s-gitops-staging/` holding `owner` (the run's random token) and
 * `files/<path>` (the new contents); `<state>/owner` (JSON: pid, host, start and token of the
 * writing process) and `<state>/journal` (JSON, see {@link SwapJournal}).
 */
export const STAGING_FOLDER = '.cdk8s-gitops-staging';

/** Name of synth's state folder in the git directory (see `git rev-parse --git-path`). */
export const SYNTH_STATE = 'cdk8s-gitops-synth';

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

/** Who writes a staging folder: what `<state>/owner` holds. */
interface Owner {
  readonly pid: number;
  readonly host: string;
  /** ISO time the run started writing. */
  readonly started: string;
  /** Random, also in the staging folder's `owner` file: ties the folder to this record. */
  readonly token: string;
}

/**
 * The state folder of the output folder `root` (which exists): `<git dir>/cdk8s-gitops-synth/<key>`
 * when `root` is in a git working tree (key: a hash of its path in the working tree), else
 * `<user state folder>/synth/<key>` (key: a hash of its real path). Not created.
 *
 * @throws InputError when `root` is inside a git directory (synth never writes there)
 */
export function swapStateDir(root: string): string {
  const real = fs.realpathSync(root);
  const repo = gitStateRoot(real);
  if (repo !== undefined) return path.join(repo.state, key(repo.prefix));
  return path.join(userStateBase(), 'synth', key(real));
}

/**
 * The user's state folder of cdk8s-gitops: `$XDG_STATE_HOME/cdk8s-gitops`, by default
 * `~/.local/state/cdk8s-gitops`; when that cannot be made (no home folder, a read-only one, as
 * in some CI containers), `cdk8s-gitops-<uid>` in the temporary folder, made by this user
 * alone (checked: a folder of another user there is refused).
 */
function userStateBase(): string {
  const xdg = process.env.XDG_STATE_HOME;
  const base = path.join(xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state'), 'cdk8s-gitops');
  if (canMake(base)) return base;
  const uid = process.getuid?.() ?? 0;
  const tmp = path.join(os.tmpdir(), `cdk8s-gitops-${uid}`);
  try {
    fs.mkdirSync(tmp, { mode: 0o700 });
    // Stryker disable next-line BlockStatement: any other error of mkdir is one of lstatSync below too (nothing there, or not reachable)
  } catch (e: any) {
    // Stryker disable next-line ConditionalExpression: as above
    if (e.code !== 'EEXIST') throw e;
  }
  const s = fs.lstatSync(tmp);
  if (!s.isDirectory() || (process.getuid !== undefined && s.uid !== uid) || (s.mode & 0o077) !== 0) {
    throw new GitOpsError(`${tmp} is ${s.isDirectory() ? `a folder of user ${s.uid} or open to others (mode ${(s.mode & 0o777).toString(8)})` : describeKind(s, tmp)}: synth keeps its state there when ${base} cannot be made, and trusts only a folder of its own user, closed to others; remove it, or set XDG_STATE_HOME to a folder of yours`);
  }
  return tmp;
}

/** Whether `dir` exists as a writable folder, or could be made (its nearest existing ancestor is a writable folder). */
function canMake(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const s = fs.statSync(d);
      if (!s.isDirectory()) return false;
      fs.accessSync(d, fs.constants.W_OK);
      return true;
    } catch (e: any) {
      if (e.code !== 'ENOENT') return false;
    }
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: the file system root is a folder: the loop returns there before
    if (path.dirname(d) === d) return false;
  }
}

function key(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Where synth keeps state in the git working tree holding `dir`, and the path of `dir` in it; undefined outside one. */
function gitStateRoot(dir: string): { state: string; prefix: string } | undefined {
  // Stryker disable next-line ConditionalExpression: without a .git, git finds no repository either (or cannot run: the catch below)
  if (!hasGitAbove(dir)) return undefined;
  let r;
  try {
    r = new Git(dir).tryRun(['rev-parse', '--is-inside-git-dir', '--is-inside-work-tree', '--git-path', SYNTH_STATE, '--show-prefix']);
  } catch {
    return undefined; // git cannot run: the user's state folder
  }
  // Stryker disable next-line ConditionalExpression: a failing rev-parse prints no "true", which the lines below look for
  if (r.status !== 0) return undefined; // a .git that is not a repository's
  // Stryker disable next-line StringLiteral: rev-parse prints the four lines (an empty prefix too)
  const [inGitDir, inWorkTree, state, prefix = ''] = r.stdout.split('\n');
  if (inGitDir === 'true') throw new InputError(`${dir} is inside a git directory (${path.resolve(dir, path.dirname(state))}): synth never writes there, even with --force: choose a folder of its own`);
  if (inWorkTree !== 'true') return undefined;
  return { state: path.resolve(dir, state), prefix };
}

/** Whether `dir` or a folder above it holds a `.git`. */
export function hasGitAbove(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (lstatIfExists(path.join(d, '.git')) !== undefined) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** A staging folder being filled by this process. */
export class Staging {
  /**
   * Create the staging folder of `root` (which has none: see {@link recoverInterruptedSwap}),
   * recording in the state folder `state` that this process writes it.
   * @throws GitOpsError when another process made one meanwhile
   */
  public static create(root: string, state: string): Staging {
    const dir = path.join(root, STAGING_FOLDER);
    const owner: Owner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), token: crypto.randomBytes(16).toString('hex') };
    fs.mkdirSync(state, { recursive: true, mode: 0o700 });
    if (!writeDurably(path.join(state, 'owner'), `${JSON.stringify(owner)}\n`, { exclusive: true })) {
      throw new GitOpsError(`another synth started writing ${root} meanwhile (${path.join(state, 'owner')} appeared): run one at a time`);
    }
    try {
      fs.mkdirSync(dir);
    } catch (e: any) {
      clearState(state);
      if (e.code === 'EEXIST') throw new GitOpsError(`${dir} appeared while synth was writing: another synth is writing ${root}; run one at a time`);
      throw e;
    }
    fs.writeFileSync(path.join(dir, 'owner'), `${owner.token}\n`);
    return new Staging(root, dir, state);
  }

  private readonly made = new Set<string>();
  /** Whether the journal is committed: the folder is then the next run's to complete, never discarded. */
  private committed = false;

  private constructor(private readonly root: string, private readonly dir: string, private readonly state: string) {}

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
   * Commit `journal` (into the state folder) and carry it out: from here on the swap is
   * completed even if this process dies (by the next run).
   */
  public swap(journal: SwapJournal): void {
    faultPoint('synth:staged');
    writeDurably(path.join(this.state, 'journal'), `${JSON.stringify({ version: 1, ...journal })}\n`);
    this.committed = true;
    faultPoint('synth:journal');
    try {
      apply(this.root, this.state, journal);
    } catch (e: any) {
      throw new GitOpsError(`synth stopped half-way through its swap: ${e?.message ?? e}; its journal stays in ${this.state} and its files in ${this.dir}: fix the cause and run synth again, which completes the swap`);
    }
  }

  /** Remove the staging folder instead of a swap (once the journal is committed, it stays for the next run). */
  public discard(): void {
    if (this.committed) return;
    fs.rmSync(this.dir, { recursive: true, force: true });
    clearState(this.state);
  }
}

/**
 * Finish or discard what an interrupted swap left in `root`, and say what was done (for the
 * user), or undefined when there was nothing. Only what the state folder `state` records is
 * trusted: with a committed journal there the swap is completed (the output becomes that run's,
 * whole); without one that run's staging folder is removed (the output was never touched).
 *
 * @throws GitOpsError when another process is writing the folder now, the state is damaged, or
 *   the output holds a staging folder the state folder has no record of (it is never replayed
 *   or removed: the message names it and how to remove it)
 */
export function recoverInterruptedSwap(root: string, state: string = swapStateDir(root)): string | undefined {
  const dir = path.join(root, STAGING_FOLDER);
  const s = lstatIfExists(dir);
  const owner = readOwner(state, root);
  if (owner === undefined) {
    if (s === undefined) return undefined;
    throw untrustedStaging(root, dir, `it has no record of it in ${state}`);
  }
  if (owner.host === os.hostname() && owner.pid !== process.pid && processRuns(owner.pid)) {
    throw new GitOpsError(`another synth (process ${owner.pid}, started ${owner.started}) is writing ${root} now: wait for it to finish (if there is no such process, remove ${path.join(state, 'owner')})`);
  }
  if (s !== undefined) {
    if (!s.isDirectory()) throw new GitOpsError(`${dir} is ${describeKind(s, dir)}: synth keeps its staging folder there; remove it`);
    if (!madeBy(dir, owner.token)) throw untrustedStaging(root, dir, `it is not the one recorded in ${path.join(state, 'owner')}`);
  }
  const text = readRegularFile(state, 'journal', { maxBytes: 1024 * 1024 * 1024 });
  if (text === undefined) {
    // Stryker disable next-line ConditionalExpression: rmSync with force of a folder that is not there does nothing
    if (s !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    clearState(state);
    return s === undefined ? undefined : `removed ${dir}, left by a synth that was stopped before its swap began: ${root} holds the output from before that run, whole`;
  }
  const journal = parseJournal(text, path.join(state, 'journal'), dir);
  apply(root, state, journal);
  return `completed the swap of a synth that was stopped half-way (${journal.installs.length} files or new folders moved into place, ${journal.removes.length} files removed, as its journal lists): ${root} holds that run's output, whole`;
}

/** The refusal of a staging folder this machine's synth did not make. */
function untrustedStaging(root: string, dir: string, why: string): GitOpsError {
  const tracked = isTracked(root);
  const fix = tracked
    ? `git -C ${shellQuote(root)} rm -r -q -- ${shellQuote(STAGING_FOLDER)} && git -C ${shellQuote(root)} commit -m ${shellQuote('remove a staging folder synth did not make')}`
    : `rm -r -- ${shellQuote(dir)}`;
  return new GitOpsError(`${dir}: synth did not make this staging folder on this machine (${why})${tracked ? ', and git tracks it (it was committed to the repository)' : ''}. `
    + 'Synth never replays, removes or trusts a staging folder it did not make: its journal could make synth write or delete files anywhere. '
    + `Nothing was changed. Look at what it holds${tracked ? ' (a commit adding it is not from synth)' : ''}, then remove it: ${fix}; and run synth again`);
}

/** Whether git tracks anything under the staging folder of `root`. */
function isTracked(root: string): boolean {
  // Stryker disable next-line ConditionalExpression: without a .git, ls-files fails (or git cannot run: the catch below)
  if (!hasGitAbove(root)) return false;
  try {
    const r = new Git(root).tryRun(['--literal-pathspecs', 'ls-files', '-z', '--', STAGING_FOLDER]);
    return r.status === 0 && r.stdout !== '';
  } catch {
    return false;
  }
}

/** Whether the staging folder `dir` is the one of the run whose token is `token` (or that run made it and was killed before writing the token). */
function madeBy(dir: string, token: string): boolean {
  let text: string | undefined;
  try {
    // Stryker disable next-line ObjectLiteral: a file larger than a KiB is not the token (33 bytes) either
    text = readRegularFile(dir, 'owner', { maxBytes: 1024 });
    // Stryker disable next-line BlockStatement: an owner that cannot be read is there: the folder is not empty, so not made by the run either
  } catch {
    return false;
  }
  if (text === undefined) return fs.readdirSync(dir).length === 0;
  return text === `${token}\n`;
}

/** What `<state>/owner` records, or undefined when there is none. */
function readOwner(state: string, root: string): Owner | undefined {
  const file = path.join(state, 'owner');
  let text: string | undefined;
  try {
    text = readRegularFile(state, 'owner', { maxBytes: 4096 });
  } catch (e) {
    if (e instanceof UnsafePathError) throw new GitOpsError(`${e.message}; it is synth's record of a run writing ${root}: if no synth runs there, remove it`);
    throw e;
  }
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text);
    // Stryker disable next-line OptionalChaining: the TypeError of a null record is caught below: damaged either way
    if (Number.isInteger(o?.pid) && typeof o.host === 'string' && typeof o.started === 'string' && typeof o.token === 'string' && /^[0-9a-f]{32}$/.test(o.token)) return o;
  } catch {
    // damaged: below
  }
  throw new GitOpsError(`${file}: synth's record of a run writing ${root} is damaged: if no synth runs there, remove it (rm ${shellQuote(file)}) and ${path.join(root, STAGING_FOLDER)} if there is one, check the output (e.g. git status) and run synth again`);
}

/** Remove the state folder (the journal first), and its parent when that is empty now. */
function clearState(state: string): void {
  fs.rmSync(path.join(state, 'journal'), { force: true });
  fs.rmSync(state, { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(state));
  } catch {
    // not empty (another output folder's state), or gone
  }
}

/**
 * Carry out `journal` (again: each step is skipped when already done), then remove the staging
 * folder and the state. Every path is confined to `root` (see {@link confined}).
 */
function apply(root: string, state: string, journal: SwapJournal): void {
  const staging = path.join(root, STAGING_FOLDER);
  const folders = new Set<string>(); // folders known to be real folders inside root
  for (const { path: rel, blob } of journal.removes) {
    const file = confined(root, rel, folders, false);
    const s = file === undefined ? undefined : lstatIfExists(file);
    // only a regular file that still holds what was checked (a replay after a kill)
    if (s !== undefined && s.isFile() && blobSha(readRegularFileAt(file!)) === blob) {
      fs.unlinkSync(file!);
      removeEmptyFolders(root, rel, folders);
    }
    faultPoint('synth:apply');
  }
  for (const rel of journal.installs) {
    const from = path.join(staging, 'files', rel);
    if (lstatIfExists(from) !== undefined) fs.renameSync(from, confined(root, rel, folders, true)!); // else moved before the kill
    faultPoint('synth:apply');
  }
  faultPoint('synth:cleanup');
  // the staging folder first: a kill during its removal leaves the journal, whose replay finds nothing left to do
  fs.rmSync(staging, { recursive: true, force: true });
  clearState(state);
}

/**
 * `root/rel`, after checking that every folder along `rel` is a real folder (lstat: a symbolic
 * link is never followed) inside `root`; with `create`, the missing ones are made one by one,
 * else undefined when one is missing (nothing is there). `folders` caches the folders checked.
 *
 * @throws GitOpsError naming the folder that is a symbolic link or not a folder
 */
function confined(root: string, rel: string, folders: Set<string>, create: boolean): string | undefined {
  const parts = rel.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    // Stryker disable next-line ConditionalExpression: a cache: looked at again, a folder gives the same answer
    if (folders.has(dir)) continue;
    const s = lstatIfExists(dir);
    if (s === undefined) {
      if (!create) return undefined;
      fs.mkdirSync(dir);
    } else if (!s.isDirectory()) {
      throw new GitOpsError(`${dir} is ${describeKind(s, dir)}, not a folder: synth writes only through real folders inside ${root} (it would have led ${rel} elsewhere); move it away and run synth again`);
    }
    // Stryker disable next-line CallExpression: as above
    folders.add(dir);
  }
  return path.join(root, rel);
}

/** Remove the folders of `rel` that are empty now, from the deepest up (never `root`). */
function removeEmptyFolders(root: string, rel: string, folders: Set<string>): void {
  for (let d = path.dirname(rel); d !== '.'; d = path.dirname(d)) {
    try {
      fs.rmdirSync(path.join(root, d));
      folders.delete(path.join(root, d));
      // Stryker disable next-line BlockStatement: rmdir failed: the folder is not empty, so neither is any folder above it (each holds it)
    } catch {
      return; // not empty (files synth does not own stay, and their folders), or gone
    }
  }
}

function parseJournal(text: string, source: string, staging: string): SwapJournal {
  const damaged = (why: string): never => {
    throw new GitOpsError(`${source}: the journal of an interrupted synth is damaged (${why}); the output folder may hold a mix of two runs: check it (e.g. git status), remove ${path.dirname(source)} and ${staging} and run synth again`);
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

/**
 * Write `file` whole and durably: a temporary file beside it, fsynced, then moved into place
 * (with `exclusive`, linked into place instead: false when `file` exists), and the folder
 * fsynced.
 */
function writeDurably(file: string, text: string, options: { exclusive?: boolean } = {}): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // Stryker disable next-line ConditionalExpression: the journal is written only while there is none (the state is cleared before a run): linked or renamed, the same
  if (options.exclusive) {
    try {
      fs.linkSync(tmp, file);
    } catch (e: any) {
      if (e.code === 'EEXIST') return false;
      throw e;
    } finally {
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: the temporary file is there (written above)
      fs.rmSync(tmp, { force: true });
    }
  } else {
    fs.renameSync(tmp, file);
  }
  fsyncFolder(path.dirname(file));
  return true;
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
