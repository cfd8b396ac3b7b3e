import { isDeepStrictEqual } from 'util';
import { compareText } from '../core/compare';
import { Manifest } from '../core/manifest';
import { DEFAULT_SYNC_OPTIONS, RESOURCES_FINALIZER } from '../argocd/application';
import { WAIVER_ANNOTATION_PREFIX } from '../validate/waivers';
import { baseName, CLUSTER_SCOPED } from './model';

/**
 * How a difference between the adopted manifests and what the program renders counts:
 * `hardening` the library adds (security context, probes, resources, Pod Security labels,
 * service-account tokens off, a size-limited writable `/tmp`, immutable ConfigMaps), `default`
 * (a value written out that the API server defaults to anyway: `protocol: TCP`,
 * `imagePullPolicy: IfNotPresent` of a pinned tag, `restartPolicy: Always`), `waiver`
 * annotations of adopted objects, `layout` (file names, labels, rollout strategy and
 * topology spread, the API version of an Istio object, a named target port for the same
 * port, a ConfigMap's content-hashed name, Argo CD sync waves, the namespace set on an object
 * that had none, the app's Namespace), and `real`: anything else, which changes what the
 * cluster runs.
 */
export type DifferenceClass = 'real' | 'hardening' | 'default' | 'waiver' | 'layout';

/** One difference, in one environment. */
export interface Difference {
  readonly environment: string;
  /** `Deployment/backend-v1` (with `namespace/` in front for an object outside the app's namespace). */
  readonly object: string;
  /** The field (`spec.template.spec.containers[0].securityContext`), or empty for the whole object or its file. */
  readonly field: string;
  readonly class: DifferenceClass;
  /** What it is: `added`, `removed`, `changed`, `missing` (object), `extra` (object), `file`. */
  readonly change: 'added' | 'removed' | 'changed' | 'missing' | 'extra' | 'file';
  /** The input's value (undefined when added). */
  readonly input?: unknown;
  /** The program's value (undefined when removed). */
  readonly output?: unknown;
  /** Why it has its class, where the field alone does not say (an Application's source now the rendered folder). */
  readonly note?: string;
}

const HARDENING = [
  /(^|\.)securityContext(\.|\[|$)/,
  /(^|\.)(livenessProbe|readinessProbe|startupProbe)(\.|$)/,
  /(^|\.)containers\[\d+\]\.resources(\.|$)/,
  /(^|\.)automountServiceAccountToken$/,
  /^metadata\.labels\["pod-security\.kubernetes\.io\/(audit|warn|enforce)"\]$/,
];

/** Added fields that change how objects are found, rolled out and spread, not what runs. */
const LAYOUT = [
  /^spec\.template\.metadata\.labels\["app\.kubernetes\.io\/[^"]+"\]$/,
  /^spec\.strategy(\.|$)/,
  /^spec\.revisionHistoryLimit$/,
  /^spec\.template\.spec\.topologySpreadConstraints$/,
  /^spec\.template\.spec\.containers\[\d+\]\.ports\[\d+\]\.name$/,
  /^spec\.ports\[\d+\]\.name$/,
];

/** Istio API groups whose versions (v1beta1, v1) serve the same objects. */
const SAME_OBJECT_VERSIONS = new Set(['networking.istio.io', 'security.istio.io']);

/** What a classification may look at besides the field: the program's object, and the ConfigMaps renamed (input name → program name). */
interface Context {
  readonly output: Record<string, any>;
  /** The input's object (stripped of nulls). */
  readonly input: Record<string, any>;
  readonly renamed: ReadonlyMap<string, string>;
  /** Named container ports of the program's pods each Service selects (Service name → port name → number). */
  readonly namedPorts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** The folders the program renders objects into (`dev/shop`), other than its Argo CD objects'. */
  readonly folders: ReadonlySet<string>;
}

/** An Argo CD Application (argoproj.io), the kind whose source the program points at its own folders. */
const isApplication = (o: Record<string, any>) => o.kind === 'Application' && String(o.apiVersion).startsWith('argoproj.io/');

const isAppProject = (o: Record<string, any>) => o.kind === 'AppProject' && String(o.apiVersion).startsWith('argoproj.io/');

/** An Argo CD glob (`site-*`, `*`) as a test of a value. */
const glob = (pattern: unknown) => new RegExp(`^${String(pattern ?? '').split('*').map(p => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
/** Whether every entry of the program's list is one an entry of the input's allows (each field equal, or matched by its glob). */
function narrowed(input: unknown, output: unknown): boolean {
  if (!Array.isArray(input) || !Array.isArray(output)) return false;
  const allows = (i: unknown, o: unknown) => (typeof i === 'string' ? glob(i).test(String(o))
    : isPlainObject(i) && isPlainObject(o) && Object.entries(i).every(([k, v]) => glob(v).test(String(o[k] ?? ''))) && Object.keys(o).every(k => k in i));
  return output.every(o => input.some(i => allows(i, o)));
}

/** The AppProject construct's least-privilege lists in place of the input's: hardening where they allow less, else real. */
function classifyAppProject(d: Omit<Difference, 'environment' | 'object' | 'class'>, c: Context): { class: DifferenceClass; note?: string } | undefined {
  if (d.change === 'added' && /^spec\.orphanedResources(\.|$)/.test(d.field)) return { class: 'hardening' };
  const list = /^spec\.(sourceRepos|destinations|clusterResourceWhitelist|namespaceResourceWhitelist)(\.|\[|$)/.exec(d.field)?.[1];
  if (list === undefined) return undefined;
  return narrowed(c.input.spec?.[list], c.output.spec?.[list])
    ? { class: 'hardening', note: `the construct's ${list} allow only what its Applications deploy, within the input's` }
    : { class: 'real' };
}

/** What an Application's changed source means when the program's Application syncs a folder the program renders. */
export const RENDERED_FOLDER_NOTE = 'the Application now syncs the rendered folder';

/** The class of a difference of an Application, and why; undefined when the general rules decide. */
function classifyApplication(d: Omit<Difference, 'environment' | 'object' | 'class'>, c: Context): { class: DifferenceClass; note?: string } | undefined {
  const path = at(c.output, 'spec.source.path');
  const syncsRendered = typeof path === 'string' && c.folders.has(path);
  if (d.change === 'changed' && /^spec\.source\.(path|repoURL|targetRevision)$/.test(d.field) && syncsRendered) {
    return { class: 'layout', note: `${RENDERED_FOLDER_NOTE} ${path}` };
  }
  // the construct's name (`<app>-<environment>`) for the Application deploying the same namespace
  if (d.change === 'changed' && d.field === 'metadata.name' && syncsRendered) return { class: 'layout', note: `named by the construct; it deploys the same namespace from ${path}` };
  if (d.change === 'added') {
    // deleting the Application deletes what it deployed, instead of leaving it running unmanaged
    if (d.field === 'metadata.finalizers' && isDeepStrictEqual(d.output, [RESOURCES_FINALIZER])) return { class: 'hardening' };
    if (d.field === 'spec.syncPolicy.retry' || d.field.startsWith('spec.syncPolicy.retry.')) return { class: 'hardening' };
    if (d.field === 'spec.syncPolicy.syncOptions' && isDeepStrictEqual(d.output, [...DEFAULT_SYNC_OPTIONS])) return { class: 'default', note: "the construct's sync options" };
    // Argo CD reads a directory source non-recursively anyway
    if (d.field === 'spec.source.directory' && isDeepStrictEqual(d.output, { recurse: false })) return { class: 'default' };
    if (d.field === 'spec.source.directory.recurse' && d.output === false) return { class: 'default' };
    if (d.field === 'spec.syncPolicy.automated.allowEmpty' && d.output === false) return { class: 'default' };
    // Argo CD follows HEAD of a source without a revision
    if (d.field === 'spec.source.targetRevision' && d.output === 'HEAD') return { class: 'default' };
    // automated sync with selfHeal/prune off in the input but set by the construct changes what Argo CD does: real (general rule)
  }
  return undefined;
}

/** The value at a field path (`spec.template.spec.containers[0]`) of an object. */
function at(o: unknown, field: string): any {
  const parts = field.match(/[^.[\]"]+|\["[^"]*"\]|\[\d+\]/g) ?? [];
  let v: any = o;
  for (const p of parts) {
    if (v === undefined || v === null) return undefined;
    v = v[p.startsWith('["') ? JSON.parse(p.slice(1, -1)) : p.startsWith('[') ? Number(p.slice(1, -1)) : p];
  }
  return v;
}

/** The kubelet's default pull policy of an image: Always for `latest` or no tag, else IfNotPresent. */
function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'Always';
  if (image.includes('@')) return 'IfNotPresent';
  const colon = image.lastIndexOf(':');
  return colon <= image.lastIndexOf('/') || image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = /^[A-Za-z_][\w-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return part.startsWith('[') ? `${parent}${part}` : parent ? `${parent}.${part}` : part;
}

/** Kubernetes drops nulls: a null in the input is the field left out. */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
  return v;
}

function fieldDifferences(input: unknown, output: unknown, field: string, out: Array<Omit<Difference, 'environment' | 'object' | 'class'>>): void {
  if (isDeepStrictEqual(input, output)) return;
  // an object the program adds (annotations on an object that had none): each field of it on its own
  if (input === undefined && isPlainObject(output) && Object.keys(output).length > 0) input = {};
  if (isPlainObject(input) && isPlainObject(output)) {
    const keys = [...new Set([...Object.keys(input), ...Object.keys(output)])];
    for (const k of keys) fieldDifferences(input[k], output[k], fieldPath(field, k), out);
    return;
  }
  if (Array.isArray(input) && Array.isArray(output) && input.length === output.length) {
    input.forEach((x, i) => fieldDifferences(x, output[i], fieldPath(field, i), out));
    return;
  }
  const change = input === undefined ? 'added' : output === undefined ? 'removed' : 'changed';
  out.push({ field, change, input, output });
}

function classify(d: Omit<Difference, 'environment' | 'object' | 'class'>, c: Context): DifferenceClass {
  const kind = c.output.kind;
  if (d.change === 'added') {
    if (d.field.startsWith(`metadata.annotations["${WAIVER_ANNOTATION_PREFIX}`)) return 'waiver';
    if (d.field === 'metadata.annotations["argocd.argoproj.io/sync-wave"]' || d.field === 'metadata.namespace') return 'layout';
    if (HARDENING.some(r => r.test(d.field))) return 'hardening';
    // a size-limited writable emptyDir (the root filesystem is read-only) and its mount
    if (/^spec\.template\.spec\.volumes$/.test(d.field) && Array.isArray(d.output) && d.output.every((v: any) => v?.emptyDir !== undefined)) return 'hardening';
    if (/^spec\.template\.spec\.containers\[\d+\]\.volumeMounts$/.test(d.field) && Array.isArray(d.output)
      && d.output.every((m: any) => (at(c.output, 'spec.template.spec.volumes') ?? []).some((v: any) => v.name === m.name && v.emptyDir !== undefined))) return 'hardening';
    if (kind === 'ConfigMap' && d.field === 'immutable' && d.output === true) return 'hardening';
    if (kind !== 'Namespace' && /^metadata\.labels(\.|\[)/.test(d.field)) return 'layout';
    if (LAYOUT.some(r => r.test(d.field))) return 'layout';
    if (/(^|\.)ports\[\d+\]\.protocol$/.test(d.field) && d.output === 'TCP') return 'default';
    if (/containers\[\d+\]\.imagePullPolicy$/.test(d.field) && d.output === defaultPullPolicy(at(c.output, d.field.replace(/\.imagePullPolicy$/, '.image')))) return 'default';
    if (d.field === 'spec.replicas' && d.output === 1 && (kind === 'Deployment' || kind === 'StatefulSet')) return 'default';
  }
  if (d.change === 'removed') {
    if (/^spec\.template\.spec\.restartPolicy$/.test(d.field) && d.input === 'Always') return 'default';
    if (kind === 'Service' && d.field === 'spec.type' && d.input === 'ClusterIP') return 'default';
  }
  if (d.change === 'changed') {
    if (d.field === 'apiVersion') {
      const [gi] = String(d.input).split('/');
      const [go] = String(d.output).split('/');
      if (gi === go && SAME_OBJECT_VERSIONS.has(gi)) return 'layout';
    }
    if (kind === 'ConfigMap' && d.field === 'metadata.name' && c.renamed.get(String(d.input)) === d.output) return 'layout';
    if (/(configMapRef|configMapKeyRef|configMap)\.name$/.test(d.field) && c.renamed.get(String(d.input)) === d.output) return 'layout';
    if (kind === 'Service' && /^spec\.ports\[\d+\]\.targetPort$/.test(d.field) && typeof d.output === 'string'
      && c.namedPorts.get(c.output.metadata?.name)?.get(d.output) === d.input) return 'layout';
  }
  return 'real';
}

function identity(o: Record<string, any>, envNamespace: string): { key: string; label: string } {
  const group = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '';
  const namespaced = !CLUSTER_SCOPED.has(o.kind);
  const ns = namespaced ? (o.metadata?.namespace ?? envNamespace) : '';
  const name = String(o.metadata?.name);
  return { key: `${group}/${o.kind}/${ns}/${name}`, label: `${namespaced && ns !== envNamespace ? `${ns}/` : ''}${o.kind}/${name}` };
}

/**
 * Compare one environment's input manifests with what the program renders for it, parsed
 * (not as text): objects matched by group, kind, namespace and name; fields compared
 * structurally (a null in the input counts as left out). `filesCount` says whether the input
 * had file names of its own (a folder; not a stream), whose differences are layout.
 */
export function compareEnvironment(environment: string, envNamespace: string, input: readonly Manifest[], output: readonly Manifest[], filesCount: boolean): Difference[] {
  const diffs: Difference[] = [];
  const outputs = new Map(output.map(m => [identity(m.object, envNamespace).key, m]));
  const matched = new Set<string>();
  // a ConfigMap of the same data under another content-hashed name (Kustomize's, WebService's), or renamed by the program: the same object
  const renamed = new Map<string, string>();
  const pairs = new Map<Manifest, string>();
  const inputKeys = new Set(input.map(m => identity(m.object, envNamespace).key));
  const loose = (m: Manifest) => m.object.kind === 'ConfigMap' && m.object.apiVersion === 'v1';
  const unpaired = output.filter(o => loose(o) && !inputKeys.has(identity(o.object, envNamespace).key));
  for (const m of input) {
    if (!loose(m) || outputs.has(identity(m.object, envNamespace).key)) continue;
    const same = (o: Manifest) => isDeepStrictEqual(stripNulls(m.object.data), o.object.data) && isDeepStrictEqual(stripNulls(m.object.binaryData), o.object.binaryData)
      && (m.object.metadata?.namespace ?? envNamespace) === (o.object.metadata?.namespace ?? envNamespace);
    const candidates = unpaired.filter(same);
    const best = candidates.filter(o => baseName(o.object) === baseName(m.object));
    const chosen = best.length === 1 ? best[0] : candidates.length === 1 ? candidates[0] : undefined;
    if (chosen === undefined) continue;
    unpaired.splice(unpaired.indexOf(chosen), 1);
    renamed.set(m.object.metadata.name, chosen.object.metadata.name);
    pairs.set(m, identity(chosen.object, envNamespace).key);
  }
  // the named container ports of the pods each Service of the program selects
  const namedPorts = new Map<string, Map<string, number>>();
  for (const svc of output.filter(o => o.object.kind === 'Service' && o.object.spec?.selector)) {
    const selector = Object.entries(svc.object.spec.selector as Record<string, string>);
    const ports = new Map<string, number>();
    for (const w of output) {
      const labels = w.object.spec?.template?.metadata?.labels ?? {};
      if (!selector.every(([k, v]) => labels[k] === v)) continue;
      for (const c of w.object.spec.template.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name) ports.set(p.name, p.containerPort);
    }
    namedPorts.set(svc.object.metadata.name, ports);
  }
  // the folders the program renders into, and an input Application paired with the program's that deploys the same destination
  const folders = new Set(output.filter(o => !String(o.object.apiVersion).startsWith('argoproj.io/')).map(o => o.path.split('/').slice(0, -1).join('/')).filter(f => f !== ''));
  const destination = (o: Record<string, any>) => `${o.spec?.destination?.server ?? ''}\0${o.spec?.destination?.name ?? ''}\0${o.spec?.destination?.namespace ?? ''}`;
  const unpairedApps = output.filter(o => isApplication(o.object) && !inputKeys.has(identity(o.object, envNamespace).key));
  for (const m of input) {
    if (!isApplication(m.object) || outputs.has(identity(m.object, envNamespace).key)) continue;
    const candidates = unpairedApps.filter(o => destination(o.object) === destination(m.object));
    if (candidates.length !== 1) continue;
    unpairedApps.splice(unpairedApps.indexOf(candidates[0]), 1);
    pairs.set(m, identity(candidates[0].object, envNamespace).key);
  }
  for (const m of input) {
    const { key: own, label } = identity(m.object, envNamespace);
    const key = pairs.get(m) ?? own;
    const o = outputs.get(key);
    if (o === undefined) {
      diffs.push({ environment, object: label, field: '', class: 'real', change: 'missing', input: m.path });
      continue;
    }
    matched.add(key);
    const found: Array<Omit<Difference, 'environment' | 'object' | 'class'>> = [];
    fieldDifferences(stripNulls(m.object), o.object, '', found);
    const context: Context = { output: o.object, input: stripNulls(m.object) as Record<string, any>, renamed, namedPorts, folders };
    for (const d of found) {
      const argo = isApplication(o.object) ? classifyApplication(d, context) : isAppProject(o.object) ? classifyAppProject(d, context) : undefined;
      diffs.push({ environment, object: label, class: argo?.class ?? classify(d, context), ...d, ...(argo?.note !== undefined ? { note: argo.note } : {}) });
    }
    if (filesCount && m.path !== o.path) diffs.push({ environment, object: label, field: '', class: 'layout', change: 'file', input: m.path, output: o.path });
  }
  for (const [key, o] of outputs) {
    if (matched.has(key)) continue;
    const { label } = identity(o.object, envNamespace);
    const cls: DifferenceClass = o.object.kind === 'Namespace' && o.object.metadata?.name === envNamespace ? 'layout'
      : ['NetworkPolicy', 'PodDisruptionBudget'].includes(o.object.kind) ? 'hardening' : 'real';
    diffs.push({ environment, object: label, field: '', class: cls, change: 'extra', output: o.path });
  }
  const rank: Record<DifferenceClass, number> = { real: 0, hardening: 1, default: 2, waiver: 3, layout: 4 };
  return diffs.sort((a, b) => rank[a.class] - rank[b.class] || compareText(a.object, b.object) || compareText(a.field, b.field));
}

/** One line of a difference: `real      Deployment/redis  spec.replicas: changed 2 -> 1`. */
export function formatDifference(d: Difference): string {
  const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'undefined');
  const short = (v: unknown) => { const t = show(v); return t.length > 80 ? `${t.slice(0, 77)}...` : t; };
  const what = d.change === 'missing' ? `missing from the program (input ${d.input})`
    : d.change === 'extra' ? `only in the program (${d.output})`
      : d.change === 'file' ? `file ${d.output} (input ${d.input})`
        : d.change === 'added' ? `${d.field}: added ${short(d.output)}`
          : d.change === 'removed' ? `${d.field}: removed (was ${short(d.input)})`
            : `${d.field}: ${short(d.input)} -> ${short(d.output)}`;
  return `${d.class.padEnd(9)} ${d.environment}  ${d.object}  ${what}${d.note !== undefined ? ` (${d.note})` : ''}`;
}
