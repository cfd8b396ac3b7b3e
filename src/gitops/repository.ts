import { compareText } from '../compare';
import { faultPoint } from '../fault-point';
import type { GitOpsApp, GitOpsAppProps } from '../gitops-app';
import type { Manifest } from '../manifest';
import { assertValid } from '../validate';
import { ReleaseState, RELEASE_FILE } from '../release';
import { CloneLock } from './clone-lock';
import { GitOpsError, InputError, PushedNotLandedError } from './errors';
import { fastForward } from './fast-forward';
import { blobSha, Git, TreeEntry } from './git';
import { preflight } from './preflight';
import { checkReleaseEntries } from './release-entries';
import { assertReleaseFileSize, parseReleaseFile, sameRelease } from './release-file';

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

/** What the render of one environment gives. */
export interface EnvironmentRender {
  /** The effective release state of the environment (what its workloads run). */
  readonly state: ReleaseState;
  /** The environment's files, keyed by path relative to the GitOps directory (`dev/...`). */
  readonly files: Map<string, string>;
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
   * Open and check a GitOps working tree, and take its lock. Whether the tree is clean is
   * checked in the background (`git status` of a large tree takes a while):
   * {@link assertClean} gives the verdict, and every flow awaits it before it writes anything.
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
      const clean = git.dirtyFiles().then(dirty => {
        if (dirty.length === 0) return undefined;
        const shown = dirty.slice(0, 10).map(l => `  ${l}`).join('\n');
        return new GitOpsError(`${options.dir}: the working tree is not clean; commit or discard these changes first:\n${shown}${dirty.length > 10 ? `\n  ... and ${dirty.length - 10} more` : ''}`);
      }, (e: Error) => e);
      return new GitOpsRepository(git, branch, remote, clean, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private constructor(public readonly git: Git, public readonly branch: string, public readonly remote: string,
    private readonly clean: Promise<Error | undefined>, private readonly lock: CloneLock) {}

  /**
   * Run `use` on the opened repository (see {@link open}) and give the clone's lock up
   * afterwards, whatever happens.
   */
  public static async with<T>(options: Pick<RepositoryOptions, 'dir' | 'push' | 'remote' | 'log'>, use: (repo: GitOpsRepository) => Promise<T>): Promise<T> {
    const repo = GitOpsRepository.open(options);
    try {
      return await use(repo);
    } finally {
      await repo.clean; // git status may still run (its outcome is a value, never a rejection)
      repo.close();
    }
  }

  /** Give the clone's lock up. */
  public close(): void {
    this.lock.release();
  }

  /**
   * Resolves when the working tree was clean (nothing modified, staged or untracked) when the
   * repository was opened.
   *
   * @throws GitOpsError listing the changes, when it was not
   */
  public async assertClean(): Promise<void> {
    const problem = await this.clean;
    if (problem) throw problem;
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
    const p = this.repoPath(`${env}/${RELEASE_FILE}`);
    const size = this.git.blobSizes(rev, [p]).get(p);
    if (size === undefined) return undefined;
    const source = `${p} at ${rev.slice(0, 12)}`;
    assertReleaseFileSize(size, source);
    return parseReleaseFile(this.git.show(rev, p), { environment: env, source });
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
  const releases: Record<string, ReleaseState> = {};
  if (rev === undefined) return releases;
  const prefix = git.prefix;
  // the folders directly under the GitOps directory, then their release files
  const folders = git.run(['ls-tree', '-z', '-d', '--full-tree', rev, '--', prefix === '' ? '.' : prefix])
    .split('\0').filter(l => l !== '').map(l => l.slice(l.indexOf('\t') + 1))
    .filter(p => prefix === '' || p.startsWith(prefix));
  // sizes first: an oversized file is refused without reading it
  const sizes = git.blobSizes(rev, folders.map(f => `${f}/${RELEASE_FILE}`));
  const source = (p: string) => `${p} at ${rev.slice(0, 12)}`;
  for (const [p, size] of sizes) assertReleaseFileSize(size, source(p));
  const found = git.showAll(rev, [...sizes.keys()]);
  for (const p of [...found.keys()].sort()) {
    const env = p.slice(prefix.length).split('/')[0];
    releases[env] = parseReleaseFile(found.get(p)!, { environment: env, source: source(p) });
  }
  return releases;
}

/**
 * Render the files of one environment of `app` (with the release state it renders now), or of
 * those files only that `only` accepts.
 *
 * @throws InputError when the app has no environment `env`
 */
export function renderEnvironment(app: GitOpsApp, env: string, flag = '--env', only?: (file: string) => boolean): EnvironmentRender {
  requireEnvironment(app, env, flag);
  app._build([env]);
  return environmentFiles(app, env, app._manifests({ folders: f => within(f, env), files: only }), only);
}

function within(folder: string, env: string): boolean {
  return folder === env || folder.startsWith(`${env}/`);
}

/** The part of the output a change to `env` is checked on: the manifests of `env` and of the folders every environment shares, and the other environments' folders. */
interface CheckedPart {
  readonly manifests: Manifest[];
  readonly outsideFolders: string[];
  /** The manifests of the whole output, every environment built (when the checks of the part find something). */
  readonly whole: () => Manifest[];
}

/**
 * The other environments' files don't change: the checks of a change to `env` get the rest.
 * The others are those of the app and those the repository has a release file of; the app
 * builds only `env` (and what every environment shares) unless the checks need the whole.
 */
function checkedPart(app: GitOpsApp, env: string, known: Iterable<string>): CheckedPart {
  const others = [...new Set([...app.environments, ...known])].filter(e => e !== env).sort();
  const inOther = (folder: string) => others.some(e => within(folder, e));
  app._build([env]);
  return { manifests: app._manifests({ folders: f => !inOther(f) }), outsideFolders: others, whole: () => app.manifests() };
}

/** Run the checks of a change on its part; a finding there is re-checked on the whole output, which decides. */
function runChecks(part: CheckedPart, validate: (manifests: readonly Manifest[], context: ValidateContext) => void, unchanged: ReadonlySet<string>): void {
  try {
    validate(part.manifests, { outsideFolders: part.outsideFolders, unchanged });
  } catch (e) {
    // a finding may come from what the part does not see
    if (part.outsideFolders.length === 0) throw e;
    validate(part.whole(), { outsideFolders: [], unchanged });
  }
}

/** The files of `env` (paths relative to the GitOps directory) from its manifests (others are ignored), plus its release file. */
function environmentFiles(app: GitOpsApp, env: string, manifests: readonly Manifest[], only?: (file: string) => boolean): EnvironmentRender {
  const entries = [...app.fileEntries(manifests.filter(m => m.path.startsWith(`${env}/`)), [env])];
  const files = new Map(entries.filter(([p]) => only === undefined || only(p)).sort(([a], [b]) => compareText(a, b)));
  return { state: app.releases.stateOf(env), files };
}

/** Throw an InputError naming `flag` unless `env` is an environment of `app`. */
export function requireEnvironment(app: GitOpsApp, env: string, flag: string): void {
  if (app.environments.includes(env)) return;
  throw new InputError(`${flag}: ${JSON.stringify(env)} is not an environment of the app (environments: ${app.environments.join(', ') || 'none'})`);
}

/** How a release flow tells to drop unknown release entries: deliberately, in a commit of its own, not inside a release. */
const PRUNE_FIRST = 'drop it in a commit of its own first (`cdk8s-gitops synth --gitops-dir DIR --prune-releases`, review, commit)';

/** A change to one environment computed on top of a base commit. */
export interface PreparedChange {
  /** The new commit (parent: the base), not yet on any branch. */
  readonly commit: string;
  /** Release state before and after. */
  readonly before: ReleaseState;
  readonly after: ReleaseState;
  /** Files of the environment that changed (paths relative to the GitOps directory). */
  readonly changedFiles: string[];
}

/** What an intent makes of the current state of an environment: a new state and commit message, or nothing to do. */
export type Intent = (current: ReleaseState, base: string | undefined) => { readonly state: ReleaseState; readonly message: string } | undefined;

/**
 * Apply `intent` to environment `env` at `base`: load every environment's release state
 * there (so the other environments keep their tags), check the repository was up to date
 * with the program, render the new state, run the manifest checks (as synth does, see
 * `RepositoryOptions.validate`) and make a commit that replaces only the environment's folder.
 * Nothing but the object database is written.
 *
 * The program is constructed once and builds only `env` (and what every environment shares):
 * its images follow the release state, so the new state is rendered first, and the current
 * state only for the files that change (each must be exactly what the repository holds).
 *
 * @returns the prepared commit, or undefined when the intent changes nothing
 */
export async function prepareChange(repo: GitOpsRepository, options: Pick<RepositoryOptions, 'createApp' | 'validate'>, base: string | undefined, env: string, intent: Intent, flag = '--env'): Promise<PreparedChange | undefined> {
  const validate = options.validate === false ? undefined : options.validate ?? ((manifests, context) => { assertValid(manifests, context); });
  const releases = repo.releasesAt(base);
  const app = options.createApp({ releases });
  requireEnvironment(app, env, flag);
  app._build([env]);
  if (releases[env]) checkReleaseEntries(releases[env], app.releases.stateOf(env), { source: `${repo.repoPath(`${env}/${RELEASE_FILE}`)} at ${base!.slice(0, 12)}`, pruneHint: PRUNE_FIRST });

  const before = app.releases.stateOf(env);
  const wanted = intent(before, base);
  if (wanted === undefined || sameRelease(wanted.state, before)) return undefined;
  app.releases.use({ ...releases, [env]: wanted.state });
  const part = checkedPart(app, env, Object.keys(releases));
  const next = environmentFiles(app, env, part.manifests);
  checkApplied(env, next.state, wanted.state);
  const tree = repo.envTree(base, env);
  const format = repo.git.objectFormat();
  const changedFiles: string[] = [];
  const unchanged = new Set<string>();
  for (const [rel, content] of next.files) {
    if (tree.get(repo.repoPath(rel))?.sha === blobSha(content, format)) unchanged.add(rel);
    else changedFiles.push(rel);
  }
  changedFiles.sort();
  const commit = await commitWhile(commitEnvironment(repo, base, env, next.files, wanted.message), () => {
    if (validate) runChecks(part, validate, unchanged);
    // Up to date: every file the change touches is, at base, what the current state renders.
    app.releases.use(releases);
    const changed = new Set(changedFiles);
    const current = renderEnvironment(app, env, flag, file => changed.has(file));
    repo.assertUpToDate(base, env, current.files, new Set(next.files.keys()), tree);
  });
  return { commit, before, after: next.state, changedFiles };
}

/**
 * The commit git writes (on the other core) while `checks` run; when they throw, the commit
 * is left unused (an unreferenced object) and their error is thrown.
 */
async function commitWhile(commit: Promise<string>, checks: () => void): Promise<string> {
  try {
    checks();
  } catch (e) {
    await commit.catch(() => undefined);
    throw e;
  }
  return commit;
}

/** A commit on `base` whose folder of `env` holds exactly `files` (paths relative to the GitOps directory). */
async function commitEnvironment(repo: GitOpsRepository, base: string | undefined, env: string, files: ReadonlyMap<string, string>, message: string): Promise<string> {
  const tree = await repo.git.buildTree(base, [repo.repoPath(`${env}/`)], new Map([...files].map(([rel, content]) => [repo.repoPath(rel), content])));
  const commit = repo.git.commitTree(tree, base, message);
  faultPoint('release:committed');
  return commit;
}

function checkApplied(env: string, runs: ReleaseState, wanted: ReleaseState): void {
  if (!sameRelease(runs, wanted)) {
    throw new GitOpsError(`the program did not apply the release state of ${env}: it runs ${JSON.stringify(runs.services)} instead of ${JSON.stringify(wanted.services)} (its workloads must bind their images to the release state: WebService does, other workloads use app.releases.bind(...))`);
  }
}

/** The outcome of {@link publish}. */
export interface PublishResult {
  /** The commit the branch now points to (the new commit, or the unchanged base on a no-op). */
  readonly commit: string | undefined;
  /** The prepared change, or undefined when there was nothing to do. */
  readonly change?: PreparedChange;
  /** Whether the commit was pushed. */
  readonly pushed: boolean;
  /** How many times the change was prepared (1 + retries after rejected pushes). */
  readonly attempts: number;
}

/** How often a push the remote could not lock its ref for is tried again while the remote branch does not move (then the lock is taken for stale). */
const LOCKED_RETRIES = 3;

/**
 * Prepare a change with `prepare` and land it on the current branch, atomically:
 *
 * - the commit is built aside (object database only) on top of the base;
 * - with `push`, the base is the freshly fetched remote branch; the commit is pushed first and
 *   only then is the local branch fast-forwarded to it. A push rejected because someone pushed
 *   first fetches the new tip and calls `prepare` again on it (re-rendering the intent, not
 *   rebasing text), up to `retries` times with jittered exponential backoff. A push the remote
 *   could not lock its ref for is tried again while the branch does not move, then refused as a
 *   stale lock; any other rejection (a hook, a protected branch) ends at once with git's reason;
 * - without `push`, the local branch, index and working tree are fast-forwarded to the commit;
 * - with `push` and nothing to do, a local branch behind the remote one (a previous run pushed
 *   and was interrupted before it updated it) is fast-forwarded to it, and `log` says so.
 *
 * Until that final fast-forward the working tree, index and branch are untouched, so any
 * failure (bad input, a validation finding, a killed process, a push that gives up) leaves them
 * exactly as they were. A pushed commit the local branch cannot be brought to ends in a
 * {@link PushedNotLandedError} (exit code 3).
 */
export async function publish(repo: GitOpsRepository, options: RepositoryOptions, prepare: (base: string | undefined) => Promise<PreparedChange | undefined>): Promise<PublishResult> {
  const git = repo.git;
  const log = options.log ?? (() => undefined);
  const retries = options.retries ?? 10;
  const backoff = options.backoff ?? defaultBackoff;
  const target = `${repo.remote}/${repo.branch}`;
  const start = repo.head();
  let base = start;
  let unpushedLocal = false;
  if (options.push) {
    const tip = git.fetchBranch(repo.remote, repo.branch);
    faultPoint('release:fetched');
    if (tip !== undefined) {
      if (start === undefined || git.isAncestor(start, tip)) {
        base = tip;
      } else if (git.isAncestor(tip, start)) {
        unpushedLocal = start !== tip;
      } else {
        throw new GitOpsError(`branch ${repo.branch} has diverged from ${target} (${start.slice(0, 12)} vs ${tip.slice(0, 12)}): reconcile them first (e.g. \`git pull --rebase\`)`);
      }
    }
  }
  for (let attempt = 1; ; attempt++) {
    const change = await prepare(base);
    await repo.assertClean();
    faultPoint('release:prepared');
    const behind = base !== start && base !== undefined
      ? `${repo.branch} was behind ${target} (a previous run pushed and was interrupted before it updated ${repo.branch}, or someone else pushed)` : undefined;
    if (change === undefined) {
      if (behind !== undefined) {
        fastForward(git, base!);
        log(`${behind}: fast-forwarded it to ${base!.slice(0, 12)}`);
      }
      return { commit: base, pushed: false, attempts: attempt };
    }
    if (!options.push) {
      fastForward(git, change.commit);
      return { commit: change.commit, change, pushed: false, attempts: attempt };
    }
    let outcome = git.push(repo.remote, change.commit, repo.branch);
    for (let locked = 1; !outcome.ok && outcome.rejected === 'locked'; locked++) {
      // someone's push holds the remote's ref lock right now (then the branch moves), or a crashed git left it
      if (git.fetchBranch(repo.remote, repo.branch) !== base) break;
      if (locked > LOCKED_RETRIES) {
        throw new GitOpsError(`push to ${target} failed: the remote could not lock ${repo.branch} (${outcome.message}), and ${repo.branch} did not move in ${LOCKED_RETRIES} retries: `
          + `most likely a lock file a crashed git process left in the remote repository (refs/heads/${repo.branch}.lock); whoever runs the remote can remove it once no push is running. `
          + 'Nothing was pushed and nothing was changed locally');
      }
      await sleep(backoff(locked));
      outcome = git.push(repo.remote, change.commit, repo.branch);
    }
    if (outcome.ok) {
      faultPoint('release:pushed');
      land(repo, change.commit);
      if (behind !== undefined) log(`${behind}: fast-forwarded it to ${base!.slice(0, 12)} and the new commit`);
      return { commit: change.commit, change, pushed: true, attempts: attempt };
    }
    if (outcome.rejected === 'refused') {
      throw new GitOpsError(`push to ${target} was refused: ${outcome.message}. Nothing was pushed and nothing was changed locally`);
    }
    if (attempt > retries) {
      throw new GitOpsError(`push to ${target} gave up after ${attempt} attempt(s): the remote kept moving (last rejection: ${outcome.message}); nothing was changed locally, run the command again`);
    }
    if (unpushedLocal) {
      throw new GitOpsError(`push to ${target} was rejected because the remote moved, and local ${repo.branch} has unpushed commits that cannot be re-rendered: push or drop them first (nothing was changed)`);
    }
    const wait = Math.round(backoff(attempt));
    log(`push rejected (someone pushed first); fetching and re-rendering onto the new tip in ${wait} ms (attempt ${attempt + 1} of ${retries + 1})`);
    await sleep(wait);
    base = git.fetchBranch(repo.remote, repo.branch);
  }
}

/** After a push: the remote-tracking branch and the local branch to the pushed commit, or a {@link PushedNotLandedError} saying what is where. */
function land(repo: GitOpsRepository, commit: string): void {
  const git = repo.git;
  try {
    git.run(['update-ref', `refs/remotes/${repo.remote}/${repo.branch}`, commit]);
    faultPoint('release:tracking-updated');
    fastForward(git, commit);
  } catch (e: any) {
    throw new PushedNotLandedError(`pushed ${commit.slice(0, 12)} to ${repo.remote}/${repo.branch}, but local ${repo.branch} was not updated: ${e?.message ?? e}. `
      + `The change is on ${repo.remote}; once that is fixed, \`git pull --ff-only\` brings ${repo.branch} up to date (so does running release again: it finds nothing left to do)`, commit);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** Jittered exponential backoff: about 100 ms, 200 ms, 400 ms ... capped at 3 s, times 0.5 to 1.5. */
export function defaultBackoff(attempt: number): number {
  return Math.min(3000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random());
}
