import type { GitOpsApp, GitOpsAppProps } from '../app/gitops-app';
import type { Manifest } from '../core/manifest';
import { assertReleaseFileSize, parseReleaseFile, ReleaseState, RELEASE_FILE } from '../release/release';
import { shellQuote } from '../core/shell-quote';
import { CloneLock } from '../git/clone-lock';
import { Provenance } from '../git/commit-message';
import { GitOpsError } from '../core/errors';
import { blobSha, Git, TreeEntry } from '../git/git';
import { preflight } from '../git/preflight';

/** A cdk8s-gitops program: `createApp(props)` as exported by the `--app` module. */
export type CreateApp = (props: GitOpsAppProps) => GitOpsApp;

/** Options every repository-changing flow (release, promote, rollback) shares. */
export interface RepositoryOptions {
  /** The GitOps working tree (a clone), or a folder inside it that holds the environment folders. */
  readonly dir: string;
  /** The program that renders the repository. */
  readonly createApp: CreateApp;
  /** Push the result to `remote` (with retries when someone pushed first). @default false */
  readonly push?: boolean;
  /** Remote to fetch from and push to. @default 'origin' */
  readonly remote?: string;
  /** How often a rejected push is re-rendered and retried. @default 10 */
  readonly retries?: number;
  /**
   * Checks the rendered manifests must pass before anything is committed; throw to refuse.
   * `false` skips them. They get the changed environment's manifests plus those of the
   * folders every environment shares (Argo CD); `outsideFolders` lists the other
   * environments' folders, which are not passed, and `unchanged` the files the change leaves as
   * the repository has them. When the checks throw on that part, the other environments are
   * built too and the checks run again on the whole output; only a throw there refuses the change.
   * @default - the checks synth runs (`assertValid`: schema, cross-references, policy), the
   *   schema check skipping the unchanged files
   */
  readonly validate?: ((manifests: readonly Manifest[], context: ValidateContext) => void) | false;
  /** Progress messages (e.g. push retries), one line each. @default - none */
  readonly log?: (line: string) => void;
  /** Backoff between push attempts: milliseconds to wait before retry `attempt` (1-based). @default jittered exponential, 100 ms to 3 s */
  readonly backoff?: (attempt: number) => number;
  /** Where the change comes from, written as trailers into each commit (see `Provenance`). @default - none */
  readonly provenance?: Provenance;
}

/** What the checks of a change are told besides the manifests. */
export interface ValidateContext {
  /**
   * Folders of the output whose manifests are not passed, each with everything under it: the
   * other environments' (empty when the manifests are the whole output).
   */
  readonly outsideFolders: readonly string[];
  /**
   * Files (paths relative to the GitOps directory) the change leaves exactly as the repository
   * has them: checks of each object on its own may skip them (the default checks skip their
   * schema check), checks across objects must still see them.
   */
  readonly unchanged: ReadonlySet<string>;
}

/**
 * A GitOps working tree checked for the preconditions of a change (see `preflight`): inside a
 * git repository, no git operation in progress, no lock file left behind, on a branch (not
 * detached), not behind its upstream, clean (nothing modified, staged or untracked), and, when
 * pushing, with the remote configured. It holds the clone's lock (see {@link CloneLock}) until
 * {@link close}: another cdk8s-gitops command in the same clone is refused meanwhile.
 */
export class GitOpsRepository {
  /**
   * Open and check a GitOps working tree (see `preflight`; and the working tree must be clean),
   * and take its lock.
   *
   * @throws InputError when `dir` is not a git working tree
   * @throws GitOpsError when another cdk8s-gitops command changes the clone, or the clone is not
   *   in a state a change can start from
   */
  public static open(options: Pick<RepositoryOptions, 'dir' | 'push' | 'remote' | 'log'>): GitOpsRepository {
    const git = Git.open(options.dir);
    const log = options.log ?? (() => undefined);
    const lock = CloneLock.acquire(git, options.dir, log);
    try {
      const remote = options.remote ?? 'origin';
      const branch = preflight(git, { dir: options.dir, push: options.push, remote, log });
      const dirty = git.dirtyFiles();
      if (dirty.length > 0) {
        const shown = dirty.slice(0, 10).map(l => `  ${l}`).join('\n');
        throw new GitOpsError(`${options.dir}: the working tree is not clean; commit or discard these changes first:\n${shown}${dirty.length > 10 ? `\n  ... and ${dirty.length - 10} more` : ''}`);
      }
      return new GitOpsRepository(git, branch, remote, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private constructor(public readonly git: Git, public readonly branch: string, public readonly remote: string,
    private readonly lock: CloneLock) {}

  /**
   * Run `use` on the opened repository (see {@link open}) and give the clone's lock up
   * afterwards, whatever happens.
   */
  public static async with<T>(options: Pick<RepositoryOptions, 'dir' | 'push' | 'remote' | 'log'>, use: (repo: GitOpsRepository) => Promise<T>): Promise<T> {
    const repo = GitOpsRepository.open(options);
    try {
      return await use(repo);
    } finally {
      repo.close();
    }
  }

  /** Give the clone's lock up. */
  public close(): void {
    this.lock.release();
  }

  /** Repository path of a path relative to the GitOps directory. */
  public repoPath(rel: string): string {
    return `${this.git.prefix}${rel}`;
  }

  /** The commit HEAD is at, or undefined on an unborn branch. */
  public head(): string | undefined {
    return this.git.resolve('HEAD');
  }

  /**
   * The commit a change starts from: HEAD, or with `push` the remote branch (fetched now) when
   * HEAD has no commit it lacks; undefined on an unborn branch with nothing to fetch.
   */
  public startingPoint(push: boolean | undefined): string | undefined {
    const head = this.head();
    if (!push) return head;
    const tip = this.git.fetchBranch(this.remote, this.branch);
    return tip !== undefined && (head === undefined || this.git.isAncestor(head, tip)) ? tip : head;
  }

  /**
   * Why a change cannot start on an unborn branch with nothing to fetch (e.g. a clone of a
   * repository whose HEAD names a branch it lacks): nothing is checked out. Names the remote's
   * branches to check out instead, and how to bootstrap an empty repository.
   */
  public nothingCheckedOut(): string {
    const dir = shellQuote(this.git.cwd);
    const others = this.git.run(['for-each-ref', '--format=%(refname:lstrip=3)', `refs/remotes/${this.remote}/`]).split('\n').filter(b => b !== '' && b !== 'HEAD');
    const checkout = others.length > 0
      ? `check out the branch that holds the GitOps repository (${this.remote} has ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''}: \`git -C ${dir} checkout ${others.includes('main') ? 'main' : others[0]}\`)`
      : `bootstrap the repository: \`cdk8s-gitops synth --gitops-dir ${dir}\`, then commit and push what it wrote`;
    return `${this.git.cwd}: nothing checked out: branch ${this.branch} has no commit${others.length === 0 ? ` (and ${this.remote} has no branch)` : ''}; ${checkout} (nothing was changed)`;
  }

  /**
   * The release state of every environment at `rev`: each `<env>/release.yaml` directly under
   * the GitOps directory.
   *
   * @throws GitOpsError when a release file is malformed
   */
  public releasesAt(rev: string | undefined): Record<string, ReleaseState> {
    return releasesAt(this.git, rev);
  }

  /** The release state of one environment at `rev`, or undefined when `rev` has no release file there. */
  public releaseAt(rev: string, env: string): ReleaseState | undefined {
    return readReleaseFiles(this.git, rev, [this.repoPath(`${env}/${RELEASE_FILE}`)])[env];
  }

  /** The commit that last changed the release file of `env` as of `rev` (its id and message), or undefined when none did. */
  public lastRelease(rev: string, env: string): { readonly sha: string; readonly message: string } | undefined {
    const [sha, message = ''] = this.git.run(['log', '-1', '--format=%H%x00%B', rev, '--', this.repoPath(`${env}/${RELEASE_FILE}`)]).split('\0');
    return sha.trim() === '' ? undefined : { sha: sha.trim(), message };
  }

  /** The blobs of environment `env` at `rev` (none without a commit), keyed by repository path. */
  public envTree(rev: string | undefined, env: string): ReadonlyMap<string, TreeEntry> {
    return rev === undefined ? new Map() : this.git.listTree(rev, this.repoPath(env));
  }

  /**
   * Throw unless the files of `env` at `rev` are exactly `files` (what the app renders from
   * the release state at `rev`). A release only moves tags: when the repository is out of date
   * with the program, the program change must go through synth and review first.
   */
  public assertUpToDate(rev: string | undefined, env: string, files: ReadonlyMap<string, string>, paths: ReadonlySet<string> = new Set(files.keys()),
    listing?: ReadonlyMap<string, TreeEntry>): void {
    const tree = listing ?? this.envTree(rev, env);
    const problems: string[] = [];
    for (const [rel, content] of files) {
      const entry = tree.get(this.repoPath(rel));
      if (entry === undefined) problems.push(`missing ${rel}`);
      else if (entry.sha !== blobSha(content, this.git.objectFormat())) problems.push(`differs ${rel}`);
    }
    for (const p of tree.keys()) {
      const rel = p.slice(this.git.prefix.length);
      if (!paths.has(rel)) problems.push(`extra   ${rel}`);
    }
    if (problems.length > 0) {
      throw new GitOpsError(`${this.repoPath(env)}/ is out of date with the program (${problems.length} file(s)); a release only changes image tags. `
        + `Render the program into the repository first (\`cdk8s-gitops diff --gitops-dir DIR --env ${env}\` shows the change; synth it and commit through review):\n`
        + problems.slice(0, 10).map(p => `  ${p}`).join('\n') + (problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''));
    }
  }
}

/**
 * The release state of every environment at `rev` (none for an unborn branch): each
 * `<env>/release.yaml` directly under the GitOps directory `git` works in.
 *
 * @throws GitOpsError when a release file is malformed
 */
export function releasesAt(git: Git, rev: string | undefined): Record<string, ReleaseState> {
  if (rev === undefined) return {};
  const prefix = git.prefix;
  // the folders directly under the GitOps directory, then their release files
  const folders = git.run(['ls-tree', '-z', '-d', '--full-tree', rev, '--', prefix === '' ? '.' : prefix])
    .split('\0').filter(l => l !== '').map(l => l.slice(l.indexOf('\t') + 1))
    .filter(p => prefix === '' || p.startsWith(prefix));
  return readReleaseFiles(git, rev, folders.map(f => `${f}/${RELEASE_FILE}`));
}

/**
 * The release states in the release files `files` (`<env>/release.yaml` repository paths) at
 * `rev` that exist, keyed by environment, sorted.
 *
 * @throws GitOpsError when a release file is malformed or too large (refused before it is read)
 */
function readReleaseFiles(git: Git, rev: string, files: readonly string[]): Record<string, ReleaseState> {
  const releases: Record<string, ReleaseState> = Object.create(null); // keyed by folder names: `constructor` is not an environment
  // sizes first: an oversized file is refused without reading it
  const sizes = git.blobSizes(rev, files);
  const source = (p: string) => `${p} at ${rev.slice(0, 12)}`;
  for (const [p, size] of sizes) assertReleaseFileSize(size, source(p));
  const found = git.showAll(rev, [...sizes.keys()]);
  for (const p of [...found.keys()].sort()) {
    const env = p.slice(git.prefix.length).split('/')[0];
    releases[env] = parseReleaseFile(found.get(p)!, { environment: env, source: source(p) });
  }
  return releases;
}

