import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
import { Inventory, isObject, LabelSelector, matchesSelector, PodTemplate, stringMap } from './inventory';
import { containersOf } from './pod-security';

/** Workload kinds whose `spec.selector` must select their own pod template. */
const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/**
 * Cross-references of workloads and Services, checked statically from pod templates:
 * XREF-WORKLOAD-SELECTOR, XREF-SERVICE-SELECTOR, XREF-SERVICE-TARGETPORT,
 * XREF-SERVICEACCOUNT, XREF-CONFIGMAP, XREF-SECRET (a Secret in the output, or the Secret an
 * ExternalSecret writes at runtime).
 */
export function checkWorkloadReferences(inventory: Inventory): Finding[] {
  const out: Finding[] = [];
  const externalSecrets = externalSecretTargets(inventory);
  for (const t of inventory.podTemplates) {
    out.push(...checkOwnSelector(t));
    out.push(...checkPodReferences(inventory, t, externalSecrets));
  }
  for (const svc of inventory.ofKind('Service')) out.push(...checkService(inventory, svc));
  return out;
}

function checkOwnSelector(t: PodTemplate): Finding[] {
  const ref = t.owner;
  if (!SELECTOR_KINDS.has(ref.kind)) return [];
  const raw = ref.object.spec?.selector;
  if (ref.kind === 'Job' && ref.object.spec?.manualSelector !== true) return [];
  if (!isObject(raw)) return []; // missing where required: the schema check reports it
  const selector: LabelSelector = ref.kind === 'ReplicationController' ? { matchLabels: stringMap(raw) } : raw;
  const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (empty) {
    return [finding(ref, 'XREF-WORKLOAD-SELECTOR', 'spec.selector', 'the selector is empty: it would select every pod in the namespace')];
  }
  if (!matchesSelector(selector, t.labels)) {
    return [finding(ref, 'XREF-WORKLOAD-SELECTOR', 'spec.selector',
      `selector ${show(raw)} does not match the pod template labels ${show(t.labels)}`)];
  }
  return [];
}

function checkService(inventory: Inventory, svc: ObjectRef): Finding[] {
  const spec = svc.object.spec;
  if (!isObject(spec) || spec.type === 'ExternalName') return [];
  const selector = stringMap(spec.selector);
  if (Object.keys(selector).length === 0) return []; // endpoints managed by hand
  const pods = inventory.podsSelectedBy(svc.namespace, { matchLabels: selector });
  if (pods.length === 0) {
    return [finding(svc, 'XREF-SERVICE-SELECTOR', 'spec.selector',
      `selector ${show(selector)} matches no pod template in namespace ${JSON.stringify(svc.namespace)}`)];
  }
  const out: Finding[] = [];
  (Array.isArray(spec.ports) ? spec.ports : []).forEach((p: any, i: number) => {
    if (typeof p?.targetPort !== 'string') return;
    for (const t of pods) {
      const names = containersOf(t)
        .filter(c => c.list === 'containers' || (c.list === 'initContainers' && c.container.restartPolicy === 'Always'))
        .flatMap(c => (Array.isArray(c.container.ports) ? c.container.ports : []).map((cp: any) => cp?.name));
      if (!names.includes(p.targetPort)) {
        out.push(finding(svc, 'XREF-SERVICE-TARGETPORT', fieldPath('spec', 'ports', i, 'targetPort'),
          `targetPort ${show(p.targetPort)} is not a container port of ${t.owner.kind}/${t.owner.name} (its ports: ${show(names.filter(Boolean))})`));
      }
    }
  });
  return out;
}

/** The Secret an ExternalSecret writes: its keys, when the output tells them all. */
interface ExternalSecretTarget {
  readonly externalSecret: ObjectRef;
  /** Keys of the Secret; undefined when some come from dataFrom, a template or a merge and are known only at runtime. */
  readonly keys?: readonly string[];
  /** Whether the operator writes no Secret (creationPolicy None). */
  readonly none: boolean;
}

/** `namespace \0 Secret name` -> the ExternalSecrets (external-secrets.io) writing it, in output order. */
function externalSecretTargets(inventory: Inventory): Map<string, ExternalSecretTarget[]> {
  const out = new Map<string, ExternalSecretTarget[]>();
  for (const es of inventory.ofKind('ExternalSecret')) {
    if (!es.apiVersion.startsWith('external-secrets.io/')) continue;
    const spec = isObject(es.object.spec) ? es.object.spec : {};
    const target = isObject(spec.target) ? spec.target : {};
    const name = typeof target.name === 'string' && target.name !== '' ? target.name : es.name;
    const data: any[] = Array.isArray(spec.data) ? spec.data : [];
    const runtimeKeys = (Array.isArray(spec.dataFrom) && spec.dataFrom.length > 0) || isObject(target.template) || target.creationPolicy === 'Merge';
    const entry: ExternalSecretTarget = {
      externalSecret: es,
      keys: runtimeKeys ? undefined : data.map(d => d?.secretKey).filter((k): k is string => typeof k === 'string'),
      none: target.creationPolicy === 'None',
    };
    const key = `${es.namespace ?? ''}\0${name}`;
    out.set(key, [...(out.get(key) ?? []), entry]);
  }
  return out;
}

function checkPodReferences(inventory: Inventory, t: PodTemplate, externalSecrets: Map<string, ExternalSecretTarget[]>): Finding[] {
  const out: Finding[] = [];
  const ref = t.owner;
  const ns = ref.namespace;
  const spec = t.spec;
  const at = (...p: (string | number)[]) => fieldPath(...t.specPath, ...p);

  for (const field of ['serviceAccountName', 'serviceAccount']) {
    const name = spec[field];
    if (typeof name === 'string' && name !== '' && !inventory.hasServiceAccount(ns, name)) {
      out.push(finding(ref, 'XREF-SERVICEACCOUNT', at(field), `ServiceAccount ${JSON.stringify(name)} does not exist in namespace ${JSON.stringify(ns)}`));
      break;
    }
  }

  const check = (kind: 'ConfigMap' | 'Secret', name: unknown, key: unknown, optional: unknown, field: string) => {
    if (optional === true || typeof name !== 'string') return;
    const rule = kind === 'ConfigMap' ? 'XREF-CONFIGMAP' : 'XREF-SECRET';
    const target = inventory.find(kind, ns, name);
    if (!target && kind === 'Secret') {
      checkExternalSecret(name, key, field);
      return;
    }
    if (!target) {
      out.push(finding(ref, rule, field, `${kind} ${JSON.stringify(name)} does not exist in namespace ${JSON.stringify(ns)}`));
      return;
    }
    if (typeof key === 'string') {
      const data = { ...target.object.data, ...target.object.binaryData, ...(kind === 'Secret' ? target.object.stringData : {}) };
      if (!Object.hasOwn(data, key)) out.push(finding(ref, rule, field, `${kind} ${JSON.stringify(name)} has no key ${JSON.stringify(key)} (keys: ${show(Object.keys(data))})`));
    }
  };

  // A Secret the output does not hold may be written at runtime by an ExternalSecret of the namespace.
  const checkExternalSecret = (name: string, key: unknown, field: string) => {
    const writers = (externalSecrets.get(`${ns ?? ''}\0${name}`) ?? []).filter(w => !w.none);
    if (writers.length === 0) {
      const none = externalSecrets.get(`${ns ?? ''}\0${name}`)?.[0];
      out.push(finding(ref, 'XREF-SECRET', field, none
        ? `Secret ${JSON.stringify(name)} is the target of ExternalSecret ${JSON.stringify(none.externalSecret.name)}, whose creationPolicy None writes no Secret`
        : `Secret ${JSON.stringify(name)} does not exist in namespace ${JSON.stringify(ns)}, and no ExternalSecret there writes it`));
      return;
    }
    if (typeof key !== 'string' || writers.some(w => w.keys === undefined || w.keys.includes(key))) return;
    const keys = [...new Set(writers.flatMap(w => w.keys ?? []))];
    out.push(finding(ref, 'XREF-SECRET', field,
      `Secret ${JSON.stringify(name)} (written by ExternalSecret ${writers.map(w => JSON.stringify(w.externalSecret.name)).join(', ')}) has no key ${JSON.stringify(key)} (keys: ${show(keys)})`));
  };

  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: any, i: number) => {
    if (isObject(v?.configMap)) {
      const cm = v.configMap;
      if (Array.isArray(cm.items)) cm.items.forEach((it: any, j: number) => check('ConfigMap', cm.name, it?.key, cm.optional, at('volumes', i, 'configMap', 'items', j, 'key')));
      else check('ConfigMap', cm.name, undefined, cm.optional, at('volumes', i, 'configMap', 'name'));
    }
    if (isObject(v?.secret)) {
      const s = v.secret;
      if (Array.isArray(s.items)) s.items.forEach((it: any, j: number) => check('Secret', s.secretName, it?.key, s.optional, at('volumes', i, 'secret', 'items', j, 'key')));
      else check('Secret', s.secretName, undefined, s.optional, at('volumes', i, 'secret', 'secretName'));
    }
    (Array.isArray(v?.projected?.sources) ? v.projected.sources : []).forEach((src: any, j: number) => {
      if (isObject(src?.configMap)) check('ConfigMap', src.configMap.name, undefined, src.configMap.optional, at('volumes', i, 'projected', 'sources', j, 'configMap', 'name'));
      if (isObject(src?.secret)) check('Secret', src.secret.name, undefined, src.secret.optional, at('volumes', i, 'projected', 'sources', j, 'secret', 'name'));
    });
  });
  (Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []).forEach((s: any, i: number) => {
    check('Secret', s?.name, undefined, false, at('imagePullSecrets', i, 'name'));
  });

  for (const c of containersOf(t)) {
    const cat = (...p: (string | number)[]) => fieldPath(...c.path, ...p);
    (Array.isArray(c.container.envFrom) ? c.container.envFrom : []).forEach((e: any, i: number) => {
      if (isObject(e?.configMapRef)) check('ConfigMap', e.configMapRef.name, undefined, e.configMapRef.optional, cat('envFrom', i, 'configMapRef', 'name'));
      if (isObject(e?.secretRef)) check('Secret', e.secretRef.name, undefined, e.secretRef.optional, cat('envFrom', i, 'secretRef', 'name'));
    });
    (Array.isArray(c.container.env) ? c.container.env : []).forEach((e: any, i: number) => {
      const cm = e?.valueFrom?.configMapKeyRef;
      if (isObject(cm)) check('ConfigMap', cm.name, cm.key, cm.optional, cat('env', i, 'valueFrom', 'configMapKeyRef'));
      const s = e?.valueFrom?.secretKeyRef;
      if (isObject(s)) check('Secret', s.name, s.key, s.optional, cat('env', i, 'valueFrom', 'secretKeyRef'));
    });
  }
  return out;
}
