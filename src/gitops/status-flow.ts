import { compareText } from '../core/compare';
import { ReleaseState, RELEASE_FILE } from '../release/release';
import { EnvironmentRelease } from '../release/environment-release';
import { Provenance, provenanceOf } from '../git/commit-message';
import { InputError } from '../core/errors';
import { Git } from '../git/git';
import { releasesAt } from './repository';

/** Options of {@link status}. */
export interface StatusOptions {
  /** The GitOps repository (a working tree, or a folder inside one). */
  readonly dir: string;
  /**
   * The commit (or branch, tag) to read.
   * @default 'HEAD'
   */
  readonly rev?: string;
  /**
   * Read what this remote runs instead: fetch the current branch from it (updating only its
   * remote-tracking branch) and read its tip; the result says where the local branch is
   * against it ({@link RemoteStatus}). Exclusive with `rev`.
   * @default - the local `rev`, nothing fetched
   */
  readonly remote?: string;
}

/** Where the remote branch `status` read (with `remote`) is against the local branch. */
export interface RemoteStatus {
  /** The remote, e.g. `origin`. */
  readonly name: string;
  /** The branch read: the current branch's copy on the remote. */
  readonly branch: string;
  /** The commit the local branch is at (undefined on an unborn branch). */
  readonly local: string | undefined;
  /** How many commits the remote branch has that the local branch lacks. */
  readonly behind: number;
  /** How many commits the local branch has that the remote branch lacks. */
  readonly ahead: number;
}

/** The last commit that changed an environment's release file. */
export interface LastRelease {
  readonly commit: string;
  /** Committer date, `YYYY-MM-DD`. */
  readonly date: string;
  /** Commit message subject, e.g. `dev: deploy 3f2a1c9`. */
  readonly subject: string;
  /** Where it came from: the source commit and repository of the image, the program's commit, the tool (its trailers). */
  readonly provenance: Provenance;
}

/** One cluster of an environment with clusters: the tags it runs and the splits it takes. */
export interface ClusterStatus {
  readonly name: string;
  /** The environment's tags with the cluster's entries over them. */
  readonly services: ReleaseState['services'];
  /** The environment's pinned splits with the cluster's over them; undefined when it takes none (the program's splits). */
  readonly weights: ReleaseState['weights'] | undefined;
}

/** One environment: its release state and the commit that last changed it. */
export interface EnvironmentStatus {
  readonly name: string;
  /** The environment's tags (what a cluster without entries runs). */
  readonly services: ReleaseState['services'];
  /** The traffic splits its release state pins (service -> version -> percent); undefined when it pins none. */
  readonly weights: ReleaseState['weights'] | undefined;
  /**
   * Its clusters, sorted, for an environment with clusters (its cluster folders
   * `<env>/<cluster>/<app>/` and the clusters its release file has entries for); undefined otherwise.
   */
  readonly clusters: ClusterStatus[] | undefined;
  readonly lastRelease: LastRelease | undefined;
}

/** One service (version) across the environments. */
export interface ServiceRow {
  readonly service: string;
  /** The version (`v1`), or undefined for a service without versions. */
  readonly version: string | undefined;
  /** Environment name -> tag; undefined where the environment does not run it. */
  readonly tags: Readonly<Record<string, string | undefined>>;
  /** Environment name -> cluster name -> tag, for the environments with clusters; undefined when none has. */
  readonly clusters: Readonly<Record<string, Readonly<Record<string, string | undefined>>>> | undefined;
  /**
   * Environment name -> the version's percent of the split the environment pins for the
   * service (undefined where it pins none: the program's split); undefined when no environment pins one.
   */
  readonly weights: Readonly<Record<string, number | undefined>> | undefined;
  /**
   * Environment name -> cluster name -> the version's percent of the split that cluster takes
   * (its own or the environment's; undefined: none pinned), for the environments with clusters;
   * undefined when no cluster takes a pinned split of the service.
   */
  readonly clusterWeights: Readonly<Record<string, Readonly<Record<string, number | undefined>>>> | undefined;
  /** Whether every environment (every cluster of one with clusters) runs the same tag. */
  readonly same: boolean;
}

/** The outcome of {@link status}. */
export interface StatusResult {
  /** The commit read. */
  readonly commit: string;
  /** Environments with a release file, sorted by name. */
  readonly environments: EnvironmentStatus[];
  /** Every service (version) of any environment, sorted. */
  readonly services: ServiceRow[];
  /** With the `remote` option: the remote branch read and where the local branch is against it. @default - undefined: a local commit was read */
  readonly remote?: RemoteStatus;
}

/**
 * What each environment runs, side by side: the release files at `rev` and the commit that
 * last changed each. Reads git only (no program, nothing written), so it also works on a
 * detached HEAD or a bare CI checkout of the GitOps repository.
 *
 * @throws InputError when `dir` is not a git working tree or `rev` is no commit
 */
export function status(options: StatusOptions): StatusResult {
  const git = Git.open(options.dir);
  const remote = options.remote === undefined ? undefined : remoteStatus(git, options);
  const rev = remote !== undefined ? `refs/remotes/${remote.name}/${remote.branch}` : options.rev ?? 'HEAD';
  const commit = git.resolve(rev);
  if (commit === undefined) {
    throw new InputError(rev === 'HEAD' ? `${options.dir}: the repository has no commit yet` : `--rev: ${JSON.stringify(rev)} is not a commit of ${options.dir}`);
  }
  const releases = releasesAt(git, commit);
  const folders = clusterFolders(git, commit);
  const environments = Object.keys(releases).sort().map((name): EnvironmentStatus => {
    const release = EnvironmentRelease.fromFile(releases[name]);
    const clusters = [...new Set([...folders.get(name) ?? [], ...release.clusters])].sort(compareText);
    return {
      name,
      ...runsStatus(release),
      clusters: clusters.length > 0 ? clusters.map(c => ({ name: c, ...runsStatus(release, c) })) : undefined,
      lastRelease: lastChange(git, commit, `${git.prefix}${name}/${RELEASE_FILE}`),
    };
  });
  return { commit, environments, services: rows(environments), ...(remote !== undefined ? { remote } : {}) };
}

/**
 * Fetch the current branch from `options.remote` and say where the local branch is against it.
 *
 * @throws InputError when `rev` is given too, HEAD is detached, the remote does not exist or lacks the branch
 */
function remoteStatus(git: Git, options: StatusOptions): RemoteStatus {
  const name = options.remote!;
  if (options.rev !== undefined) throw new InputError('--remote and --rev are exclusive: --remote reads the remote\'s copy of the current branch');
  const branch = git.currentBranch();
  if (branch === undefined) throw new InputError(`--remote: HEAD of ${options.dir} is detached; check out the branch whose remote copy to read, or use --rev ${name}/BRANCH (fetch it first)`);
  if (git.remoteUrl(name) === undefined) throw new InputError(`--remote: ${JSON.stringify(name)} is not a remote of ${options.dir}`);
  const tip = git.fetchBranch(name, branch);
  if (tip === undefined) throw new InputError(`--remote: ${name} has no branch ${branch}`);
  const local = git.resolve('HEAD');
  const [behind, ahead] = local === undefined ? [Number(git.run(['rev-list', '--count', tip]).trim()), 0]
    : git.run(['rev-list', '--left-right', '--count', `${tip}...${local}`]).trim().split(/\s+/).map(Number);
  return { name, branch, local, behind, ahead };
}

/** What `cluster` of `release` runs (undefined: the environment), its weights undefined when it takes no pinned split. */
function runsStatus(release: EnvironmentRelease, cluster?: string): Pick<ClusterStatus, 'services' | 'weights'> {
  const runs = release.runs(cluster);
  return { services: runs.services, weights: Object.keys(runs.weights).length > 0 ? runs.weights : undefined };
}

/**
 * The cluster folders of each environment at `commit`: a folder `<env>/<cluster>/` holding app
 * folders (in a single-cluster environment the folders under `<env>/` hold the files themselves).
 */
function clusterFolders(git: Git, commit: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const listing = git.run(['ls-tree', '-r', '-d', '-z', '--name-only', '--full-tree', commit, '--', git.prefix === '' ? '.' : git.prefix]);
  for (const dir of listing.split('\0')) {
    if (!dir.startsWith(git.prefix)) continue;
    const parts = dir.slice(git.prefix.length).split('/');
    if (parts.length !== 3) continue;
    let clusters = out.get(parts[0]);
    if (!clusters) out.set(parts[0], clusters = new Set());
    clusters.add(parts[1]);
  }
  return out;
}

function lastChange(git: Git, commit: string, file: string): LastRelease | undefined {
  const [sha, date, subject, message] = git.run(['log', '-1', '--format=%H%x00%cs%x00%s%x00%B', commit, '--', file]).split('\0');
  return sha.trim() ? { commit: sha.trim(), date, subject, provenance: provenanceOf(message ?? '') } : undefined;
}

function rows(environments: readonly EnvironmentStatus[]): ServiceRow[] {
  const byKey = new Map<string, { service: string; version: string | undefined; tags: Map<string, string> }>();
  const add = (column: string, services: ReleaseState['services']) => {
    for (const [service, value] of Object.entries(services)) {
      const versions: [string | undefined, string][] = typeof value === 'string' ? [[undefined, value]] : Object.entries(value);
      for (const [version, tag] of versions) {
        const key = `${service}\0${version ?? ''}`;
        let row = byKey.get(key);
        if (!row) byKey.set(key, row = { service, version, tags: new Map() });
        row.tags.set(column, tag);
      }
    }
  };
  // a column per environment, and per cluster of one with clusters (`env\0cluster`)
  for (const env of environments) {
    add(env.name, env.services);
    for (const c of env.clusters ?? []) add(`${env.name}\0${c.name}`, c.services);
  }
  const withClusters = environments.filter(e => e.clusters !== undefined);
  return [...byKey.values()]
    .sort((a, b) => compareText(a.service, b.service) || compareText(a.version ?? '', b.version ?? ''))
    .map(r => {
      const tags = Object.fromEntries(environments.map(e => [e.name, r.tags.get(e.name)]));
      const clusters = withClusters.length === 0 ? undefined
        : Object.fromEntries(withClusters.map(e => [e.name, Object.fromEntries(e.clusters!.map(c => [c.name, r.tags.get(`${e.name}\0${c.name}`)]))]));
      const runs = environments.flatMap(e => (e.clusters === undefined ? [tags[e.name]] : Object.values(clusters![e.name])));
      const pinned = r.version !== undefined && environments.some(e => e.weights?.[r.service] !== undefined);
      const weights = pinned ? Object.fromEntries(environments.map(e => [e.name, e.weights?.[r.service]?.[r.version!]])) : undefined;
      const pinnedInCluster = r.version !== undefined && withClusters.some(e => e.clusters!.some(c => c.weights?.[r.service] !== undefined));
      const clusterWeights = !pinnedInCluster ? undefined
        : Object.fromEntries(withClusters.map(e => [e.name, Object.fromEntries(e.clusters!.map(c => [c.name, c.weights?.[r.service]?.[r.version!]]))]));
      return { service: r.service, version: r.version, tags, clusters, weights, clusterWeights, same: new Set(runs).size === 1 };
    });
}

