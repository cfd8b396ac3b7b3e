import { ConfigError } from '../core/errors';
import { IMeshService } from './mesh-service';

/** A resolved weighted destination. */
export interface WeightedDestination {
  readonly service: IMeshService;
  readonly version?: string;
  readonly weight?: number;
}

/**
 * Where a VirtualService route sends traffic: one version, a weighted split between
 * versions, or a whole service.
 */
export class RouteTarget {
  /** Every request to one version of `service`. */
  public static version(service: IMeshService, version: string): RouteTarget {
    return new RouteTarget(service, 'version', version, undefined);
  }

  /**
   * Split between the versions of `service` by percent (version -> weight, summing to 100).
   * Without weights, the service's default split: the split the environment's release state
   * pins for the service (`cdk8s-gitops shift`), else the environment's default weights, else an
   * equal split. Weights given here are kept whatever the release state pins.
   */
  public static split(service: IMeshService, weights?: Record<string, number>): RouteTarget {
    return new RouteTarget(service, 'split', undefined, weights ? { ...weights } : undefined);
  }

  /** The whole service (all its pods), no subsets. */
  public static service(service: IMeshService): RouteTarget {
    return new RouteTarget(service, 'service', undefined, undefined);
  }

  private constructor(
    /** The destination service. */
    public readonly service: IMeshService,
    private readonly kind: 'version' | 'split' | 'service',
    private readonly version: string | undefined,
    private readonly weights: Record<string, number> | undefined,
  ) {}

  /** Whether the target uses DestinationRule subsets. */
  public get usesSubsets(): boolean {
    return this.kind !== 'service';
  }

  /** Whether the target is the service's default split (a split without weights of its own), which the release state may pin. */
  public get usesDefaultSplit(): boolean {
    return this.kind === 'split' && this.weights === undefined;
  }

  /**
   * Resolve against the service's versions, checking names and weights.
   * @param path construct path for errors
   * @param field field for errors (e.g. `routes[0].to`)
   * @param defaultWeights the environment's default weights
   * @param releasedWeights the split the release state pins for the service; a default split takes it before `defaultWeights`
   */
  public resolve(path: string, field: string, defaultWeights?: Record<string, number>, releasedWeights?: Record<string, number>): WeightedDestination[] {
    const svc = this.service;
    const known = svc.versionNames;
    if (this.kind === 'service') return [{ service: svc }];
    if (known.length === 0) {
      throw new ConfigError(path, `${field}.version`, this.version ?? 'split', `routes to a version of service "${svc.name}", which has no versions: use RouteTarget.service()`);
    }
    if (this.kind === 'version') {
      if (!known.includes(this.version!)) {
        throw new ConfigError(path, `${field}.version`, this.version, `is not a version of service "${svc.name}": one of ${known.map(k => JSON.stringify(k)).join(', ')}`);
      }
      return [{ service: svc, version: this.version }];
    }
    const released = this.weights === undefined ? releasedWeights : undefined;
    const fromEnv = defaultWeights && Object.keys(defaultWeights).every(k => known.includes(k)) ? defaultWeights : undefined;
    const weights = this.weights ?? released ?? fromEnv ?? equalSplit(known);
    const wfield = this.weights ? `${field}.weights` : released ? `release state weights.${svc.name}` : fromEnv ? 'environment.weights' : `${field}.weights`;
    let sum = 0;
    for (const [v, w] of Object.entries(weights)) {
      if (!known.includes(v)) {
        throw new ConfigError(path, `${wfield}.${v}`, v, `is not a version of service "${svc.name}": one of ${known.map(k => JSON.stringify(k)).join(', ')}`);
      }
      if (!Number.isInteger(w) || w < 0 || w > 100) {
        throw new ConfigError(path, `${wfield}.${v}`, w, 'is not a valid weight: an integer from 0 to 100');
      }
      sum += w;
    }
    if (sum !== 100) {
      throw new ConfigError(path, wfield, weights, `weights sum to ${sum}: they must sum to 100`);
    }
    return known.filter(v => Object.hasOwn(weights, v)).map(v => ({ service: svc, version: v, weight: weights[v] }));
  }
}

function equalSplit(versions: string[]): Record<string, number> {
  const base = Math.floor(100 / versions.length);
  const out: Record<string, number> = {};
  versions.forEach((v, i) => { out[v] = i === versions.length - 1 ? 100 - base * (versions.length - 1) : base; });
  return out;
}
