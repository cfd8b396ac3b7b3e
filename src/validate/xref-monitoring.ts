import { ISTIO_MERGED_METRICS_PATH, ISTIO_MERGED_METRICS_PORT } from '../monitoring/scrape-mechanism';
import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
import { Inventory, isObject, LabelSelector, matchesSelector, PodTemplate, stringMap } from './inventory';
import { containersOf } from './pod-security';

/** Namespace whose PeerAuthentication without selector is mesh-wide (Istio's root namespace). */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

/** Inbound ports the sidecar never intercepts besides the status port: Envoy's health and metrics ports. */
const ISTIO_UNCAPTURED_PORTS: readonly number[] = [15021, 15090];

/** Namespaces Prometheus runs in, by default (kube-prometheus-stack's usual namespace). */
export const DEFAULT_PROMETHEUS_NAMESPACES: readonly string[] = ['monitoring'];

/** Options of the ServiceMonitor checks. */
export interface MonitoringReferenceOptions {
  /**
   * Namespaces Prometheus runs in: an AuthorizationPolicy admits a scrape with Istio
   * certificates when it allows a principal (or namespace) there.
   * @default DEFAULT_PROMETHEUS_NAMESPACES
   */
  readonly prometheusNamespaces?: readonly string[];
}

/** What the checks look up. */
interface Context {
  readonly inventory: Inventory;
  readonly prometheus: readonly string[];
}

/** The Istio security policies (`PeerAuthentication`, `AuthorizationPolicy`) of a namespace. */
function istioPolicies(inventory: Inventory, kind: 'PeerAuthentication' | 'AuthorizationPolicy', namespace: string): ObjectRef[] {
  return inventory.ofKind(kind, namespace).filter(p => p.apiVersion.startsWith('security.istio.io/'));
}

/** The scrape one ServiceMonitor endpoint makes of one pod template's port. */
interface Scrape {
  readonly monitor: ObjectRef;
  readonly field: (...p: (string | number)[]) => string;
  readonly endpoint: Record<string, any>;
  readonly service: ObjectRef;
  readonly pods: PodTemplate;
  readonly port: number;
}

/**
 * ServiceMonitors (Prometheus Operator), resolved as the operator does (selected Services,
 * their port by name or the pods' targetPort) and judged against what Istio does to the
 * scraped port: XREF-SERVICEMONITOR-TARGET, XREF-SERVICEMONITOR-MTLS,
 * XREF-SERVICEMONITOR-AUTHZ.
 */
export function checkMonitoringReferences(inventory: Inventory, options: MonitoringReferenceOptions = {}): Finding[] {
  const out: Finding[] = [];
  const monitors = inventory.ofKind('ServiceMonitor').filter(sm => sm.apiVersion.startsWith('monitoring.coreos.com/'));
  if (monitors.length === 0) return out;
  const context: Context = { inventory, prometheus: options.prometheusNamespaces ?? DEFAULT_PROMETHEUS_NAMESPACES };
  for (const sm of monitors) out.push(...checkServiceMonitor(context, sm));
  return out;
}

function checkServiceMonitor(context: Context, sm: ObjectRef): Finding[] {
  const inventory = context.inventory;
  const spec = sm.object.spec;
  if (!isObject(spec) || !isObject(spec.selector)) return []; // the schema check reports it
  const out: Finding[] = [];
  const namespaces = monitoredNamespaces(inventory, sm);
  const selector = spec.selector as LabelSelector;
  const services = [...namespaces].flatMap(ns => inventory.ofKind('Service', ns))
    .filter(s => s.apiVersion === 'v1' && matchesSelector(selector, stringMap(s.object.metadata?.labels)));
  if (services.length === 0) {
    return [finding(sm, 'XREF-SERVICEMONITOR-TARGET', 'spec.selector',
      `selector ${show(selector)} matches no Service in namespace(s) ${show([...namespaces].sort())}: nothing is scraped`)];
  }
  (Array.isArray(spec.endpoints) ? spec.endpoints : []).forEach((endpoint: any, i: number) => {
    if (!isObject(endpoint)) return;
    const field = (...p: (string | number)[]) => fieldPath('spec', 'endpoints', i, ...p);
    const scrapes = services.flatMap(service => resolveScrapes(inventory, sm, field, endpoint, service));
    if (scrapes.length === 0) {
      const what = endpoint.port !== undefined ? `port ${show(endpoint.port)}` : `targetPort ${show(endpoint.targetPort)}`;
      const ports = services.map(s => `${s.namespace}/${s.name} ${show((Array.isArray(s.object.spec?.ports) ? s.object.spec.ports : []).map((p: any) => p?.name ?? p?.port))}`);
      out.push(finding(sm, 'XREF-SERVICEMONITOR-TARGET', field(endpoint.port !== undefined ? 'port' : 'targetPort'),
        `${what} is no port of the selected Services' pods (Services and their ports: ${ports.join('; ')}): nothing is scraped`));
      return;
    }
    const seen = new Set<string>();
    for (const s of scrapes) {
      for (const f of judgeScrape(context, s)) {
        const key = `${f.rule}\0${f.field}\0${f.message}`;
        if (!seen.has(key)) out.push(f);
        seen.add(key);
      }
    }
  });
  return out;
}

/** Namespaces a ServiceMonitor looks in: `namespaceSelector` (`any`, `matchNames`), else its own. */
function monitoredNamespaces(inventory: Inventory, sm: ObjectRef): ReadonlySet<string> {
  const ns = sm.object.spec?.namespaceSelector;
  if (ns?.any === true) return inventory.namespaces;
  if (Array.isArray(ns?.matchNames) && ns.matchNames.length > 0) return new Set(ns.matchNames.filter((n: unknown) => typeof n === 'string'));
  return new Set(sm.namespace !== undefined ? [sm.namespace] : []);
}

/** The pod templates and container ports an endpoint scrapes behind one Service. */
function resolveScrapes(inventory: Inventory, monitor: ObjectRef, field: Scrape['field'], endpoint: Record<string, any>, service: ObjectRef): Scrape[] {
  const spec = service.object.spec;
  const selector = stringMap(spec?.selector);
  if (Object.keys(selector).length === 0) return [];
  const allPods = inventory.podsSelectedBy(service.namespace, { matchLabels: selector });
  const ports: any[] = Array.isArray(spec?.ports) ? spec.ports : [];
  const out: Scrape[] = [];
  for (const pods of allPods) {
    const containerPorts = containersOf(pods).filter(c => c.list === 'containers')
      .flatMap(c => (Array.isArray(c.container.ports) ? c.container.ports : []));
    const byName = (name: string): number | undefined => containerPorts.find((p: any) => p?.name === name)?.containerPort;
    const targets: number[] = [];
    if (endpoint.port !== undefined) {
      for (const p of ports.filter(x => x?.name === endpoint.port)) {
        const t = p.targetPort ?? p.port;
        const n = typeof t === 'string' ? byName(t) : t;
        if (typeof n === 'number') targets.push(n);
      }
    } else if (endpoint.targetPort !== undefined) {
      const t = endpoint.targetPort;
      const n = typeof t === 'string' ? byName(t) : t;
      if (typeof n === 'number' && containerPorts.some((p: any) => p?.containerPort === n)) targets.push(n);
    } else {
      for (const p of ports) {
        const t = p?.targetPort ?? p?.port;
        const n = typeof t === 'string' ? byName(t) : t;
        if (typeof n === 'number') targets.push(n);
      }
    }
    for (const port of new Set(targets)) out.push({ monitor, field, endpoint, service, pods, port });
  }
  return out;
}

/** What Istio does to one scrape: is the port served, intercepted, STRICT, and does authorization admit it? */
function judgeScrape(context: Context, s: Scrape): Finding[] {
  const { inventory, prometheus } = context;
  const { monitor, field, endpoint, pods, port } = s;
  const workload = `${pods.owner.kind}/${pods.owner.name}`;
  const meshed = inMesh(inventory, pods);
  const statusPort = statusPortOf(pods);
  const scheme = typeof endpoint.scheme === 'string' ? endpoint.scheme.toLowerCase() : 'http';
  const path = typeof endpoint.path === 'string' ? endpoint.path : '/metrics';

  if (port === statusPort) {
    // Istio's merged metrics: the agent's port, never intercepted
    const problems: string[] = [];
    if (!meshed) problems.push(`${workload} has no Istio sidecar, so nothing listens on port ${port}`);
    else if (pods.annotations['prometheus.istio.io/merge-metrics'] === 'false') problems.push(`${workload} turns metrics merging off (prometheus.istio.io/merge-metrics: "false"): the port serves only Envoy's metrics`);
    else if (pods.annotations['prometheus.io/scrape'] !== 'true') problems.push(`${workload}'s pods lack the prometheus.io/scrape: "true" annotation (with prometheus.io/port and prometheus.io/path): the Istio agent merges no app metrics, the port serves only Envoy's`);
    if (scheme !== 'http') problems.push(`the Istio agent serves port ${port} in plain text, not ${show(endpoint.scheme)}`);
    if (path !== ISTIO_MERGED_METRICS_PATH) problems.push(`the Istio agent serves the merged metrics at ${ISTIO_MERGED_METRICS_PATH}, not ${show(path)}`);
    return problems.map(p => finding(monitor, 'XREF-SERVICEMONITOR-TARGET', field(), `scrapes port ${port} of ${workload} (Istio's merged metrics), but ${p}`));
  }
  if (!meshed || !intercepted(pods, port, statusPort)) return [];

  const out: Finding[] = [];
  const tls = isObject(endpoint.tlsConfig) ? endpoint.tlsConfig : {};
  const clientCert = scheme === 'https' && ((typeof tls.certFile === 'string' && typeof tls.keyFile === 'string') || (isObject(tls.cert) && isObject(tls.keySecret)));
  const mode = mtlsMode(context, pods, port);
  if (mode.mode === 'STRICT' && !clientCert) {
    out.push(finding(monitor, 'XREF-SERVICEMONITOR-MTLS', field(),
      `scrapes port ${port} of ${workload} over ${scheme === 'https' ? 'TLS without a client certificate' : 'plain HTTP'}, but STRICT mutual TLS applies to that port (${mode.source}): the sidecar refuses Prometheus. `
      + `Scrape Istio's merged metrics (port ${ISTIO_MERGED_METRICS_PORT} ${ISTIO_MERGED_METRICS_PATH}, ScrapeMechanism.istioMergedMetrics()), use Istio certificates (scheme https, tlsConfig certFile/keyFile/caFile of Prometheus's sidecar), or give a separate metrics port a port-level PERMISSIVE exception`));
  } else if (clientCert && tls.insecureSkipVerify !== true && mode.mode !== 'DISABLE') {
    out.push(finding(monitor, 'XREF-SERVICEMONITOR-MTLS', field('tlsConfig', 'insecureSkipVerify'),
      `scrapes ${workload} with Istio certificates but verifies the server's: an Istio workload certificate names a SPIFFE identity, no host or IP Prometheus could check, so every scrape fails; set insecureSkipVerify: true (the client certificate still authenticates Prometheus)`));
  }
  const denied = authorizationProblem(context, pods, port, path, clientCert ? prometheus : undefined);
  if (denied) out.push(finding(monitor, 'XREF-SERVICEMONITOR-AUTHZ', field(), `scrapes port ${port} ${path} of ${workload}, but ${denied}`));
  return out;
}

/**
 * Whether the pods get an Istio sidecar: the pod's `sidecar.istio.io/inject` says so, else its
 * namespace's `istio-injection: enabled` or `istio.io/rev` label when the output defines the
 * namespace; a namespace defined elsewhere is taken to inject.
 */
function inMesh(inventory: Inventory, t: PodTemplate): boolean {
  const inject = t.labels['sidecar.istio.io/inject'] ?? t.annotations['sidecar.istio.io/inject'];
  if (inject !== undefined) return inject === 'true';
  const ns = t.owner.namespace !== undefined ? inventory.find('Namespace', undefined, t.owner.namespace) : undefined;
  if (!ns) return true;
  const labels = stringMap(ns.object.metadata?.labels);
  return labels['istio-injection'] === 'enabled' || (labels['istio.io/rev'] !== undefined && labels['istio-injection'] !== 'disabled');
}

function statusPortOf(t: PodTemplate): number {
  const n = Number(t.annotations['status.sidecar.istio.io/port']);
  return Number.isInteger(n) && n > 0 ? n : ISTIO_MERGED_METRICS_PORT;
}

function portList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map(p => p.trim()).filter(Boolean);
}

/** Whether the sidecar intercepts inbound traffic to `port` (Istio's include/exclude annotations). */
function intercepted(t: PodTemplate, port: number, statusPort: number): boolean {
  if (port === statusPort || ISTIO_UNCAPTURED_PORTS.includes(port)) return false;
  if (portList(t.annotations['traffic.sidecar.istio.io/excludeInboundPorts'])?.includes(String(port))) return false;
  const include = portList(t.annotations['traffic.sidecar.istio.io/includeInboundPorts']);
  return include === undefined || include.includes('*') || include.includes(String(port));
}

type Mode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/**
 * The mutual TLS mode of `port` of the pods, as Istio decides it: a workload-selected
 * PeerAuthentication (its `portLevelMtls` entry for the port, else its mode), else the
 * namespace-wide one, else the mesh-wide one (root namespace), else PERMISSIVE. `UNSET`
 * inherits. When several workload policies select the pods Istio applies the oldest; the
 * output cannot tell their age, so the first in the output counts.
 */
function mtlsMode(context: Context, t: PodTemplate, port: number): { mode: Mode; source: string } {
  const selectorOf = (p: ObjectRef) => stringMap(p.object.spec?.selector?.matchLabels);
  const local = istioPolicies(context.inventory, 'PeerAuthentication', t.owner.namespace ?? '');
  const workload = local.find(p => Object.keys(selectorOf(p)).length > 0 && matchesSelector({ matchLabels: selectorOf(p) }, t.labels));
  const namespaceWide = local.find(p => Object.keys(selectorOf(p)).length === 0);
  const meshWide = istioPolicies(context.inventory, 'PeerAuthentication', ISTIO_ROOT_NAMESPACE).find(p => Object.keys(selectorOf(p)).length === 0);
  const known = (m: unknown): m is Mode => m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE';
  const name = (p: ObjectRef) => `PeerAuthentication ${p.namespace}/${p.name}`;
  if (workload) {
    const portMode = workload.object.spec?.portLevelMtls?.[String(port)]?.mode;
    if (known(portMode)) return { mode: portMode, source: `${name(workload)}, portLevelMtls ${port}` };
    const m = workload.object.spec?.mtls?.mode;
    if (known(m)) return { mode: m, source: name(workload) };
  }
  for (const p of [namespaceWide, meshWide]) {
    const m = p?.object.spec?.mtls?.mode;
    if (p && known(m)) return { mode: m, source: name(p) };
  }
  return { mode: 'PERMISSIVE', source: 'no PeerAuthentication: Istio\'s default PERMISSIVE' };
}

/**
 * Why the namespace's AuthorizationPolicies refuse a GET of `path` on `port` from Prometheus
 * (with a mesh identity in one of `identifiedIn` namespaces, else plain text without one), or
 * undefined when some ALLOW rule admits it or no ALLOW policy applies.
 */
function authorizationProblem(context: Context, t: PodTemplate, port: number, path: string, identifiedIn: readonly string[] | undefined): string | undefined {
  const ns = t.owner.namespace ?? '';
  const candidates = [...istioPolicies(context.inventory, 'AuthorizationPolicy', ns), ...(ns === ISTIO_ROOT_NAMESPACE ? [] : istioPolicies(context.inventory, 'AuthorizationPolicy', ISTIO_ROOT_NAMESPACE))];
  const applying = candidates.filter(p => (p.object.spec?.action ?? 'ALLOW') === 'ALLOW' && appliesTo(p, t));
  if (applying.length === 0) return undefined;
  const admits = applying.some(p => (Array.isArray(p.object.spec?.rules) ? p.object.spec.rules : []).some((r: any) => ruleAdmits(r, port, path, identifiedIn)));
  if (admits) return undefined;
  return `the ALLOW AuthorizationPolicies that apply to it (${applying.map(p => `${p.namespace}/${p.name}`).join(', ')}) admit no GET ${path} on port ${port}`
    + (identifiedIn ? ` from a principal in Prometheus's namespace (${identifiedIn.join(', ')})` : ' from a caller without a mesh identity (a plain-text scrape has none)')
    + ': add an allow rule for Prometheus, or scrape Istio\'s merged metrics (port 15020 is not subject to authorization)';
}

/** Whether a policy of the pods' namespace or of the root namespace (mesh-wide) applies to them: no selector, or a matching one. */
function appliesTo(p: ObjectRef, t: PodTemplate): boolean {
  const selector = p.object.spec?.selector;
  return !isObject(selector) || matchesSelector({ matchLabels: stringMap(selector.matchLabels) }, t.labels);
}

function ruleAdmits(rule: any, port: number, path: string, identifiedIn: readonly string[] | undefined): boolean {
  if (!isObject(rule)) return false;
  const from = Array.isArray(rule.from) ? rule.from : [];
  const sourceOk = from.length === 0 || from.some((f: any) => {
    const s = isObject(f?.source) ? f.source : {};
    if (Array.isArray(s.requestPrincipals) && s.requestPrincipals.length > 0) return false; // a JWT Prometheus does not send
    const principals: string[] = Array.isArray(s.principals) ? s.principals.filter((p: unknown) => typeof p === 'string') : [];
    const namespaces: string[] = Array.isArray(s.namespaces) ? s.namespaces.filter((p: unknown) => typeof p === 'string') : [];
    if (principals.length === 0 && namespaces.length === 0) return true;
    if (identifiedIn === undefined) return false; // a plain-text request has no principal nor namespace
    return identifiedIn.some(ns => namespaces.some(n => globMatches(n, ns))
      || principals.some(p => p === '*' || globMatches(p.split('/ns/')[1]?.split('/sa/')[0] ?? '', ns)));
  });
  if (!sourceOk) return false;
  const to = Array.isArray(rule.to) ? rule.to : [];
  return to.length === 0 || to.some((x: any) => operationAdmits(isObject(x?.operation) ? x.operation : {}, port, path));
}

function operationAdmits(op: Record<string, any>, port: number, path: string): boolean {
  const list = (k: string): string[] | undefined => (Array.isArray(op[k]) && op[k].length > 0 ? op[k].map(String) : undefined);
  const methods = list('methods');
  const paths = list('paths');
  const ports = list('ports');
  if (methods && !methods.includes('GET')) return false;
  if (paths && !paths.some(p => globMatches(p, path))) return false;
  if (ports && !ports.includes(String(port))) return false;
  if (list('notMethods')?.includes('GET')) return false;
  if (list('notPaths')?.some(p => globMatches(p, path))) return false;
  if (list('notPorts')?.includes(String(port))) return false;
  return true;
}

/** Istio's string match (paths, namespaces, principals): exact, `prefix*`, `*suffix` or `*`. */
function globMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}
