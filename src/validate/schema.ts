import * as fs from 'fs';
import * as path from 'path';
import { Finding, finding, ObjectRef, pointerToField } from './finding';
import { Inventory } from './inventory';
import { DEFAULT_KUBERNETES_VERSION, KubernetesTarget, kubernetesTarget } from './kubernetes-version';
import { compileSchemaFile, SchemaLocation } from './schema-location';
import { loadSchemaModule, packageDir, ValidateFunction } from './schema-modules';
import { StrictOptions, validateStrict } from './strict';

/** Where the schema of an apiVersion/kind comes from. */
interface SchemaSource {
  readonly validate: ValidateFunction;
  /** apiVersion the schema is written for (differs when v1 Istio objects use the v1beta1 schema). */
  readonly schemaApiVersion: string;
  /** Name of the API, for messages. */
  readonly api: string;
  readonly kubernetes: boolean;
  /** How strictly (one object per source, so validateStrict can cache per shape). */
  readonly options: StrictOptions;
}

const crdOptions = new Map<string, StrictOptions>();
/** Objects validated with a schema location's JSON schema: no field differences to apply. */
const LOCATION_OPTIONS: StrictOptions = {};

/** What the schema check validates against: the Kubernetes version, more schemas, kinds to skip. */
export interface SchemaOptions {
  /**
   * The Kubernetes minor to check against (`1.33`; `v1.33` and patch releases such as
   * `1.33.4` name their minor): which kinds it serves and which fields it has. Known: see
   * `KUBERNETES_VERSIONS`.
   * @default DEFAULT_KUBERNETES_VERSION (1.33)
   */
  readonly kubernetesVersion?: string;
  /**
   * Where the JSON schemas of kinds without a built-in schema are (custom resources such as
   * cert-manager's), tried in order: folders laid out `<group>/<kind>_<version>.json`, or path
   * templates with kubeconform's `-schema-location` variables (`{{ .Group }}`,
   * `{{ .ResourceKind }}`, `{{ .ResourceAPIVersion }}`, `{{ .KindSuffix }}`, ...). Relative paths
   * are relative to the working directory. Offline only: a URL is refused.
   * @default - none: only the built-in schemas
   */
  readonly schemaLocations?: readonly string[];
  /**
   * Kinds whose schema check is skipped, as kubeconform's `-skip`: a kind (`Certificate`) or an
   * apiVersion and kind (`cert-manager.io/v1/Certificate`). The other checks still see them.
   * @default - none
   */
  readonly skip?: readonly string[];
}

/** Schema options resolved: the target, the locations, the kinds skipped, and the schemas found so far. */
export interface SchemaContext {
  readonly target: KubernetesTarget;
  readonly locations: readonly SchemaLocation[];
  readonly skip: ReadonlySet<string>;
  readonly resolved: Map<string, SchemaSource | string>;
}

const contexts = new Map<string, SchemaContext>();

/**
 * Resolve schema options (once per distinct value).
 *
 * @throws Error naming the option, the value and what is allowed
 */
export function schemaContext(options: SchemaOptions = {}): SchemaContext {
  const version = options.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  const locations = options.schemaLocations ?? [];
  const skip = options.skip ?? [];
  if (!Array.isArray(locations)) throw new Error(`schemaLocations: ${JSON.stringify(locations)} must be a list of folders or path templates`);
  if (!Array.isArray(skip)) throw new Error(`skip: ${JSON.stringify(skip)} must be a list of kinds`);
  const key = JSON.stringify([version, locations.map(l => (typeof l === 'string' ? path.resolve(l) : l)), skip]);
  let context = contexts.get(key);
  if (!context) {
    const target = kubernetesTarget(version);
    for (const k of skip) {
      if (typeof k !== 'string' || !/^(?:(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?\/)?[A-Z][A-Za-z0-9]*$/.test(k)) {
        throw new Error(`skip: ${JSON.stringify(k)} is not a kind (Certificate) or an apiVersion and kind (cert-manager.io/v1/Certificate)`);
      }
    }
    context = { target, locations: locations.map(l => SchemaLocation.parse(l, target.version)), skip: new Set(skip), resolved: new Map() };
    contexts.set(key, context);
  }
  return context;
}

/**
 * Fields the Argo CD v1alpha1 CRDs declare that `@kubernetes-models/argo-cd` 4.0.0 drops
 * (its generator skips properties named `description`): accepted, without a type check.
 */
const ARGO_CD_FIELDS_MISSING_FROM_MODELS: Readonly<Record<string, readonly string[]>> = {
  ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1AppProjectSpec: ['description'],
  ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1ProjectRole: ['description'],
  ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1SyncWindow: ['description'],
};

/** API groups of the operators' custom resources whose models are dependencies: package, API name, kinds we render. */
const CRD_MODELS: Readonly<Record<string, { readonly pkg: string; readonly api: string; readonly known: string }>> = {
  'argoproj.io': { pkg: '@kubernetes-models/argo-cd', api: 'Argo CD', known: 'argoproj.io/v1alpha1 Application, AppProject, ApplicationSet' },
  'monitoring.coreos.com': { pkg: '@kubernetes-models/prometheus-operator', api: 'Prometheus Operator', known: 'monitoring.coreos.com/v1 ServiceMonitor, PodMonitor, ...' },
  'external-secrets.io': { pkg: '@kubernetes-models/external-secrets', api: 'External Secrets Operator', known: 'external-secrets.io/v1 ExternalSecret, SecretStore, ClusterSecretStore, ...' },
};

/**
 * The schema of `apiVersion`/`kind`, or why there is none. Schemas come from
 * `kubernetes-models` (Kubernetes, restricted to what the target version serves), `@kubernetes-models/istio`
 * (`*.istio.io`; a v1 kind it lacks is checked against its v1beta1 schema, which Istio
 * defines identically), `@kubernetes-models/argo-cd` (`argoproj.io`),
 * `@kubernetes-models/prometheus-operator` (`monitoring.coreos.com`) and
 * `@kubernetes-models/external-secrets` (`external-secrets.io`); a kind none of them has comes
 * from the first schema location holding a file for it. Model modules are loaded lazily, per kind.
 */
export function schemaFor(apiVersion: string, kind: string, options: SchemaOptions | SchemaContext = {}): SchemaSource | string {
  const context = 'resolved' in options ? options as SchemaContext : schemaContext(options as SchemaOptions);
  const key = `${apiVersion} ${kind}`;
  let source = context.resolved.get(key);
  if (source === undefined) {
    source = resolve(apiVersion, kind, context.target);
    if (typeof source === 'string' && context.locations.length > 0 && !source.startsWith(INVALID)) source = fromLocations(apiVersion, kind, context.locations, source);
    context.resolved.set(key, source);
  }
  return source;
}

const INVALID = 'no schema for apiVersion ';

/** The schema of a kind from the first location that has a file for it; else `missing`, with the files looked for. */
function fromLocations(apiVersion: string, kind: string, locations: readonly SchemaLocation[], missing: string): SchemaSource | string {
  const looked: string[] = [];
  for (const location of locations) {
    const file = location.fileFor(apiVersion, kind);
    if (!fs.existsSync(file)) {
      looked.push(file);
      continue;
    }
    const validate = compileSchemaFile(file);
    if (typeof validate === 'string') return validate;
    return { validate, schemaApiVersion: apiVersion, api: file, kubernetes: false, options: LOCATION_OPTIONS };
  }
  return `${missing}; no schema location has one (looked for ${looked.join(', ')})`;
}

function resolve(apiVersion: string, kind: string, target: KubernetesTarget): SchemaSource | string {
  const m = /^(?:([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/)?(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)$/.exec(apiVersion);
  if (!m || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return `${INVALID}${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}: not a valid apiVersion/kind`;
  }
  const group = m[1] ?? '';
  const version = m[3];
  const crd = CRD_MODELS[group];
  if (crd) {
    return fromModel(crd.pkg, `${group}/${version}`, kind, apiVersion, crd.api, undefined)
      ?? `no ${crd.api} schema for ${apiVersion} ${kind} (known: ${crd.known})`;
  }
  if (group.endsWith('.istio.io')) {
    const direct = fromModel('@kubernetes-models/istio', `${group}/${version}`, kind, apiVersion, 'Istio', undefined);
    if (direct) return direct;
    if (version === 'v1') {
      const beta = fromModel('@kubernetes-models/istio', `${group}/v1beta1`, kind, `${group}/v1beta1`, 'Istio', undefined);
      if (beta) return beta;
    }
    return `no Istio schema for ${apiVersion} ${kind}`;
  }
  if (!target.kinds.has(`${apiVersion} ${kind}`)) {
    return `${apiVersion} ${kind} is not a kind ${target.name} serves, and no CRD schema is known for it`;
  }
  return fromModel('kubernetes-models', group === '' ? version : `${group}/${version}`, kind, apiVersion, target.name, target)
    ?? `no schema for ${apiVersion} ${kind} in kubernetes-models`;
}

/** The schema of a kind from a models package; `kubernetes` is the target version for `kubernetes-models`. */
function fromModel(pkg: string, folder: string, kind: string, apiVersion: string, api: string, kubernetes: KubernetesTarget | undefined): SchemaSource | undefined {
  const dir = packageDir(pkg);
  if (!dir) throw new Error(`validate: package ${pkg} is not installed (it is a dependency of cdk8s-gitops)`);
  const modelFile = path.join(dir, folder, `${kind}.js`);
  if (!fs.existsSync(modelFile)) return undefined;
  const model = fs.readFileSync(modelFile, 'utf8');
  const schemaImport = /from\s*"([^"]*_schemas\/[^"]+)"/.exec(model);
  const declared = /apiVersion\s*=\s*"([^"]+)"/.exec(model);
  if (!schemaImport || declared?.[1] !== apiVersion) return undefined;
  const validate = loadSchemaModule(path.resolve(path.dirname(modelFile), schemaImport[1])).validate as ValidateFunction;
  let options = kubernetes?.options;
  if (!options) {
    options = crdOptions.get(api) ?? { extraFields: ARGO_CD_FIELDS_MISSING_FROM_MODELS, target: api };
    crdOptions.set(api, options);
  }
  return { validate, schemaApiVersion: apiVersion, api, kubernetes: kubernetes !== undefined, options };
}

/**
 * SCHEMA-UNKNOWN-KIND, SCHEMA-INVALID, SCHEMA-UNKNOWN-FIELD: every object against its real
 * schema, strictly (the objects of the files in `unchanged` and the kinds `options.skip`
 * names are not checked).
 *
 * @throws Error for invalid `options` (see {@link schemaContext})
 */
export function checkSchemas(inventory: Inventory, unchanged?: ReadonlySet<string>, options: SchemaOptions = {}): Finding[] {
  const context = schemaContext(options);
  const out: Finding[] = [];
  for (const ref of inventory.objects) if (!unchanged?.has(ref.manifest.path)) out.push(...checkSchema(ref, context));
  return out;
}

function checkSchema(ref: ObjectRef, context: SchemaContext): Finding[] {
  const o = ref.object;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    return [finding(ref, 'SCHEMA-INVALID', typeof o.apiVersion !== 'string' ? 'apiVersion' : 'kind', 'every object needs a string apiVersion and kind')];
  }
  if (context.skip.has(o.kind) || context.skip.has(`${o.apiVersion}/${o.kind}`)) return [];
  const source = schemaFor(o.apiVersion, o.kind, context);
  if (typeof source === 'string') return [finding(ref, 'SCHEMA-UNKNOWN-KIND', '', source)];
  const subject = source.schemaApiVersion === o.apiVersion ? o : { ...o, apiVersion: source.schemaApiVersion };
  const violations = validateStrict(source.validate, subject, source.options);
  const out = violations.map(v => finding(ref, v.kind === 'unknown-field' ? 'SCHEMA-UNKNOWN-FIELD' : 'SCHEMA-INVALID', pointerToField(v.path), v.message));
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
    if (!out.some(f => f.field === 'metadata' || f.field === 'metadata.name')) {
      out.push(finding(ref, 'SCHEMA-INVALID', 'metadata.name', 'missing required field "name": every object written to a GitOps repository needs a name'));
    }
  }
  return out;
}
