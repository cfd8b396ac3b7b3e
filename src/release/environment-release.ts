import { compareText } from '../core/compare';
import { own } from '../core/own';
import { ReleaseClusterState, ReleaseState } from './release';

/** Services of a release: service -> tag, or service -> version -> tag. */
export type ReleaseServices = ReleaseState['services'];

/** Pinned splits of a release: service -> version -> percent. */
export type ReleaseWeights = NonNullable<ReleaseState['weights']>;

/** What one deployment target (an environment, or one cluster of it) runs: its tags and the splits pinned for its routes. */
export interface ReleaseRuns {
  /** Service name -> tag, or version name -> tag. */
  readonly services: ReleaseServices;
  /** Pinned split per versioned service (version -> percent); none: every split is the program's. */
  readonly weights: ReleaseWeights;
}

/**
 * The release of one environment as a value: what the environment runs, and what each cluster of
 * it that runs something else runs, each whole (no cluster holds "the environment's, except").
 * The release file's `clusters:` section, which lists only what differs from the environment's,
 * exists only in {@link fromFile} (its parse) and {@link toFile} (its render). Immutable: a change
 * makes a new value ({@link map}, {@link withCluster}).
 */
export class EnvironmentRelease {
  /** The release of a release file: a cluster entry applied over the environment's tags and splits. */
  public static fromFile(state: ReleaseState): EnvironmentRelease {
    const clusters = new Map<string, ReleaseRuns>();
    for (const cluster of Object.keys(state.clusters ?? {}).sort(compareText)) {
      clusters.set(cluster, { services: clusterServices(state, cluster), weights: { ...state.weights, ...own(state.clusters, cluster)?.weights } });
    }
    return new EnvironmentRelease(state.environment, { services: state.services, weights: state.weights ?? {} }, clusters);
  }

  /**
   * A release from what the environment runs and what clusters of it run (each whole; a cluster
   * not named runs the environment's).
   */
  public static of(environment: string, runs: ReleaseRuns, clusters: Readonly<Record<string, ReleaseRuns>> = {}): EnvironmentRelease {
    return new EnvironmentRelease(environment, runs, new Map(Object.keys(clusters).sort(compareText).map(c => [c, clusters[c]])));
  }

  /** Environment name (for the view of one cluster, `env/cluster`: see {@link view}). */
  public readonly environment: string;
  private readonly base: ReleaseRuns;
  private readonly own: ReadonlyMap<string, ReleaseRuns>;

  private constructor(environment: string, base: ReleaseRuns, clusters: ReadonlyMap<string, ReleaseRuns>) {
    this.environment = environment;
    this.base = freezeRuns(base);
    const own = new Map<string, ReleaseRuns>();
    for (const [cluster, runs] of clusters) own.set(cluster, freezeRuns(runs));
    this.own = own;
    Object.freeze(this);
  }

  /** The clusters that run something of their own (their runs are not the environment's), sorted. */
  public get clusters(): string[] {
    return [...this.own.keys()];
  }

  /** What `cluster` runs (undefined: the environment as a whole): its own, else the environment's. */
  public runs(cluster?: string): ReleaseRuns {
    return (cluster !== undefined ? this.own.get(cluster) : undefined) ?? this.base;
  }

  /** What `cluster` runs as a release of its own, named `env/cluster`, without clusters (the environment's release for undefined). */
  public view(cluster?: string): EnvironmentRelease {
    return cluster === undefined ? this : new EnvironmentRelease(clusterLabel(this.environment, cluster), this.runs(cluster), new Map());
  }

  /**
   * This release with what the environment and each cluster run changed by `change`, which gets
   * what each runs now (`cluster` undefined: the environment's), for the environment and every
   * cluster that runs something of its own or `clusters` names. Pure.
   */
  public map(change: (runs: ReleaseRuns, cluster: string | undefined) => ReleaseRuns, clusters: readonly string[] = []): EnvironmentRelease {
    const names = [...new Set([...clusters, ...this.own.keys()])].sort(compareText);
    return new EnvironmentRelease(this.environment, change(this.base, undefined), new Map(names.map(c => [c, change(this.runs(c), c)])));
  }

  /**
   * This release with `cluster` running `runs`, every other cluster of `clusters` (every cluster
   * of the environment) running what it runs now.
   */
  public withCluster(cluster: string, runs: ReleaseRuns, clusters: readonly string[]): EnvironmentRelease {
    return this.map((now, c) => (c === cluster ? runs : now), [...clusters, cluster]);
  }

  /** Whether the two run the same: the same release file. */
  public equals(other: EnvironmentRelease): boolean {
    return JSON.stringify(this.toFile()) === JSON.stringify(other.toFile());
  }

  /**
   * The release file of this release: the environment's tags and splits, and for each cluster
   * the entries that differ from them (a versioned service lists only the versions that differ).
   * Where a cluster that runs a versioned service takes no pinned split of it while the
   * environment pins one, the environment pins none and every cluster that takes a split gets it
   * as an entry (an entry cannot say "the program's split"). Keys sorted.
   */
  public toFile(): ReleaseState {
    const weights: Record<string, Readonly<Record<string, number>>> = { ...this.base.weights };
    for (const runs of this.own.values()) {
      for (const service of Object.keys(weights)) {
        // a cluster that runs the service and takes no pinned split: the environment pins none
        if (own(runs.weights, service) === undefined && typeof own(runs.services, service) === 'object') delete weights[service];
      }
    }
    const entries: Record<string, ReleaseClusterState> = {};
    for (const [cluster, runs] of this.own) {
      const services = differingServices(runs.services, this.base.services);
      const splits = differingWeights(runs.weights, weights);
      const entry = { ...(Object.keys(services).length > 0 ? { services } : {}), ...(Object.keys(splits).length > 0 ? { weights: splits } : {}) };
      if (Object.keys(entry).length > 0) entries[cluster] = entry;
    }
    return {
      environment: this.environment,
      services: this.base.services,
      ...(Object.keys(weights).length > 0 ? { weights } : {}),
      ...(Object.keys(entries).length > 0 ? { clusters: entries } : {}),
    };
  }
}

/** The name a cluster of an environment goes by in messages and commit subjects: `prod/prod-eu`. */
export function clusterLabel(environment: string, cluster: string | undefined): string {
  return cluster === undefined ? environment : `${environment}/${cluster}`;
}

/** Whether two splits are the same (version order aside; undefined: none pinned). */
export function sameSplit(a: Readonly<Record<string, number>> | undefined, b: Readonly<Record<string, number>> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every(v => a[v] === own(b, v));
}

/** The tags cluster `cluster` runs per the release file `state`: the environment's, with the cluster's entries over them. */
function clusterServices(state: ReleaseState, cluster: string): ReleaseServices {
  const entries = own(state.clusters, cluster)?.services;
  if (entries === undefined) return state.services;
  const out: Record<string, string | Readonly<Record<string, string>>> = { ...state.services };
  for (const [service, entry] of Object.entries(entries)) {
    const base = own(state.services, service);
    out[service] = typeof entry === 'string' || base === undefined || typeof base === 'string' ? entry : { ...base, ...entry };
  }
  return out;
}

/**
 * The entries of `services` (what a cluster runs) that differ from `base` (the environment's):
 * for a versioned service only the versions whose tag differs. Keys sorted.
 */
export function differingServices(services: ReleaseServices, base: ReleaseServices): Record<string, string | Record<string, string>> {
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

/** The splits of `weights` (what a cluster takes) that differ from `base` (the environment's), sorted by service. */
function differingWeights(weights: ReleaseWeights, base: ReleaseWeights): ReleaseWeights {
  const out: Record<string, Readonly<Record<string, number>>> = {};
  for (const service of Object.keys(weights).sort(compareText)) {
    if (!sameSplit(weights[service], own(base, service))) out[service] = weights[service];
  }
  return out;
}

/** `services` with its keys (and each service's versions) in code-unit order. */
function sortedServices(services: ReleaseServices): ReleaseServices {
  return sortedMap(services, entry => (typeof entry === 'string' ? entry : sortedMap(entry, tag => tag)));
}

/** `weights` with its services (and each split's versions) in code-unit order. */
function sortedWeights(weights: ReleaseWeights): ReleaseWeights {
  return sortedMap(weights, split => sortedMap(split, percent => percent));
}

/** A copy of `map` with its keys in code-unit order and each value made by `value` (own data properties: a key `__proto__` stays a key). */
function sortedMap<T, U>(map: Readonly<Record<string, T>>, value: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.keys(map).sort(compareText).map(k => [k, value(map[k])]));
}

/** A frozen copy of `runs`, keys sorted (the caller's objects are left as they are). */
function freezeRuns(runs: ReleaseRuns): ReleaseRuns {
  return Object.freeze({ services: deepFreeze(sortedServices(runs.services)), weights: deepFreeze(sortedWeights(runs.weights ?? {})) });
}

/** `value` with every object in it frozen. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
