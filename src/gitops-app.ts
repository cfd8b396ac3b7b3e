import { ApiObject, App, Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { compareText } from './compare';
import { ConfigError } from './errors';
import { Manifest } from './manifest';
import { ReleaseState, RELEASE_FILE } from './release';
import { emitYaml } from './yaml-emitter';

const REPOSITORY_CHART = Symbol.for('cdk8s-gitops.RepositoryChart');

/**
 * Props of a chart that owns one folder of the GitOps repository.
 */
export interface RepositoryChartProps extends ChartProps {
  /**
   * Folder of the repository this chart's objects are written to, `/`-separated, relative
   * to the repository root (e.g. `dev/ab-testing`, `argocd`).
   */
  readonly path: string;
}

/**
 * A chart that owns one folder of the GitOps repository: each of its objects is written to
 * `<path>/<kind>-<name>.yaml`.
 */
export class RepositoryChart extends Chart {
  /** Whether `x` is a RepositoryChart (works across copies of this module). */
  public static isRepositoryChart(x: unknown): x is RepositoryChart {
    return x !== null && typeof x === 'object' && REPOSITORY_CHART in (x as object);
  }

  /** Folder of the repository this chart writes to. */
  public readonly path: string;

  constructor(scope: Construct, id: string, props: RepositoryChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)*$/.test(props.path)) {
      throw new Error(`[${this.node.path}] path: ${JSON.stringify(props.path)} must be a relative folder of lower case DNS labels separated by "/"`);
    }
    this.path = props.path;
    Object.defineProperty(this, REPOSITORY_CHART, { value: true });
  }
}

/**
 * Props of a GitOpsApp.
 */
export interface GitOpsAppProps {
  /**
   * The release state of each environment read from the GitOps repository
   * (`<env>/release.yaml`), keyed by environment name. Tags found here override the
   * project's defaults.
   *
   * @default - no release state: every service runs its default tag
   */
  readonly releases?: Readonly<Record<string, ReleaseState>>;

  /**
   * The environments this run needs, when it needs only some: `release`, `promote` and
   * `rollback` change one environment and construct the program with just that one. A program
   * may then skip building the others' charts (test {@link GitOpsApp.needsEnvironment}), which
   * makes those commands faster on a large platform; a program that builds every environment
   * anyway works the same. The output of such a run is partial: only the needed environments'
   * folders are complete, so it is never written whole (`synthesize` refuses it).
   *
   * @default - every environment
   */
  readonly neededEnvironments?: readonly string[];
}

/**
 * The root of a cdk8s-gitops program: a cdk8s App whose charts each own a folder of the
 * GitOps repository. `files()` renders the whole repository deterministically in memory;
 * writing it (atomically) is the job of the caller (`synth`, `release`).
 */
export class GitOpsApp extends App {
  /** Find the GitOpsApp a construct belongs to. */
  public static of(c: IConstruct): GitOpsApp {
    const root = c.node.root;
    if (!(root instanceof GitOpsApp)) {
      throw new Error(`[${c.node.path}] must be defined inside a GitOpsApp (found ${root.constructor.name} at the root)`);
    }
    return root;
  }

  private releases: Readonly<Record<string, ReleaseState>>;
  private readonly running = new Map<string, Map<string, Map<string | undefined, string>>>();
  private readonly bindings: ReleaseBinding[] = [];
  private readonly tagOwners = new Map<string, { path?: string }>();
  private eagerTagReads = false;
  private readonly needed: ReadonlySet<string> | undefined;

  constructor(props: GitOpsAppProps = {}) {
    super({ outdir: 'dist' });
    this.releases = props.releases ?? {};
    this.needed = props.neededEnvironments === undefined ? undefined : new Set(props.neededEnvironments);
  }

  /**
   * Whether this run needs the charts of environment `name` (see
   * {@link GitOpsAppProps.neededEnvironments}): a program may skip building an environment
   * this returns false for. Always true for a run that renders the whole repository.
   */
  public needsEnvironment(name: string): boolean {
    return this.needed === undefined || this.needed.has(name);
  }

  /** Whether this run needs only some environments (its output is not the whole repository). */
  public get partial(): boolean {
    return this.needed !== undefined;
  }

  /**
   * The tag the release state of `environment` pins for `service` (and `version`, for a
   * versioned service), if any. A program that reads tags this way is constructed anew
   * for each release state (see `useReleases`); `bindRelease` avoids that.
   */
  public releasedTag(environment: string, service: string, version?: string): string | undefined {
    this.eagerTagReads = true;
    return this.lookupTag(environment, service, version);
  }

  /**
   * Bind an image to the release state: its tag is the one the release state of
   * `environment` pins for `service` (and `version`), else `fallback`; `render` turns the tag
   * into the image reference (and throws a ConfigError for a bad one). The binding follows
   * `useReleases`, so one construct tree renders several release states. Tags bound this way
   * are recorded in the environment's release state; an image without any tag (pinned in
   * code) is not.
   */
  public bindRelease(options: ReleaseBindingOptions): ReleaseBindingValue {
    const binding: ReleaseBinding = { ...options, value: { ref: '' } };
    this.evaluate(binding);
    if (binding.value.tag !== undefined) {
      // the release file is keyed by service name per environment: one owner per name
      const key = `${options.environment}\0${options.service}`;
      const owner = this.tagOwners.get(key);
      if (owner !== undefined && owner.path !== options.path) {
        throw new ConfigError(options.path ?? options.service, 'name', options.service,
          `is already a released service of environment ${JSON.stringify(options.environment)} (${owner.path ?? 'another construct'}): the release state is keyed by service name per environment, so released services need unique names there`);
      }
      this.tagOwners.set(key, { path: options.path });
    }
    this.bindings.push(binding);
    return binding.value;
  }

  /** Whether `useReleases` can re-render this app (no tag was read with `releasedTag`). */
  public get rebindable(): boolean {
    return !this.eagerTagReads;
  }

  /**
   * Render from now on with another release state. Returns false, changing nothing, when the
   * program read tags with `releasedTag` (then it must be constructed anew with the state);
   * throws a ConfigError when a bound tag is invalid (and keeps the previous state).
   */
  public useReleases(releases: Readonly<Record<string, ReleaseState>>): boolean {
    if (this.eagerTagReads) return false;
    const previous = this.releases;
    this.releases = releases;
    try {
      for (const b of this.bindings) this.evaluate(b);
    } catch (e) {
      this.releases = previous;
      for (const b of this.bindings) this.evaluate(b);
      throw e;
    }
    return true;
  }

  private evaluate(binding: ReleaseBinding): void {
    const released = this.lookupTag(binding.environment, binding.service, binding.version);
    const tag = released ?? binding.fallback;
    const ref = binding.render(tag, released !== undefined);
    // assigned together, after render succeeded
    Object.assign(binding.value, { ref, tag });
  }

  private lookupTag(environment: string, service: string, version?: string): string | undefined {
    const entry = this.releases[environment]?.services?.[service];
    if (entry === undefined) return undefined;
    if (typeof entry === 'string') return version === undefined ? entry : undefined;
    return version === undefined ? undefined : entry[version];
  }

  /**
   * Record which tag a service (version) runs in an environment. Workloads call this; the
   * recorded tags become that environment's release file.
   */
  public recordRunningTag(environment: string, service: string, version: string | undefined, tag: string): void {
    let env = this.running.get(environment);
    if (!env) this.running.set(environment, env = new Map());
    let svc = env.get(service);
    if (!svc) env.set(service, svc = new Map());
    svc.set(version, tag);
  }

  /** The effective release state of an environment: what its workloads run. */
  public releaseState(environment: string): ReleaseState {
    const services: Record<string, string | Record<string, string>> = {};
    const env = new Map<string, Map<string | undefined, string>>();
    for (const [service, versions] of this.running.get(environment) ?? []) env.set(service, new Map(versions));
    for (const b of this.bindings) {
      if (b.environment !== environment || b.value.tag === undefined) continue;
      let svc = env.get(b.service);
      if (!svc) env.set(b.service, svc = new Map());
      svc.set(b.version, b.value.tag);
    }
    for (const service of [...env.keys()].sort()) {
      const versions = env.get(service)!;
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

  /** Environments that have running workloads, sorted. */
  public get environments(): string[] {
    const names = new Set(this.running.keys());
    for (const b of this.bindings) if (b.value.tag !== undefined) names.add(b.environment);
    return [...names].sort();
  }

  /** The charts that own repository folders, sorted by folder. */
  public get repositoryCharts(): RepositoryChart[] {
    return this.scan(false).charts.map(c => c.chart);
  }

  /**
   * Validate every construct (`node.addValidation` checks) and resolve every object, sorted by
   * path. Throws one error listing every failed validation; nothing is rendered then.
   */
  public manifests(options: ManifestOptions = {}): Manifest[] {
    const { errors, charts } = this.scan(true);
    if (errors.length > 0) {
      throw new Error(`Validation failed with ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
    }
    const out: Manifest[] = [];
    const seen = new Map<string, string>();
    for (const { chart, objects } of charts) {
      if (options.folders && !options.folders(chart.path)) continue;
      for (const obj of objects) {
        const path = `${chart.path}/${obj.kind.toLowerCase()}-${obj.name}.yaml`;
        const other = seen.get(path);
        if (other !== undefined) {
          throw new Error(`[${obj.node.path}] ${obj.kind} ${JSON.stringify(obj.name)} is written to ${path}, which ${other} already writes: names must be unique per kind and folder`);
        }
        seen.set(path, obj.node.path);
        if (options.files && !options.files(path)) continue;
        out.push({ path, object: obj.toJson() });
      }
    }
    return out.sort((a, b) => compareText(a.path, b.path));
  }

  /**
   * Render the repository: every manifest as YAML plus one release file per environment.
   * Keys are repository-relative paths, sorted; the same program always gives the same bytes.
   */
  public files(manifests: Manifest[] = this.manifests()): Map<string, string> {
    return new Map([...new Map(this.fileEntries(manifests))].sort(([a], [b]) => compareText(a, b)));
  }

  /**
   * The files of {@link files}, made one at a time as they are asked for, in no particular
   * order: a writer can write each and drop it before the next is made (`synthesize` does;
   * at 28,600 files that keeps about 65 MiB of YAML out of the heap). The release files of
   * `environments` come last.
   */
  public *fileEntries(manifests: readonly Manifest[] = this.manifests(), environments: readonly string[] = this.environments): Generator<[string, string]> {
    for (const m of manifests) yield [m.path, toYaml(m.object)];
    for (const env of environments) yield [`${env}/${RELEASE_FILE}`, renderRelease(this.releaseState(env))];
  }

  /** Not supported: use `files()` and a writer (cdk8s's own synth would ignore our layout). */
  public synth(): void {
    throw new Error('GitOpsApp.synth() is not used: render with files() and write with writeTree() (see README)');
  }

  /**
   * One walk of the construct tree, in pre-order: the failed validations of every construct
   * (when `validate`), and each repository chart (sorted by folder) with its objects, those
   * whose nearest chart it is (what `Chart.of` finds), in pre-order.
   */
  private scan(validate: boolean): { errors: string[]; charts: ChartObjects[] } {
    const errors: string[] = [];
    const charts: ChartObjects[] = [];
    const visit = (c: IConstruct, nearest: ChartObjects | undefined): void => {
      if (validate) for (const message of c.node.validate()) errors.push(`[${c.node.path}] ${message}`);
      if (RepositoryChart.isRepositoryChart(c)) {
        charts.push(nearest = { chart: c, objects: [] });
      } else if (Chart.isChart(c)) {
        nearest = undefined; // objects of a plain chart are not part of the repository
      } else if (nearest !== undefined && c instanceof ApiObject) {
        nearest.objects.push(c);
      }
      for (const child of c.node.children) visit(child, nearest);
    };
    visit(this, undefined);
    return { errors, charts: charts.sort((a, b) => compareText(a.chart.path, b.chart.path)) };
  }
}

/** A repository chart and the objects it writes. */
interface ChartObjects {
  readonly chart: RepositoryChart;
  readonly objects: ApiObject[];
}

/** Options of {@link GitOpsApp.bindRelease}. */
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

/** The current value of a release binding (updated by `useReleases`). */
export interface ReleaseBindingValue {
  /** The image reference. */
  readonly ref: string;
  /** The tag, if any. */
  readonly tag?: string;
}

interface ReleaseBinding extends ReleaseBindingOptions {
  readonly value: { ref: string; tag?: string };
}

/** Options of {@link GitOpsApp.manifests}. */
export interface ManifestOptions {
  /**
   * Render only the charts whose folder (`dev/shop`, `argocd`) this returns true for.
   * @default - every chart
   */
  readonly folders?: (folder: string) => boolean;
  /**
   * Render only the objects whose file (`dev/shop/deployment-web.yaml`) this returns true for.
   * @default - every object of the rendered charts
   */
  readonly files?: (file: string) => boolean;
}

/** Serialize one object as YAML the way every cdk8s-gitops file is written (YAML 1.1-safe quoting, no folding). */
export function toYaml(object: unknown): string {
  // byte-identical to yaml's stringify(object, YAML_OPTIONS), much faster (see yaml-emitter.ts)
  return emitYaml(object);
}

/** Serialize a release state as the `<env>/release.yaml` file. */
export function renderRelease(state: ReleaseState): string {
  return '# Managed by cdk8s-gitops: the image tag each service (version) runs in this environment.\n'
    + '# Change it with `cdk8s-gitops release`, `promote` or `rollback`, not by hand.\n'
    + toYaml({ apiVersion: 'cdk8s-gitops/v1', kind: 'Release', environment: state.environment, services: state.services });
}

