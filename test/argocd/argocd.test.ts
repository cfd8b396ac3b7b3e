import { AppChart } from '../../src/model/app-chart';
import { AppOfApps } from '../../src/argocd/app-of-apps';
import { Application } from '../../src/argocd/application';
import { AppProject } from '../../src/argocd/app-project';
import { ArgoCdChart } from '../../src/argocd/argocd-chart';
import { Environment } from '../../src/model/environment';
import { GitOpsApp } from '../../src/app/gitops-app';
import { WebService } from '../../src/service/web-service';
import { find } from '../util';

function setup() {
  const app = new GitOpsApp();
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/gitops.git' });
  const project = new AppProject(argocd, 'project', { name: 'shop' });
  const charts = ['dev', 'prod'].map(name => {
    const env = new Environment({ name, automatedSync: name === 'dev' });
    const chart = new AppChart(app, `shop-${name}`, { environment: env, app: 'shop' });
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1' });
    new Application(argocd, `app-${name}`, { project, source: chart });
    return chart;
  });
  new AppOfApps(app, 'bootstrap', { argocd });
  return { app, argocd, project, charts };
}

describe('Argo CD', () => {
  test('AppProject: exact source repo and destinations, only Namespace cluster-wide, namespaced kinds derived', () => {
    const { app } = setup();
    const p = find(app, 'AppProject', 'shop');
    expect(p.metadata.namespace).toBe('argocd');
    expect(p.spec.sourceRepos).toEqual(['https://git.example.com/org/gitops.git']);
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'shop-dev' },
      { server: 'https://kubernetes.default.svc', namespace: 'shop-prod' },
    ]);
    expect(p.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(p.spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'Service' }, { group: '', kind: 'ServiceAccount' }, { group: 'apps', kind: 'Deployment' },
    ]);
    expect(JSON.stringify(p)).not.toContain('*');
  });

  test('Application per environment: dev automated with prune and selfHeal, prod manual; retry, sync options, finalizer', () => {
    const { app } = setup();
    const dev = find(app, 'Application', 'shop-dev');
    const prod = find(app, 'Application', 'shop-prod');
    expect(dev.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(dev.spec.source).toEqual({ repoURL: 'https://git.example.com/org/gitops.git', targetRevision: 'main', path: 'dev/shop', directory: { recurse: false } });
    expect(dev.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'shop-dev' });
    expect(dev.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(dev.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
    expect(dev.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'ApplyOutOfSyncOnly=true', 'RespectIgnoreDifferences=true']);
    expect(prod.spec.syncPolicy.automated).toBeUndefined();
    expect(prod.spec.source.path).toBe('prod/shop');
  });

  test('source paths are folders the synth writes', () => {
    const { app } = setup();
    const paths = new Set(app.manifests().map(m => m.path.split('/').slice(0, -1).join('/')));
    for (const m of app.manifests().filter(x => x.object.kind === 'Application')) {
      expect(paths.has(m.object.spec.source.path)).toBe(true);
    }
  });

  test('the namespace syncs first (wave -1) with sidecar injection', () => {
    const { app } = setup();
    const ns = find(app, 'Namespace', 'shop-dev');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(ns.metadata.labels['istio-injection']).toBe('enabled');
  });

  test('app of apps: root project limited to Applications and AppProjects in argocd', () => {
    const { app } = setup();
    const root = app.manifests().filter(m => m.path.startsWith('bootstrap/'));
    expect(root.map(m => m.path)).toEqual(['bootstrap/application-root.yaml', 'bootstrap/appproject-root.yaml']);
    const rootApp = root[0].object;
    expect(rootApp.spec.source.path).toBe('argocd');
    expect(rootApp.spec.destination.namespace).toBe('argocd');
    expect(root[1].object.spec.namespaceResourceWhitelist).toEqual([{ group: 'argoproj.io', kind: 'AppProject' }, { group: 'argoproj.io', kind: 'Application' }]);
    expect(root[1].object.spec.clusterResourceWhitelist).toBeUndefined();
  });

  test('a wildcard repository URL is refused', () => {
    const app = new GitOpsApp();
    expect(() => new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/*' })).toThrow('[argocd] repoURL: "https://git.example.com/*" must be an exact git URL');
  });
});
