import { ConfigError } from '../core/errors';
import { Quantity } from './quantity';

/** A request and a limit of one resource. */
export interface ResourceRangeProps {
  /** Guaranteed amount (scheduling). */
  readonly request?: string | number;
  /** Hard ceiling. */
  readonly limit?: string | number;
}

/**
 * CPU and memory of a container. Each value is a Kubernetes quantity (`500m`, `0.5`,
 * `256Mi`); it is written in canonical form and every request must be <= its limit.
 */
export interface ResourcesProps {
  /** @default { request: '100m', limit: '500m' } */
  readonly cpu?: ResourceRangeProps;
  /** @default { request: '128Mi', limit: '256Mi' } */
  readonly memory?: ResourceRangeProps;
}

/** Container resources in Kubernetes form, canonical and checked. */
export interface ResourceRequirementsJson {
  readonly requests: { cpu: string; memory: string };
  readonly limits: { cpu: string; memory: string };
}

/** Checked, canonical resources by their four raw values (see {@link Resources.ofAt}); at most RESOLVED_LIMIT, then it starts over. */
const RESOLVED = new Map<string, ResourceRequirementsJson>();
const RESOLVED_LIMIT = 1000;

/**
 * Resolved container resources: both requests and both limits always present.
 */
export class Resources {
  /** The defaults applied to any value not given. */
  public static readonly DEFAULTS = Object.freeze({
    /** CPU, in cores. */
    cpu: Object.freeze({
      /** The CPU request. */
      request: '100m',
      /** The CPU limit. */
      limit: '500m',
    }),
    /** Memory, in bytes. */
    memory: Object.freeze({
      /** The memory request. */
      request: '128Mi',
      /** The memory limit. */
      limit: '256Mi',
    }),
  } as const);

  /**
   * Merge `props` over `base` over the defaults ({@link Resources.DEFAULTS}) and check the
   * result: every value a Kubernetes quantity, every request at most its limit, every limit
   * greater than 0.
   *
   * @throws ConfigError naming the field (`resources.cpu.request`), the value and what is allowed
   */
  public static of(props?: ResourcesProps, base?: ResourcesProps): Resources {
    return Resources.ofAt('Resources.of', 'resources', props, base);
  }

  /**
   * {@link Resources.of}, its errors naming the construct `path` and the prop `field`.
   * @param path construct path for errors
   * @param field prop name for errors (e.g. `resources`)
   * @internal
   */
  public static ofAt(path: string, field: string, props: ResourcesProps | undefined, base?: ResourcesProps): Resources {
    const d = Resources.DEFAULTS;
    const pick = (r: 'cpu' | 'memory', k: 'request' | 'limit') => props?.[r]?.[k] ?? base?.[r]?.[k] ?? d[r][k];
    // Most containers of a platform share a few resource settings: the checked, canonical
    // result of each is kept (a failing one is not, its error names the path and field).
    const key = [pick('cpu', 'request'), pick('cpu', 'limit'), pick('memory', 'request'), pick('memory', 'limit')]
      .map(v => `${typeof v}:${v}`).join('\0');
    const known = RESOLVED.get(key);
    if (known) return new Resources(known);
    const resolved = Resources.resolve(path, field, pick);
    if (RESOLVED.size >= RESOLVED_LIMIT) RESOLVED.clear();
    RESOLVED.set(key, resolved);
    return new Resources(resolved);
  }

  private static resolve(path: string, field: string, pick: (r: 'cpu' | 'memory', k: 'request' | 'limit') => string | number): ResourceRequirementsJson {
    const q = (r: 'cpu' | 'memory', k: 'request' | 'limit') => Quantity.parseAt(path, `${field}.${r}.${k}`, pick(r, k));
    const cpu = { request: q('cpu', 'request'), limit: q('cpu', 'limit') };
    const memory = { request: q('memory', 'request'), limit: q('memory', 'limit') };
    for (const [r, v] of [['cpu', cpu], ['memory', memory]] as const) {
      if (v.request.compare(v.limit) > 0) {
        throw new ConfigError(path, `${field}.${r}.request`, pick(r, 'request'), `exceeds ${field}.${r}.limit ${JSON.stringify(pick(r, 'limit'))}: a request must be <= its limit`);
      }
    }
    for (const r of ['cpu', 'memory'] as const) {
      if ((r === 'cpu' ? cpu : memory).limit.compare(Quantity.parseAt(path, '', '0')) === 0) {
        throw new ConfigError(path, `${field}.${r}.limit`, pick(r, 'limit'), 'must be greater than 0');
      }
    }
    return {
      requests: { cpu: cpu.request.toString(), memory: memory.request.toString() },
      limits: { cpu: cpu.limit.toString(), memory: memory.limit.toString() },
    };
  }

  private constructor(private readonly json: ResourceRequirementsJson) {}

  /** The canonical values (a copy). */
  public toJson(): ResourceRequirementsJson {
    return { requests: { ...this.json.requests }, limits: { ...this.json.limits } };
  }
}
