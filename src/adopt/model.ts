import { compareText } from '../core/compare';
import { InputError } from '../core/errors';
import { Manifest } from '../core/manifest';
import { isDnsLabel } from '../core/names';
import { AdoptInput } from './sources';

/**
 * The adoption of a set of environments' manifests, before it is written as code: which
 * objects there are, which construct stands for each (or a raw object), and which values
 * differ between the environments.
 */
export interface Adoption {
  /** The app's name (the repository folder `<env>/<app>`). */
  readonly app: string;
  /** Each environment: its name, the namespace of the app there, and where its manifests came from. */
  readonly environments: readonly AdoptedEnvironment[];
  /** Every object, in a stable order (kind order of `kubectl apply`, then name). */
  readonly objects: readonly AdoptedObject[];
}

/** One environment of an {@link Adoption}. */
export interface AdoptedEnvironment {
  readonly name: string;
  /** The namespace most of its namespaced objects are in: the AppChart's namespace. */
  readonly namespace: string;
  readonly input: AdoptInput;
}

/** How an object is written in the program. */
export type AdoptedAs =
  /** The app's own Namespace: AppChart renders it, with the input's settings in each environment. */
  | { readonly construct: 'AppChart.namespace'; readonly perEnvironment: ReadonlyMap<string, NamespaceSettings> }
  /** A namespace-wide PeerAuthentication. */
  | { readonly construct: 'PeerAuthentication'; readonly name: string; readonly mode: 'STRICT' | 'PERMISSIVE' }
  /** A namespace-wide default-deny AuthorizationPolicy (`spec: { action: ALLOW }` or `spec: {}`). */
  | { readonly construct: 'AuthorizationPolicy.denyAll'; readonly name: string }
  /** A raw object (`ApiObject`), with the values that differ between environments lifted. */
  | { readonly construct: 'ApiObject' };

/** The app's Namespace in one environment, as AppChart's props and additions give it. */
export interface NamespaceSettings {
  /** `istio-injection: enabled`. */
  readonly istioInjection: boolean;
  /** `pod-security.kubernetes.io/enforce: restricted`. */
  readonly enforcePodSecurity: boolean;
  /** The input's other labels (AppChart renders `pod-security.kubernetes.io/audit` and `warn: restricted` itself). */
  readonly labels: Record<string, string>;
  /** The input's annotations. */
  readonly annotations: Record<string, string>;
}

/** The settings of a Namespace without one in the input: AppChart's without sidecar injection (which would change what runs). */
export const NO_NAMESPACE: NamespaceSettings = Object.freeze({ istioInjection: false, enforcePodSecurity: false, labels: {}, annotations: {} });

/** One object of the app, as it is in each environment that has it. */
export interface AdoptedObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** Its name in the first environment that has it. */
  readonly name: string;
  /** The construct id (`deployment-backend-v1`), unique in the chart. */
  readonly id: string;
  /** Whether the kind is namespaced. */
  readonly namespaced: boolean;
  /** The object in each environment that has it (with `metadata.namespace` as the input had it). */
  readonly perEnvironment: ReadonlyMap<string, Record<string, any>>;
  /** How the program writes it (the same in every environment). */
  readonly as: AdoptedAs;
}

/** Kinds that are not namespaced (the chart's namespace must not be applied to them). */
export const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'RuntimeClass', 'IngressClass',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService', 'CSIDriver', 'CSINode',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'VolumeAttachment', 'FlowSchema', 'PriorityLevelConfiguration',
  'ClusterIssuer', 'ClusterSecretStore', 'ClusterExternalSecret',
]);

/** `kubectl apply`'s order of kinds (what must exist first), then everything else by kind. */
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList',
  'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet',
  'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

/** Kustomize's content-hash suffix of ConfigMap and Secret names (`backend-config-v1-499mf78878`). */
const KUSTOMIZE_HASH = /-[bcdfghkmt2-9]{10}$/;

/** Object identity across environments: group/kind, namespace (relative to the app's) and name (without a Kustomize hash). */
function identity(m: Record<string, any>, envNamespace: string): string {
  const group = String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/')[0] : '';
  const ns = m.metadata?.namespace;
  const relNs = ns === undefined || ns === envNamespace ? '' : ns;
  // the app's own Namespace is one object across environments, whatever each calls it
  const name = m.kind === 'Namespace' && m.metadata?.name === envNamespace ? '' : baseName(m);
  return `${group}/${m.kind}/${relNs}/${name}`;
}

/** An object's name without a Kustomize (or WebService) content-hash suffix of a ConfigMap or Secret. */
export function baseName(m: Record<string, any>): string {
  const name = String(m.metadata?.name ?? '');
  return (m.kind === 'ConfigMap' || m.kind === 'Secret') ? name.replace(KUSTOMIZE_HASH, '') : name;
}

/** The app name: `--app`, else the common part of the environments' namespaces (`demo-dev`, `demo-prod` → `demo`), else the first namespace. */
function appName(given: string | undefined, namespaces: readonly string[], envs: readonly string[]): string {
  if (given !== undefined) {
    if (!isDnsLabel(given)) throw new InputError(`--app-name: ${JSON.stringify(given)} is not a DNS-1123 label (lower case alphanumerics and "-", e.g. "shop")`);
    return given;
  }
  const stripped = namespaces.map((ns, i) => ns.replace(new RegExp(`-${envs[i]}$`), '').replace(new RegExp(`^${envs[i]}-`), ''));
  const candidate = stripped.every(s => s === stripped[0]) ? stripped[0] : namespaces[0];
  return isDnsLabel(candidate) ? candidate : 'app';
}

/** The namespace most namespaced objects of `ms` are in, Argo CD's aside (ties: by name). */
function mainNamespace(input: AdoptInput): string {
  const counts = new Map<string, number>();
  for (const m of input.manifests) {
    const ns = m.object.metadata?.namespace;
    // Argo CD's objects are in Argo CD's namespace, never the app's
    if (typeof ns === 'string' && !CLUSTER_SCOPED.has(m.object.kind) && !String(m.object.apiVersion).startsWith('argoproj.io/')) counts.set(ns, (counts.get(ns) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))[0];
  if (best !== undefined) return best[0];
  const ns = input.manifests.find(m => m.object.kind === 'Namespace')?.object.metadata?.name;
  if (typeof ns === 'string') return ns;
  throw new InputError(`--env ${input.environment}=${input.source}: no object names a namespace: pass the app's namespace in the manifests (metadata.namespace)`);
}

/** Check what an object must have to be adopted: apiVersion, kind, metadata.name. */
function checkObject(input: AdoptInput, m: Manifest): void {
  const o = m.object;
  const where = `${m.path} (--env ${input.environment})`;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof o[field] !== 'string' || o[field] === '') throw new InputError(`${where}: ${field}: ${JSON.stringify(o[field])} must be a non-empty string: not a Kubernetes object`);
  }
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
    throw new InputError(`${where}: ${o.kind} metadata.name: ${JSON.stringify(o.metadata?.name)} must be a name (generateName is not supported: the object could not be matched across environments or commits)`);
  }
}

/**
 * Match the objects of every environment, decide how each is written, and check that the
 * program can hold them (unique ids; objects of one kind and name once per folder).
 */
export function buildAdoption(inputs: readonly AdoptInput[], app?: string): Adoption {
  for (const input of inputs) for (const m of input.manifests) checkObject(input, m);
  const namespaces = inputs.map(mainNamespace);
  const name = appName(app, namespaces, inputs.map(i => i.environment));
  const environments = inputs.map((input, i) => ({ name: input.environment, namespace: namespaces[i], input }));
  const byId = new Map<string, { first: Record<string, any>; perEnvironment: Map<string, Record<string, any>> }>();
  for (const env of environments) {
    const seen = new Map<string, string>();
    for (const m of env.input.manifests) {
      const key = identity(m.object, env.namespace);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new InputError(`--env ${env.name}=${env.input.source}: ${m.object.kind} ${JSON.stringify(m.object.metadata.name)} is in ${earlier} and in ${m.path}: each object once`);
      }
      seen.set(key, m.path);
      let entry = byId.get(key);
      if (!entry) byId.set(key, entry = { first: m.object, perEnvironment: new Map() });
      entry.perEnvironment.set(env.name, m.object);
    }
  }
  const ids = new Set<string>();
  const objects: AdoptedObject[] = [];
  const order = (kind: string) => { const i = KIND_ORDER.indexOf(kind); return i < 0 ? KIND_ORDER.length : i; };
  const entries = [...byId.entries()].sort(([ka, a], [kb, b]) => order(a.first.kind) - order(b.first.kind) || compareText(a.first.kind, b.first.kind) || compareText(ka, kb));
  for (const [, entry] of entries) {
    const o = entry.first;
    const namespaced = !CLUSTER_SCOPED.has(o.kind);
    const otherNs = namespaced && typeof o.metadata.namespace === 'string' && o.metadata.namespace !== environments.find(e => entry.perEnvironment.has(e.name))!.namespace;
    let id = `${o.kind.toLowerCase()}-${baseName(o)}${otherNs ? `-${o.metadata.namespace}` : ''}`;
    for (let n = 2; ids.has(id); n++) id = `${o.kind.toLowerCase()}-${baseName(o)}-${n}`;
    ids.add(id);
    objects.push({ apiVersion: o.apiVersion, kind: o.kind, name: baseName(o), id, namespaced, perEnvironment: entry.perEnvironment, as: recognize(entry.perEnvironment, environments) });
  }
  return { app: name, environments, objects };
}

const isPlainObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const onlyKeys = (o: unknown, keys: readonly string[]) => isPlainObject(o) && Object.keys(o).every(k => keys.includes(k));

/**
 * The construct that renders exactly this object in every environment, else a raw object.
 * Recognized: the app's Namespace (AppChart), a namespace-wide PeerAuthentication, a
 * namespace-wide default-deny AuthorizationPolicy. Anything with more (labels, a selector,
 * other fields) stays raw, so nothing the input says is lost.
 */
function recognize(perEnv: ReadonlyMap<string, Record<string, any>>, envs: readonly AdoptedEnvironment[]): AdoptedAs {
  const all = [...perEnv.entries()];
  const plainMeta = (o: Record<string, any>, extra: readonly string[] = []) => onlyKeys(o.metadata, ['name', 'namespace', ...extra])
    && (o.metadata.namespace === undefined || o.metadata.namespace === envs.find(e => perEnv.get(e.name) === o)!.namespace);
  const first = all[0][1];
  const isAppNamespace = ([env, o]: [string, Record<string, any>]) => o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata.name === envs.find(e => e.name === env)!.namespace;
  if (all.some(isAppNamespace)) {
    const settings = new Map<string, NamespaceSettings>();
    for (const [env, o] of all) {
      if (!isAppNamespace([env, o]) || !onlyKeys(o, ['apiVersion', 'kind', 'metadata']) || !onlyKeys(o.metadata, ['name', 'labels', 'annotations'])) {
        throw new InputError(`--env ${env}: Namespace ${JSON.stringify(o.metadata.name)} has fields other than metadata.name, labels and annotations, or is the app's namespace in only some environments: `
          + 'the app\'s Namespace is rendered by AppChart, which sets those only; adopt it by hand (remove it from the input and add it to the program)');
      }
      const labels: Record<string, string> = {};
      const given: Record<string, string> = { ...(o.metadata.labels ?? {}) };
      const istioInjection = given['istio-injection'] === 'enabled';
      const enforcePodSecurity = given['pod-security.kubernetes.io/enforce'] === 'restricted';
      for (const [k, v] of Object.entries(given)) {
        if (k === 'istio-injection' && istioInjection) continue;
        if (k === 'pod-security.kubernetes.io/enforce' && enforcePodSecurity) continue;
        labels[k] = String(v);
      }
      settings.set(env, { istioInjection, enforcePodSecurity, labels, annotations: { ...(o.metadata.annotations ?? {}) } });
    }
    return { construct: 'AppChart.namespace', perEnvironment: settings };
  }
  if (first.apiVersion === 'security.istio.io/v1' || first.apiVersion === 'security.istio.io/v1beta1') {
    const same = all.every(([, o]) => JSON.stringify(o.spec) === JSON.stringify(first.spec) && o.metadata.name === first.metadata.name && plainMeta(o) && onlyKeys(o, ['apiVersion', 'kind', 'metadata', 'spec']));
    if (same && first.apiVersion === 'security.istio.io/v1' && first.kind === 'PeerAuthentication' && onlyKeys(first.spec, ['mtls']) && onlyKeys(first.spec.mtls, ['mode'])
      && (first.spec.mtls.mode === 'STRICT' || first.spec.mtls.mode === 'PERMISSIVE') && isDnsLabel(first.metadata.name)) {
      return { construct: 'PeerAuthentication', name: first.metadata.name, mode: first.spec.mtls.mode };
    }
    if (same && first.apiVersion === 'security.istio.io/v1' && first.kind === 'AuthorizationPolicy' && isDnsLabel(first.metadata.name)
      && (JSON.stringify(first.spec) === '{"action":"ALLOW"}')) {
      return { construct: 'AuthorizationPolicy.denyAll', name: first.metadata.name };
    }
  }
  return { construct: 'ApiObject' };
}

/** The object as the program renders it in `env`: `metadata.namespace` dropped where the chart's namespace gives it. */
export function programObject(o: AdoptedObject, env: AdoptedEnvironment): Record<string, any> | undefined {
  const input = o.perEnvironment.get(env.name);
  if (input === undefined) return undefined;
  const copy = structuredClone(input);
  if (copy.metadata?.namespace === env.namespace || !o.namespaced) delete copy.metadata.namespace;
  return copy;
}

/** The app's Namespace settings in `env`: from its Namespace object, else {@link NO_NAMESPACE}. */
export function namespaceSettings(adoption: Adoption, env: string): NamespaceSettings {
  for (const o of adoption.objects) {
    if (o.as.construct === 'AppChart.namespace') return o.as.perEnvironment.get(env) ?? NO_NAMESPACE;
  }
  return NO_NAMESPACE;
}
