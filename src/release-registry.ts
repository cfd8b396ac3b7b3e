import { IConstruct } from 'constructs';
import { ConfigError } from './errors';
import { ReleaseState } from './release';

/** Where a GitOpsApp keeps its registry (a symbol, so a second copy of this module finds it too). */
export const RELEASE_REGISTRY = Symbol.for('cdk8s-gitops.ReleaseRegistry');

/** Options of {@link ReleaseRegistry.bind}. */
export interface ReleaseBindingOptions {
  /** Environment name. */
  readonly environment: string;
  /** Service name (the key of the release file). */
  readonly service: string;
  /** Version name, for a versioned service. @default - an unversioned service */
  readonly version?: string;
  /** Path of the construct the image belongs to, for errors. @default - the service name */
  readonly path?: string;
  /** Tag when the release state pins none. @default - none: `render` gets undefined */
  readonly fallback?: string;
  /**
   * The image reference for a tag (undefined: neither the release state nor the fallback has
   * one); `released` tells whether the tag came from the release state. Throws for a bad tag.
   */
  readonly render: (tag: string | undefined, released: boolean) => string;
}

/** The current value of a release binding: it follows {@link ReleaseRegistry.use}. */
export interface ReleaseBindingValue {
  /** The image reference. */
  readonly ref: string;
  /** The tag, if any. */
  readonly tag?: string;
}

interface Binding extends ReleaseBindingOptions {
  readonly value: { ref: string; tag?: string };
}

/**
 * The release state of a GitOpsApp: which tag each released service (version) runs in each
 * environment. Workloads bind their image to it (`bind`); the CLI switches the whole app to
 * another state (`use`) and every bound image follows, without constructing the app again.
 * What the bound images run is each environment's release file (`stateOf`).
 */
export class ReleaseRegistry {
  /**
   * The registry of the GitOpsApp a construct belongs to, or undefined outside a GitOpsApp
   * (in a plain cdk8s App images run the tags given in code).
   */
  public static of(c: IConstruct): ReleaseRegistry | undefined {
    const root = c.node.root as unknown as Record<symbol, unknown>;
    const registry = root[RELEASE_REGISTRY] as ReleaseRegistry | undefined;
    // duck-typed: a registry of another copy of this module works the same
    return typeof registry?.bind === 'function' ? registry : undefined;
  }

  private states: Readonly<Record<string, ReleaseState>>;
  private readonly bindings: Binding[] = [];
  private readonly owners = new Map<string, string | undefined>();

  /** @param states the release state of each environment, keyed by environment name */
  constructor(states: Readonly<Record<string, ReleaseState>> = {}) {
    this.states = states;
  }

  /**
   * Bind an image to the release state: its tag is the one the state of `environment` pins for
   * `service` (and `version`), else `fallback`; `render` turns the tag into the image
   * reference. Tags bound this way are part of the environment's release file; an image
   * without any tag (pinned in code) is not.
   *
   * @throws ConfigError when another construct already released a service of that name in the
   *   environment, or when `render` refuses the tag
   */
  public bind(options: ReleaseBindingOptions): ReleaseBindingValue {
    const binding: Binding = { ...options, value: { ref: '' } };
    this.evaluate(binding);
    if (binding.value.tag !== undefined) {
      // the release file is keyed by service name per environment: one owner per name
      const key = `${options.environment}\0${options.service}`;
      if (this.owners.has(key) && this.owners.get(key) !== options.path) {
        throw new ConfigError(options.path ?? options.service, 'name', options.service,
          `is already a released service of environment ${JSON.stringify(options.environment)} (${this.owners.get(key) ?? 'another construct'}): the release state is keyed by service name per environment, so released services need unique names there`);
      }
      this.owners.set(key, options.path);
    }
    this.bindings.push(binding);
    return binding.value;
  }

  /**
   * Render from now on with another release state (every environment's, keyed by name).
   * @throws ConfigError when a bound tag is invalid; the previous state stays in use
   */
  public use(states: Readonly<Record<string, ReleaseState>>): void {
    const previous = this.states;
    this.states = states;
    try {
      for (const b of this.bindings) this.evaluate(b);
    } catch (e) {
      this.states = previous;
      for (const b of this.bindings) this.evaluate(b);
      throw e;
    }
  }

  /** The release states in use (what the app was given), keyed by environment. */
  public get given(): Readonly<Record<string, ReleaseState>> {
    return this.states;
  }

  /** What the bound images of `environment` run now: its release file. */
  public stateOf(environment: string): ReleaseState {
    const byService = new Map<string, Map<string | undefined, string>>();
    for (const b of this.bindings) {
      if (b.environment !== environment || b.value.tag === undefined) continue;
      let versions = byService.get(b.service);
      if (!versions) byService.set(b.service, versions = new Map());
      versions.set(b.version, b.value.tag);
    }
    const services: Record<string, string | Record<string, string>> = {};
    for (const service of [...byService.keys()].sort()) {
      const versions = byService.get(service)!;
      if (versions.size === 1 && versions.has(undefined)) {
        services[service] = versions.get(undefined)!;
      } else {
        const byVersion: Record<string, string> = {};
        for (const v of [...versions.keys()].map(String).sort()) byVersion[v] = versions.get(v)!;
        services[service] = byVersion;
      }
    }
    return { environment, services };
  }

  /** Environments with a bound tag, sorted. */
  public get environments(): string[] {
    return [...new Set(this.bindings.filter(b => b.value.tag !== undefined).map(b => b.environment))].sort();
  }

  private evaluate(binding: Binding): void {
    const released = this.lookup(binding.environment, binding.service, binding.version);
    const tag = released ?? binding.fallback;
    const ref = binding.render(tag, released !== undefined);
    // assigned together, after render succeeded
    Object.assign(binding.value, { ref, tag });
  }

  private lookup(environment: string, service: string, version?: string): string | undefined {
    const entry = this.states[environment]?.services?.[service];
    if (entry === undefined) return undefined;
    if (typeof entry === 'string') return version === undefined ? entry : undefined;
    return version === undefined ? undefined : entry[version];
  }
}
