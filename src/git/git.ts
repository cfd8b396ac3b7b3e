import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hashHex } from '../core/hash';
import { GitOpsError, InputError } from '../core/errors';

/** What a git command printed and how it exited. */
export interface GitResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A git command failed; the message carries git's own stderr. */
export class GitError extends GitOpsError {
  constructor(public readonly args: readonly string[], public readonly result: GitResult) {
    super(`git ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim() || 'no output'}`);
    this.name = 'GitError';
  }
}

/**
 * The outcome of a push. A rejection says why, so that only a lost race is retried:
 *
 * - `moved`: the remote branch has commits the pushed one does not (`[rejected] (fetch first)`,
 *   `(non-fast-forward)`): someone pushed first, fetch and retry;
 * - `locked`: the remote could not lock or update its ref (`[remote rejected] (failed to update
 *   ref)`, `cannot lock ref`): a push that is landing at the same moment, or a lock file a
 *   crashed git left on the remote. Whether the branch moved tells them apart;
 * - `refused`: anything else (a hook declined, a protected branch, permissions): retrying
 *   cannot help.
 *
 * `message` is git's reason: the ref's status and what the remote printed.
 */
export type PushOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly rejected: 'moved' | 'locked' | 'refused'; readonly message: string };

/** A full sha1 or sha256 object id. */
const FULL_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** One entry of a tree listing. */
export interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
}

/**
 * The real `git` binary run in one working tree. Every method runs git synchronously; a
 * failing command throws {@link GitError} with git's stderr.
 */
export class Git {
  /**
   * Open the git working tree that contains `dir`.
   *
   * @throws InputError when `dir` does not exist or is not inside a git working tree
   */
  public static open(dir: string, flag = '--gitops-dir'): Git {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new InputError(`${flag}: ${JSON.stringify(dir)} is not a directory (clone the GitOps repository first)`);
    }
    const probe = new Git(dir);
    const r = probe.tryRun(['rev-parse', '--is-inside-work-tree', '--show-prefix', '--show-object-format']);
    if (r.status !== 0 || !r.stdout.startsWith('true')) {
      throw new InputError(`${flag}: ${JSON.stringify(dir)} is not inside a git working tree (${r.stderr.trim() || 'bare repository?'})`);
    }
    const [, prefix = '', format] = r.stdout.split('\n');
    const git = new Git(dir, prefix);
    git.format = format === 'sha256' ? 'sha256' : 'sha1';
    return git;
  }

  private format: 'sha1' | 'sha256' | undefined;
  private sign: boolean | undefined;
  /** Listings of full commit ids (a commit never changes). */
  private readonly trees = new Map<string, ReadonlyMap<string, TreeEntry>>();

  /**
   * @param cwd directory git runs in
   * @param prefix path of `cwd` inside the repository (`sub/dir/` or empty)
   */
  constructor(public readonly cwd: string, public readonly prefix = '') {}

  /** Run git; throw {@link GitError} unless it exits 0. Returns stdout. */
  public run(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = this.tryRun(args, options);
    if (r.status !== 0) throw new GitError(args, r);
    return r.stdout;
  }

  /** Run git and return its result whatever the exit code. */
  public tryRun(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): GitResult {
    const r = this.spawn(args, options);
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  }

  private spawn(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv }): { status: number; stdout: Buffer; stderr: string } {
    const r = spawnSync('git', args, {
      cwd: this.cwd,
      input: options.input,
      maxBuffer: 256 * 1024 * 1024,
      env: gitEnv(options.env),
    });
    if (r.error) throw cannotRun(args, r.error);
    return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
  }

  /** The full SHA of `rev`, or undefined when it does not exist. */
  public resolve(rev: string): string | undefined {
    const r = this.tryRun(['rev-parse', '-q', '--verify', `${rev}^{commit}`]);
    return r.status === 0 ? r.stdout.trim() : undefined;
  }

  /** The branch HEAD points to (`main`), or undefined when HEAD is detached. */
  public currentBranch(): string | undefined {
    const r = this.tryRun(['symbolic-ref', '-q', '--short', 'HEAD']);
    return r.status === 0 ? r.stdout.trim() : undefined;
  }

  /**
   * `git status --porcelain` lines of everything modified, staged or untracked (empty when
   * clean). It takes no optional locks, so it never holds the index lock.
   */
  public dirtyFiles(): string[] {
    const out = this.run(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=all', '--ignore-submodules=none']);
    return out.split('\n').filter(l => l.length > 0);
  }

  /** Whether `ancestor` is an ancestor of (or equal to) `descendant`. */
  public isAncestor(ancestor: string, descendant: string): boolean {
    const r = this.tryRun(['merge-base', '--is-ancestor', ancestor, descendant]);
    if (r.status > 1) throw new GitError(['merge-base', '--is-ancestor', ancestor, descendant], r);
    return r.status === 0;
  }

  /** URL of a remote, or undefined when there is no such remote. */
  public remoteUrl(remote: string): string | undefined {
    const r = this.tryRun(['remote', 'get-url', remote]);
    return r.status === 0 ? r.stdout.trim() : undefined;
  }

  /**
   * Fetch `branch` from `remote` into `refs/remotes/<remote>/<branch>` and return the fetched
   * SHA, or undefined when the remote has no such branch (an empty repository).
   */
  public fetchBranch(remote: string, branch: string): string | undefined {
    const args = ['fetch', '-q', '--no-tags', '--no-write-fetch-head', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`];
    const r = this.tryRun(args);
    if (r.status !== 0) {
      if (/couldn't find remote ref/i.test(r.stderr)) return undefined;
      throw new GitError(args, r);
    }
    return this.resolve(`refs/remotes/${remote}/${branch}`);
  }

  /**
   * Push `commit` to `refs/heads/<branch>` of `remote` (fast-forward only, no local hooks).
   * A rejection of the ref is returned, classified (see {@link PushOutcome}); a push that fails
   * before the remote decides (no such remote, no connection) throws.
   */
  public push(remote: string, commit: string, branch: string): PushOutcome {
    const args = ['push', '--porcelain', '--no-verify', remote, `${commit}:refs/heads/${branch}`];
    const r = this.tryRun(args);
    if (r.status === 0) return { ok: true };
    // porcelain: one line per ref, `!<TAB>from:to<TAB>[rejected] (reason)` for a rejected one
    const status = /^!\t[^\t]*\t(.*)$/m.exec(r.stdout)?.[1];
    if (status === undefined) throw new GitError(args, r);
    const said = r.stderr.split('\n').filter(l => l.startsWith('remote:')).map(l => l.slice('remote:'.length).trim()).filter(l => l !== '');
    const message = [status, ...said.map(l => `remote: ${l}`)].join('; ');
    if (/^\[rejected\] \((fetch first|non-fast-forward)\)$/.test(status)) return { ok: false, rejected: 'moved', message };
    if (/^\[remote rejected\] \((failed to update ref|failed to lock)\)$/.test(status) || said.some(l => /cannot lock ref/.test(l))) {
      return { ok: false, rejected: 'locked', message };
    }
    return { ok: false, rejected: 'refused', message };
  }

  /**
   * Absolute paths of files in the git directory (`MERGE_HEAD`, `index.lock`,
   * `refs/heads/main.lock`), as `git rev-parse --git-path` maps them: per working tree or in
   * the common directory of linked worktrees.
   */
  public gitPaths(names: readonly string[]): string[] {
    if (names.length === 0) return [];
    const out = this.run(['rev-parse', ...names.flatMap(n => ['--git-path', n])]).split('\n');
    return names.map((_, i) => path.resolve(this.cwd, out[i]));
  }

  /**
   * Sizes in bytes of several `rev:file` blobs (one `git cat-file --batch-check`), without
   * reading them; a file that does not exist, or is not a blob, is left out of the result.
   */
  public blobSizes(rev: string, files: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    if (files.length === 0) return out;
    const lines = this.run(['cat-file', '--batch-check'], { input: batchInput(rev, files) }).split('\n');
    files.forEach((file, i) => {
      const m = /^[0-9a-f]+ blob (\d+)$/.exec(lines[i] ?? '');
      if (m) out.set(file, Number(m[1]));
    });
    return out;
  }

  /**
   * Contents of several `rev:file` blobs at once (one `git cat-file --batch`); a file that does
   * not exist, or is not a blob, is left out of the result.
   */
  public showAll(rev: string, files: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    if (files.length === 0) return out;
    const args = ['cat-file', '--batch'];
    const r = this.spawn(args, { input: batchInput(rev, files) });
    if (r.status !== 0) throw new GitError(args, { status: r.status, stdout: '', stderr: r.stderr });
    const buf = r.stdout;
    let at = 0;
    for (const file of files) {
      const eol = buf.indexOf(10, at);
      if (eol < 0) throw new GitError(args, { status: r.status, stdout: '', stderr: `truncated output at ${file}` });
      const header = buf.toString('utf8', at, eol);
      at = eol + 1;
      const m = /^[0-9a-f]+ (\S+) (\d+)$/.exec(header);
      if (!m) continue; // "<object> missing" or "ambiguous"
      const size = Number(m[2]);
      if (m[1] === 'blob') out.set(file, buf.toString('utf8', at, at + size));
      at += size + 1;
    }
    return out;
  }

  /**
   * Every blob under `dir/` (or the whole tree when `dir` is empty) at `rev`, keyed by
   * repository path. Listings of a full commit id are cached (a commit never changes).
   */
  public listTree(rev: string, dir: string): ReadonlyMap<string, TreeEntry> {
    if (dir !== '' && !dir.endsWith('/')) dir = `${dir}/`;
    if (!FULL_ID.test(rev)) return this.readTree(rev, dir);
    const key = `${rev}\0${dir}`;
    let listing = this.trees.get(key);
    if (!listing) this.trees.set(key, listing = this.readTree(rev, dir));
    return listing;
  }

  /** The blobs under `dir` (a folder with `/`, or a list of paths: those files), or the whole tree when it is empty. */
  private readTree(rev: string, dir: string | readonly string[]): Map<string, TreeEntry> {
    const out = new Map<string, TreeEntry>();
    const args = ['ls-tree', '-r', '-z', '--full-tree', rev];
    if (dir.length > 0) args.push('--', ...(typeof dir === 'string' ? [dir] : dir));
    for (const line of this.run(args).split('\0')) {
      if (line === '') continue;
      const tab = line.indexOf('\t');
      const [mode, type, sha] = line.slice(0, tab).split(' ');
      out.set(line.slice(tab + 1), { mode, type, sha });
    }
    return out;
  }

  /**
   * Make a tree object: the tree of `base` with everything under each of `replace` (repository
   * folders) removed and `files` (repository path -> content) added. Writes blobs and trees
   * into the object database only: working tree, index and refs are untouched.
   *
   * Only what changed is written, in one `git fast-import`: blobs whose content the base
   * already has at that path are kept, new blobs are streamed in, and a scratch commit on top
   * of `base` deletes the removed paths and points the changed ones at their blobs; its root
   * tree is the result (the scratch commit is never referenced: no ref is written).
   */
  public buildTree(base: string | undefined, replace: readonly string[], files: ReadonlyMap<string, string>): string {
    const format = this.objectFormat();
    const folders = replace.map(r => (r.endsWith('/') ? r : `${r}/`));
    // the base entries that matter: under the replaced folders, and at the paths written
    const baseTree = new Map<string, TreeEntry>();
    if (base !== undefined) {
      for (const f of folders) for (const [p, e] of this.listTree(base, f)) baseTree.set(p, e);
      const outside = [...files.keys()].filter(p => !folders.some(f => p.startsWith(f)));
      if (outside.length > 0) for (const [p, e] of this.readTree(base, outside)) if (files.has(p)) baseTree.set(p, e);
    }
    const parts: string[] = [];
    const changes: string[] = [];
    // removals first, so that a path can turn from a file into a folder (or back)
    for (const p of baseTree.keys()) {
      if (!files.has(p) && folders.some(f => p.startsWith(f))) changes.push(`D ${fastImportPath(p)}\n`);
    }
    const marks = new Map<string, number>();
    for (const [p, content] of files) {
      const sha = blobSha(content, format);
      const e = baseTree.get(p);
      if (e !== undefined && e.sha === sha && e.mode === '100644') continue;
      let mark = marks.get(sha);
      if (mark === undefined) {
        marks.set(sha, mark = marks.size + 1);
        parts.push(`blob\nmark :${mark}\ndata ${Buffer.byteLength(content, 'utf8')}\n${content}\n`);
      }
      changes.push(`M 100644 :${mark} ${fastImportPath(p)}\n`);
    }
    if (base !== undefined && changes.length === 0) return this.treeOf(base);
    const commit = marks.size + 1;
    parts.push(`commit ${SCRATCH_REF}\nmark :${commit}\ncommitter cdk8s-gitops <cdk8s-gitops@localhost> 0 +0000\ndata 0\n`);
    if (base !== undefined) parts.push(`from ${base}\n`);
    parts.push(...changes, '\n', `ls :${commit} ""\n`, `reset ${SCRATCH_REF}\n\n`, 'done\n');
    const out = this.run(['fast-import', '--quiet', '--done', '--cat-blob-fd=1'], { input: parts.join('') });
    const m = /^040000 tree ([0-9a-f]+)\t/m.exec(out);
    // an empty root tree is reported "missing": write it
    return m ? m[1] : this.run(['mktree'], { input: '' }).trim();
  }

  /** Hash algorithm of the repository's object ids. */
  public objectFormat(): 'sha1' | 'sha256' {
    if (this.format === undefined) {
      const r = this.tryRun(['rev-parse', '--show-object-format']);
      this.format = r.status === 0 && r.stdout.trim() === 'sha256' ? 'sha256' : 'sha1';
    }
    return this.format;
  }

  /** The tree SHA of a commit. */
  public treeOf(commit: string): string {
    return this.run(['rev-parse', `${commit}^{tree}`]).trim();
  }

  /**
   * Create a commit object (no ref moves) and return its SHA. It is signed when git's
   * configuration asks for signed commits (`commit.gpgSign`; with `gpg.format`,
   * `user.signingKey` and the rest of git's signing settings), as `git commit` would sign it:
   * `git commit-tree` itself ignores `commit.gpgSign`.
   *
   * @throws GitOpsError when the commit should be signed and signing fails (no ref moved)
   */
  public commitTree(tree: string, parent: string | undefined, message: string): string {
    const args = ['commit-tree', tree];
    if (parent !== undefined) args.push('-p', parent);
    const sign = this.signsCommits();
    if (sign) args.push('-S');
    const r = this.tryRun(args, { input: message.endsWith('\n') ? message : `${message}\n` });
    if (r.status === 0) return r.stdout.trim();
    if (!sign) throw new GitError(args, r);
    const key = this.tryRun(['config', 'user.signingKey']).stdout.trim();
    const format = this.tryRun(['config', 'gpg.format']).stdout.trim() || 'openpgp';
    throw new GitOpsError(`cannot sign the commit: git's configuration asks for signed commits (commit.gpgSign is true; gpg.format ${format}, `
      + `user.signingKey ${key === '' ? 'unset' : JSON.stringify(key)}), and git commit-tree -S failed (exit ${r.status}): `
      + `${r.stderr.trim() || r.stdout.trim() || 'no output'}; nothing was committed (fix the signing setup, or set commit.gpgSign to false)`);
  }

  /** Whether git's configuration asks for signed commits (`commit.gpgSign`, read once). */
  private signsCommits(): boolean {
    if (this.sign === undefined) {
      const r = this.tryRun(['config', '--bool', 'commit.gpgSign']);
      // exit 1: not set
      if (r.status !== 0 && r.status !== 1) throw new GitError(['config', '--bool', 'commit.gpgSign'], r);
      this.sign = r.status === 0 && r.stdout.trim() === 'true';
    }
    return this.sign;
  }

  /** Commits that changed `file`, newest first, starting at `rev`: SHA and full message. */
  public fileHistory(rev: string, file: string): { sha: string; message: string }[] {
    const out = this.run(['log', '--format=%H%x00%B%x00', rev, '--', file]);
    const parts = out.split('\0');
    const commits: { sha: string; message: string }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      commits.push({ sha: parts[i].trim(), message: parts[i + 1] });
    }
    return commits.filter(c => c.sha !== '');
  }
}

/** What `git cat-file --batch` (or `--batch-check`) reads to name `rev:file` of each file. */
function batchInput(rev: string, files: readonly string[]): string {
  const broken = files.find(f => /[\n\r]/.test(f));
  if (broken !== undefined) throw new InputError(`paths with line breaks are not supported: ${JSON.stringify(broken)}`);
  return files.map(f => `${rev}:${f}\n`).join('');
}

/** The error of a git that could not be started. */
function cannotRun(args: readonly string[], e: Error): GitOpsError {
  return new GitOpsError(`cannot run git ${args.join(' ')}: ${e.message} (is git installed?)`);
}

/** The environment git runs with: never prompts, C locale messages. */
function gitEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

/** The branch a scratch commit is made on in `fast-import` (reset at once: never written). */
const SCRATCH_REF = 'refs/cdk8s-gitops/scratch';

/** A path as `git fast-import` reads it: C-quoted when it starts with a quote or holds a line break or backslash. */
function fastImportPath(p: string): string {
  if (!/^"|[\n\\"]/.test(p)) return p;
  return `"${p.replace(/[\\"]/g, c => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** The git blob id of `content`, as `git hash-object` computes it (`sha1` or `sha256` repositories). */
export function blobSha(content: string, objectFormat: 'sha1' | 'sha256' = 'sha1'): string {
  return hashHex(objectFormat, `blob ${Buffer.byteLength(content, 'utf8')}\0${content}`);
}
