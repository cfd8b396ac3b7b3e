import {
  DNS_1035_LABEL_RULE, DNS_LABEL_RULE, DNS_SUBDOMAIN_RULE, isDnsLabel, isDnsLabel1035, isDnsSubdomain,
  isLabelKey, isLabelValue, LABEL_KEY_RULE, LABEL_VALUE_RULE,
} from '../core/names';
import { fieldPath, Finding, finding, ObjectRef, show } from './finding';
import { get, Inventory, isObject } from './inventory';

/**
 * Names, namespaces, labels and annotation keys, judged by the API server's own rules
 * (Kubernetes 1.28 `ValidateObjectMeta` and each kind's name validation): an object the
 * API server refuses breaks the whole Argo CD sync.
 */

/** Kinds whose names are path segments (anything but `.`, `..`, `/` and `%`), not DNS names: RBAC and API priority and fairness. */
const PATH_SEGMENT_KINDS: Record<string, string> = {
  Role: 'rbac.authorization.k8s.io/',
  ClusterRole: 'rbac.authorization.k8s.io/',
  RoleBinding: 'rbac.authorization.k8s.io/',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/',
  FlowSchema: 'flowcontrol.apiserver.k8s.io/',
  PriorityLevelConfiguration: 'flowcontrol.apiserver.k8s.io/',
};

/** Longest CronJob name: its Jobs are named `<name>-<11 characters>` and must stay DNS-1035 labels. */
const CRONJOB_NAME_MAX = 52;

/** Largest total size of an object's annotations (keys and values), as the API server counts it. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** SCHEMA-NAME and SCHEMA-LABEL findings of every object. */
export function checkObjectNames(inventory: Inventory): Finding[] {
  const out: Finding[] = [];
  for (const ref of inventory.objects) {
    const metadata = ref.object.metadata;
    if (!isObject(metadata)) continue;
    const name = nameProblem(ref);
    if (name !== undefined) out.push(finding(ref, 'SCHEMA-NAME', 'metadata.name', name));
    const namespace = metadata.namespace;
    if (typeof namespace === 'string' && namespace !== '' && !isDnsLabel(namespace)) {
      out.push(finding(ref, 'SCHEMA-NAME', 'metadata.namespace', `namespace ${quote(namespace)} is not a DNS-1123 label: ${DNS_LABEL_RULE}`));
    }
    out.push(...metadataProblems(ref, ['metadata'], metadata));
  }
  for (const t of inventory.podTemplates) {
    if (t.metadataPath.length === 0) continue; // a Pod: its metadata is the object's
    const metadata = get(t.owner.object, t.metadataPath);
    if (isObject(metadata)) out.push(...metadataProblems(t.owner, t.metadataPath, metadata));
  }
  return out;
}

/** What is wrong with `ref`'s name for its kind, if anything (a missing or non-string name is the schema's concern). */
function nameProblem(ref: ObjectRef): string | undefined {
  const name = ref.object.metadata.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const what = `name ${quote(name)}`;
  const group = PATH_SEGMENT_KINDS[ref.kind];
  if (group !== undefined && ref.apiVersion.startsWith(group)) {
    return name === '.' || name === '..' || /[/%]/.test(name)
      ? `${what} is not a valid ${ref.kind} name: it may not be "." or ".." nor contain "/" or "%"`
      : undefined;
  }
  if (ref.kind === 'Namespace' && ref.apiVersion === 'v1') {
    return isDnsLabel(name) ? undefined : `${what} is not a DNS-1123 label (required for Namespace names): ${DNS_LABEL_RULE}`;
  }
  if (ref.kind === 'Service' && ref.apiVersion === 'v1') {
    return isDnsLabel1035(name) ? undefined : `${what} is not a DNS-1035 label (required for Service names): ${DNS_1035_LABEL_RULE}`;
  }
  if (!isDnsSubdomain(name)) return `${what} is not a DNS-1123 subdomain (required for ${ref.kind || 'object'} names): ${DNS_SUBDOMAIN_RULE}`;
  if (ref.kind === 'CronJob' && ref.apiVersion.startsWith('batch/') && name.length > CRONJOB_NAME_MAX) {
    return `${what} is ${name.length} characters: a CronJob name may have at most ${CRONJOB_NAME_MAX} (its Jobs add 11)`;
  }
  return undefined;
}

/** Problems of the labels and annotation keys of the metadata at `path` of `ref`. */
function metadataProblems(ref: ObjectRef, path: readonly string[], metadata: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const labels = metadata.labels;
  if (isObject(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      const field = fieldPath(...path, 'labels', key);
      if (!isLabelKey(key)) out.push(finding(ref, 'SCHEMA-LABEL', field, `label key ${quote(key)} is not valid: ${LABEL_KEY_RULE}`));
      if (typeof value === 'string' && !isLabelValue(value)) out.push(finding(ref, 'SCHEMA-LABEL', field, `label ${quote(key)} has value ${quote(value)}, which is not valid: ${LABEL_VALUE_RULE}`));
    }
  }
  const annotations = metadata.annotations;
  if (isObject(annotations)) {
    let bytes = 0;
    for (const [key, value] of Object.entries(annotations)) {
      if (!isLabelKey(key)) out.push(finding(ref, 'SCHEMA-LABEL', fieldPath(...path, 'annotations', key), `annotation key ${quote(key)} is not valid: ${LABEL_KEY_RULE}`));
      bytes += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
    }
    if (bytes > ANNOTATIONS_MAX_BYTES) {
      out.push(finding(ref, 'SCHEMA-LABEL', fieldPath(...path, 'annotations'), `annotations total ${bytes} bytes: at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) are allowed`));
    }
  }
  return out;
}

/** `value` quoted for a message; a long one shortened, with its length. */
function quote(value: string): string {
  const shown = show(value);
  return value.length > 63 ? `${shown} (${value.length} characters)` : shown;
}
