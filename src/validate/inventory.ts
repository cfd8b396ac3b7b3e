import { Manifest } from '../core/manifest';
import { RELEASE_API_VERSION, RELEASE_KIND } from '../release/release';
import { ObjectRef } from './finding';
import { isObject, normalizeFolder } from './manifest-values';

export { isObject, normalizeFolder };
import { generatedApplications } from './generated-applications';

/** Kinds that are not namespaced (in the API groups this validator knows). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ComponentStatus',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'PriorityClass', 'RuntimeClass', 'StorageClass', 'CSIDriver',
  'CSINode', 'VolumeAttachment', 'IngressClass', 'CertificateSigningRequest', 'ClusterTrustBundle',
  'FlowSchema', 'PriorityLevelConfiguration', 'ClusterCIDR', 'IPAddress', 'ResourceClass',
  'StorageVersion', 'TokenReview', 'SelfSubjectReview', 'SelfSubjectAccessReview',
  'SelfSubjectRulesReview', 'SubjectAccessReview',
]);

/** A pod template inside a workload (or a bare Pod). */
export interface PodTemplate {
  /** The object that holds it. */
  readonly owner: ObjectRef;
  /** Field path of the template's pod spec inside the owner, e.g. `spec.template.spec`. */
  readonly specPath: readonly string[];
  /** Field path of the template's metadata inside the owner, e.g. `spec.template.metadata`. */
  readonly metadataPath: readonly string[];
  /** The pod spec. */
  readonly spec: Record<string, any>;
  /** The pod template's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The pod template's annotations. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
};

/** Kinds whose pods run until stopped (as opposed to Jobs): they need probes. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'PodTemplate']);

/**
 * Everything the checks look up across objects, built once per validation.
 */
export class Inventory {
  /** Every Kubernetes object (release state files excluded), in manifest order. */
  public readonly objects: ObjectRef[] = [];
  /** Every pod template, in manifest order. */
  public readonly podTemplates: PodTemplate[] = [];
  /** Number of files the manifests came from. */
  public readonly files: number;

  private readonly byKind = new Map<string, ObjectRef[]>();
  /** `kind \0 namespace` -> objects of that kind in that namespace, in manifest order. */
  private readonly byKindAndNamespace = new Map<string, ObjectRef[]>();
  /** `kind \0 namespace \0 name` -> the first such object; `kind \0\0 name` -> the first of any namespace. */
  private readonly byKey = new Map<string, ObjectRef>();
  /** Namespaces any object is in. */
  private readonly usedNamespaces = new Set<string>();
  /** `namespace \0 label \0 value` -> pod templates in that namespace carrying that label, in manifest order. */
  private readonly templatesByLabel = new Map<string, PodTemplate[]>();
  /** `namespace` -> its pod templates, in manifest order. */
  private readonly templatesByNamespace = new Map<string, PodTemplate[]>();

  /**
   * @param manifests the objects
   * @param deployed where Argo CD deploys each folder (default: what the Applications among `manifests` say)
   */
  constructor(manifests: readonly Manifest[], deployed: Deployments = new Deployments(manifests)) {
    this.files = new Set(manifests.map(m => m.path)).size;
    for (const manifest of manifests) {
      const o = manifest.object;
      if (o === null || typeof o !== 'object' || Array.isArray(o)) continue;
      if (o.apiVersion === RELEASE_API_VERSION && o.kind === RELEASE_KIND) continue;
      const kind = typeof o.kind === 'string' ? o.kind : '';
      const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '';
      const namespace = CLUSTER_SCOPED.has(kind)
        ? undefined
        : typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== ''
          ? o.metadata.namespace
          : deployed.of(manifest.path).namespace ?? 'default';
      const ref: ObjectRef = {
        manifest,
        object: o,
        apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
        kind,
        name,
        ...(namespace !== undefined ? { namespace } : {}),
      };
      this.objects.push(ref);
      push(this.byKind, kind, ref);
      const key = `${kind}\0${namespace ?? ''}\0${name}`;
      if (!this.byKey.has(key)) this.byKey.set(key, ref);
      const anyNamespace = `${kind}\0\0${name}`;
      if (!this.byKey.has(anyNamespace)) this.byKey.set(anyNamespace, ref);
      if (namespace !== undefined) {
        this.usedNamespaces.add(namespace);
        push(this.byKindAndNamespace, `${kind}\0${namespace}`, ref);
      }
      const templatePath = TEMPLATE_PATHS[kind];
      if (templatePath) {
        const template = get(o, templatePath);
        const spec = template?.spec;
        if (isObject(spec)) {
          const podTemplate: PodTemplate = {
            owner: ref,
            specPath: [...templatePath, 'spec'],
            metadataPath: [...templatePath, 'metadata'],
            spec,
            labels: stringMap(template?.metadata?.labels),
            annotations: stringMap(template?.metadata?.annotations),
          };
          this.podTemplates.push(podTemplate);
          const ns = namespace ?? '';
          push(this.templatesByNamespace, ns, podTemplate);
          for (const [k, v] of Object.entries(podTemplate.labels)) push(this.templatesByLabel, `${ns}\0${k}\0${v}`, podTemplate);
        }
      }
    }
  }

  /** Objects of `kind` (any API group), optionally only in `namespace`. */
  public ofKind(kind: string, namespace?: string): readonly ObjectRef[] {
    return (namespace === undefined ? this.byKind.get(kind) : this.byKindAndNamespace.get(`${kind}\0${namespace}`)) ?? [];
  }

  /** The namespaces any object is in. */
  public get namespaces(): ReadonlySet<string> {
    return this.usedNamespaces;
  }

  /** The object of `kind` named `name` in `namespace`, if any. */
  public find(kind: string, namespace: string | undefined, name: string): ObjectRef | undefined {
    return this.byKey.get(`${kind}\0${namespace ?? ''}\0${name}`);
  }

  /** Pod templates in `namespace` whose labels `selector` matches. */
  public podsSelectedBy(namespace: string | undefined, selector: LabelSelector): PodTemplate[] {
    // candidates: the templates carrying the selector's rarest label, or all of the namespace
    const ns = namespace ?? '';
    let candidates = this.templatesByNamespace.get(ns) ?? [];
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
      const withLabel = this.templatesByLabel.get(`${ns}\0${k}\0${v}`) ?? [];
      if (withLabel.length < candidates.length) candidates = withLabel;
    }
    return candidates.filter(t => matchesSelector(selector, t.labels));
  }

  /** Whether a ServiceAccount exists (every namespace the output uses has `default`). */
  public hasServiceAccount(namespace: string | undefined, name: string): boolean {
    if (name === 'default') return namespace !== undefined && this.namespaceExists(namespace);
    return this.find('ServiceAccount', namespace, name) !== undefined;
  }

  /** Whether the output defines `namespace` or puts anything in it. */
  public namespaceExists(namespace: string): boolean {
    return this.usedNamespaces.has(namespace) || this.find('Namespace', undefined, namespace) !== undefined;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A label selector: `matchLabels` plus `matchExpressions`, or a plain map (Service selector). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: string[] }>;
}

/** Whether `selector` selects an object labelled `labels` (Kubernetes semantics; an empty selector selects everything). */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** Labels or annotations as a string map (anything else reads as empty). */
export function stringMap(x: unknown): Record<string, string> {
  if (!isObject(x)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}


/** The value at `path` inside `o`, if every step exists. */
export function get(o: unknown, path: readonly (string | number)[]): any {
  let v: any = o;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[p];
  }
  return v;
}

/** Where an Argo CD Application deploys a folder: the destination namespace and cluster. */
export interface Deployment {
  /** Destination namespace, when the Application names one. */
  readonly namespace?: string;
  /** Destination cluster: `server <url>` or `name <name>`, when the Application names one. */
  readonly cluster?: string;
}

/**
 * Where Argo CD deploys the folders of an output: the destination of the Application (or the
 * ApplicationSet-generated Application) whose source folder is the nearest one above a file, per
 * field (namespace, cluster). Looked up once per folder.
 */
export class Deployments {
  /** Source folder -> destination. */
  private readonly bySource = new Map<string, Deployment>();
  /** Folder of a file -> its deployment. */
  private readonly cache = new Map<string, Deployment>();

  constructor(manifests: readonly Manifest[]) {
    const add = (spec: Record<string, any> | undefined) => {
      const dest = spec?.destination;
      const namespace = typeof dest?.namespace === 'string' && dest.namespace !== '' ? dest.namespace : undefined;
      const cluster = typeof dest?.name === 'string' && dest.name !== '' ? `name ${dest.name}`
        : typeof dest?.server === 'string' && dest.server !== '' ? `server ${dest.server}` : undefined;
      if (namespace === undefined && cluster === undefined) return;
      for (const source of [spec?.source, ...(Array.isArray(spec?.sources) ? spec!.sources : [])]) {
        if (typeof source?.path === 'string') this.bySource.set(normalizeFolder(source.path), { ...(namespace !== undefined ? { namespace } : {}), ...(cluster !== undefined ? { cluster } : {}) });
      }
    };
    const argo = (o: any, kind: string) => o?.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('argoproj.io/');
    for (const m of manifests) if (argo(m.object, 'Application')) add(m.object.spec);
    const sets = manifests.filter(m => argo(m.object, 'ApplicationSet'));
    if (sets.length > 0) {
      const folders = new Set<string>();
      for (const m of manifests) for (let i = m.path.indexOf('/'); i >= 0; i = m.path.indexOf('/', i + 1)) folders.add(m.path.slice(0, i));
      for (const m of sets) for (const a of generatedApplications(m.object, folders).applications) add(a.spec);
    }
  }

  /** The deployment of the folder `file` is in: each field from the nearest source folder above it that sets it. */
  public of(file: string): Deployment {
    const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    let found = this.cache.get(folder);
    if (found === undefined) {
      let namespace: string | undefined;
      let cluster: string | undefined;
      // the folder, then each folder above it, up to the root ('')
      for (let f = folder; ; f = f.slice(0, Math.max(0, f.lastIndexOf('/')))) {
        const d = this.bySource.get(f);
        namespace ??= d?.namespace;
        cluster ??= d?.cluster;
        if (f === '' || (namespace !== undefined && cluster !== undefined)) break;
      }
      found = { ...(namespace !== undefined ? { namespace } : {}), ...(cluster !== undefined ? { cluster } : {}) };
      this.cache.set(folder, found);
    }
    return found;
  }
}

