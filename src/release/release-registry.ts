import { IConstruct } from 'constructs';
import { ConfigError } from '../core/errors';
import { compareText } from '../core/compare';
import { ReleaseState } from './release';
import { EnvironmentRelease, ReleaseRuns, ReleaseServices, ReleaseWeights } from './environment-release';
import { Releases } from './releases';

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
  /**
   * Cluster of the environment the image runs in: its tag is the cluster's entry of the release
   * state when it has one, else the environment's.
   * @default - none: the environment runs in one cluster
   */
  readonly cluster?: string;
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

/** The value of a release binding: read once, when the image is bound (the release state of an app never changes). */
export interface ReleaseBindingValue {
  /** The image reference. */
  readonly ref: string;
  /** The tag, if any. */
  readonly tag?: string;
}

/** Options of {@link ReleaseRegistry.bindSplit}. */
export interface ReleaseSplitOptions {
  /** Environment name. */
  readonly environment: string;
  /** Service name (the key of the release file). */
  readonly service: string;
  /** Namespace the service's pods run in (where a metrics gate looks for the canary). */
  readonly namespace: string;
  /** Path of the construct whose route uses the split, for errors. */
  readonly path: string;
  /**
   * Cluster of the environment the route is rendered for: it takes the cluster's pinned split
   * when the release state has one, else the environment's.
   * @default - none: the environment runs in one cluster
   */
  readonly cluster?: string;
}

/** The routes of an environment that send a service's traffic by its default split (see `ReleaseRegistry._splitOf`; internal). */
export interface ReleaseSplit {
  /** Service name. */
  readonly service: string;
  /** Namespace of the service's pods (in an environment with clusters and no cluster asked for: in the first cluster that splits it, by name). */
  readonly namespace: string;
  /** Paths of the constructs whose routes use the split, in the order they were bound. */
  readonly paths: string[];
}

/** The routes that split one service by its default split in one environment (and cluster). */
interface SplitBinding {
  readonly environment: string;
  readonly cluster?: string;
  readonly service: string;
  readonly namespace: string;
  readonly paths: string[];
}

interface Binding extends ReleaseBindingOptions {
  readonly value: ReleaseBindingValue;
}

/**
 * The release state of a GitOpsApp: which tag each released service (version) runs in each
 * environment. Workloads bind their image to it (`bind`) and read their tag then, once: the
 * state of an app is fixed when the app is made (`new GitOpsApp({ releases })`), and a change
 * of state is another app. What the bound images run is each environment's release file
 * (`GitOpsApp.releaseState`).
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

  private readonly releases: Releases;
  private readonly bindings: Binding[] = [];
  private readonly owners = new Map<string, string | undefined>();
  private readonly splits = new Map<string, SplitBinding>();

  /** @param states the release state of each environment, keyed by environment name */
  constructor(states: Readonly<Record<string, ReleaseState>> = {}) {
    this.releases = Releases.of(states);
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
    const released = this.releases.tagOf(options, options.service, options.version);
    const tag = released ?? options.fallback;
    const value: ReleaseBindingValue = Object.freeze({ ref: options.render(tag, released !== undefined), ...(tag !== undefined ? { tag } : {}) });
    const binding: Binding = { ...options, value };
    if (binding.value.tag !== undefined) {
      // the release file is keyed by service name per environment (and cluster): one owner per name
      const key = `${options.environment}\0${options.cluster ?? ''}\0${options.service}`;
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
   * Bind a route's split to the release state: the route sends `service`'s traffic by its
   * default split (a split without weights of its own), so the split the release state of
   * `environment` pins for the service ({@link weightsOf}) applies there, read when the route is
   * rendered. Only a service with a bound split can have one pinned (`cdk8s-gitops shift`). A
   * route of a cluster of the environment (`cluster`) takes that cluster's pinned split.
   *
   * @throws ConfigError when routes of the environment (cluster) name services of that name in two namespaces
   */
  public bindSplit(options: ReleaseSplitOptions): void {
    const key = `${options.environment}\0${options.cluster ?? ''}\0${options.service}`;
    const split = this.splits.get(key);
    if (split === undefined) {
      const { environment, cluster, service, namespace } = options;
      this.splits.set(key, { environment, ...(cluster !== undefined ? { cluster } : {}), service, namespace, paths: [options.path] });
      return;
    }
    if (split.namespace !== options.namespace) {
      throw new ConfigError(options.path, 'service', `${options.service} (namespace ${options.namespace})`,
        `is already split by ${split.paths[0]} as the service of namespace ${JSON.stringify(split.namespace)} in environment ${JSON.stringify(options.environment)}: the release state keys splits by service name per environment, so split services need unique names there`);
    }
    if (!split.paths.includes(options.path)) split.paths.push(options.path);
  }

  /**
   * The split the release state of `environment` pins for `service` (version -> percent), or
   * undefined when it pins none (routes then split as the code says). With `cluster`, the split
   * of that cluster of the environment: its entry when the state has one, else the
   * environment's.
   */
  public weightsOf(environment: string, service: string, cluster?: string): Record<string, number> | undefined {
    return this.releases.splitOf({ environment, cluster }, service);
  }

  /**
   * The routes of `environment` that split `service` by its default split (with `cluster`: the
   * routes of that cluster; without, of every cluster), or undefined when none does.
   * Internal: for the GitOps flows.
   * @internal
   */
  public _splitOf(environment: string, service: string, cluster?: string): ReleaseSplit | undefined {
    const bound = this.splitBindings(environment, cluster).filter(b => b.service === service);
    if (bound.length === 0) return undefined;
    return { service, namespace: bound[0].namespace, paths: bound.flatMap(b => b.paths) };
  }

  /** The split bindings of `environment` (with `cluster`: of that cluster only), by cluster name. */
  private splitBindings(environment: string, cluster?: string): SplitBinding[] {
    return [...this.splits.values()]
      .filter(b => b.environment === environment && (cluster === undefined || b.cluster === cluster))
      .sort((a, b) => compareText(a.cluster ?? '', b.cluster ?? ''));
  }

  /**
   * What the bound images and splits of `environment` run now, as its release: in an environment
   * with clusters, each cluster's (its services only, each with the tag it runs there, and the
   * pinned splits its routes take), and as the environment's the tag every cluster that runs a
   * service (version) agrees on (where they differ: the environment's tag in the release state,
   * else the first cluster's). A split the state pins is part of it where a route uses the
   * service's default split and the split names only versions the service has. Each of
   * `clusters` (the environment's) has its own runs, an empty one where nothing is bound.
   * Internal: `GitOpsApp.releaseState` is the public way.
   * @internal
   */
  public _releaseOf(environment: string, clusters: readonly string[] = []): EnvironmentRelease {
    const bound = this.bindings.filter(b => b.environment === environment && b.cluster !== undefined && b.value.tag !== undefined).map(b => b.cluster!);
    const names = [...new Set([...clusters, ...bound])].sort(compareText);
    const runs = Object.fromEntries(names.map(c => [c, this.runsOf(environment, c)]));
    if (names.length === 0) return EnvironmentRelease.of(environment, this.runsOf(environment, undefined));
    // service -> version (undefined: one tag) -> cluster (undefined: none) -> tag
    const byService = new Map<string, Map<string | undefined, Map<string | undefined, string>>>();
    for (const b of this.bindings) {
      if (b.environment !== environment || b.value.tag === undefined) continue;
      let versions = byService.get(b.service);
      if (!versions) byService.set(b.service, versions = new Map());
      let tags = versions.get(b.version);
      if (!tags) versions.set(b.version, tags = new Map());
      tags.set(b.cluster, b.value.tag);
    }
    const services: Record<string, string | Record<string, string>> = {};
    for (const [service, versions] of byService) {
      if (versions.size === 1 && versions.has(undefined)) services[service] = this.environmentTag(environment, service, undefined, versions.get(undefined)!);
      else services[service] = Object.fromEntries([...versions].map(([v, tags]) => [String(v), this.environmentTag(environment, service, v, tags)]));
    }
    // the split each cluster that runs a versioned service and splits it by its default split takes (undefined: none)
    const splits = new Map<string, Map<string | undefined, Record<string, number> | undefined>>();
    for (const b of this.splitBindings(environment)) {
      const versions = byService.get(b.service);
      const has = versions && [...versions].filter(([v, tags]) => v !== undefined && tags.has(b.cluster)).map(([v]) => v!);
      if (!has || has.length === 0) continue;
      if (!splits.has(b.service)) splits.set(b.service, new Map());
      splits.get(b.service)!.set(b.cluster, applicable(this.weightsOf(environment, b.service, b.cluster), has));
    }
    const weights: Record<string, Record<string, number>> = {};
    for (const [service, taken] of splits) {
      const split = this.environmentSplit(environment, service, taken);
      if (split !== undefined) weights[service] = split;
    }
    return EnvironmentRelease.of(environment, { services, weights }, runs);
  }

  /**
   * The environment-wide split of a service whose clusters take the splits `taken` (cluster ->
   * pinned split, undefined: none): the split they all take; where they differ, none when any
   * of them takes none (a cluster entry cannot say "none"), else the environment's in the release state.
   */
  private environmentSplit(environment: string, service: string, taken: ReadonlyMap<string | undefined, Record<string, number> | undefined>): Record<string, number> | undefined {
    const distinct = new Set([...taken.values()].map(s => JSON.stringify(s ?? null)));
    if (distinct.size === 1) return [...taken.values()][0];
    if (distinct.has('null')) return undefined;
    const first = [...taken.values()][0]!;
    return applicable(this.releases.splitOf({ environment }, service), Object.keys(first));
  }

  /** What one cluster of `environment` runs now: its bound images' tags and the pinned splits its routes take. */
  private runsOf(environment: string, cluster: string | undefined): ReleaseRuns {
    const services = this.runsIn(environment, cluster);
    return { services, weights: this.weightsIn(environment, cluster, services) };
  }

  /**
   * The pinned splits the routes of one cluster of `environment` take now (service -> version ->
   * percent): of the services a route of that cluster splits by their default split (`runs`:
   * what the cluster runs), each the cluster's entry, else the environment's, naming only
   * versions the service runs there.
   */
  private weightsIn(environment: string, cluster: string | undefined, runs: ReleaseServices): ReleaseWeights {
    const out: Record<string, Record<string, number>> = {};
    for (const b of this.splitBindings(environment, cluster)) {
      const versions = runs[b.service];
      const split = typeof versions === 'object' ? applicable(this.weightsOf(environment, b.service, cluster), Object.keys(versions)) : undefined;
      if (split !== undefined) out[b.service] = split;
    }
    return Object.fromEntries(Object.keys(out).sort(compareText).map(s => [s, out[s]]));
  }

  /**
   * What the bound images of one cluster of `environment` run now (service -> tag, or version
   * -> tag): the services of that cluster only, each with the tag it runs there.
   */
  private runsIn(environment: string, cluster: string | undefined): ReleaseServices {
    const runs: Record<string, string | Record<string, string>> = Object.create(null);
    const bound = this.bindings.filter(b => b.environment === environment && b.cluster === cluster && b.value.tag !== undefined);
    for (const b of [...bound].sort((x, y) => compareText(x.service, y.service) || compareText(String(x.version), String(y.version)))) {
      if (b.version === undefined) runs[b.service] = b.value.tag!;
      else ((runs[b.service] ??= {}) as Record<string, string>)[b.version] = b.value.tag!;
    }
    return runs;
  }

  /** The environment-wide tag of a service (version) its clusters run as `tags` (see {@link _releaseOf}). */
  private environmentTag(environment: string, service: string, version: string | undefined, tags: ReadonlyMap<string | undefined, string>): string {
    const distinct = new Set(tags.values());
    if (distinct.size === 1) return [...distinct][0];
    const stored = this.releases.tagOf({ environment }, service, version);
    if (stored !== undefined) return stored;
    const first = [...tags.keys()].sort((a, b) => compareText(a ?? '', b ?? ''))[0];
    return tags.get(first)!;
  }

  /** Environments with a bound tag, sorted. */
  public get environments(): string[] {
    return [...new Set(this.bindings.filter(b => b.value.tag !== undefined).map(b => b.environment))].sort();
  }
}

/** `split` with its versions sorted when it names only `versions` (a split the service can take), else undefined. */
function applicable(split: Readonly<Record<string, number>> | undefined, versions: readonly string[]): Record<string, number> | undefined {
  if (split === undefined || !Object.keys(split).every(v => versions.includes(v))) return undefined;
  return Object.fromEntries(Object.keys(split).sort(compareText).map(v => [v, split[v]]));
}

