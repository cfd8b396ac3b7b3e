import { isDeepStrictEqual } from 'util';
import { compareText } from '../core/compare';
import { Manifest } from '../core/manifest';
import { WAIVER_ANNOTATION_PREFIX } from '../validate/waivers';
import { CLUSTER_SCOPED } from './model';

/**
 * How a difference between the adopted manifests and what the program renders counts:
 * `hardening` the library adds (security context, probes, resources, Pod Security labels,
 * service-account tokens off), `waiver` annotations of adopted objects, `layout` (file names,
 * Argo CD sync waves, the namespace set on an object that had none, the app's Namespace), and
 * `real`: anything else, which changes what the cluster runs.
 */
export type DifferenceClass = 'real' | 'hardening' | 'waiver' | 'layout';

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
}

const HARDENING = [
  /(^|\.)securityContext(\.|\[|$)/,
  /(^|\.)(livenessProbe|readinessProbe|startupProbe)(\.|$)/,
  /(^|\.)containers\[\d+\]\.resources(\.|$)/,
  /(^|\.)automountServiceAccountToken$/,
  /^metadata\.labels\["pod-security\.kubernetes\.io\/(audit|warn|enforce)"\]$/,
];

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

function classify(d: Omit<Difference, 'environment' | 'object' | 'class'>): DifferenceClass {
  if (d.change === 'added') {
    if (d.field.startsWith(`metadata.annotations["${WAIVER_ANNOTATION_PREFIX}`)) return 'waiver';
    if (d.field === 'metadata.annotations["argocd.argoproj.io/sync-wave"]' || d.field === 'metadata.namespace') return 'layout';
    if (HARDENING.some(r => r.test(d.field))) return 'hardening';
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
  for (const m of input) {
    const { key, label } = identity(m.object, envNamespace);
    const o = outputs.get(key);
    if (o === undefined) {
      diffs.push({ environment, object: label, field: '', class: 'real', change: 'missing', input: m.path });
      continue;
    }
    matched.add(key);
    const found: Array<Omit<Difference, 'environment' | 'object' | 'class'>> = [];
    fieldDifferences(stripNulls(m.object), o.object, '', found);
    for (const d of found) diffs.push({ environment, object: label, class: classify(d), ...d });
    if (filesCount && m.path !== o.path) diffs.push({ environment, object: label, field: '', class: 'layout', change: 'file', input: m.path, output: o.path });
  }
  for (const [key, o] of outputs) {
    if (matched.has(key)) continue;
    const { label } = identity(o.object, envNamespace);
    const cls: DifferenceClass = o.object.kind === 'Namespace' && o.object.metadata?.name === envNamespace ? 'layout'
      : ['NetworkPolicy', 'PodDisruptionBudget'].includes(o.object.kind) ? 'hardening' : 'real';
    diffs.push({ environment, object: label, field: '', class: cls, change: 'extra', output: o.path });
  }
  const rank: Record<DifferenceClass, number> = { real: 0, hardening: 1, waiver: 2, layout: 3 };
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
  return `${d.class.padEnd(9)} ${d.environment}  ${d.object}  ${what}`;
}
