import { compareVersions } from '../core/compare';
import { hostWithin } from '../core/host';
import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
import { Inventory, isObject, stringMap } from './inventory';
import { canonical } from './policy';

/** What an Istio host name refers to. */
type HostTarget =
  | { readonly type: 'service'; readonly namespace: string; readonly name: string; readonly service?: ObjectRef }
  | { readonly type: 'external'; readonly host: string; readonly serviceEntry?: ObjectRef }
  | { readonly type: 'wildcard' };

const CLUSTER_DOMAIN = 'svc.cluster.local';

/**
 * Resolve an Istio host as seen from `namespace`: a short name (`backend`) is a Service in
 * that namespace; `name.ns`, `name.ns.svc` and `name.ns.svc.cluster.local` are Services in
 * `ns`; any other name is external and needs a ServiceEntry. Hosts with `*` are not resolved.
 */
export function resolveHost(inventory: Inventory, host: string, namespace: string | undefined): HostTarget {
  if (host.includes('*')) return { type: 'wildcard' };
  const parts = host.split('.');
  let name: string | undefined;
  let ns: string | undefined;
  if (parts.length === 1) [name, ns] = [parts[0], namespace];
  else if (parts.length === 2) [name, ns] = parts;
  else if (parts.length === 3 && parts[2] === 'svc') [name, ns] = parts;
  else if (parts.length === 5 && parts.slice(2).join('.') === CLUSTER_DOMAIN) [name, ns] = parts;
  if (name !== undefined && ns !== undefined) {
    const service = inventory.find('Service', ns, name);
    if (service || parts.length !== 2) return { type: 'service', namespace: ns, name, service };
  }
  const serviceEntry = inventory.ofKind('ServiceEntry').find(se => Array.isArray(se.object.spec?.hosts) && se.object.spec.hosts.includes(host));
  return { type: 'external', host, serviceEntry };
}

function describe(target: HostTarget, host: string): string {
  if (target.type === 'service') return `host ${JSON.stringify(host)} is Service ${target.namespace}/${target.name}, which does not exist`;
  return `host ${JSON.stringify(host)} is neither a Service in scope nor a ServiceEntry host`;
}

function exists(target: HostTarget): boolean {
  return target.type === 'wildcard' || (target.type === 'service' ? target.service !== undefined : target.serviceEntry !== undefined);
}

/** One key per destination (same Service, or same external host); none for wildcards. */
function targetKey(t: HostTarget): string | undefined {
  if (t.type === 'service') return `service\0${t.namespace}\0${t.name}`;
  if (t.type === 'external') return `external\0${t.host}`;
  return undefined;
}

function isIstio(ref: ObjectRef, group: string): boolean {
  return ref.apiVersion.startsWith(`${group}/`);
}

/**
 * Istio cross-references: XREF-DR-HOST, XREF-DR-SUBSET, XREF-VS-HOST, XREF-VS-PORT,
 * XREF-VS-SUBSET, XREF-VS-GATEWAY, XREF-VS-GATEWAY-HOST, XREF-VS-WEIGHTS, XREF-VS-CANARY,
 * XREF-VS-UNREACHABLE, XREF-VS-DUPLICATE, XREF-AUTHZ-PRINCIPAL.
 */
export function checkIstioReferences(inventory: Inventory, options: IstioReferenceOptions = {}): Finding[] {
  const out: Finding[] = [];
  const destinationRules = inventory.ofKind('DestinationRule').filter(r => isIstio(r, 'networking.istio.io'));
  for (const dr of destinationRules) out.push(...checkDestinationRule(inventory, dr));
  // subsets per destination (Service or external host), resolved once
  const subsets = new Map<string, string[]>();
  for (const dr of destinationRules) {
    if (typeof dr.object.spec?.host !== 'string') continue;
    const key = targetKey(resolveHost(inventory, dr.object.spec.host, dr.namespace));
    if (key === undefined) continue;
    const names = (Array.isArray(dr.object.spec.subsets) ? dr.object.spec.subsets : []).map((s: any) => s?.name);
    const known = subsets.get(key);
    if (known) known.push(...names);
    else subsets.set(key, names);
  }
  for (const vs of inventory.ofKind('VirtualService').filter(r => isIstio(r, 'networking.istio.io'))) {
    out.push(...checkVirtualService(inventory, vs, subsets));
  }
  for (const ap of inventory.ofKind('AuthorizationPolicy').filter(r => isIstio(r, 'security.istio.io'))) {
    out.push(...checkAuthorizationPolicy(inventory, ap, options.externalNamespaces ?? EXTERNAL_NAMESPACES));
  }
  return out;
}

function checkDestinationRule(inventory: Inventory, dr: ObjectRef): Finding[] {
  const spec = dr.object.spec;
  if (!isObject(spec) || typeof spec.host !== 'string') return [];
  const target = resolveHost(inventory, spec.host, dr.namespace);
  if (!exists(target)) return [finding(dr, 'XREF-DR-HOST', 'spec.host', describe(target, spec.host))];
  if (target.type !== 'service' || !target.service) return [];
  const selector = stringMap(target.service.object.spec?.selector);
  const out: Finding[] = [];
  (Array.isArray(spec.subsets) ? spec.subsets : []).forEach((s: any, i: number) => {
    const labels = { ...selector, ...stringMap(s?.labels) };
    if (inventory.podsSelectedBy(target.namespace, { matchLabels: labels }).length === 0) {
      out.push(finding(dr, 'XREF-DR-SUBSET', fieldPath('spec', 'subsets', i, 'labels'),
        `subset ${show(s?.name)} selects no pod template: no pod in namespace ${JSON.stringify(target.namespace)} has labels ${show(labels)} (Service selector plus subset labels)`));
    }
  });
  return out;
}

function checkVirtualService(inventory: Inventory, vs: ObjectRef, subsetsByTarget: ReadonlyMap<string, string[]>): Finding[] {
  const out: Finding[] = [];
  const spec = vs.object.spec;
  if (!isObject(spec)) return out;

  // Destinations (routes and mirrors), ports, subsets, weights
  for (const protocol of ['http', 'tcp', 'tls'] as const) {
    const routes = spec[protocol];
    if (!Array.isArray(routes)) continue;
    routes.forEach((r: any, i: number) => {
      const dests = Array.isArray(r?.route) ? r.route : [];
      dests.forEach((d: any, j: number) => out.push(...checkDestination(inventory, vs, d?.destination, [protocol, i, 'route', j, 'destination'], subsetsByTarget)));
      if (protocol === 'http') {
        // mirrored copies go to a destination too: `mirror`, and `mirrors` (Istio 1.22+)
        out.push(...checkDestination(inventory, vs, r?.mirror, [protocol, i, 'mirror'], subsetsByTarget));
        (Array.isArray(r?.mirrors) ? r.mirrors : []).forEach((m: any, k: number) =>
          out.push(...checkDestination(inventory, vs, m?.destination, [protocol, i, 'mirrors', k, 'destination'], subsetsByTarget)));
      }
      const weighted = dests.length > 1 || dests.some((d: any) => d?.weight !== undefined);
      if (weighted) {
        const sum = dests.reduce((acc: number, d: any) => acc + (typeof d?.weight === 'number' ? d.weight : 0), 0);
        if (sum !== 100) {
          out.push(finding(vs, 'XREF-VS-WEIGHTS', fieldPath('spec', protocol, i, 'route'),
            `route weights ${show(dests.map((d: any) => d?.weight ?? null))} sum to ${sum}, not 100`));
        }
      }
    });
  }

  if (Array.isArray(spec.http)) out.push(...checkCanaries(vs, spec.http));

  // Rule order
  if (Array.isArray(spec.http)) {
    let catchAll: number | undefined;
    const seen = new Map<string, number>();
    spec.http.forEach((r: any, i: number) => {
      const label = r?.name !== undefined ? `rule ${JSON.stringify(r.name)}` : `rule ${i}`;
      if (catchAll !== undefined) {
        out.push(finding(vs, 'XREF-VS-UNREACHABLE', fieldPath('spec', 'http', i),
          `${label} is unreachable: rule ${catchAll} before it matches every request`));
        return;
      }
      const matches: any[] = Array.isArray(r?.match) ? r.match : [];
      if (matches.length === 0 || matches.some(isCatchAll)) catchAll = i;
      matches.forEach((m: any, k: number) => {
        if (isCatchAll(m)) return;
        const key = canonical(withoutName(m));
        const first = seen.get(key);
        if (first !== undefined && first !== i) {
          out.push(finding(vs, 'XREF-VS-DUPLICATE', fieldPath('spec', 'http', i, 'match', k),
            `${label} repeats the match of rule ${first} (${show(withoutName(m))}): it can never be reached`));
        } else if (first === undefined) {
          seen.set(key, i);
        }
      });
    });
  }

  // Gateways and their hosts
  const vsHosts: string[] = Array.isArray(spec.hosts) ? spec.hosts.filter((h: unknown) => typeof h === 'string') : [];
  (Array.isArray(spec.gateways) ? spec.gateways : []).forEach((g: unknown, i: number) => {
    if (typeof g !== 'string' || g === 'mesh') return;
    const [gwNs, gwName] = g.includes('/') ? g.split('/', 2) : [vs.namespace, g];
    const gw = inventory.ofKind('Gateway').find(r => isIstio(r, 'networking.istio.io') && r.name === gwName && r.namespace === gwNs);
    if (!gw) {
      out.push(finding(vs, 'XREF-VS-GATEWAY', fieldPath('spec', 'gateways', i), `Gateway ${gwNs}/${gwName} does not exist`));
      return;
    }
    const gwHosts: string[] = (Array.isArray(gw.object.spec?.servers) ? gw.object.spec.servers : [])
      .flatMap((s: any) => (Array.isArray(s?.hosts) ? s.hosts : []));
    vsHosts.forEach((h, j) => {
      if (!gwHosts.some(gh => gatewayHostAdmits(gh, gw.namespace, vs.namespace, h))) {
        out.push(finding(vs, 'XREF-VS-GATEWAY-HOST', fieldPath('spec', 'hosts', j),
          `host ${JSON.stringify(h)} is not among the hosts of Gateway ${gwNs}/${gwName} (${show(gwHosts)})`));
      }
    });
  });
  return out;
}

function checkDestination(inventory: Inventory, vs: ObjectRef, d: any, path: (string | number)[], subsetsByTarget: ReadonlyMap<string, string[]>): Finding[] {
  if (!isObject(d) || typeof d.host !== 'string') return [];
  const target = resolveHost(inventory, d.host, vs.namespace);
  if (!exists(target)) return [finding(vs, 'XREF-VS-HOST', fieldPath('spec', ...path, 'host'), describe(target, d.host))];
  const out: Finding[] = [];
  if (target.type === 'service' && target.service) {
    const ports: any[] = Array.isArray(target.service.object.spec?.ports) ? target.service.object.spec.ports : [];
    const number = d.port?.number;
    if (number === undefined && ports.length > 1) {
      out.push(finding(vs, 'XREF-VS-PORT', fieldPath('spec', ...path, 'port'),
        `Service ${target.namespace}/${target.name} has ${ports.length} ports (${show(ports.map(p => p?.port))}): name one with port.number`));
    } else if (number !== undefined && !ports.some(p => p?.port === number)) {
      out.push(finding(vs, 'XREF-VS-PORT', fieldPath('spec', ...path, 'port', 'number'),
        `port ${show(number)} is not a port of Service ${target.namespace}/${target.name} (${show(ports.map(p => p?.port))})`));
    }
  }
  if (typeof d.subset === 'string' && target.type !== 'wildcard') {
    const subsets = subsetsByTarget.get(targetKey(target)!) ?? [];
    if (!subsets.includes(d.subset)) {
      out.push(finding(vs, 'XREF-VS-SUBSET', fieldPath('spec', ...path, 'subset'),
        `subset ${JSON.stringify(d.subset)} of host ${JSON.stringify(d.host)} is not defined by any DestinationRule${subsets.length ? ` (defined: ${show(subsets)})` : ''}`));
    }
  }
  return out;
}

/**
 * XREF-VS-CANARY: in a weighted route, the newest subset of a host (the canary: `v2` of v1/v2)
 * at weight 0 must get traffic from a route of the same VirtualService that matches a header
 * (a cookie is a header), or nobody can reach it. An older subset at 0 is a drained version.
 */
function checkCanaries(vs: ObjectRef, routes: readonly any[]): Finding[] {
  const key = (d: any) => `${d.host}\0${d.subset}`;
  const reached = new Set<string>();
  for (const r of routes) {
    const matches: unknown[] = Array.isArray(r?.match) ? r.match : [];
    if (!matches.some(m => isObject(m) && isObject(m.headers) && Object.keys(m.headers).length > 0)) continue;
    const dests: any[] = Array.isArray(r?.route) ? r.route : [];
    for (const d of dests) {
      if (isObject(d?.destination) && typeof d.destination.subset === 'string' && (dests.length === 1 || (typeof d.weight === 'number' && d.weight > 0))) reached.add(key(d.destination));
    }
  }
  const out: Finding[] = [];
  routes.forEach((r: any, i: number) => {
    const dests: any[] = Array.isArray(r?.route) ? r.route : [];
    if (dests.length < 2) return;
    const newest = new Map<string, number>(); // host -> index of its newest subset
    dests.forEach((d, j) => {
      const dest = d?.destination;
      if (!isObject(dest) || typeof dest.host !== 'string' || typeof dest.subset !== 'string') return;
      const best = newest.get(dest.host);
      if (best === undefined || compareVersions(dest.subset, dests[best].destination.subset) > 0) newest.set(dest.host, j);
    });
    for (const j of newest.values()) {
      const d = dests[j];
      if (d.weight !== 0 || reached.has(key(d.destination))) continue;
      const subset = d.destination.subset;
      out.push(finding(vs, 'XREF-VS-CANARY', fieldPath('spec', 'http', i, 'route', j, 'weight'),
        `subset ${JSON.stringify(subset)} of host ${JSON.stringify(d.destination.host)}, the newest of the split (its canary), has weight 0 and no route matching a header or cookie sends requests to it: `
        + `the canary is unreachable (nobody can try it, the metrics gate gets no data); add a route such as HttpMatch.headerExact('x-version', '${subset}') to it, or give it weight`));
    }
  });
  return out;
}

/** A match that matches every request: empty, or only `uri` prefix `/` (or regex `.*`). */
function isCatchAll(m: unknown): boolean {
  if (!isObject(m)) return true;
  const keys = Object.keys(m).filter(k => k !== 'name');
  if (keys.length === 0) return true;
  if (keys.length === 1 && keys[0] === 'uri' && isObject(m.uri)) {
    return m.uri.prefix === '/' || m.uri.regex === '.*' || m.uri.regex === '/.*';
  }
  return false;
}

function withoutName(m: unknown): unknown {
  if (!isObject(m)) return m;
  const { name: _name, ...rest } = m;
  return rest;
}

/**
 * Whether Gateway host entry `entry` (`[namespace/]host`, namespace `*` or `.` allowed) admits
 * VirtualService host `host` of a VirtualService in `vsNamespace`.
 */
export function gatewayHostAdmits(entry: string, gatewayNamespace: string | undefined, vsNamespace: string | undefined, host: string): boolean {
  let ns = '*';
  let pattern = entry;
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    ns = entry.slice(0, slash);
    pattern = entry.slice(slash + 1);
  }
  if (ns === '.') ns = gatewayNamespace ?? '';
  if (ns !== '*' && ns !== vsNamespace) return false;
  return hostWithin(host, pattern);
}

/**
 * Namespaces of the platform's own installation (Istio, Kubernetes system), whose
 * ServiceAccounts the GitOps output does not define: principals there are trusted unless the
 * output defines objects in that namespace.
 */
export const EXTERNAL_NAMESPACES: readonly string[] = ['istio-system', 'istio-ingress', 'istio-egress', 'kube-system'];

/** Options of the Istio cross-reference checks. */
export interface IstioReferenceOptions {
  /**
   * Namespaces whose ServiceAccounts exist outside the output (principals naming them are not checked).
   *
   * @default EXTERNAL_NAMESPACES
   */
  readonly externalNamespaces?: readonly string[];
}

const PRINCIPAL = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

function checkAuthorizationPolicy(inventory: Inventory, ap: ObjectRef, external: readonly string[]): Finding[] {
  const out: Finding[] = [];
  const rules = ap.object.spec?.rules;
  if (!Array.isArray(rules)) return out;
  const accounts = inventory.ofKind('ServiceAccount');
  rules.forEach((r: any, i: number) => {
    (Array.isArray(r?.from) ? r.from : []).forEach((f: any, j: number) => {
      (Array.isArray(f?.source?.principals) ? f.source.principals : []).forEach((p: unknown, k: number) => {
        if (typeof p !== 'string' || p === '*') return;
        const field = fieldPath('spec', 'rules', i, 'from', j, 'source', 'principals', k);
        if (p.includes('*')) {
          const glob = globRegExp(p);
          const any = accounts.some(sa => glob.test(`${p.split('/')[0]}/ns/${sa.namespace}/sa/${sa.name}`));
          if (!any) out.push(finding(ap, 'XREF-AUTHZ-PRINCIPAL', field, `principal ${JSON.stringify(p)} matches no ServiceAccount in the output`));
          return;
        }
        const m = PRINCIPAL.exec(p);
        if (!m) {
          out.push(finding(ap, 'XREF-AUTHZ-PRINCIPAL', field, `principal ${JSON.stringify(p)} is not of the form <trust-domain>/ns/<namespace>/sa/<serviceaccount>`));
          return;
        }
        const [, , ns, sa] = m;
        if (external.includes(ns) && !inventory.namespaceExists(ns)) return;
        if (!inventory.hasServiceAccount(ns, sa)) {
          const elsewhere = accounts.filter(a => a.name === sa).map(a => a.namespace);
          out.push(finding(ap, 'XREF-AUTHZ-PRINCIPAL', field,
            `principal ${JSON.stringify(p)} names ServiceAccount ${JSON.stringify(sa)} in namespace ${JSON.stringify(ns)}, which does not exist`
            + (elsewhere.length ? ` (it exists in ${elsewhere.map(n => JSON.stringify(n)).join(', ')})` : '')));
        }
      });
    });
  });
  return out;
}

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
