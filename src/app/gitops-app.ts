import { App } from 'cdk8s';
import { ConfigError } from '../core/errors';
import { Environment } from '../model/environment';
import { Manifest } from '../core/manifest';
import { ReleaseState } from '../release/release';
import type { EnvironmentRelease } from '../release/environment-release';
import { RELEASE_REGISTRY, ReleaseRegistry } from '../release/release-registry';
import { LayoutOptions, renderManifests, repositoryFiles } from './repository-layout';
import { compareText } from '../core/compare';
import type { SchemaOptions } from '../validate';
import { synthesize } from './synth';

/**
 * Props of a GitOpsApp.
 */
export interface GitOpsAppProps {
  /**
   * The release state of each environment read from the GitOps repository
   * (`<env>/release.yaml`), keyed by environment name. Tags found here override the
   * program's defaults. The CLI passes them; a program passes its `props` on whole.
   *
   * @default - no release state: every service runs its default tag
   */
  readonly releases?: Readonly<Record<string, ReleaseState>>;

  /**
   * What synth's and the release commands' schema check validates against: the Kubernetes
   * version, schema locations of custom resources, kinds to skip (as `validate
   * --kubernetes-version`, `--schema-location`, `--skip`). Each setting given here replaces the
   * one of package.json's `"cdk8s-gitops".validation`.
   *
   * @default - package.json's settings, else Kubernetes 1.33 and the built-in schemas only
   */
  readonly validation?: SchemaOptions;
  /**
   * Where {@link GitOpsApp.synth} writes the repository (cdk8s-cli's `cdk8s synth` sets
   * `CDK8S_OUTDIR`).
   *
   * @default - `$CDK8S_OUTDIR`, else `dist` (as a cdk8s App)
   */
  readonly outdir?: string;
}

/** What a program registers for one environment (see {@link GitOpsApp.addEnvironment}). */
type EnvironmentBuilder = (environment: Environment) => void;

/**
 * The root of a cdk8s-gitops program: a cdk8s App whose charts each own a folder of the GitOps
 * repository, plus the release state its workloads bind their images to (`releases`).
 *
 * A program registers what it builds for each environment with {@link addEnvironment}; the
 * library builds an environment when a run needs it (synth builds all of them, `release`
 * only the one it changes). `files()` renders the whole repository deterministically in
 * memory; writing it is the job of `synthesize` / `writeTree`.
 */
export class GitOpsApp extends App {
  /** The release state the app's workloads follow. */
  public readonly releases: ReleaseRegistry;
  private readonly pending = new Map<string, { environment: Environment; builders: EnvironmentBuilder[] }>();
  private readonly registered = new Map<string, Environment>();
  private readonly schemaOptions: SchemaOptions;

  constructor(props: GitOpsAppProps = {}) {
    super({ outdir: props.outdir });
    this.releases = new ReleaseRegistry(props.releases ?? {});
    this.schemaOptions = copySchemaOptions(props.validation ?? {});
    Object.defineProperty(this, RELEASE_REGISTRY, { value: this.releases });
  }

  /**
   * Register what the program builds for `environment`: `build` creates its charts (and may add
   * objects to shared charts, such as its Argo CD Applications). It runs when a run first needs
   * the environment: once, or for an environment with clusters once per cluster, with that
   * cluster's view of the environment (`environment.cluster` set, its overrides applied), so the
   * same builder serves one cluster or many. Several builders of one environment run in the
   * order registered. The environment then has a release file, even when it releases no service.
   */
  public addEnvironment(environment: Environment, build: (environment: Environment) => void): void {
    if (typeof build !== 'function') throw new ConfigError('GitOpsApp', `addEnvironment(${JSON.stringify(environment?.name)}).build`, build, 'must be a function that builds the environment\'s charts');
    if (environment.cluster !== undefined) {
      throw new ConfigError('GitOpsApp', 'addEnvironment', environment.folder, `is the view of cluster ${JSON.stringify(environment.cluster.name)}: register the environment itself (its builder is called once per cluster)`);
    }
    const entry = this.pending.get(environment.name);
    if (entry !== undefined && entry.environment !== environment) {
      throw new ConfigError('GitOpsApp', 'addEnvironment', environment.name, 'is already registered with another Environment object: register each environment once (several builders may share it)');
    }
    if (entry) entry.builders.push(build);
    else this.pending.set(environment.name, { environment, builders: [build] });
    this.registered.set(environment.name, environment);
  }

  /**
   * The release state the app renders for environment `env`: its `<env>/release.yaml`, what
   * its workloads run (each released service's tag, or each version's; the splits its routes
   * take; in an environment with clusters, the entries of each cluster that differ). Builds the
   * environment first. The app's release state is fixed when it is made (`props.releases`): to
   * render another, make another app (`createApp({ releases })`).
   */
  public releaseState(env: string): ReleaseState {
    this._build([env]);
    return this._releaseOf(env).toFile();
  }

  /**
   * What environment `env` runs (built), as a release value: the environment's and each of its
   * clusters' (see `ReleaseRegistry._releaseOf`). Internal: for the GitOps flows.
   * @internal
   */
  public _releaseOf(env: string): EnvironmentRelease {
    return this.releases._releaseOf(env, (this._environment(env)?.clusters ?? []).map(c => c.name));
  }

  /** The schema settings the program gives (`props.validation`; a copy). */
  public get validation(): SchemaOptions {
    return copySchemaOptions(this.schemaOptions);
  }

  /** The environments of the app, sorted: those registered and those with released services. */
  public get environments(): string[] {
    return [...new Set([...this.registered.keys(), ...this.releases.environments])].sort(compareText);
  }

  /**
   * The registered environment of that name, or undefined. Internal: for the GitOps flows.
   * @internal
   */
  public _environment(name: string): Environment | undefined {
    return this.registered.get(name);
  }

  /**
   * Build the registered environments a run needs (all when `names` is not given) that are not
   * built yet. A builder that throws (a construct refusing its props) does not stop the others:
   * every environment, and every cluster of one, is built, and the errors are thrown together
   * (one error as it is). Internal: the library decides what a run builds.
   * @internal
   */
  public _build(names?: Iterable<string>): void {
    const errors: unknown[] = [];
    for (const name of names === undefined ? [...this.pending.keys()] : [...names]) {
      const entry = this.pending.get(name);
      if (entry === undefined) continue;
      this.pending.delete(name); // first: a builder that fails is not retried half-way
      const clusters = entry.environment.clusters;
      const views = clusters.length > 0 ? clusters.map(c => c.environment) : [entry.environment];
      for (const build of entry.builders) {
        for (const view of views) {
          try {
            build(view);
          } catch (e) {
            errors.push(e);
          }
        }
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      const messages = [...new Set(errors.map(e => String((e as Error)?.message ?? e)))];
      throw new Error(`Construction failed with ${messages.length} error(s):\n  ${messages.join('\n  ')}`);
    }
  }

  /**
   * Validate every construct (`node.addValidation` checks) and resolve every object, sorted by
   * path. Builds every registered environment first.
   *
   * @throws Error listing every failed validation; nothing is rendered then
   */
  public manifests(): Manifest[] {
    this._build();
    return renderManifests(this);
  }

  /**
   * The manifests of what is built so far, or of part of it. Internal: for the GitOps flows.
   * @internal
   */
  public _manifests(options: LayoutOptions = {}): Manifest[] {
    return renderManifests(this, options);
  }

  /**
   * Render the repository: every manifest as YAML plus one release file per environment.
   * Keys are repository-relative paths, sorted; the same program always gives the same bytes.
   */
  public files(manifests: readonly Manifest[] = this.manifests()): Map<string, string> {
    return new Map([...this.fileEntries(manifests)].sort(([a], [b]) => compareText(a, b)));
  }

  /**
   * The files of {@link files}, made one at a time as they are asked for, in no particular
   * order: a writer can write each and drop it before the next is made (`synthesize` does).
   * The release files of `environments` come last.
   */
  public fileEntries(manifests: readonly Manifest[] = this.manifests(), environments: readonly string[] = this.environments): Generator<[string, string]> {
    return repositoryFiles(manifests, environments.map(e => this._releaseOf(e).toFile()));
  }

  /**
   * Write the repository into `outdir` as `cdk8s-gitops synth --out` does, so a program run by
   * cdk8s-cli (`cdk8s.yaml`: `app: npx ts-node main.ts`, main.ts ending in
   * `createApp().synth()`) works: the GitOps layout, every check first (nothing is written when
   * a construct or a check fails), and synth's ownership of what it writes (see `synthesize`).
   * The tags are the program's defaults and `releases`; render a GitOps repository with
   * `cdk8s-gitops synth --gitops-dir`, which reads its release files.
   *
   * @throws Error listing every failed validation or check, or the files synth would not replace
   */
  public synth(): void {
    synthesize(this, this.outdir, { label: `the app's outdir ${JSON.stringify(this.outdir)}` });
  }
}

/** A copy of schema options, their lists copied too. */
function copySchemaOptions(options: SchemaOptions): SchemaOptions {
  return {
    ...options,
    ...(options.schemaLocations ? { schemaLocations: [...options.schemaLocations] } : {}),
    ...(options.skip ? { skip: [...options.skip] } : {}),
  };
}
