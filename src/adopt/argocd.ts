import { isDeepStrictEqual } from 'util';
import { DEFAULT_SYNC_OPTIONS, RESOURCES_FINALIZER } from '../argocd/application';
import { isDnsLabel } from '../core/names';
import { AdoptedObject, Adoption } from './model';
import { Code } from './recognize';

/** The library's Argo CD constructs standing for the input's Applications (one per environment) and their AppProject. */
export interface ArgoCdRecognition {
  /** ArgoCdChart's props other than their defaults (repoURL always). */
  readonly chart: Readonly<Record<string, string>>;
  /** The AppProject: its name and description, and the object it stands for. */
  readonly project: { readonly name: string; readonly description?: string; readonly member: string };
  /** Per environment (every one): the Application's object id and its props (name, automated, retry, syncOptions). */
  readonly applications: ReadonlyMap<string, { readonly member: string; readonly props: Record<string, unknown> }>;
}

/** What the input's Argo CD objects are adopted as, and why those left raw are. */
export interface ArgoCdAdoption {
  readonly recognized?: ArgoCdRecognition;
  /** Object id → why it is raw. */
  readonly reasons: ReadonlyMap<string, string>;
}

const isArgo = (o: AdoptedObject, kind: string) => o.kind === kind && o.apiVersion.startsWith('argoproj.io/');
const isPlainObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const onlyKeys = (o: unknown, keys: readonly string[]) => o === undefined || (isPlainObject(o) && Object.keys(o).every(k => keys.includes(k)));
class Refused extends Error {}
const refuse = (why: string): never => { throw new Refused(why); };

/** An Argo CD duration (`5s`, `3m`, `1h`) as a cdk8s Duration expression. */
function duration(field: string, v: unknown): Code {
  const m = typeof v === 'string' ? /^(\d+)(s|m|h)$/.exec(v) : null;
  if (m === null) return refuse(`${field} ${JSON.stringify(v)} is not a whole number of s, m or h (what SyncRetryProps' Durations write)`);
  return new Code(`Duration.${({ s: 'seconds', m: 'minutes', h: 'hours' } as const)[m[2] as 's' | 'm' | 'h']}(${m[1]})`, [], ['Duration']);
}

/** The Application construct's props of one input Application (checked against what the construct renders). */
function applicationProps(x: Record<string, any>): Record<string, unknown> {
  const md = x.metadata ?? {};
  if (!onlyKeys(md, ['name', 'namespace', 'finalizers'])) refuse('it has labels or annotations (the construct renders its own labels)');
  if (md.finalizers !== undefined && !isDeepStrictEqual(md.finalizers, [RESOURCES_FINALIZER])) refuse(`its finalizers ${JSON.stringify(md.finalizers)} are not [${RESOURCES_FINALIZER}] (the construct's)`);
  const spec = x.spec ?? {};
  if (!onlyKeys(spec, ['project', 'source', 'destination', 'syncPolicy'])) refuse(`spec has ${Object.keys(spec).filter(k => !['project', 'source', 'destination', 'syncPolicy'].includes(k)).join(', ')} (the construct renders project, source, destination and syncPolicy only)`);
  if (!onlyKeys(spec.source, ['repoURL', 'targetRevision', 'path', 'directory']) || !onlyKeys(spec.source?.directory, ['recurse']) || spec.source?.directory?.recurse === true) {
    refuse('its source is not a plain directory (helm, kustomize, plugin, recurse: the construct syncs the rendered folder as a non-recursive directory)');
  }
  if (!onlyKeys(spec.destination, ['server', 'namespace']) || spec.destination?.namespace === undefined) refuse('its destination is not a server and a namespace (a cluster by name is a cluster of a multi-cluster Environment)');
  const sp = spec.syncPolicy ?? {};
  if (!onlyKeys(sp, ['automated', 'retry', 'syncOptions'])) refuse(`syncPolicy has ${Object.keys(sp).join(', ')} (the construct sets automated, retry and syncOptions)`);
  if (sp.automated !== undefined && !(onlyKeys(sp.automated, ['prune', 'selfHeal', 'allowEmpty']) && sp.automated.prune === true && sp.automated.selfHeal === true && sp.automated.allowEmpty !== true)) {
    refuse(`syncPolicy.automated ${JSON.stringify(sp.automated)} is not prune and selfHeal (the construct's automated sync)`);
  }
  if (!isDnsLabel(md.name)) refuse(`its name ${JSON.stringify(md.name)} is not a DNS-1123 label (what the construct's name must be)`);
  const props: Record<string, unknown> = { name: md.name, automated: sp.automated !== undefined };
  if (sp.retry !== undefined) {
    const r = sp.retry;
    if (!onlyKeys(r, ['limit', 'backoff']) || !onlyKeys(r.backoff, ['duration', 'factor', 'maxDuration'])) refuse('syncPolicy.retry has fields other than limit and backoff (duration, factor, maxDuration)');
    const whole = (field: string, v: unknown, min: number) => { if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) refuse(`syncPolicy.retry.${field} ${JSON.stringify(v)} is not a whole number >= ${min} (what SyncRetryProps takes)`); };
    whole('limit', r.limit, 0);
    whole('backoff.factor', r.backoff?.factor, 1);
    const retry: Record<string, unknown> = {};
    if (r.limit !== undefined && r.limit !== 5) retry.limit = r.limit;
    if (r.backoff?.duration !== undefined && r.backoff.duration !== '5s') retry.duration = duration('syncPolicy.retry.backoff.duration', r.backoff.duration);
    if (r.backoff?.factor !== undefined && r.backoff.factor !== 2) retry.factor = r.backoff.factor;
    if (r.backoff?.maxDuration !== undefined && r.backoff.maxDuration !== '3m') retry.maxDuration = duration('syncPolicy.retry.backoff.maxDuration', r.backoff.maxDuration);
    if (Object.keys(retry).length > 0) props.retry = retry;
  }
  if (sp.syncOptions !== undefined && !isDeepStrictEqual(sp.syncOptions, [...DEFAULT_SYNC_OPTIONS])) {
    if (!Array.isArray(sp.syncOptions) || sp.syncOptions.length === 0 || !sp.syncOptions.every((o: unknown) => typeof o === 'string')) refuse(`syncPolicy.syncOptions ${JSON.stringify(sp.syncOptions)} is not a list of options`);
    props.syncOptions = sp.syncOptions;
  }
  return props;
}

/**
 * Recognize the input's Argo CD objects as the library's constructs: one Application per
 * environment deploying the environment's namespace (its source becomes the program's rendered
 * folder `<env>/<app>`; repository, revision and cluster the same for all, the ArgoCdChart's),
 * and the AppProject they belong to (its spec becomes the construct's least-privilege one).
 * Anything the constructs cannot express leaves all of them raw, with the reason.
 */
export function recognizeArgoCd(adoption: Adoption): ArgoCdAdoption {
  const reasons = new Map<string, string>();
  const apps = adoption.objects.filter(o => isArgo(o, 'Application'));
  const projects = adoption.objects.filter(o => isArgo(o, 'AppProject'));
  if (apps.length === 0) {
    for (const p of projects) reasons.set(p.id, 'no adopted Application belongs to it (the AppProject construct derives its spec from its Applications)');
    return { reasons };
  }
  const all = [...apps, ...projects];
  try {
    const applications = new Map<string, { member: string; props: Record<string, unknown> }>();
    const specs: Record<string, any>[] = [];
    for (const env of adoption.environments) {
      const here = apps.filter(o => o.perEnvironment.get(env.name)?.spec?.destination?.namespace === env.namespace);
      if (here.length !== 1) refuse(`environment ${env.name} has ${here.length} Applications deploying its namespace ${env.namespace} (the construct stands for one per environment)`);
      const x = here[0].perEnvironment.get(env.name)!;
      try {
        applications.set(env.name, { member: here[0].id, props: applicationProps(x) });
      } catch (e) {
        if (e instanceof Refused) refuse(`Application ${x.metadata?.name}: ${e.message}`);
        throw e;
      }
      specs.push(x.spec);
    }
    const others = apps.filter(o => ![...applications.values()].some(a => a.member === o.id));
    if (others.length > 0) refuse(`Application ${others.map(o => o.name).join(', ')} deploys no adopted environment's namespace`);
    const same = (what: string, values: unknown[]) => { if (!values.every(v => isDeepStrictEqual(v, values[0]))) refuse(`the Applications differ in ${what} (${JSON.stringify([...new Set(values)])}; the ArgoCdChart's is one for all)`); return values[0]; };
    const repoURL = same('source.repoURL', specs.map(s => s.source?.repoURL));
    if (typeof repoURL !== 'string' || !/^(https:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/.test(repoURL) || repoURL.includes('*')) refuse(`source.repoURL ${JSON.stringify(repoURL)} is not an exact git URL (what ArgoCdChart takes)`);
    const targetRevision = same('source.targetRevision', specs.map(s => s.source?.targetRevision ?? 'HEAD'));
    const server = same('destination.server', specs.map(s => s.destination?.server));
    const namespaces = same('metadata.namespace', adoption.environments.map(e => apps.find(o => o.id === applications.get(e.name)!.member)!.perEnvironment.get(e.name)!.metadata?.namespace ?? 'argocd'));
    const projectName = same('project', specs.map(s => s.project));
    if (projectName === 'default') refuse("their project is Argo CD's own `default` (the AppProject construct would replace it with a least-privilege one)");
    const project = projects.find(p => [...p.perEnvironment.values()].every(x => x.metadata?.name === projectName));
    if (project === undefined || project.perEnvironment.size !== adoption.environments.length) refuse(`their AppProject ${projectName} is not among the adopted objects of every environment (the program would create it)`);
    const px = [...project!.perEnvironment.values()];
    if (!px.every(x => isDeepStrictEqual(x, px[0]))) refuse(`AppProject ${projectName} differs between the environments (the construct is one for all)`);
    if (!isDnsLabel(projectName) || !isDnsLabel(namespaces)) refuse(`the project ${JSON.stringify(projectName)} or the Argo CD namespace ${JSON.stringify(namespaces)} is not a DNS-1123 label (what AppProject and ArgoCdChart take)`);
    if (!onlyKeys(px[0].metadata, ['name', 'namespace'])) refuse(`AppProject ${projectName} has labels, annotations or finalizers (the construct renders none)`);
    if ((px[0].metadata?.namespace ?? 'argocd') !== namespaces) refuse(`AppProject ${projectName} is in another namespace than its Applications`);
    const keep = ['description', 'sourceRepos', 'destinations', 'clusterResourceWhitelist', 'namespaceResourceWhitelist', 'orphanedResources'];
    if (!onlyKeys(px[0].spec ?? {}, keep)) refuse(`AppProject ${projectName} spec has ${Object.keys(px[0].spec).filter(k => !keep.includes(k)).join(', ')} (roles, sync windows, signature keys: the construct has none)`);
    const chart: Record<string, string> = { repoURL: repoURL as string };
    if (targetRevision !== 'main') chart.targetRevision = targetRevision as string;
    if (server !== undefined && server !== 'https://kubernetes.default.svc') chart.server = server as string;
    if (namespaces !== 'argocd') chart.namespace = namespaces as string;
    for (const p of projects.filter(x => x !== project)) reasons.set(p.id, 'no adopted Application belongs to it');
    return { recognized: { chart, project: { name: projectName as string, description: px[0].spec?.description, member: project!.id }, applications }, reasons };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    for (const o of all) reasons.set(o.id, e.message);
    return { reasons };
  }
}
