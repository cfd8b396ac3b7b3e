import * as fs from 'fs';
import * as path from 'path';
import { Finding, finding, ObjectRef, pointerToField } from './finding';
import { Inventory } from './inventory';
import { FIELDS_NOT_IN_1_28, FIELDS_ONLY_IN_1_28, KUBERNETES_1_28_KINDS, KUBERNETES_VERSION } from './kubernetes-1.28';
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

const KUBERNETES_OPTIONS: StrictOptions = { absentFields: FIELDS_NOT_IN_1_28, extraFields: FIELDS_ONLY_IN_1_28, target: KUBERNETES_VERSION };
const crdOptions = new Map<string, StrictOptions>();

/**
 * Fields the Argo CD v1alpha1 CRDs declare that `@kubernetes-models/argo-cd` 4.0.0 drops
 * (its generator skips properties named `description`): accepted, without a type check.
 */
const ARGO_CD_FIELDS_MISSING_FROM_MODELS: Readonly<Record<string, readonly string[]>> = {
  ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1AppProjectSpec: ['description'],
  ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1ProjectRole: ['description'],
  ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1SyncWindow: ['description'],
};

const resolved = new Map<string, SchemaSource | string>();

/** API groups of the operators' custom resources whose models are dependencies: package, API name, kinds we render. */
const CRD_MODELS: Readonly<Record<string, { readonly pkg: string; readonly api: string; readonly known: string }>> = {
  'argoproj.io': { pkg: '@kubernetes-models/argo-cd', api: 'Argo CD', known: 'argoproj.io/v1alpha1 Application, AppProject, ApplicationSet' },
  'monitoring.coreos.com': { pkg: '@kubernetes-models/prometheus-operator', api: 'Prometheus Operator', known: 'monitoring.coreos.com/v1 ServiceMonitor, PodMonitor, ...' },
  'external-secrets.io': { pkg: '@kubernetes-models/external-secrets', api: 'External Secrets Operator', known: 'external-secrets.io/v1 ExternalSecret, SecretStore, ClusterSecretStore, ...' },
};

/**
 * The schema of `apiVersion`/`kind`, or why there is none. Schemas come from
 * `kubernetes-models` (Kubernetes, restricted to what 1.28 serves), `@kubernetes-models/istio`
 * (`*.istio.io`; a v1 kind it lacks is checked against its v1beta1 schema, which Istio
 * defines identically), `@kubernetes-models/argo-cd` (`argoproj.io`),
 * `@kubernetes-models/prometheus-operator` (`monitoring.coreos.com`) and
 * `@kubernetes-models/external-secrets` (`external-secrets.io`). Model modules are loaded
 * lazily, per kind.
 */
export function schemaFor(apiVersion: string, kind: string): SchemaSource | string {
  const key = `${apiVersion} ${kind}`;
  let source = resolved.get(key);
  if (source === undefined) {
    source = resolve(apiVersion, kind);
    resolved.set(key, source);
  }
  return source;
}

function resolve(apiVersion: string, kind: string): SchemaSource | string {
  const m = /^(?:([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/)?(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)$/.exec(apiVersion);
  if (!m || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return `no schema for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}: not a valid apiVersion/kind`;
  }
  const group = m[1] ?? '';
  const version = m[3];
  const crd = CRD_MODELS[group];
  if (crd) {
    return fromModel(crd.pkg, `${group}/${version}`, kind, apiVersion, crd.api, false)
      ?? `no ${crd.api} schema for ${apiVersion} ${kind} (known: ${crd.known})`;
  }
  if (group.endsWith('.istio.io')) {
    const direct = fromModel('@kubernetes-models/istio', `${group}/${version}`, kind, apiVersion, 'Istio', false);
    if (direct) return direct;
    if (version === 'v1') {
      const beta = fromModel('@kubernetes-models/istio', `${group}/v1beta1`, kind, `${group}/v1beta1`, 'Istio', false);
      if (beta) return beta;
    }
    return `no Istio schema for ${apiVersion} ${kind}`;
  }
  if (!KUBERNETES_1_28_KINDS.has(`${apiVersion} ${kind}`)) {
    return `${apiVersion} ${kind} is not a kind ${KUBERNETES_VERSION} serves, and no CRD schema is known for it`;
  }
  return fromModel('kubernetes-models', group === '' ? version : `${group}/${version}`, kind, apiVersion, KUBERNETES_VERSION, true)
    ?? `no schema for ${apiVersion} ${kind} in kubernetes-models`;
}

function fromModel(pkg: string, folder: string, kind: string, apiVersion: string, api: string, kubernetes: boolean): SchemaSource | undefined {
  const dir = packageDir(pkg);
  if (!dir) throw new Error(`validate: package ${pkg} is not installed (it is a dependency of cdk8s-gitops)`);
  const modelFile = path.join(dir, folder, `${kind}.js`);
  if (!fs.existsSync(modelFile)) return undefined;
  const model = fs.readFileSync(modelFile, 'utf8');
  const schemaImport = /from\s*"([^"]*_schemas\/[^"]+)"/.exec(model);
  const declared = /apiVersion\s*=\s*"([^"]+)"/.exec(model);
  if (!schemaImport || declared?.[1] !== apiVersion) return undefined;
  const validate = loadSchemaModule(path.resolve(path.dirname(modelFile), schemaImport[1])).validate as ValidateFunction;
  let options = KUBERNETES_OPTIONS;
  if (!kubernetes) {
    options = crdOptions.get(api) ?? { extraFields: ARGO_CD_FIELDS_MISSING_FROM_MODELS, target: api };
    crdOptions.set(api, options);
  }
  return { validate, schemaApiVersion: apiVersion, api, kubernetes, options };
}

/**
 * SCHEMA-UNKNOWN-KIND, SCHEMA-INVALID, SCHEMA-UNKNOWN-FIELD: every object against its real
 * schema, strictly.
 */
export function checkSchemas(inventory: Inventory, skip?: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  for (const ref of inventory.objects) if (!skip?.has(ref.manifest.path)) out.push(...checkSchema(ref));
  return out;
}

function checkSchema(ref: ObjectRef): Finding[] {
  const o = ref.object;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    return [finding(ref, 'SCHEMA-INVALID', typeof o.apiVersion !== 'string' ? 'apiVersion' : 'kind', 'every object needs a string apiVersion and kind')];
  }
  const source = schemaFor(o.apiVersion, o.kind);
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
