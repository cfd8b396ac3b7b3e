import { isDeepStrictEqual } from 'util';
import { isDnsLabel, isDnsLabel1035 } from '../core/names';
import { AdoptedEnvironment, AdoptedObject, Adoption } from './model';

/**
 * A piece of TypeScript in the props of a construct the program builds (`Principal.fromService(backend)`,
 * `ImagePullPolicy.ALWAYS`): rendered as it is, the same in every environment (one that differs
 * between environments cannot be lifted into a setting, so the object is adopted raw).
 */
export class Code {
  constructor(
    /** The expression. */
    public readonly text: string,
    /** The names it takes from `cdk8s-gitops`. */
    public readonly uses: readonly string[] = [],
    /** The names it takes from `cdk8s`. */
    public readonly cdk8s: readonly string[] = [],
  ) {}
}

/** Which construct of the library a unit of the program is. */
export type UnitConstruct = 'WebService' | 'Gateway' | 'DestinationRule' | 'VirtualService' | 'AuthorizationPolicy';

/** One construct of the library standing for one or more adopted objects. */
export interface ConstructUnit {
  readonly construct: UnitConstruct;
  /** Its construct id in the chart. */
  readonly id: string;
  /** The variable holding it (other units refer to it). */
  readonly variable: string;
  /** The first word of the settings lifted from it (`backend` → `backendV1Tag`). */
  readonly base: string;
  /** The objects it renders (by object id). */
  readonly members: readonly string[];
  /** The environments it is in (in the adoption's order). */
  readonly environments: readonly string[];
  /** Its props in each of those environments: plain values and {@link Code}. */
  readonly props: readonly Record<string, unknown>[];
  /** The variables of the units it refers to. */
  readonly refers: readonly string[];
}

/** What the recognition found: the units, and why a workload was left raw. */
export interface Recognition {
  readonly units: readonly ConstructUnit[];
  /** Object id → why it is not a construct (for Deployments: a comment in the program). */
  readonly reasons: ReadonlyMap<string, string>;
  /** Per environment: its ingress gateway's ServiceAccount and namespace, where AuthorizationPolicies name another than the default. */
  readonly gateways: ReadonlyMap<string, { readonly namespace: string; readonly serviceAccount: string }>;
}

const isPlainObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const onlyKeys = (o: unknown, keys: readonly string[]) => isPlainObject(o) && Object.keys(o).every(k => keys.includes(k));
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A TypeScript string literal. */
export const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/[\u0000-\u001f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
const RESERVED = new Set(['app', 'chart', 'environment', 'name', 's', 'props', 'APP', 'ADOPTED', 'ENVIRONMENTS']);

/** A camelCase identifier of `parts`. */
export function camel(parts: readonly string[]): string {
  // an upper-case word (an environment variable's: LOG_LEVEL) is a word like any other: logLevel
  const words = parts.flatMap(p => p.split(/[^A-Za-z0-9]+/)).filter(Boolean).map(w => (/^[A-Z0-9]+$/.test(w) && /[A-Z]{2}/.test(w) ? w.toLowerCase() : w));
  const text = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return /^[0-9]/.test(text) ? `_${text}` : text || 'value';
}

/** Thrown (and caught) where an object cannot be a construct; the message says why. */
class NotRecognized extends Error {}
const refuse = (why: string): never => { throw new NotRecognized(why); };

/** `repo:tag` split (a registry port is part of the repository); undefined when there is no tag or a digest. */
function splitImage(image: unknown): { repository: string; tag: string } | undefined {
  if (typeof image !== 'string' || image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= slash) return undefined;
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** Drop each key whose value is `defaults[key]` in every environment. */
function dropDefaults(perEnv: Record<string, unknown>[], defaults: Record<string, unknown>): void {
  for (const [k, d] of Object.entries(defaults)) {
    if (perEnv.every(p => p[k] === undefined || isDeepStrictEqual(p[k], d))) for (const p of perEnv) delete p[k];
  }
  for (const p of perEnv) for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
}

/** Whether every environment has the same structure of {@link Code} (code cannot be a setting). */
function sameCode(values: readonly unknown[]): boolean {
  const hasCode = (v: unknown): boolean => v instanceof Code || (Array.isArray(v) ? v.some(hasCode) : isPlainObject(v) ? Object.values(v).some(hasCode) : false);
  // where code is, every environment has it at the same place, and the same
  const walk = (vs: readonly unknown[]): boolean => {
    if (vs.some(v => v instanceof Code)) return vs.every(v => v instanceof Code && v.text === (vs[0] as Code).text);
    if (!vs.some(hasCode)) return true;
    if (vs.every(Array.isArray)) return vs.every(v => (v as unknown[]).length === (vs[0] as unknown[]).length) && (vs[0] as unknown[]).every((_, i) => walk(vs.map(v => (v as unknown[])[i])));
    if (vs.every(isPlainObject)) {
      const keys = Object.keys(vs[0] as object);
      return vs.every(v => isDeepStrictEqual(Object.keys(v as object).sort(), [...keys].sort())) && keys.every(k => walk(vs.map(v => (v as Record<string, unknown>)[k])));
    }
    return false;
  };
  return walk(values);
}

/** A service recognized as a WebService: what the mesh constructs need of it. */
interface ServiceInfo {
  readonly name: string;
  readonly variable: string;
  readonly environments: readonly string[];
  readonly versions: readonly string[];
  readonly servicePort: number;
  readonly serviceAccountName: string;
}

/**
 * Recognize the constructs of the library in an adoption, each only where it renders what
 * the input says (up to what `adopt --check` classifies as hardening, layout or defaults):
 * Deployments + Service + ServiceAccount + ConfigMaps → `WebService` (Deployments split by a
 * `version` label → its versions), and the Istio Gateway, DestinationRule, VirtualService and
 * AuthorizationPolicy of such services. `excluded` units (by id) are left raw with the reason given.
 */
export function recognize(adoption: Adoption, excluded: ReadonlyMap<string, string> = new Map()): Recognition {
  const reasons = new Map<string, string>();
  const units: ConstructUnit[] = [];
  const gatewayAccounts = new Map<string, { namespace: string; serviceAccount: string }>();
  const envNames = adoption.environments.map(e => e.name);
  const variables = new Set<string>(adoption.objects.map(o => camel([o.id])));
  const variableOf = (name: string) => {
    let v = camel([name]);
    if (RESERVED.has(v) || variables.has(v)) v = camel([name, 'service']);
    for (let i = 2; RESERVED.has(v) || variables.has(v); i++) v = camel([name, 'service', String(i)]);
    variables.add(v);
    return v;
  };
  const envsOf = (o: AdoptedObject) => envNames.filter(e => o.perEnvironment.has(e));
  const inAppNamespace = (o: AdoptedObject) => o.namespaced && adoption.environments.every(e => {
    const x = o.perEnvironment.get(e.name);
    return x === undefined || x.metadata.namespace === undefined || x.metadata.namespace === e.namespace;
  });
  const envOf = (name: string) => adoption.environments.find(e => e.name === name)!;
  const find = (kind: string, name: string, apiVersions: readonly string[]) => adoption.objects.find(o => o.kind === kind && apiVersions.includes(o.apiVersion)
    && inAppNamespace(o) && [...o.perEnvironment.values()].every(x => x.metadata.name === name));

  // --- WebService: Deployments grouped by their pods' `app` label
  const services = new Map<string, ServiceInfo>();
  const deployments = adoption.objects.filter(o => o.kind === 'Deployment' && o.apiVersion === 'apps/v1' && inAppNamespace(o));
  const groups = new Map<string, AdoptedObject[]>();
  for (const d of deployments) {
    const apps = [...new Set([...d.perEnvironment.values()].map(x => x.spec?.template?.metadata?.labels?.app))];
    if (apps.length !== 1 || typeof apps[0] !== 'string') {
      reasons.set(d.id, 'its pods have no `app` label, or not the same one in every environment (WebService selects its pods by `app`)');
      continue;
    }
    groups.set(apps[0], [...(groups.get(apps[0]) ?? []), d]);
  }
  const usedAccounts = new Map<string, string>();
  for (const [name, members] of groups) {
    if (excluded.has(name)) {
      for (const d of members) reasons.set(d.id, excluded.get(name)!);
      continue;
    }
    try {
      units.push(webService(name, members));
    } catch (e) {
      if (!(e instanceof NotRecognized)) throw e;
      for (const d of members) reasons.set(d.id, e.message);
    }
  }

  function webService(name: string, members: AdoptedObject[]): ConstructUnit {
    if (!isDnsLabel1035(name)) refuse(`its pods' app label ${JSON.stringify(name)} is not a DNS-1035 label (a WebService's name)`);
    const environments = envsOf(members[0]);
    if (members.some(m => !isDeepStrictEqual(envsOf(m), environments))) refuse(`the Deployments of app ${JSON.stringify(name)} are not in the same environments`);
    const version = (m: AdoptedObject) => [...new Set([...m.perEnvironment.values()].map(x => x.spec?.template?.metadata?.labels?.version))];
    const versions = members.map(version);
    if (versions.some(v => v.length !== 1)) refuse('its version label differs between environments');
    const names = versions.map(v => v[0] as string | undefined);
    const versioned = names.some(v => v !== undefined);
    if (versioned && names.some(v => typeof v !== 'string' || !isDnsLabel(v))) refuse(`the Deployments of app ${JSON.stringify(name)} are not all labelled with a version (a DNS-1123 label)`);
    if (!versioned && members.length > 1) refuse(`app ${JSON.stringify(name)} has ${members.length} Deployments and no version label to tell them apart`);
    if (new Set(names).size !== names.length) refuse(`two Deployments of app ${JSON.stringify(name)} have the same version`);
    const order = members.map((m, i) => ({ m, v: names[i] }));
    const service = find('Service', name, ['v1']);
    if (service === undefined) refuse(`there is no Service ${JSON.stringify(name)} selecting its pods (a WebService has one)`);
    if (!isDeepStrictEqual(envsOf(service!), environments)) refuse(`the Service ${JSON.stringify(name)} is not in the same environments as its Deployments`);
    const memberIds = [...members.map(m => m.id), service!.id];
    const props: Record<string, unknown>[] = [];
    const versionProps: Record<string, unknown>[][] = order.map(() => []);
    let account = '';
    let servicePort = 0;
    for (const env of environments) {
      const svc = service!.perEnvironment.get(env)!;
      // the Service: selector { app }, one port
      if (!onlyKeys(svc, ['apiVersion', 'kind', 'metadata', 'spec']) || !onlyKeys(svc.metadata, ['name', 'namespace', 'labels'])
        || !Object.entries(svc.metadata.labels ?? {}).every(([k, v]) => k === 'app' && v === name)) {
        refuse(`the Service ${JSON.stringify(name)} has metadata or fields WebService does not render (only labels app: ${name})`);
      }
      if (!onlyKeys(svc.spec, ['selector', 'ports', 'type']) || (svc.spec.type !== undefined && svc.spec.type !== 'ClusterIP')
        || !isDeepStrictEqual(svc.spec.selector, { app: name }) || !Array.isArray(svc.spec.ports) || svc.spec.ports.length !== 1
        || !onlyKeys(svc.spec.ports[0], ['name', 'port', 'targetPort', 'protocol']) || (svc.spec.ports[0].protocol ?? 'TCP') !== 'TCP') {
        refuse(`the Service ${JSON.stringify(name)} is not a ClusterIP Service with selector { app: ${name} } and one TCP port (what WebService renders)`);
      }
      const sport = svc.spec.ports[0];
      const pods = order.map(({ m }) => m.perEnvironment.get(env)!);
      const containers = pods.map(d => {
        const v = d.spec?.template?.metadata?.labels?.version as string | undefined;
        const selector = v === undefined ? { app: name } : { app: name, version: v };
        if (!onlyKeys(d, ['apiVersion', 'kind', 'metadata', 'spec']) || !onlyKeys(d.metadata, ['name', 'namespace', 'labels'])
          || !Object.entries(d.metadata.labels ?? {}).every(([k, x]) => (selector as Record<string, string>)[k] === x)) {
          refuse(`Deployment ${d.metadata.name}: metadata other than the labels ${JSON.stringify(selector)} (WebService renders those only)`);
        }
        if (d.metadata.name !== (v === undefined ? name : `${name}-${v}`)) refuse(`Deployment ${d.metadata.name}: a WebService names it ${v === undefined ? name : `${name}-${v}`}`);
        if (!onlyKeys(d.spec, ['replicas', 'selector', 'template']) || !isDeepStrictEqual(d.spec.selector, { matchLabels: selector })) {
          refuse(`Deployment ${d.metadata.name}: spec fields other than replicas, selector and template, or a selector other than ${JSON.stringify(selector)}`);
        }
        const t = d.spec.template;
        if (!onlyKeys(t, ['metadata', 'spec']) || !onlyKeys(t.metadata, ['labels', 'creationTimestamp']) || (t.metadata.creationTimestamp ?? null) !== null
          || !isDeepStrictEqual(t.metadata.labels, selector)) {
          refuse(`Deployment ${d.metadata.name}: its pods have annotations or labels other than ${JSON.stringify(selector)}`);
        }
        const pod = t.spec;
        if (!onlyKeys(pod, ['containers', 'serviceAccountName', 'restartPolicy']) || (pod.restartPolicy ?? 'Always') !== 'Always') {
          refuse(`Deployment ${d.metadata.name}: pod fields WebService does not set as given (${Object.keys(pod).filter(k => !['containers', 'serviceAccountName', 'restartPolicy'].includes(k)).join(', ') || 'restartPolicy'})`);
        }
        if (typeof pod.serviceAccountName !== 'string') refuse(`Deployment ${d.metadata.name}: runs as the namespace's default ServiceAccount (a WebService has its own)`);
        if (!Array.isArray(pod.containers) || pod.containers.length !== 1) refuse(`Deployment ${d.metadata.name}: ${pod.containers?.length ?? 0} containers (a WebService runs one)`);
        const c = pod.containers[0];
        const allowed = ['name', 'image', 'imagePullPolicy', 'ports', 'env', 'envFrom', 'command', 'args'];
        if (!onlyKeys(c, allowed)) refuse(`Deployment ${d.metadata.name}: container fields WebService does not take as given (${Object.keys(c).filter(k => !allowed.includes(k)).join(', ')})`);
        if (c.name !== name) refuse(`Deployment ${d.metadata.name}: its container is ${JSON.stringify(c.name)} (a WebService's container is named after the service, ${JSON.stringify(name)})`);
        const image = splitImage(c.image);
        if (image === undefined || !TAG.test(image.tag) || image.tag === 'latest') {
          refuse(`Deployment ${d.metadata.name}: image ${JSON.stringify(c.image)} is not pinned to a tag other than latest (WebService runs pinned images only: pin it, then adopt again)`);
        }
        if (!Array.isArray(c.ports) || c.ports.length !== 1 || !onlyKeys(c.ports[0], ['name', 'containerPort', 'protocol']) || (c.ports[0].protocol ?? 'TCP') !== 'TCP'
          || typeof c.ports[0].containerPort !== 'number') {
          refuse(`Deployment ${d.metadata.name}: its container does not have exactly one TCP port`);
        }
        for (const x of c.env ?? []) if (!onlyKeys(x, ['name', 'value']) || typeof x.value !== 'string' || !ENV_NAME.test(x.name)) refuse(`Deployment ${d.metadata.name}: env ${JSON.stringify(x)} is not a plain value`);
        if (c.envFrom !== undefined && (!Array.isArray(c.envFrom) || c.envFrom.length > 1 || !onlyKeys(c.envFrom[0], ['configMapRef']) || !onlyKeys(c.envFrom[0].configMapRef, ['name']))) {
          refuse(`Deployment ${d.metadata.name}: envFrom other than one ConfigMap`);
        }
        for (const f of ['command', 'args']) if (c[f] !== undefined && (!Array.isArray(c[f]) || c[f].some((x: unknown) => typeof x !== 'string'))) refuse(`Deployment ${d.metadata.name}: ${f} is not a list of strings`);
        return { d, c, v, image };
      });
      const first = containers[0];
      for (const x of containers) {
        for (const f of ['command', 'args', 'imagePullPolicy']) if (!isDeepStrictEqual(x.c[f], first.c[f])) refuse(`its versions differ in ${f} (a WebService's versions share it)`);
        if (x.image!.repository !== first.image!.repository) refuse('its versions run images of different repositories');
        if (x.d.spec.template.spec.serviceAccountName !== first.d.spec.template.spec.serviceAccountName) refuse('its versions run as different ServiceAccounts');
        if (!isDeepStrictEqual(x.c.ports[0], first.c.ports[0])) refuse('its versions have different container ports');
      }
      const containerPort = first.c.ports[0].containerPort as number;
      const portName = (sport.name ?? first.c.ports[0].name ?? 'http') as string;
      if (first.c.ports[0].name !== undefined && first.c.ports[0].name !== portName) refuse(`the container port is named ${first.c.ports[0].name} and the Service port ${sport.name}`);
      const target = sport.targetPort ?? sport.port;
      if (target !== containerPort && target !== portName) refuse(`the Service's targetPort ${JSON.stringify(target)} is not the container port ${containerPort}`);
      if (typeof sport.port !== 'number') refuse('the Service port is not a number');
      servicePort = sport.port;
      account = first.d.spec.template.spec.serviceAccountName;
      const sa = find('ServiceAccount', account, ['v1']);
      if (sa === undefined || !isDeepStrictEqual(envsOf(sa), environments)) refuse(`its ServiceAccount ${JSON.stringify(account)} is not among the objects of the same environments`);
      const saObject = sa!.perEnvironment.get(env)!;
      if (!onlyKeys(saObject, ['apiVersion', 'kind', 'metadata', 'automountServiceAccountToken']) || !onlyKeys(saObject.metadata, ['name', 'namespace'])) {
        refuse(`its ServiceAccount ${JSON.stringify(account)} has fields WebService does not render`);
      }
      if (usedAccounts.has(account) && usedAccounts.get(account) !== name) refuse(`its ServiceAccount ${JSON.stringify(account)} is the one of ${usedAccounts.get(account)} too`);
      if (!memberIds.includes(sa!.id)) memberIds.push(sa!.id);
      // the ConfigMap of each version: its data is the version's config
      const configs = containers.map(x => {
        const ref = x.c.envFrom?.[0]?.configMapRef?.name as string | undefined;
        if (ref === undefined) return {};
        const cm = adoption.objects.find(o => o.kind === 'ConfigMap' && o.apiVersion === 'v1' && inAppNamespace(o) && o.perEnvironment.get(env)?.metadata.name === ref);
        if (cm === undefined) refuse(`Deployment ${x.d.metadata.name}: its ConfigMap ${ref} is not among the objects`);
        const o = cm!.perEnvironment.get(env)!;
        if (!onlyKeys(o, ['apiVersion', 'kind', 'metadata', 'data', 'immutable']) || !onlyKeys(o.metadata, ['name', 'namespace']) || !isPlainObject(o.data)
          || Object.keys(o.data).length === 0 || Object.entries(o.data).some(([k, v]) => typeof v !== 'string' || !ENV_NAME.test(k))) {
          refuse(`its ConfigMap ${ref} has fields other than data, or data that is not environment variables`);
        }
        if (!isDeepStrictEqual(envsOf(cm!), environments)) refuse(`its ConfigMap ${ref} is not in the same environments`);
        const users = deployments.filter(dd => [...dd.perEnvironment.values()].some(p => JSON.stringify(p.spec?.template?.spec ?? {}).includes(JSON.stringify(ref))));
        if (users.length !== 1) refuse(`its ConfigMap ${ref} is used by ${users.length} Deployments (a WebService's ConfigMap is its version's own)`);
        if (!memberIds.includes(cm!.id)) memberIds.push(cm!.id);
        return o.data as Record<string, string>;
      });
      // what every version has alike is the service's; the rest each version's own
      const common = (lists: Record<string, string>[]) => Object.fromEntries(Object.entries(lists[0] ?? {}).filter(([k, v]) => lists.every(l => l[k] === v)));
      const envs = containers.map(x => Object.fromEntries(((x.c.env ?? []) as { name: string; value: string }[]).map(y => [y.name, y.value])));
      const p: Record<string, unknown> = {
        name,
        image: first.image!.repository,
        tag: versioned ? undefined : first.image!.tag,
        port: containerPort,
        portName,
        servicePort: servicePort === containerPort ? undefined : servicePort,
        serviceAccountName: account === `${name}-sa` ? undefined : account,
        imagePullPolicy: first.c.imagePullPolicy === 'Always' ? new Code('ImagePullPolicy.ALWAYS', ['ImagePullPolicy'])
          : first.c.imagePullPolicy === 'Never' ? new Code('ImagePullPolicy.NEVER', ['ImagePullPolicy']) : undefined,
        command: first.c.command,
        args: first.c.args,
        replicas: containers.every(x => (x.d.spec.replicas ?? 1) === (first.d.spec.replicas ?? 1)) ? (first.d.spec.replicas ?? 1) : undefined,
        config: versioned ? common(configs) : configs[0],
        env: versioned ? common(envs) : envs[0],
        metrics: false,
      };
      props.push(p);
      containers.forEach((x, i) => {
        if (!versioned) return;
        const ownConfig = Object.fromEntries(Object.entries(configs[i]).filter(([k]) => !(k in (p.config as object))));
        const ownEnv = Object.fromEntries(Object.entries(envs[i]).filter(([k]) => !(k in (p.env as object))));
        versionProps[i].push({ name: x.v, tag: x.image!.tag, config: ownConfig, env: ownEnv, replicas: p.replicas === undefined ? (x.d.spec.replicas ?? 1) : undefined });
      });
    }
    // the service's config and env keys must be the same in every environment (a key of only some cannot be a setting of the service)
    for (const f of ['config', 'env']) {
      const keys = props.map(p => Object.keys(p[f] as object).sort());
      if (keys.some(k => !isDeepStrictEqual(k, keys[0]))) refuse(`its ${f} keys differ between environments`);
      for (const vp of versionProps) {
        const vk = vp.map(p => Object.keys(p[f] as object).sort());
        if (vk.some(k => !isDeepStrictEqual(k, vk[0]))) refuse(`a version's ${f} keys differ between environments`);
      }
    }
    dropDefaults(props, { port: 5000, portName: 'http', config: {}, env: {} });
    if (versioned) {
      for (const vp of versionProps) dropDefaults(vp, { config: {}, env: {} });
      props.forEach((p, i) => { p.versions = versionProps.map(vp => vp[i]); });
    }
    if (props.some(p => p.replicas === undefined) && !props.every(p => p.replicas === undefined)) refuse('its versions have different replicas in some environments only');
    dropDefaults(props, { replicas: 1 });
    if (!sameCode(props)) refuse('its image pull policy differs between environments');
    usedAccounts.set(account, name);
    const variable = variableOf(name);
    services.set(name, { name, variable, environments, versions: versioned ? order.map(x => x.v!) : [], servicePort, serviceAccountName: account });
    return { construct: 'WebService', id: name, variable, base: name, members: memberIds, environments, props, refers: [] };
  }

  // --- Istio: Gateway, DestinationRule, VirtualService, AuthorizationPolicy of those services
  const ISTIO_NET = ['networking.istio.io/v1', 'networking.istio.io/v1beta1'];
  const gateways = new Map<string, { variable: string; environments: readonly string[]; hosts: string[][] }>();
  const plain = (o: Record<string, any>) => onlyKeys(o, ['apiVersion', 'kind', 'metadata', 'spec']) && onlyKeys(o.metadata, ['name', 'namespace']);
  const mesh = (o: AdoptedObject, construct: UnitConstruct, build: (x: Record<string, any>, env: AdoptedEnvironment) => { props: Record<string, unknown>; refers: string[] }) => {
    if (excluded.has(o.id)) { reasons.set(o.id, excluded.get(o.id)!); return undefined; }
    const environments = envsOf(o);
    try {
      if (!inAppNamespace(o)) refuse('it is outside the app\'s namespace');
      const built = environments.map(env => {
        const x = o.perEnvironment.get(env)!;
        if (!plain(x)) refuse(`${o.kind} ${x.metadata.name}: labels, annotations or fields other than spec`);
        if (!isDnsLabel(x.metadata.name)) refuse(`${o.kind} ${x.metadata.name}: its name is not a DNS-1123 label`);
        return build(x, envOf(env));
      });
      if (!sameCode(built.map(b => b.props))) refuse('its references differ between environments');
      const refers = [...new Set(built.flatMap(b => b.refers))];
      for (const r of refers) {
        const target = [...services.values()].find(s => s.variable === r)?.environments ?? [...gateways.values()].find(g => g.variable === r)?.environments;
        if (target === undefined || !(isDeepStrictEqual(target, envNames) || isDeepStrictEqual(target, environments))) refuse('it refers to a construct of other environments');
      }
      const unit: ConstructUnit = { construct, id: o.id, variable: variableOf(o.id), base: camel([o.kind, o.name]), members: [o.id], environments, props: built.map(b => b.props), refers };
      units.push(unit);
      return unit;
    } catch (e) {
      if (!(e instanceof NotRecognized)) throw e;
      reasons.set(o.id, e.message);
      return undefined;
    }
  };
  const serviceAt = (host: unknown, env: AdoptedEnvironment) => {
    const s = typeof host === 'string' ? services.get(host) : undefined;
    if (s === undefined || !s.environments.includes(env.name)) refuse(`host ${JSON.stringify(host)} is not a service adopted as a WebService`);
    return s!;
  };

  for (const o of adoption.objects.filter(x => x.kind === 'Gateway' && ISTIO_NET.includes(x.apiVersion))) {
    const hosts: string[][] = [];
    const unit = mesh(o, 'Gateway', x => {
      const s = x.spec;
      if (!onlyKeys(s, ['selector', 'servers']) || !isPlainObject(s.selector) || Object.keys(s.selector).length === 0 || !Array.isArray(s.servers) || s.servers.length !== 1
        || !onlyKeys(s.servers[0], ['port', 'hosts']) || !isDeepStrictEqual(s.servers[0].port, { number: 80, name: 'http', protocol: 'HTTP' })
        || !Array.isArray(s.servers[0].hosts) || s.servers[0].hosts.length === 0) {
        refuse(`Gateway ${x.metadata.name}: not one plain HTTP server on port 80 (the TLS form is not adopted)`);
      }
      hosts.push([...s.servers[0].hosts]);
      return { props: { name: x.metadata.name, hosts: [...s.servers[0].hosts], selector: { ...s.selector } }, refers: [] };
    });
    if (unit) gateways.set(o.name, { variable: unit.variable, environments: unit.environments, hosts });
  }

  for (const o of adoption.objects.filter(x => x.kind === 'DestinationRule' && ISTIO_NET.includes(x.apiVersion))) {
    mesh(o, 'DestinationRule', (x, env) => {
      const s = x.spec;
      if (!onlyKeys(s, ['host', 'subsets', 'trafficPolicy'])) refuse(`DestinationRule ${x.metadata.name}: fields other than host, subsets and trafficPolicy`);
      const svc = serviceAt(s.host, env);
      const subsets = svc.versions.map(v => ({ name: v, labels: { version: v } }));
      if (!isDeepStrictEqual(s.subsets ?? [], subsets)) refuse(`DestinationRule ${x.metadata.name}: its subsets are not the versions of ${svc.name} (${JSON.stringify(subsets)})`);
      const t = s.trafficPolicy;
      const seconds = (d: unknown, field: string) => {
        const m = typeof d === 'string' ? /^([1-9][0-9]*)s$/.exec(d) : null;
        if (!m) refuse(`DestinationRule ${x.metadata.name}: trafficPolicy ${field} ${JSON.stringify(d)} is not whole seconds`);
        return new Code(`Duration.seconds(${m![1]})`, [], ['Duration']);
      };
      const shape = onlyKeys(t, ['connectionPool', 'outlierDetection']) && onlyKeys(t.connectionPool, ['tcp', 'http']) && onlyKeys(t.connectionPool.tcp, ['maxConnections', 'connectTimeout'])
        && onlyKeys(t.connectionPool.http, ['http1MaxPendingRequests', 'maxRequestsPerConnection'])
        && onlyKeys(t.outlierDetection, ['consecutive5xxErrors', 'interval', 'baseEjectionTime', 'maxEjectionPercent'])
        && Object.keys(t.connectionPool.tcp).length === 2 && Object.keys(t.connectionPool.http).length === 2 && Object.keys(t.outlierDetection).length === 4;
      if (!shape) refuse(`DestinationRule ${x.metadata.name}: its trafficPolicy is not the connection pool and outlier detection DestinationRule renders (all eight fields)`);
      const traffic: Record<string, unknown> = {
        maxConnections: t.connectionPool.tcp.maxConnections,
        connectTimeout: seconds(t.connectionPool.tcp.connectTimeout, 'connectTimeout'),
        http1MaxPendingRequests: t.connectionPool.http.http1MaxPendingRequests,
        maxRequestsPerConnection: t.connectionPool.http.maxRequestsPerConnection,
        consecutive5xxErrors: t.outlierDetection.consecutive5xxErrors,
        interval: seconds(t.outlierDetection.interval, 'interval'),
        baseEjectionTime: seconds(t.outlierDetection.baseEjectionTime, 'baseEjectionTime'),
        maxEjectionPercent: t.outlierDetection.maxEjectionPercent,
      };
      const defaults: Record<string, string | number> = {
        maxConnections: 100, connectTimeout: 'Duration.seconds(2)', http1MaxPendingRequests: 100, maxRequestsPerConnection: 20,
        consecutive5xxErrors: 5, interval: 'Duration.seconds(10)', baseEjectionTime: 'Duration.seconds(30)', maxEjectionPercent: 25,
      };
      for (const [k, d] of Object.entries(defaults)) {
        const v = traffic[k];
        if ((v instanceof Code ? v.text : v) === d) delete traffic[k];
        else if (!(v instanceof Code) && (typeof v !== 'number' || !Number.isInteger(v))) refuse(`DestinationRule ${x.metadata.name}: trafficPolicy ${k} ${JSON.stringify(v)} is not an integer`);
      }
      return {
        props: {
          service: new Code(svc.variable),
          name: x.metadata.name === `${svc.name}-destinationrule` ? undefined : x.metadata.name,
          trafficPolicy: Object.keys(traffic).length > 0 ? traffic : undefined,
        },
        refers: [svc.variable],
      };
    });
  }

  const matchCode = (m: unknown, where: string): Code => {
    if (!onlyKeys(m, ['uri', 'headers']) || Object.keys(m as object).length === 0) refuse(`${where}: a match on other than uri and headers`);
    const parts: string[] = [];
    const one = (x: unknown, kinds: Record<string, string>, args: string) => {
      if (!isPlainObject(x) || Object.keys(x).length !== 1 || !(Object.keys(x)[0] in kinds) || typeof Object.values(x)[0] !== 'string') refuse(`${where}: match ${JSON.stringify(x)} is not exact, prefix or regex`);
      const [kind, value] = Object.entries(x as Record<string, string>)[0];
      return `HttpMatch.${kinds[kind]}(${args}${quote(value)})`;
    };
    const mm = m as Record<string, any>;
    if (mm.uri && (mm.uri.prefix === '/' || mm.uri.regex === '.*') && !mm.headers) refuse(`${where}: a catch-all match (VirtualService writes it as the default route, without match)`);
    if (mm.uri !== undefined) parts.push(one(mm.uri, { exact: 'uriExact', prefix: 'uriPrefix', regex: 'uriRegex' }, ''));
    for (const [h, x] of Object.entries(mm.headers ?? {})) {
      if (!/^[a-z0-9-]+$/.test(h)) refuse(`${where}: header ${JSON.stringify(h)} is not a lower-case header name`);
      parts.push(one(x, { exact: 'headerExact', prefix: 'headerPrefix', regex: 'headerRegex' }, `${quote(h)}, `));
    }
    return new Code(parts.slice(1).reduce((acc, p) => `${acc}.and(${p})`, parts[0]), ['HttpMatch']);
  };

  for (const o of adoption.objects.filter(x => x.kind === 'VirtualService' && ISTIO_NET.includes(x.apiVersion))) {
    mesh(o, 'VirtualService', (x, env) => {
      const s = x.spec;
      const where = `VirtualService ${x.metadata.name}`;
      if (!onlyKeys(s, ['hosts', 'gateways', 'http']) || !Array.isArray(s.hosts) || s.hosts.length === 0 || !Array.isArray(s.http) || s.http.length === 0) {
        refuse(`${where}: fields other than hosts, gateways and http routes`);
      }
      const refers: string[] = [];
      const gws = ((s.gateways ?? []) as unknown[]).map(g => {
        const gw = typeof g === 'string' ? gateways.get(g) : undefined;
        if (gw === undefined || !gw.environments.includes(env.name)) refuse(`${where}: gateway ${JSON.stringify(g)} is not a Gateway adopted as one (mesh is not adopted)`);
        refers.push(gw!.variable);
        return new Code(gw!.variable);
      });
      const routes = (s.http as unknown[]).map((r, i) => {
        const rw = `${where} http[${i}]`;
        if (!onlyKeys(r, ['name', 'match', 'route']) || !Array.isArray((r as any).route) || (r as any).route.length === 0) refuse(`${rw}: fields other than name, match and route`);
        const rr = r as Record<string, any>;
        const dests = rr.route as Record<string, any>[];
        for (const d of dests) {
          if (!onlyKeys(d, ['destination', 'weight']) || !onlyKeys(d.destination, ['host', 'port', 'subset'])) refuse(`${rw}: a destination with fields other than host, port, subset and weight`);
        }
        const svc = serviceAt(dests[0].destination.host, env);
        if (dests.some(d => d.destination.host !== svc.name || !isDeepStrictEqual(d.destination.port, { number: svc.servicePort }))) {
          refuse(`${rw}: destinations of more than one service, or without the service's port ${svc.servicePort}`);
        }
        refers.push(svc.variable);
        let to: Code;
        if (dests.length === 1 && dests[0].subset === undefined && dests[0].destination.subset === undefined && dests[0].weight === undefined) {
          to = new Code(`RouteTarget.service(${svc.variable})`, ['RouteTarget']);
        } else if (dests.length === 1 && dests[0].weight === undefined && svc.versions.includes(dests[0].destination.subset)) {
          to = new Code(`RouteTarget.version(${svc.variable}, ${quote(dests[0].destination.subset)})`, ['RouteTarget']);
        } else {
          const subsets = dests.map(d => d.destination.subset);
          const inOrder = svc.versions.filter(v => subsets.includes(v));
          if (dests.length < 2 || !isDeepStrictEqual(subsets, inOrder) || dests.some(d => !Number.isInteger(d.weight)) || dests.reduce((n, d) => n + d.weight, 0) !== 100) {
            refuse(`${rw}: a split that is not whole weights summing to 100 over versions of ${svc.name} in their order`);
          }
          to = new Code(`RouteTarget.split(${svc.variable}, { ${dests.map(d => `${/^[A-Za-z_$][\w$]*$/.test(d.destination.subset) ? d.destination.subset : quote(d.destination.subset)}: ${d.weight}`).join(', ')} })`, ['RouteTarget']);
        }
        if (rr.match === undefined) {
          if (i !== s.http.length - 1 || rr.name !== undefined) refuse(`${rw}: a route without match that is not the last one (or has a name)`);
          return { default: { to } };
        }
        if (!Array.isArray(rr.match) || rr.match.length === 0) refuse(`${rw}: an empty match`);
        return { route: { name: rr.name, match: rr.match.map((m: unknown, j: number) => matchCode(m, `${rw}.match[${j}]`)), to } };
      });
      const matched = routes.filter(r => 'route' in r).map(r => (r as any).route);
      const fallback = routes.find(r => 'default' in r) as { default: unknown } | undefined;
      const gwHosts = gws.length > 0 ? [...new Set(((s.gateways ?? []) as string[]).flatMap(g => gateways.get(g)!.hosts[gateways.get(g)!.environments.indexOf(env.name)]))] : undefined;
      return {
        props: {
          name: x.metadata.name,
          gateways: gws.length > 0 ? gws : undefined,
          hosts: gwHosts && isDeepStrictEqual(gwHosts, s.hosts) ? undefined : [...s.hosts],
          routes: matched.length > 0 ? matched : undefined,
          defaultRoute: fallback?.default,
        },
        refers,
      };
    });
  }

  // the environment's ingress gateway: the one ServiceAccount named like it (outside the app's namespace) that the
  // policies allow in that environment, when it is not Istio's default; it becomes the environment's gatewayServiceAccount
  const policies = adoption.objects.filter(x => x.kind === 'AuthorizationPolicy' && x.apiVersion === 'security.istio.io/v1' && x.as.construct === 'ApiObject');
  for (const env of adoption.environments) {
    const found = new Set<string>();
    for (const o of policies) {
      for (const m of JSON.stringify(o.perEnvironment.get(env.name)?.spec ?? {}).matchAll(/"cluster\.local\/ns\/([^/"]+)\/sa\/([^/"]*ingressgateway[^/"]*)"/g)) {
        if (m[1] !== env.namespace) found.add(`${m[1]}/${m[2]}`);
      }
    }
    const [only] = [...found];
    if (found.size === 1 && only !== 'istio-system/istio-ingressgateway-service-account') {
      const [namespace, serviceAccount] = only.split('/');
      gatewayAccounts.set(env.name, { namespace, serviceAccount });
    }
  }
  for (const o of policies) {
    mesh(o, 'AuthorizationPolicy', (x, env) => {
      const s = x.spec;
      const where = `AuthorizationPolicy ${x.metadata.name}`;
      if (!onlyKeys(s, ['action', 'selector', 'rules']) || s.action !== 'ALLOW' || !onlyKeys(s.selector, ['matchLabels'])
        || !isPlainObject(s.selector.matchLabels) || Object.keys(s.selector.matchLabels).length !== 1 || !Array.isArray(s.rules) || s.rules.length === 0) {
        refuse(`${where}: not an ALLOW policy selecting one service's pods by app with rules`);
      }
      const target = serviceAt(s.selector.matchLabels.app, env);
      const refers = [target.variable];
      const principal = (p: unknown): Code => {
        const m = typeof p === 'string' ? /^cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(p) : null;
        if (!m) refuse(`${where}: principal ${JSON.stringify(p)} is not a ServiceAccount of trust domain cluster.local`);
        const [, ns, sa] = m!;
        if (ns === env.namespace) {
          const svc = [...services.values()].find(v => v.serviceAccountName === sa && v.environments.includes(env.name));
          if (svc) { refers.push(svc.variable); return new Code(`Principal.fromService(${svc.variable})`, ['Principal']); }
          return new Code(`Principal.fromServiceAccount(${quote(sa)})`, ['Principal']);
        }
        const gateway = gatewayAccounts.get(env.name) ?? { namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-service-account' };
        if (ns === gateway.namespace && sa === gateway.serviceAccount) return new Code('Principal.ingressGateway()', ['Principal']);
        return refuse(`${where}: principal ${JSON.stringify(p)} is a ServiceAccount of another namespace that is not the ingress gateway`);
      };
      const allow = (s.rules as unknown[]).map((r, i) => {
        const rw = `${where} rules[${i}]`;
        const rr = r as Record<string, any>;
        if (!onlyKeys(rr, ['from', 'to']) || !Array.isArray(rr.from) || rr.from.length !== 1 || !onlyKeys(rr.from[0], ['source']) || !onlyKeys(rr.from[0].source, ['principals'])
          || !Array.isArray(rr.from[0].source.principals) || rr.from[0].source.principals.length === 0) {
          refuse(`${rw}: not one source of principals`);
        }
        const op = rr.to === undefined ? {} : (Array.isArray(rr.to) && rr.to.length === 1 && onlyKeys(rr.to[0], ['operation']) && onlyKeys(rr.to[0].operation, ['methods', 'paths', 'ports']))
          ? rr.to[0].operation : refuse(`${rw}: not one operation of methods, paths and ports`);
        const principals = rr.from[0].source.principals as unknown[];
        if (new Set(principals).size !== principals.length) refuse(`${rw}: a principal twice`);
        const methods = (op.methods ?? []) as unknown[];
        if (methods.some(m => !['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(m as string))) refuse(`${rw}: a method HttpMethod does not name`);
        const ports = ((op.ports ?? []) as unknown[]).map(p => (typeof p === 'string' && /^[1-9][0-9]*$/.test(p) ? Number(p) : refuse(`${rw}: port ${JSON.stringify(p)}`)));
        const paths = (op.paths ?? []) as unknown[];
        if (paths.some(p => typeof p !== 'string')) refuse(`${rw}: a path that is not a string`);
        return {
          from: principals.map(principal),
          methods: methods.length > 0 ? methods.map(m => new Code(`HttpMethod.${m}`, ['HttpMethod'])) : undefined,
          paths: paths.length > 0 ? paths : undefined,
          ports: ports.length > 0 ? ports : undefined,
        };
      });
      return { props: { name: x.metadata.name, target: new Code(target.variable), allow }, refers };
    });
  }
  return { units, reasons, gateways: gatewayAccounts };
}

