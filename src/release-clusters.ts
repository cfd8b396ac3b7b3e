import { compareText } from './compare';
import { ReleaseState } from './release';

/**
 * What the `clusters` section of a release state means: a cluster runs the environment's tags,
 * except where its entry names others (a versioned service's entry lists only the versions that
 * differ). Pure functions over release states; the file format is `release.ts`.
 */

/** Services of a release state: service -> tag, or service -> version -> tag. */
type Services = ReleaseState['services'];

/** The tags cluster `cluster` runs per `state`: the environment's, with the cluster's entries over them. */
export function clusterServices(state: ReleaseState, cluster: string): Services {
  const entries = state.clusters?.[cluster]?.services;
  if (entries === undefined) return state.services;
  const out: Record<string, string | Readonly<Record<string, string>>> = { ...state.services };
  for (const [service, entry] of Object.entries(entries)) {
    const base = state.services[service];
    out[service] = typeof entry === 'string' || base === undefined || typeof base === 'string' ? entry : { ...base, ...entry };
  }
  return out;
}

/**
 * The entries of `services` (what a cluster runs) that differ from `base` (the environment's):
 * for a versioned service only the versions whose tag differs. Keys sorted.
 */
export function differingServices(services: Services, base: Services): Services {
  const out: Record<string, string | Record<string, string>> = {};
  for (const service of Object.keys(services).sort(compareText)) {
    const entry = services[service];
    const was = base[service];
    if (typeof entry === 'string' || was === undefined || typeof was === 'string') {
      if (JSON.stringify(entry) !== JSON.stringify(was)) out[service] = typeof entry === 'string' ? entry : { ...entry };
      continue;
    }
    const versions: Record<string, string> = {};
    for (const version of Object.keys(entry).sort(compareText)) if (entry[version] !== was[version]) versions[version] = entry[version];
    if (Object.keys(versions).length > 0) out[service] = versions;
  }
  return out;
}

/**
 * `state` with cluster `cluster` running `services`: its entries become what differs from the
 * environment's tags (none: the entry goes); the environment and the other clusters are unchanged.
 */
export function withClusterServices(state: ReleaseState, cluster: string, services: Services): ReleaseState {
  const clusters: Record<string, NonNullable<ReleaseState['clusters']>[string]> = { ...state.clusters };
  const differing = differingServices(services, state.services);
  if (Object.keys(differing).length > 0) clusters[cluster] = { ...clusters[cluster], services: differing };
  else delete clusters[cluster];
  const { clusters: _, ...rest } = state;
  return Object.keys(clusters).length > 0 ? { ...rest, clusters } : rest;
}

/** The clusters `state` has entries for, sorted. */
export function clustersWithEntries(state: ReleaseState): string[] {
  return Object.keys(state.clusters ?? {}).filter(c => Object.keys(state.clusters![c].services ?? {}).length > 0).sort(compareText);
}

/** The name a cluster of an environment goes by in messages and commit subjects: `prod/prod-eu`. */
export function clusterLabel(environment: string, cluster: string | undefined): string {
  return cluster === undefined ? environment : `${environment}/${cluster}`;
}
