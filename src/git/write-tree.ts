import * as fs from 'fs';
import * as path from 'path';
import { compareText } from '../core/compare';
import { describeKind, lstatIfExists, readRegularFile, readRegularFileAt, UnsafePathError } from '../core/safe-fs';
import { GitOpsError, InputError } from '../core/errors';
import { blobSha, Git } from './git';
import { outputFolderProblem, protectedFolders } from './output-folder';
import { OWNERSHIP_RECORD, outputPathProblem, parseOwnershipRecord, renderOwnershipRecord } from './ownership-record';
import { hasGitAbove, recoverInterruptedSwap, STAGING_FOLDER, Staging, swapStateDir } from './swap-journal';

/** Options of {@link writeTree}. */
export interface WriteTreeOptions {
  /**
   * Also replace files synth did not write (or that changed since it wrote them) at the paths
   * it writes or removes, and take over a folder without an ownership record. Never overrides
   * the refusal of a protected folder, of anything but a regular file, or of uncommitted
   * changes in a git working tree.
   * @default false
   */
  readonly force?: boolean;
  /**
   * Folders synth must never write into, besides the working directory's project (e.g. the
   * app module's folder): the output folder must not be one of them; it may hold them, and
   * then no path synth writes or removes may lie inside one.
   * @default - none
   */
  readonly protect?: readonly string[];
  /**
   * How the folder was named, for messages (e.g. `--out "dist"`).
   * @default - the folder as given
   */
  readonly label?: string;
  /**
   * Receives what was done to recover from an interrupted earlier run, one line each.
   * @default - written to standard error
   */
  readonly onNotice?: (message: string) => void;
}

/** What a {@link writeTree} did. */
export interface WriteTreeResult {
  /** Every path rendered, sorted, each once. */
  readonly files: string[];
  /** Paths created or changed, sorted. */
  readonly written: string[];
  /** Paths of files the previous run wrote that the new rendering no longer has, removed, sorted. */
  readonly removed: string[];
}

/** How far a problem can be overridden. */
type Level = 'never' | 'git' | 'force';

interface Problem {
  readonly level: Level;
  readonly why: string;
  /** The path the problem is at, when not the file's own (a folder along it). */
  readonly at?: string;
}

/** Problems listed in a refusal. */
const LISTED = 10;

/**
 * Write a rendered repository into `dir`, owning only what it writes.
 *
 * The ownership record (`.cdk8s-gitops-files` at the root of `dir`) lists every file written
 * with the git blob id of its content. A run writes the files whose content changed, removes
 * the recorded files the new rendering no longer has (and folders left empty by that), and
 * touches nothing else. It refuses (GitOpsError, nothing changed, the first offending paths
 * listed) to replace or remove a file that is not recorded or no longer holds what was
 * recorded, unless git has it committed (recorded files) or `force` is set; to replace or
 * remove a file with uncommitted changes in a git working tree (even with `force`); to write
 * where a folder along the path or the file itself is not a regular file or folder; to write
 * inside one of the program's folders (the working directory's project, `protect`; even with
 * `force`); and to write into a folder without a record that holds any file it would not
 * write identically (in a git working tree: any such file git ignores, unless git ignores the
 * whole folder), unless `force` is set. In a git working tree the files git tracks or shows as
 * untracked (a README, `.github/`, the program) stay without asking.
 * Files identical to the rendering are adopted without `force`. `dir` itself is refused
 * (InputError) when it is the file system root, inside a `.git` folder or another git
 * directory, the home folder or an ancestor of it, or one of the program's folders.
 *
 * The swap is crash-safe (see `swap-journal.ts`): killed at any point, `dir` holds the old
 * output or (after the next run, which says what it recovered) the new one, whole.
 *
 * `files` is iterated once, each file compared and staged as it comes: a generator that makes
 * the contents one by one (`GitOpsApp.fileEntries`) never holds them all. A path given twice
 * is written with its last content; a path that is a file and also a folder of another path
 * (`dev/a.yaml` and `dev/a.yaml/x.yaml`) is refused. On an error while iterating, nothing is changed.
 */
export function writeTree(dir: string, files: Iterable<readonly [string, string]>, options: WriteTreeOptions = {}): WriteTreeResult {
  const root = path.resolve(dir);
  const label = options.label ?? JSON.stringify(dir);
  const problem = outputFolderProblem(root, { protect: options.protect });
  if (problem !== undefined) {
    throw new InputError(`${label}: ${root} ${problem}; synth never writes there, even with --force: choose a folder of its own (e.g. dist, or a clone of the GitOps repository)`);
  }
  const stat = statIfExists(root);
  if (stat !== undefined && !stat.isDirectory()) throw new InputError(`${label}: ${root} is ${describeKind(stat)}, not a folder`);
  // Stryker disable next-line ConditionalExpression: mkdirSync (recursive) of a folder that exists makes nothing and returns undefined
  const created = stat === undefined ? fs.mkdirSync(root, { recursive: true }) : undefined;
  try {
    const state = swapStateDir(root);
    const notice = recoverInterruptedSwap(root, state);
    if (notice !== undefined) (options.onNotice ?? (m => process.stderr.write(`${m}\n`)))(`synth: ${notice}`);
    return new TreeWriter(root, label, options.force ?? false, state, protectedFolders(root, { protect: options.protect })).write(files);
  } catch (e) {
    if (created !== undefined) removeCreatedFolders(root, created);
    throw e instanceof UnsafePathError ? new GitOpsError(e.message) : e;
  }
}

/**
 * Why `rel` cannot be in the same rendering as the paths before it (`rendered`, and the folders
 * they are in: `folders`, which it extends): one path is a file and a folder of another.
 */
function fileFolderClash(rel: string, rendered: ReadonlyMap<string, string>, folders: Map<string, string>): string | undefined {
  const under = folders.get(rel);
  if (under !== undefined) return `is also the folder of ${JSON.stringify(under)} in the same rendering; a path is a file or a folder, not both`;
  for (let slash = rel.indexOf('/'); slash >= 0; slash = rel.indexOf('/', slash + 1)) {
    const folder = rel.slice(0, slash);
    if (rendered.has(folder)) return `is inside ${JSON.stringify(folder)}, a file of the same rendering; a path is a file or a folder, not both`;
    if (!folders.has(folder)) folders.set(folder, rel);
  }
  return undefined;
}

/** One run of {@link writeTree} in a folder that may be written. */
class TreeWriter {
  private readonly record: ReadonlyMap<string, string> | undefined;
  private readonly recordText: string | undefined;
  /** Folders (relative) known to be real folders, or missing, along the paths inspected. */
  private readonly folders = new Map<string, 'folder' | 'missing' | Problem>();
  private readonly problems = new Map<string, Problem>();
  private staging: Staging | undefined;

  /**
   * @param state the folder of this machine's swap state (journal, staging; outside the tracked tree)
   * @param guarded the program's folders inside the output folder (relative): nothing is written or removed inside them
   */
  constructor(private readonly root: string, private readonly label: string, private readonly force: boolean, private readonly state: string,
    private readonly guarded: readonly string[]) {
    this.recordText = readRegularFile(root, OWNERSHIP_RECORD, { maxBytes: 1024 * 1024 * 1024 });
    this.record = this.recordText === undefined ? undefined : parseOwnershipRecord(this.recordText, path.join(root, OWNERSHIP_RECORD));
  }

  public write(files: Iterable<readonly [string, string]>): WriteTreeResult {
    try {
      return this.run(files);
    } catch (e) {
      this.staging?.discard();
      throw e;
    }
  }

  private run(files: Iterable<readonly [string, string]>): WriteTreeResult {
    const blobs = new Map<string, string>(); // every rendered path -> blob id of its new content
    const changes = new Map<string, string | undefined>(); // path to write -> blob id of what is there now (undefined: nothing; '': not read)
    // A folder without a record that is not empty is adopted or refused: nothing is staged in
    // it (not even for a moment) until that is decided; the new contents wait in memory.
    const waiting = this.record === undefined && hasEntries(this.root) ? new Map<string, string>() : undefined;
    const folders = new Map<string, string>(); // every folder of a rendered path -> the first path under it
    for (const [rel, content] of files) {
      const bad = outputPathProblem(rel) ?? fileFolderClash(rel, blobs, folders);
      if (bad !== undefined) throw new GitOpsError(`refusing to write ${JSON.stringify(rel)} into ${this.root}: the path ${bad}`);
      blobs.set(rel, blobSha(content));
      changes.delete(rel);
      waiting?.delete(rel);
      this.problems.delete(rel);
      const now = this.guardedProblem(rel) ?? this.inspect(rel, content);
      if (now === 'same') continue;
      if (typeof now === 'object') {
        this.problems.set(now.at ?? rel, now); // a folder in the way is listed once
        continue;
      }
      if (waiting !== undefined) waiting.set(rel, content);
      else (this.staging ??= Staging.create(this.root, this.state)).write(rel, content);
      changes.set(rel, now === 'missing' ? undefined : now);
    }
    const removes = this.removals(blobs);
    this.checkOwnership(changes, removes, blobs);
    for (const [rel, content] of waiting ?? []) (this.staging ??= Staging.create(this.root, this.state)).write(rel, content);
    const recordText = renderOwnershipRecord(blobs);
    const written = [...changes.keys()].sort();
    if (written.length === 0 && removes.length === 0 && recordText === this.recordText) {
      this.staging?.discard();
    } else {
      const staging = (this.staging ??= Staging.create(this.root, this.state));
      staging.write(OWNERSHIP_RECORD, recordText);
      const installs = [...new Set(written.map(rel => this.installUnit(rel)))];
      if (recordText !== this.recordText) installs.push(OWNERSHIP_RECORD);
      staging.swap({ removes: removes.map(([p, blob]) => ({ path: p, blob })), installs });
    }
    return { files: [...blobs.keys()].sort(), written, removed: removes.map(([p]) => p) };
  }

  /**
   * What is moved into place for `rel`: its topmost folder that did not exist (staged whole,
   * it holds only new files: one rename for a new environment's thousands of files), else the
   * file itself.
   */
  private installUnit(rel: string): string {
    for (let slash = rel.indexOf('/'); slash >= 0; slash = rel.indexOf('/', slash + 1)) {
      if (this.folders.get(rel.slice(0, slash)) === 'missing') return rel.slice(0, slash);
    }
    return rel;
  }

  /**
   * What is at `rel` now: `same` (a regular file holding `content`), `missing`, the blob id of
   * the regular file there (`''` when not read: it is not recorded, so its blob id is not
   * needed), or a problem.
   */
  private inspect(rel: string, content: string): 'same' | 'missing' | string | Problem {
    const s = this.lstat(rel);
    if (!(s instanceof fs.Stats)) return s; // missing, or a problem
    if (!s.isFile()) return { level: 'never', why: `is ${describeKind(s, path.join(this.root, rel))}; synth writes a regular file there` };
    const equalSize = s.size === Buffer.byteLength(content);
    // Stryker disable next-line StringLiteral: '' only marks "not read": any text that is no blob id of a recorded file does
    if (!equalSize && !this.record?.has(rel)) return '';
    const text = readRegularFileAt(path.join(this.root, rel));
    return equalSize && text === content ? 'same' : blobSha(text);
  }

  /** `lstat` of `rel` after checking the folders along it (a problem when one is not a real folder). */
  private lstat(rel: string): fs.Stats | 'missing' | Problem {
    const slash = rel.lastIndexOf('/');
    // Stryker disable next-line EqualityOperator: a path synth writes never starts with "/" (outputPathProblem)
    const folder = slash < 0 ? 'folder' : this.folder(rel.slice(0, slash));
    if (folder !== 'folder') return folder;
    return lstatIfExists(path.join(this.root, rel)) ?? 'missing';
  }

  private folder(rel: string): 'folder' | 'missing' | Problem {
    let known = this.folders.get(rel);
    // Stryker disable next-line ConditionalExpression: a cache: looked at again, a folder gives the same answer
    if (known !== undefined) return known;
    const slash = rel.lastIndexOf('/');
    // Stryker disable next-line EqualityOperator: a path synth writes never starts with "/" (outputPathProblem)
    known = slash < 0 ? 'folder' : this.folder(rel.slice(0, slash));
    if (known === 'folder') {
      const abs = path.join(this.root, rel);
      const s = lstatIfExists(abs);
      if (s === undefined) known = 'missing';
      else if (!s.isDirectory()) known = { level: 'never', at: rel, why: `is ${describeKind(s, abs)}, not a folder: synth writes only through real folders` };
    }
    this.folders.set(rel, known);
    return known;
  }

  /** Why `rel` may not be written: it lies in (or is along the path of) one of the program's folders. */
  private guardedProblem(rel: string): Problem | undefined {
    const folder = this.guarded.find(g => rel === g || rel.startsWith(`${g}/`) || g.startsWith(`${rel}/`));
    if (folder === undefined) return undefined;
    return { level: 'never', why: `is in the program's folder ${folder}/ (${path.join(this.root, folder)}): synth never writes there; move the program, or rename what renders this path` };
  }

  /** Recorded files the rendering no longer has that are regular files now: [path, blob id of what they hold]. */
  private removals(blobs: ReadonlyMap<string, string>): [string, string][] {
    const out: [string, string][] = [];
    // Stryker disable next-line ArrayDeclaration: without a record nothing is removed; a made-up name in its place is no file synth wrote
    for (const rel of [...this.record?.keys() ?? []].sort()) {
      if (blobs.has(rel) || this.guardedProblem(rel) !== undefined) continue; // the program's folders are never touched
      const s = this.lstat(rel);
      // anything but a regular file there is not what synth wrote: left alone
      if (s instanceof fs.Stats && s.isFile()) out.push([rel, blobSha(readRegularFileAt(path.join(this.root, rel)))]);
    }
    return out;
  }

  /** Throw, listing the problems, unless every change is to a file synth owns (or `force` allows it). */
  private checkOwnership(changes: ReadonlyMap<string, string | undefined>, removes: readonly [string, string][], blobs: ReadonlyMap<string, string>): void {
    const unsure = new Map<string, string>(); // path -> what synth would do
    for (const [rel, now] of changes) if (now !== undefined && this.record?.get(rel) !== now) unsure.set(rel, 'would be replaced');
    // Stryker disable next-line OptionalChaining: removes come from the record: there is one when there are any
    for (const [rel, now] of removes) if (this.record?.get(rel) !== now) unsure.set(rel, 'would be removed');
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArrayDeclaration: git status of more paths (or of all) gives the same codes for these; asking only when there are any saves the command
    const status = unsure.size > 0 ? gitStatus(this.root, [...unsure.keys()]) : undefined;
    for (const [rel, action] of unsure) {
      const recorded = this.record?.has(rel) ?? false;
      const what = recorded ? `${action} but changed since synth wrote it` : `${action} but was not written by synth (it is not in ${OWNERSHIP_RECORD})`;
      const code = status?.get(rel);
      if (status === undefined || code === '!!') {
        this.problems.set(rel, { level: 'force', why: status === undefined ? what : `${what}, and git ignores it (cannot give it back)` });
      } else if (code === '??') {
        this.problems.set(rel, { level: 'git', why: `${what}, and is untracked: git cannot give it back` });
      } else if (code !== undefined) {
        this.problems.set(rel, { level: 'git', why: `${what}, and has uncommitted changes (git status "${code}")` });
      } else if (!recorded) {
        this.problems.set(rel, { level: 'force', why: `${what} (git has it committed)` });
      } // else: recorded, and git has what it holds committed (e.g. by release)
    }
    if (this.record === undefined && !this.force) {
      const limit = LISTED + 1 - this.problems.size;
      const ignored = ignoredEntries(this.root, blobs, limit, this.guarded);
      for (const rel of ignored ?? unownedFiles(this.root, blobs, limit, this.guarded)) {
        const what = rel.endsWith('/') ? 'holds files synth did not write' : 'was not written by synth';
        this.problems.set(rel, { level: 'force', why: `${what}${ignored ? ', and git ignores it' : ''} (the folder has no ${OWNERSHIP_RECORD}): it would stay, unowned` });
      }
    }
    const blocking = [...this.problems].filter(([, p]) => p.level !== 'force' || !this.force).sort(([a], [b]) => compareText(a, b));
    if (blocking.length === 0) return;
    const lines = blocking.slice(0, LISTED).map(([rel, p]) => `  ${rel}: ${p.why}\n`);
    if (blocking.length > LISTED) lines.push(`  ... and more\n`);
    const levels = new Set(blocking.map(([, p]) => p.level));
    if (levels.has('never')) lines.push('Synth writes only regular files, through real folders, outside the program\'s folders: move what is in the way (--force does not change this).\n');
    if (levels.has('git')) lines.push('Commit or stash these changes first (--force does not change this: git could not give them back).\n');
    if (levels.has('force')) {
      lines.push(this.record === undefined
        ? 'Choose an empty or new folder; or, if synth should take this folder over (e.g. one synthesized by an older cdk8s-gitops, which kept no record), run once with --force: files at the paths synth writes are replaced, every other file stays as it is (synth never removes a file it did not write).\n'
        : 'Move these files away, or run with --force to replace them (every file not listed stays as it is).\n');
    }
    throw new GitOpsError(`${this.label}: refusing to write into ${this.root}, nothing was changed:\n${lines.join('')}`.trimEnd());
  }
}

/**
 * Up to `limit` paths of files (anything but a folder) under `root` that are not rendered
 * (rendered paths are checked one by one), sorted folder by folder; `.git` and synth's own
 * entries at the root, and the folders `skip`, are skipped.
 */
function unownedFiles(root: string, rendered: ReadonlyMap<string, string>, limit: number, skip: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const names = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name));
    for (const e of names) {
      if (out.length >= limit) return;
      if (rel === '' && (e.name === '.git' || e.name === STAGING_FOLDER || e.name === OWNERSHIP_RECORD)) continue;
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (skip.includes(child)) continue;
      if (e.isDirectory()) walk(child);
      else if (!rendered.has(child)) out.push(child);
    }
  };
  walk('');
  return out;
}

/**
 * In a git working tree, where what git tracks or shows as untracked stays without asking (a
 * GitOps repository's README, .github/, the program): up to `limit` of the entries git ignores
 * under `root` that are not rendered (`dir/` for a folder git ignores whole), sorted; synth's
 * own entries at the root and the folders `skip` are left out. Undefined outside a git working
 * tree, or when git ignores `root` itself (e.g. dist/ of a project): every file counts then,
 * as in a plain folder.
 */
function ignoredEntries(root: string, rendered: ReadonlyMap<string, string>, limit: number, skip: readonly string[]): string[] | undefined {
  if (!hasGitAbove(root)) return undefined;
  let git: Git;
  try {
    git = Git.open(root);
  } catch (e) {
    if (e instanceof InputError) return undefined; // inside .git, a bare repository
    throw e;
  }
  const entries = git.run(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']).split('\0').filter(e => e !== '');
  if (entries.includes('./')) return undefined;
  const ours = (e: string) => e.split('/')[0].startsWith('.cdk8s-gitops'); // the staging folder, and any name synth may use
  const skipped = (e: string) => skip.some(g => e.startsWith(`${g}/`)); // `dir/` when git ignores the folder whole
  return entries.filter(e => !rendered.has(e) && !ours(e) && !skipped(e)).sort(compareText).slice(0, Math.max(0, limit));
}

/**
 * `git status` of `rels` (relative to `root`) when `root` is inside a git working tree:
 * path -> two-letter status (`??` untracked, `!!` ignored, else changes); a path not in the
 * map is tracked and unchanged. Undefined outside a git working tree.
 */
function gitStatus(root: string, rels: readonly string[]): Map<string, string> | undefined {
  if (!hasGitAbove(root)) return undefined;
  let git: Git;
  try {
    git = Git.open(root);
  } catch (e) {
    if (e instanceof InputError) return undefined; // a .git that is not a working tree's (inside .git, a bare repository)
    throw e; // git cannot run: refuse rather than judge without it
  }
  // literal paths, or the whole folder when there are too many for one command line
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArrayDeclaration: both give the same codes for these paths (no path: all); the literal paths only keep the command line short
  const spec = rels.length <= 1000 ? rels : ['.'];
  const out = git.run(['--literal-pathspecs', '--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored', '--', ...spec]);
  const status = new Map<string, string>();
  const tokens = out.split('\0');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    // Stryker disable next-line ConditionalExpression: what is shorter is the empty string after the last entry, whose path is no path synth writes
    if (t.length < 4) continue;
    const code = t.slice(0, 2);
    const paths = [t.slice(3)];
    if (code[0] === 'R' || code[0] === 'C') paths.push(tokens[++i]); // the source of a rename or copy
    for (const p of paths) if (p.startsWith(git.prefix)) status.set(p.slice(git.prefix.length), code);
  }
  return status;
}

/** Whether `root` holds anything but `.git` and synth's own entries. */
function hasEntries(root: string): boolean {
  return fs.readdirSync(root).some(name => name !== '.git' && name !== STAGING_FOLDER && name !== OWNERSHIP_RECORD);
}

function statIfExists(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (e: any) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Remove `root` and the folders above it up to `first` (made by this run), while empty. */
function removeCreatedFolders(root: string, first: string): void {
  for (let d = root; ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
      // Stryker disable next-line BlockStatement: rmdir failed: the folder is not empty, so neither is any folder above it (each holds it)
    } catch {
      return;
    }
    if (d === first) return; // mkdirSync's answer: `root` or a folder above it
  }
}
