import { compareText } from '../core/compare';
import { ReleaseState } from './release';
import { own } from '../core/own';

/**
 * What the `clusters` section of a release state means: a cluster runs the environment's tags,
 * except where its entry names others (a versioned service's entry lists only the versions that
 * differ), and takes the environment's pinned splits, except where its entry pins others (whole
 * splits). Pure functions over release states; the file format is `release.ts`.
 */

/** Services of a release state: service -> tag, or service -> version -> tag. */
type Services = ReleaseState['services'];

/** Pinned splits of a release state: service -> version -> percent. */
type Weights = NonNullable<ReleaseState['weights']>;

/** What one cluster runs: its tags and the pinned splits its routes take (none: the program's split). */
export type ClusterRuns = Pick<ReleaseState, 'services' | 'weights'>;

/** The tags cluster `cluster` runs per `state`: the environment's, with the cluster's entries over them. */
export function clusterServices(state: ReleaseState, cluster: string): Services {
  const entries = own(state.clusters, cluster)?.services;
  if (entries === undefined) return state.services;
  const out: Record<string, string | Readonly<Record<string, string>>> = { ...state.services };
  for (const [service, entry] of Object.entries(entries)) {
    const base = own(state.services, service);
    out[service] = typeof entry === 'string' || base === undefined || typeof base === 'string' ? entry : { ...base, ...entry };
  }
  return out;
}

/** The pinned splits cluster `cluster` takes per `state`: the environment's, with the cluster's entries over them. */
export function clusterWeights(state: ReleaseState, cluster: string): Weights {
  return { ...state.weights, ...own(state.clusters, cluster)?.weights };
}

/**
 * What cluster `cluster` runs per `state`, as a release state of its own (no cluster entries;
 * `environment` is `env/cluster`): its tags and its pinned splits.
 */
export function clusterView(state: ReleaseState, cluster: string): ReleaseState {
  const weights = clusterWeights(state, cluster);
  return { environment: clusterLabel(state.environment, cluster), services: clusterServices(state, cluster), ...(Object.keys(weights).length > 0 ? { weights } : {}) };
}

/**
 * The entries of `services` (what a cluster runs) that differ from `base` (the environment's):
 * for a versioned service only the versions whose tag differs. Keys sorted.
 */
export function differingServices(services: Services, base: Services): Services {
  const out: Record<string, string | Record<string, string>> = {};
  for (const service of Object.keys(services).sort(compareText)) {
    const entry = services[service];
    const was = own(base, service);
    if (typeof entry === 'string' || was === undefined || typeof was === 'string') {
      if (JSON.stringify(entry) !== JSON.stringify(was)) out[service] = typeof entry === 'string' ? entry : { ...entry };
      continue;
    }
    const versions: Record<string, string> = {};
    for (const version of Object.keys(entry).sort(compareText)) if (entry[version] !== own(was, version)) versions[version] = entry[version];
    if (Object.keys(versions).length > 0) out[service] = versions;
  }
  return out;
}

/**
 * `state` with cluster `cluster` running `runs` (its tags and splits), every other cluster of
 * `clusters` (every cluster of the environment) running what it runs now (see {@link withClusterRuns}).
 */
export function withClusterState(state: ReleaseState, cluster: string, runs: ClusterRuns, clusters: readonly string[]): ReleaseState {
  return mapClusterRuns(state, (now, c) => (c === cluster ? runs : now), [...clusters, cluster]);
}

/**
 * `state` with what the environment and each cluster run changed by `change`, which gets what
 * each runs now (`cluster` undefined: the environment's tags and splits; else the cluster's, see
 * {@link clusterView}) for the environment and for every cluster `state` has entries for or
 * `clusters` names (in name order). The clusters' entries of the result are what differs from the
 * environment's (see {@link withClusterRuns}). Pure.
 */
export function mapClusterRuns(state: ReleaseState, change: (runs: ClusterRuns, cluster: string | undefined) => ClusterRuns, clusters: readonly string[] = []): ReleaseState {
  const names = [...new Set([...clusters, ...clustersWithEntries(state)])].sort(compareText);
  const environment = change({ services: state.services, ...(state.weights !== undefined ? { weights: state.weights } : {}) }, undefined);
  return withClusterRuns({ environment: state.environment, ...environment }, names.map(c => [c, change(clusterView(state, c), c)] as const));
}

/**
 * The environment's tags and splits of `state` (its cluster entries are replaced) with each of
 * `clusters` running what is given: a cluster's entries are what differs from the environment's.
 * Where a cluster takes no pinned split for a service the environment pins one for, the
 * environment pins none for it and every cluster that takes a split gets it as an entry (an
 * entry cannot say "the program's split"), so `clusters` lists every cluster of the environment
 * whenever a split may be unpinned in some of them only. Pure.
 */
function withClusterRuns(state: ReleaseState, clusters: ReadonlyArray<readonly [string, ClusterRuns]>): ReleaseState {
  const weights: Record<string, Readonly<Record<string, number>>> = { ...state.weights };
  for (const [, runs] of clusters) {
    for (const service of Object.keys(weights)) if (own(runs.weights, service) === undefined) delete weights[service];
  }
  const entries: Record<string, NonNullable<ReleaseState['clusters']>[string]> = {};
  for (const [cluster, runs] of clusters) {
    const services = differingServices(runs.services, state.services);
    const splits = differingWeights(runs.weights ?? {}, weights);
    const entry = { ...(Object.keys(services).length > 0 ? { services } : {}), ...(Object.keys(splits).length > 0 ? { weights: splits } : {}) };
    if (Object.keys(entry).length > 0) entries[cluster] = entry;
  }
  return {
    environment: state.environment,
    services: state.services,
    ...(Object.keys(weights).length > 0 ? { weights } : {}),
    ...(Object.keys(entries).length > 0 ? { clusters: entries } : {}),
  };
}

/** The splits of `weights` (what a cluster takes) that differ from `base` (the environment's), sorted by service. */
function differingWeights(weights: Weights, base: Weights): Weights {
  const out: Record<string, Readonly<Record<string, number>>> = {};
  for (const service of Object.keys(weights).sort(compareText)) {
    if (!sameSplit(weights[service], own(base, service))) out[service] = weights[service];
  }
  return out;
}

/** Whether two splits are the same (version order aside; undefined: none pinned). */
export function sameSplit(a: Readonly<Record<string, number>> | undefined, b: Readonly<Record<string, number>> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every(v => a[v] === own(b, v));
}

/** The clusters `state` has entries (tags or splits) for, sorted. */
export function clustersWithEntries(state: ReleaseState): string[] {
  const has = (c: string) => Object.keys(state.clusters![c].services ?? {}).length > 0 || Object.keys(state.clusters![c].weights ?? {}).length > 0;
  return Object.keys(state.clusters ?? {}).filter(has).sort(compareText);
}

/** The name a cluster of an environment goes by in messages and commit subjects: `prod/prod-eu`. */
export function clusterLabel(environment: string, cluster: string | undefined): string {
  return cluster === undefined ? environment : `${environment}/${cluster}`;
}
