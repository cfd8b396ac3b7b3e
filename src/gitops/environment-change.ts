import { didYouMean } from '../core/closest-name';
import { compareText } from '../core/compare';
import { faultPoint } from '../core/fault-point';
import type { GitOpsApp } from '../app/gitops-app';
import type { Manifest } from '../core/manifest';
import { ReleaseState, RELEASE_FILE } from '../release/release';
import { repositoryFiles } from '../app/repository-layout';
import { clusterLabel, differingServices, EnvironmentRelease, sameSplit } from '../release/environment-release';
import { own } from '../core/own';
import { assertValid } from '../validate';
import { CommitMessage, Provenance, renderCommitMessage } from '../git/commit-message';
import { GitOpsError, InputError } from '../core/errors';
import { blobSha, TreeEntry } from '../git/git';
import { OWNERSHIP_RECORD, parseOwnershipRecord, renderOwnershipRecord } from '../git/ownership-record';
import { checkReleaseEntries, knownClusters } from './release-entries';
import { CreateApp, GitOpsRepository, ValidateContext } from './repository';

/**
 * A change to one environment of a GitOps repository, as one pipeline (release, promote and
 * rollback are intents run through it):
 *
 *   1. read     the release state of every environment at the base commit; the program
 *               constructed with it, building only the changed environment
 *   2. compute  the next release state of the environment (the intent)
 *   3. render   the environment with the next state: the program constructed again with it
 *               (an app's release state never changes; a change compares two apps' renders)
 *   4. check    the manifests (as synth checks them), and that the repository was up to date
 *               with the program (the files the change touches are what the current state renders)
 *   5. commit   a commit on the base that replaces the environment's folder (object database only)
 *
 * With `cluster` (`--cluster NAME`), the change is staged in one cluster of the environment: the
 * intent gets what that cluster runs and its result becomes the cluster's entries of the release
 * state; the commit changes only the cluster's folder and the release file. Pushing and landing
 * the commit is `publish`'s job.
 */

/** Commit trailer naming the cluster a change was staged in (`--cluster`). */
export const CLUSTER_TRAILER = 'Cluster';

/**
 * What an intent makes of the current release of an environment (of one cluster of it, for a
 * change staged with `cluster`: then it is the cluster's view, `env/cluster`, what the cluster
 * runs and the splits it takes): the next release and its commit message, or nothing to do.
 * `clusters` lists every cluster of the environment for a change of the whole environment
 * (empty for an environment in one cluster, and for a change staged in one cluster).
 */
export type Intent = (current: EnvironmentRelease, base: string | undefined, clusters: readonly string[]) => { readonly release: EnvironmentRelease; readonly message: CommitMessage } | undefined;

/** What the pipeline needs besides the repository. */
export interface ChangeOptions {
  /** The program. */
  readonly createApp: CreateApp;
  /**
   * The manifest checks (see `RepositoryOptions.validate`); `false` skips them.
   * @default - the checks synth runs
   */
  readonly validate?: ((manifests: readonly Manifest[], context: ValidateContext) => void) | false;
  /** Provenance trailers of the commit. @default - none */
  readonly provenance?: Provenance;
  /**
   * Stage the change in this cluster of the environment only (`--cluster`): the intent works on
   * what the cluster runs, the result is recorded as the cluster's entries of the release state.
   * @default - the whole environment (every cluster)
   */
  readonly cluster?: string;
}

/** A change to one environment computed on top of a base commit. */
export interface PreparedChange {
  /** The new commit (parent: the base), not yet on any branch. */
  readonly commit: string;
  /** The environment's release before and after. */
  readonly before: EnvironmentRelease;
  readonly after: EnvironmentRelease;
  /** Files of the environment that changed (paths relative to the GitOps directory). */
  readonly changedFiles: string[];
}

/**
 * Run the pipeline (see the module doc) for environment `env` at `base`. Nothing but the object
 * database is written.
 *
 * @param flag the flag that named the environment, for errors
 * @returns the prepared commit, or undefined when the intent changes nothing
 */
export function prepareChange(repo: GitOpsRepository, options: ChangeOptions, base: string | undefined, env: string, intent: Intent, flag = '--env'): PreparedChange | undefined {
  if (base === undefined) throw new GitOpsError(repo.nothingCheckedOut());
  // 1. read: the release states at the base, the program constructed with them, what env runs
  const releases = repo.releasesAt(base);
  const { app: current, before } = buildFor(repo, options.createApp, releases, base, env, flag);
  const cluster = options.cluster;
  if (cluster !== undefined) requireCluster(current, env, cluster);
  // 2. compute: the next release state of env
  const clusters = clustersOf(current, env);
  const wanted = intent(before.view(cluster), base, cluster === undefined ? clusters : []);
  if (wanted === undefined) return undefined;
  const release = cluster === undefined ? wanted.release : before.withCluster(cluster, wanted.release.runs(), clusters);
  if (release.equals(before)) return undefined;
  // 3. render: the program constructed again, with the next release file (a bound tag it refuses throws here)
  const next = options.createApp({ releases: { ...releases, [env]: release.toFile() } });
  const part = checkedPart(next, env, Object.keys(releases));
  const after = next._releaseOf(env);
  checkApplied(next, env, after, release, cluster);
  if (after.equals(before)) return undefined; // what runs is what ran: the clusters already ran the intent's tags
  const files = environmentFiles(after, part.manifests);
  const tree = repo.envTree(base, env);
  const { changed, unchanged } = compareWithTree(repo, tree, files);
  if (cluster !== undefined) checkWithinCluster(env, cluster, changed);
  // 4. check: the manifests, and that the files the change touches are what the current state renders
  if (options.validate !== false) runChecks(part, options.validate ?? ((manifests, context) => { assertValid(manifests, { ...next.validation, ...context }); }), unchanged);
  const touched = new Set(changed);
  repo.assertUpToDate(base, env, renderEnvironment(current, env, flag, file => touched.has(file)), new Set(files.keys()), tree);
  // 5. commit
  const message = cluster === undefined ? wanted.message : { ...wanted.message, trailers: [...(wanted.message.trailers ?? []), [CLUSTER_TRAILER, cluster] as [string, string]] };
  const commit = commitEnvironment(repo, base, env, files, renderCommitMessage(message, options.provenance));
  return { commit, before, after, changedFiles: changed };
}

/** How a release flow tells to drop unknown release entries: deliberately, in a commit of its own, not inside a release. */
const PRUNE_FIRST = 'drop it in a commit of its own first (`cdk8s-gitops synth --gitops-dir DIR --prune-releases`, review, commit)';

/**
 * The program with the release states at `base`, `env` built, and what `env` runs (its release
 * state, `before` the change); the release entries of `env` at `base` must all be known to the program.
 */
function buildFor(repo: GitOpsRepository, createApp: CreateApp, releases: Record<string, ReleaseState>, base: string | undefined, env: string, flag: string): { app: GitOpsApp; before: EnvironmentRelease } {
  const app = createApp({ releases });
  requireEnvironment(app, env, flag);
  app._build([env]);
  const before = app._releaseOf(env);
  if (releases[env]) {
    checkReleaseEntries(releases[env], before.toFile(), { source: `${repo.repoPath(`${env}/${RELEASE_FILE}`)} at ${base!.slice(0, 12)}`, pruneHint: PRUNE_FIRST, clusters: knownClusters(app, env) });
  }
  return { app, before };
}

/** Throw an InputError naming `--cluster` unless `cluster` is a cluster of environment `env` of the app. */
export function requireCluster(app: GitOpsApp, env: string, cluster: string): void {
  const clusters = clustersOf(app, env);
  if (clusters.includes(cluster)) return;
  if (clusters.length === 0) throw new InputError(`--cluster: ${JSON.stringify(cluster)}: environment ${JSON.stringify(env)} runs in one cluster (its Environment lists no clusters): leave --cluster out`);
  throw new InputError(`--cluster: ${JSON.stringify(cluster)} is not a cluster of environment ${JSON.stringify(env)}${didYouMean(cluster, clusters)}; its clusters: ${clusters.join(', ')}`);
}

/** The names of the clusters environment `env` of the app runs in (none: one cluster). */
function clustersOf(app: GitOpsApp, env: string): string[] {
  return (app._environment(env)?.clusters ?? []).map(c => c.name);
}

/** A change staged in one cluster changes only that cluster's folder and the release file: anything else depends on the environment's state, not the cluster's. */
function checkWithinCluster(env: string, cluster: string, changed: readonly string[]): void {
  const outside = changed.filter(f => f !== `${env}/${RELEASE_FILE}` && !f.startsWith(`${clusterLabel(env, cluster)}/`));
  if (outside.length > 0) {
    throw new GitOpsError(`--cluster ${cluster}: the change would also change ${outside.length} file(s) outside ${clusterLabel(env, cluster)}/ (${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ', ...' : ''}); `
      + 'a change staged in one cluster changes only that cluster\'s folder and the release file. Nothing was changed');
  }
}

/** The rendered files that differ from the tree at the base (sorted), and those that are the same. */
function compareWithTree(repo: GitOpsRepository, tree: ReadonlyMap<string, TreeEntry>, files: ReadonlyMap<string, string>): { changed: string[]; unchanged: Set<string> } {
  const format = repo.git.objectFormat();
  const changed: string[] = [];
  const unchanged = new Set<string>();
  for (const [rel, content] of files) {
    if (tree.get(repo.repoPath(rel))?.sha === blobSha(content, format)) unchanged.add(rel);
    else changed.push(rel);
  }
  return { changed: changed.sort(), unchanged };
}

/**
 * Render the files of one environment of `app` (with the release state it renders now), or of
 * those files only that `only` accepts, keyed by path relative to the GitOps directory
 * (`dev/...`), sorted. Only that environment is built.
 *
 * @throws InputError when the app has no environment `env`
 */
export function renderEnvironment(app: GitOpsApp, env: string, flag = '--env', only?: (file: string) => boolean): Map<string, string> {
  requireEnvironment(app, env, flag);
  app._build([env]);
  return environmentFiles(app._releaseOf(env), app._manifests({ folders: f => within(f, env), files: only }), only);
}

/** Throw an InputError naming `flag` unless `env` is an environment of `app`. */
export function requireEnvironment(app: GitOpsApp, env: string, flag: string): void {
  if (app.environments.includes(env)) return;
  throw new InputError(`${flag}: ${JSON.stringify(env)} is not an environment of the app (environments: ${app.environments.join(', ') || 'none'})`);
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

/**
 * The files of the environment whose release is `release` (paths relative to the GitOps
 * directory, sorted) from its manifests (others are ignored), plus its release file.
 */
function environmentFiles(release: EnvironmentRelease, manifests: readonly Manifest[], only?: (file: string) => boolean): Map<string, string> {
  const entries = [...repositoryFiles(manifests.filter(m => m.path.startsWith(`${release.environment}/`)), [release.toFile()])];
  return new Map(entries.filter(([p]) => only === undefined || only(p)).sort(([a], [b]) => compareText(a, b)));
}

/**
 * Throw unless what the program runs with `wanted` in use (`runs`) is `wanted` (in an
 * environment with clusters: in each cluster, what it runs there), and takes the splits it
 * pins: each split of the environment somewhere, each split of `cluster` (a change staged
 * there) in that cluster.
 */
function checkApplied(app: GitOpsApp, env: string, runs: EnvironmentRelease, wanted: EnvironmentRelease, cluster: string | undefined): void {
  const hint = '(its workloads must bind their images to the release state: WebService does, other workloads use app.releases.bind(...))';
  const clusters = clustersOf(app, env);
  const taken = new Set(clusters.length === 0 ? Object.keys(runs.runs().weights) : clusters.flatMap(c => Object.keys(runs.runs(c).weights)));
  const unrouted = Object.keys(wanted.runs().weights).filter(s => !taken.has(s)).sort();
  if (unrouted.length > 0) throw new GitOpsError(unroutedSplits(env, unrouted));
  if (cluster !== undefined) {
    const inCluster = runs.runs(cluster).weights;
    // the splits the cluster pins that are not the environment's
    const pinned = wanted.runs(cluster).weights;
    const missing = Object.keys(pinned).filter(s => inCluster[s] === undefined && !sameSplit(pinned[s], own(wanted.runs().weights, s))).sort();
    if (missing.length > 0) throw new GitOpsError(unroutedSplits(clusterLabel(env, cluster), missing));
  }
  if (clusters.length === 0) {
    if (runs.equals(wanted)) return;
    throw new GitOpsError(`the program did not apply the release state of ${env}: it runs ${JSON.stringify(runs.toFile())} instead of ${JSON.stringify(wanted.toFile())} ${hint}`);
  }
  for (const c of clusters) {
    const has = runs.runs(c).services;
    const want = wanted.runs(c).services;
    const differs = Object.keys(differingServices(has, want));
    if (differs.length > 0) {
      throw new GitOpsError(`the program did not apply the release state of ${clusterLabel(env, c)}: it runs ${JSON.stringify(Object.fromEntries(differs.map(s => [s, has[s]])))} instead of `
        + `${JSON.stringify(Object.fromEntries(differs.map(s => [s, want[s]])))} ${hint}`);
    }
  }
}

/** Why the program cannot apply a split the release state of `env` pins for `services`. */
export function unroutedSplits(env: string, services: readonly string[]): string {
  const whose = services.length === 1 ? `${services[0]}'s traffic` : `the traffic of ${services.join(', ')}`;
  return `no route of the program in ${env} sends ${whose} by the service's default split (RouteTarget.split(service) without weights, `
    + 'in a route or the default route of a VirtualService): a route with weights in code keeps them, so only a default split can be pinned or shifted';
}

/** A commit on `base` whose folder of `env` holds exactly `files` (paths relative to the GitOps directory). */
function commitEnvironment(repo: GitOpsRepository, base: string | undefined, env: string, files: ReadonlyMap<string, string>, message: string): string {
  const contents = new Map([...files].map(([rel, content]) => [repo.repoPath(rel), content]));
  const record = recordWith(repo, base, env, files);
  if (record !== undefined) contents.set(repo.repoPath(OWNERSHIP_RECORD), record);
  const tree = repo.git.buildTree(base, [repo.repoPath(`${env}/`)], contents);
  const commit = repo.git.commitTree(tree, base, message);
  faultPoint('release:committed');
  return commit;
}

/**
 * The text of synth's ownership record at `base` with the entries of environment `env` made
 * `files`, or undefined when `base` has no record (the repository was not written by synth):
 * a commit keeps the record right, so a synth after it finds every file it owns as recorded.
 */
function recordWith(repo: GitOpsRepository, base: string | undefined, env: string, files: ReadonlyMap<string, string>): string | undefined {
  if (base === undefined) return undefined;
  const at = repo.repoPath(OWNERSHIP_RECORD);
  const text = repo.git.showAll(base, [at]).get(at);
  if (text === undefined) return undefined;
  const record = parseOwnershipRecord(text, `${at} at ${base.slice(0, 12)}`);
  for (const rel of [...record.keys()]) if (rel.startsWith(`${env}/`)) record.delete(rel);
  for (const [rel, content] of files) record.set(rel, blobSha(content)); // the record's ids are SHA-1 blob ids, as synth writes them
  return renderOwnershipRecord(record);
}
