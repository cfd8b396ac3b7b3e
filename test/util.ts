import { AppChart, AppChartProps } from '../src/model/app-chart';
import { Environment, EnvironmentProps } from '../src/model/environment';
import { GitOpsApp, GitOpsAppProps } from '../src/app/gitops-app';

/** A GitOpsApp with one AppChart (app `shop` in environment `dev`, namespace `shop-dev`). */
export function testChart(env: Partial<EnvironmentProps> = {}, chart: Partial<AppChartProps> = {}, appProps: GitOpsAppProps = {}) {
  const app = new GitOpsApp(appProps);
  const environment = new Environment({ name: 'dev', ...env });
  const c = new AppChart(app, 'shop-dev', { environment, app: 'shop', ...chart });
  return { app, chart: c, environment };
}

/** Every object the app renders. */
export function objects(app: GitOpsApp): any[] {
  return app.manifests().map(m => m.object);
}

/** The one object of `kind` named `name`. */
export function find(app: GitOpsApp, kind: string, name: string): any {
  const found = objects(app).filter(o => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}: ${objects(app).map(o => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found[0];
}

/** Pod specs of every workload (Deployment, Job, ...). */
export function podSpecs(app: GitOpsApp): Array<{ owner: string; spec: any }> {
  return objects(app)
    .filter(o => o.spec?.template?.spec)
    .map(o => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
}

/**
 * The Pod Security Standards "restricted" violations of a pod spec (the subset of checks the
 * constructs are responsible for); empty when it passes.
 */
export function restrictedViolations(spec: any): string[] {
  const out: string[] = [];
  const psc = spec.securityContext ?? {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) out.push(f);
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find(k => k !== 'name');
    if (!allowedVolumes.includes(type!)) out.push(`volume ${v.name}: ${type}`);
  }
  if (spec.automountServiceAccountToken !== false) out.push('automountServiceAccountToken');
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const eff = (f: string) => sc[f] ?? psc[f];
    if (sc.privileged) out.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation`);
    if (eff('runAsNonRoot') !== true) out.push(`${c.name}: runAsNonRoot`);
    const uid = eff('runAsUser');
    const gid = eff('runAsGroup');
    if (!(uid >= 10000) || uid === 1337) out.push(`${c.name}: runAsUser ${uid}`);
    if (!(gid >= 10000) || gid === 1337) out.push(`${c.name}: runAsGroup ${gid}`);
    if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== 'RuntimeDefault') out.push(`${c.name}: seccompProfile`);
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') out.push(`${c.name}: capabilities.drop`);
    if ((sc.capabilities?.add ?? []).some((x: string) => x !== 'NET_BIND_SERVICE')) out.push(`${c.name}: capabilities.add`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${c.name}: readOnlyRootFilesystem`);
    if (!(c.volumeMounts ?? []).some((m: any) => m.mountPath === '/tmp')) out.push(`${c.name}: no writable /tmp`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${c.name}: hostPort`);
    if (typeof c.image !== 'string' || !/[:@]/.test(c.image.split('/').pop()!) || /:latest$/.test(c.image)) out.push(`${c.name}: image ${c.image}`);
  }
  return out;
}
