import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
import { Inventory, isObject, LONG_RUNNING_KINDS, PodTemplate } from './inventory';
import { containersOf } from './pod-security';

/** Protocols Istio recognises in a Service port name (`<protocol>[-<suffix>]`). */
export const ISTIO_PORT_PROTOCOLS: readonly string[] = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp'];

/** Smallest UID/GID allowed (below it IDs clash with users of the node and of base images). */
export const MIN_ID = 10000;

/** The Istio sidecar's UID/GID: traffic of a process running as it bypasses the mesh. */
export const ISTIO_PROXY_ID = 1337;

/** Env var names that must not carry literal values (nor values from a ConfigMap, which is in Git too). */
export const SECRET_ENV_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY/i;

/** Options of the policy checks. */
export interface PolicyOptions {
  /**
   * Whether an object belongs to a production environment (for POL-GATEWAY-WILDCARD-PROD).
   *
   * @default isProduction: the file's first folder is `prod`, or the namespace is `prod` or ends with `-prod`
   */
  readonly isProduction?: (ref: ObjectRef) => boolean;
}

/** Default production detection: first folder `prod`, or namespace `prod` / `*-prod`. */
export function isProduction(ref: ObjectRef): boolean {
  const ns = ref.object.metadata?.namespace ?? ref.namespace;
  return ref.manifest.path.split('/')[0] === 'prod' || (typeof ns === 'string' && (ns === 'prod' || ns.endsWith('-prod')));
}

/** The workload and platform policy rules (POL-*). */
export function checkPolicy(inventory: Inventory, options: PolicyOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const t of inventory.podTemplates) out.push(...checkWorkload(inventory, t));
  for (const svc of inventory.ofKind('Service')) out.push(...checkServicePorts(svc));
  for (const secret of inventory.ofKind('Secret')) if (secret.apiVersion === 'v1') out.push(...checkSecretData(secret));
  for (const p of inventory.ofKind('AppProject')) out.push(...checkAppProject(p));
  const prod = options.isProduction ?? isProduction;
  for (const gw of inventory.ofKind('Gateway')) {
    if (gw.apiVersion.startsWith('networking.istio.io/') && prod(gw)) out.push(...checkGatewayHosts(gw));
  }
  return out;
}

function checkWorkload(inventory: Inventory, t: PodTemplate): Finding[] {
  const out: Finding[] = [];
  const ref = t.owner;
  const spec = t.spec;
  const podSc: Record<string, any> = isObject(spec.securityContext) ? spec.securityContext : {};
  const longRunning = LONG_RUNNING_KINDS.has(ref.kind);

  // Pod-level IDs
  for (const field of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    if (podSc[field] !== undefined) {
      const problem = idProblem(podSc[field]);
      if (problem) out.push(finding(ref, 'POL-RUN-AS-IDS', fieldPath(...t.specPath, 'securityContext', field), `pod ${field} ${show(podSc[field])} ${problem}`));
    }
  }
  (Array.isArray(podSc.supplementalGroups) ? podSc.supplementalGroups : []).forEach((g: unknown, i: number) => {
    const problem = idProblem(g);
    if (problem) out.push(finding(ref, 'POL-RUN-AS-IDS', fieldPath(...t.specPath, 'securityContext', 'supplementalGroups', i), `supplemental group ${show(g)} ${problem}`));
  });

  // Service account token
  if (spec.automountServiceAccountToken !== false) {
    const saName = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
    const sa = inventory.find('ServiceAccount', ref.namespace, saName);
    if (spec.automountServiceAccountToken === true || sa?.object.automountServiceAccountToken !== false) {
      out.push(finding(ref, 'POL-AUTOMOUNT-TOKEN', fieldPath(...t.specPath, 'automountServiceAccountToken'),
        `the pod mounts a ServiceAccount token (automountServiceAccountToken: ${show(spec.automountServiceAccountToken)}, ServiceAccount ${JSON.stringify(saName)}${sa ? '' : ' not in the output'}); set automountServiceAccountToken: false`));
    }
  }

  for (const c of containersOf(t)) {
    const container = c.container;
    const at = (...p: (string | number)[]) => fieldPath(...c.path, ...p);
    const sc: Record<string, any> = isObject(container.securityContext) ? container.securityContext : {};

    // Probes: regular containers of long-running workloads.
    if (longRunning && c.list === 'containers') {
      const missing = ['livenessProbe', 'readinessProbe'].filter(p => !isObject(container[p]));
      if (missing.length > 0) out.push(finding(ref, 'POL-PROBES', at(missing[0]), `${c.label} has no ${missing.join(' and no ')}`));
      else if (canonical(container.livenessProbe) === canonical(container.readinessProbe)) {
        out.push(finding(ref, 'POL-PROBES-IDENTICAL', at('livenessProbe'), `${c.label} has identical liveness and readiness probes; make liveness more tolerant (e.g. a higher failureThreshold) or check something else`));
      }
    }

    // Resources: not for ephemeral containers (they may not set any).
    if (c.list !== 'ephemeralContainers') {
      const r = isObject(container.resources) ? container.resources : {};
      const missing: string[] = [];
      if (r.requests?.cpu === undefined) missing.push('requests.cpu');
      if (r.requests?.memory === undefined) missing.push('requests.memory');
      if (r.limits?.memory === undefined) missing.push('limits.memory');
      if (missing.length > 0) out.push(finding(ref, 'POL-RESOURCES', at('resources'), `${c.label} has no resources.${missing.join(', resources.')}`));
    }

    // Image pinned
    const problem = imageProblem(container.image);
    if (problem) out.push(finding(ref, 'POL-IMAGE-TAG', at('image'), `${c.label} image ${show(container.image)} ${problem}`));

    // UID / GID
    for (const field of ['runAsUser', 'runAsGroup']) {
      if (sc[field] !== undefined) {
        const p = idProblem(sc[field]);
        if (p) out.push(finding(ref, 'POL-RUN-AS-IDS', at('securityContext', field), `${c.label} ${field} ${show(sc[field])} ${p}`));
      } else if (podSc[field] === undefined) {
        out.push(finding(ref, 'POL-RUN-AS-IDS', at('securityContext', field), `${c.label} has no ${field} (neither it nor the pod sets one); set a UID/GID >= ${MIN_ID}, not ${ISTIO_PROXY_ID}`));
      }
    }

    // Secrets as literal env values, or from a ConfigMap (committed to Git as well)
    (Array.isArray(container.env) ? container.env : []).forEach((e: any, i: number) => {
      if (typeof e?.name !== 'string' || !SECRET_ENV_NAME.test(e.name)) return;
      if (typeof e.value === 'string' && e.value !== '') {
        out.push(finding(ref, 'POL-SECRET-ENV-LITERAL', at('env', i, 'value'), `${c.label} sets ${e.name} to a literal value; use valueFrom.secretKeyRef`));
      } else if (isObject(e.valueFrom?.configMapKeyRef)) {
        out.push(finding(ref, 'POL-SECRET-ENV-LITERAL', at('env', i, 'valueFrom', 'configMapKeyRef'), `${c.label} takes ${e.name} from ConfigMap ${show(e.valueFrom.configMapKeyRef.name)}, whose values are committed to Git; use valueFrom.secretKeyRef (a Secret an ExternalSecret writes)`));
      }
    });
  }
  return out;
}

function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'number' || id === 0) return undefined; // non-numbers: SCHEMA-INVALID; root: PSS-RUN-AS-USER
  if (id === ISTIO_PROXY_ID) return `is the Istio sidecar's ID (${ISTIO_PROXY_ID}): its traffic would bypass the mesh`;
  if (id < MIN_ID) return `is below ${MIN_ID}`;
  return undefined;
}

/** Why an image reference is not pinned, if it is not. */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return 'is missing';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'has no tag (it means latest); pin a version tag or digest';
  const tag = image.slice(colon + 1);
  if (tag === 'latest') return 'uses the tag latest; pin a version tag or digest';
  if (tag === '') return 'has an empty tag; pin a version tag or digest';
  return undefined;
}

function checkServicePorts(svc: ObjectRef): Finding[] {
  const out: Finding[] = [];
  const ports = svc.object.spec?.ports;
  if (!Array.isArray(ports)) return out;
  const pattern = new RegExp(`^(${ISTIO_PORT_PROTOCOLS.join('|')})(-.*)?$`);
  ports.forEach((p: any, i: number) => {
    if (!isObject(p) || (typeof p.appProtocol === 'string' && p.appProtocol !== '')) return;
    if (typeof p.name !== 'string' || !pattern.test(p.name)) {
      out.push(finding(svc, 'POL-SERVICE-PORT-NAME', fieldPath('spec', 'ports', i, 'name'),
        `port ${show(p.port)} is named ${show(p.name)}: name it <protocol>[-<suffix>] with protocol one of ${ISTIO_PORT_PROTOCOLS.join(', ')} (e.g. http-web), or set appProtocol`));
    }
  });
  return out;
}

function checkAppProject(p: ObjectRef): Finding[] {
  const out: Finding[] = [];
  const spec = p.object.spec ?? {};
  (Array.isArray(spec.sourceRepos) ? spec.sourceRepos : []).forEach((r: unknown, i: number) => {
    if (r === '*') out.push(finding(p, 'POL-APPPROJECT-WILDCARD', fieldPath('spec', 'sourceRepos', i), 'sourceRepos "*" allows any repository; list the repositories'));
  });
  (Array.isArray(spec.destinations) ? spec.destinations : []).forEach((d: any, i: number) => {
    for (const field of ['server', 'name', 'namespace']) {
      if (d?.[field] === '*') out.push(finding(p, 'POL-APPPROJECT-WILDCARD', fieldPath('spec', 'destinations', i, field), `destination ${field} "*" allows any ${field === 'namespace' ? 'namespace' : 'cluster'}; list them`));
    }
  });
  (Array.isArray(spec.clusterResourceWhitelist) ? spec.clusterResourceWhitelist : []).forEach((w: any, i: number) => {
    for (const field of ['group', 'kind']) {
      if (w?.[field] === '*') out.push(finding(p, 'POL-APPPROJECT-CLUSTER-WILDCARD', fieldPath('spec', 'clusterResourceWhitelist', i, field), `clusterResourceWhitelist ${field} "*" allows cluster-scoped resources of any ${field}; list the kinds the project needs (e.g. group "" kind Namespace)`));
    }
  });
  return out;
}

function checkSecretData(secret: ObjectRef): Finding[] {
  const out: Finding[] = [];
  for (const field of ['data', 'stringData']) {
    const values = secret.object[field];
    if (isObject(values) && Object.keys(values).length > 0) {
      out.push(finding(secret, 'POL-SECRET-DATA', field,
        `Secret ${JSON.stringify(secret.name)} holds ${Object.keys(values).length} value(s) in ${field} (keys: ${show(Object.keys(values))}): they are committed to Git; have an ExternalSecret write the Secret at runtime`));
    }
  }
  return out;
}

function checkGatewayHosts(gw: ObjectRef): Finding[] {
  const out: Finding[] = [];
  const servers = gw.object.spec?.servers;
  if (!Array.isArray(servers)) return out;
  servers.forEach((s: any, i: number) => {
    (Array.isArray(s?.hosts) ? s.hosts : []).forEach((h: unknown, j: number) => {
      if (typeof h === 'string' && h.split('/').pop() === '*') {
        out.push(finding(gw, 'POL-GATEWAY-WILDCARD-PROD', fieldPath('spec', 'servers', i, 'hosts', j), `host ${show(h)} accepts any host name in a production Gateway; name the hosts`));
      }
    });
  });
  return out;
}

/** Canonical JSON (sorted keys), to compare objects structurally. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObject(x)) return `{${Object.keys(x).sort().map(k => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  return JSON.stringify(x) ?? 'undefined';
}
