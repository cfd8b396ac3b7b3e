import { compareText } from '../core/compare';
import { own } from '../core/own';
import { EnvironmentRelease, ReleaseRuns } from './environment-release';
import { ReleaseState } from './release';

/** Where a workload runs: an environment, and the cluster of it for an environment in several clusters. */
export interface DeploymentTarget {
  /** Environment name. */
  readonly environment: string;
  /** Cluster of the environment. @default - none: the environment runs in one cluster */
  readonly cluster?: string;
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
    return new Releases(new Map());
  }

  /**
   * The value of the release files of the environments (keyed by environment name, as the
   * release files are read: `<env>/release.yaml`). The states are copied; the value never changes.
   */
  public static of(states: Readonly<Record<string, ReleaseState>>): Releases {
    return new Releases(new Map(Object.keys(states).map(env => [env, EnvironmentRelease.fromFile(states[env])])));
  }

  private readonly releases: ReadonlyMap<string, EnvironmentRelease>;

  private constructor(releases: ReadonlyMap<string, EnvironmentRelease>) {
    this.releases = new Map([...releases.keys()].sort(compareText).map(env => [env, releases.get(env)!]));
  }

  /** The environments with a release state, sorted. */
  public get environments(): string[] {
    return [...this.releases.keys()];
  }

  /** The release of `environment`, or undefined when it has none. */
  public releaseOf(environment: string): EnvironmentRelease | undefined {
    return this.releases.get(environment);
  }

  /** This value with the release of `environment` replaced by `release` (a new value; this one is unchanged). */
  public with(environment: string, release: EnvironmentRelease | ReleaseState): Releases {
    const next = new Map(this.releases);
    next.set(environment, isRelease(release) ? release : EnvironmentRelease.fromFile(release));
    return new Releases(next);
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
  private runs(target: DeploymentTarget): ReleaseRuns | undefined {
    return this.releases.get(target.environment)?.runs(target.cluster);
  }
}

/** Whether `x` is an EnvironmentRelease (of this copy of the module or another). */
function isRelease(x: EnvironmentRelease | ReleaseState): x is EnvironmentRelease {
  return typeof (x as EnvironmentRelease).toFile === 'function';
}
