import { compareText } from '../core/compare';
import { own } from '../core/own';
import { ReleaseState } from './release';
import { clusterServices, clusterWeights } from './release-clusters';

/** Where a workload runs: an environment, and the cluster of it for an environment in several clusters. */
export interface DeploymentTarget {
  /** Environment name. */
  readonly environment: string;
  /** Cluster of the environment. @default - none: the environment runs in one cluster */
  readonly cluster?: string;
}

/** What one deployment target runs per the release state: service -> tag (or version -> tag), and the pinned splits. */
interface TargetRuns {
  readonly services: ReleaseState['services'];
  readonly weights: NonNullable<ReleaseState['weights']>;
}

/**
 * The release state of every environment, as one immutable value: per deployment target
 * (environment, and each cluster of it the release files name) the tag each service (version)
 * runs and the splits pinned. A cluster's entries are applied over the environment's when the
 * value is made (the compression of the release file exists only in its parse and render), so a
 * lookup reads one target; a cluster the release state has no entry for runs the environment's.
 *
 * The program is constructed once per value: a change is the program constructed with the
 * current value against the program constructed with the next one, each rendered once.
 */
export class Releases {
  /** No release state: every service runs its tag in code. */
  public static none(): Releases {
    return new Releases({});
  }

  /**
   * The value of the release states of the environments (keyed by environment name, as the
   * release files are read: `<env>/release.yaml`). The states are copied; the value never changes.
   */
  public static of(states: Readonly<Record<string, ReleaseState>>): Releases {
    return new Releases(states);
  }

  private readonly states: Readonly<Record<string, ReleaseState>>;
  private readonly targets = new Map<string, TargetRuns>();

  private constructor(states: Readonly<Record<string, ReleaseState>>) {
    // null-prototype: keyed by folder names (an environment may not be called `constructor`, but a lookup may ask)
    const copy: Record<string, ReleaseState> = Object.create(null);
    for (const env of Object.keys(states).sort(compareText)) {
      const state = deepFreeze(structuredClone(states[env]));
      copy[env] = state;
      this.targets.set(key(env), { services: state.services, weights: state.weights ?? {} });
      for (const cluster of Object.keys(state.clusters ?? {}).sort(compareText)) {
        this.targets.set(key(env, cluster), { services: deepFreeze(clusterServices(state, cluster)), weights: deepFreeze(clusterWeights(state, cluster)) });
      }
    }
    this.states = Object.freeze(copy);
  }

  /** The environments with a release state, sorted. */
  public get environments(): string[] {
    return Object.keys(this.states).sort(compareText);
  }

  /** The release state of `environment` as its release file holds it (a frozen copy), or undefined when it has none. */
  public stateOf(environment: string): ReleaseState | undefined {
    return own(this.states, environment);
  }

  /** The release state of every environment, keyed by name (frozen): what `createApp({ releases })` takes. */
  public toRecord(): Readonly<Record<string, ReleaseState>> {
    return this.states;
  }

  /** This value with the release state of `environment` replaced by `state` (a new value; this one is unchanged). */
  public with(environment: string, state: ReleaseState): Releases {
    return new Releases({ ...this.states, [environment]: state });
  }

  /**
   * The tag the release state pins for `service` (`version` of it; undefined: a service without
   * versions) at `target`, or undefined when it pins none (the workload runs its tag in code).
   */
  public tagOf(target: DeploymentTarget, service: string, version?: string): string | undefined {
    const entry = own(this.runs(target)?.services, service);
    if (entry === undefined) return undefined;
    if (typeof entry === 'string') return version === undefined ? entry : undefined;
    return version === undefined ? undefined : own(entry, version);
  }

  /** The split the release state pins for `service` at `target` (version -> percent, a copy), or undefined when it pins none. */
  public splitOf(target: DeploymentTarget, service: string): Record<string, number> | undefined {
    const split = own(this.runs(target)?.weights, service);
    return split === undefined ? undefined : { ...split };
  }

  /** What `target` runs: its cluster's, when the release state has entries for the cluster, else the environment's. */
  private runs(target: DeploymentTarget): TargetRuns | undefined {
    return (target.cluster !== undefined ? this.targets.get(key(target.environment, target.cluster)) : undefined) ?? this.targets.get(key(target.environment));
  }
}

function key(environment: string, cluster?: string): string {
  return cluster === undefined ? environment : `${environment}\0${cluster}`;
}

/** `value` with every object in it frozen. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
