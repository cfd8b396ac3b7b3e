import { createApp } from '../reference/main';
import { restrictedViolations } from './util';

const app = createApp();
const manifests = app.manifests();
const files = app.files(manifests);
const byPath = (prefix: string) => Object.fromEntries([...files].filter(([p]) => p.startsWith(prefix)));
const obj = (path: string) => manifests.find(m => m.path === path)!.object;

describe('reference app', () => {
  test('two renders give byte-identical output', () => {
    expect([...createApp().files()]).toEqual([...files]);
  });

  test('layout: a folder per environment (per cluster of prod) and app, one file per resource, the Argo CD folder, release files', () => {
    const folders = [...new Set([...files.keys()].map(p => p.split('/').slice(0, -1).join('/')))].sort();
    expect(folders).toEqual(['argocd', 'bootstrap', 'dev/ab-testing', 'dev/flask-app', 'dev', 'prod/prod-eu/ab-testing', 'prod/prod-eu/flask-app',
      'prod/prod-us/ab-testing', 'prod/prod-us/flask-app', 'prod'].sort());
    expect(files.has('dev/release.yaml')).toBe(true);
    expect(files.has('prod/release.yaml')).toBe(true);
    for (const m of manifests) expect(m.path).toBe(`${m.path.split('/').slice(0, -1).join('/')}/${m.object.kind.toLowerCase()}-${m.object.metadata.name}.yaml`);
  });

  test.each([['dev', 'dev'], ['prod', 'prod/prod-eu'], ['prod', 'prod/prod-us']])('%s (%s): seed 001 platform names, routes, mTLS and principals', (env, folder) => {
    const ns = `demo-${env}`;
    const names = (kind: string) => manifests.filter(m => m.path.startsWith(`${folder}/ab-testing/`) && m.object.kind === kind).map(m => m.object.metadata.name).sort();
    expect(names('Deployment')).toEqual(['backend-v1', 'backend-v2', 'frontend', 'monitor-v1', 'monitor-v2', 'redis']);
    expect(names('Service')).toEqual(['backend', 'frontend', 'monitor', 'redis']);
    const vs = obj(`${folder}/ab-testing/virtualservice-route-ab-testing.yaml`);
    expect(vs.spec.http.map((r: any) => [r.match[0].uri.prefix, r.route.map((d: any) => `${d.destination.host}/${d.destination.subset ?? '-'}:${d.weight ?? 100}`)])).toEqual([
      // a tester picks a version by header or cookie (a canary at 0% is reachable so), before the splits
      ['/api/', ['backend/v2:100']],
      ['/api/', ['backend/v1:100']],
      ['/status', ['monitor/v2:100']],
      ['/status', ['monitor/v1:100']],
      ['/api/', ['backend/v1:50', 'backend/v2:50']],
      ['/status', ['monitor/v1:50', 'monitor/v2:50']],
      ['/app', ['frontend/-:100']],
    ]);
    for (const r of vs.spec.http.slice(0, 4)) {
      const v = r.route[0].destination.subset;
      expect(r.match.map((m: any) => m.headers)).toEqual([{ 'x-version': { exact: v } }, { cookie: { regex: `^(.*?;\\s*)?(version=${v})(;.*)?$` } }]);
    }
    expect(obj(`${folder}/ab-testing/peerauthentication-mtls.yaml`).spec.mtls.mode).toBe('STRICT');
    expect(obj(`${folder}/ab-testing/authorizationpolicy-deny-all.yaml`).spec).toEqual({ action: 'ALLOW' });
    const fe = obj(`${folder}/ab-testing/authorizationpolicy-read-write-frontend-to-backend.yaml`);
    expect(fe.spec.rules[0].from[0].source.principals).toEqual([`cluster.local/ns/${ns}/sa/frontend-sa`, `cluster.local/ns/istio-system/sa/istio-ingressgateway-${env}-service-account`]);
    // the seed's smoke test named namespace "demo": ours derives the real one
    const smoke = obj(`${folder}/ab-testing/authorizationpolicy-read-write-smoketest-to-backend.yaml`);
    expect(smoke.spec.rules[0].from[0].source.principals[0]).toBe(`cluster.local/ns/${ns}/sa/smoke-test-sa`);
    expect(obj(`${folder}/ab-testing/job-smoke-test.yaml`).metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(obj(`${folder}/ab-testing/namespace-${ns}.yaml`).metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
  });

  test('flask-app: port 5000, /healthz, /metrics, header and cookie routes before the weighted split', () => {
    const d = obj('dev/flask-app/deployment-flask-app-v1.yaml');
    const c = d.spec.template.spec.containers[0];
    expect(c.ports[0]).toEqual({ name: 'http', containerPort: 5000, protocol: 'TCP' });
    expect(c.readinessProbe.httpGet.path).toBe('/healthz');
    expect(d.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    const http = obj('prod/prod-eu/flask-app/virtualservice-flask-app.yaml').spec.http;
    expect(http.map((r: any) => r.name ?? 'default')).toEqual(['header-v2', 'header-v1', 'default']);
    expect(http[2].route.map((r: any) => r.weight)).toEqual([50, 50]);
    expect(obj('prod/prod-eu/flask-app/deployment-flask-app-v1.yaml').spec.replicas).toBeUndefined();
  });

  test.each([['dev', 'dev'], ['prod', 'prod/prod-eu'], ['prod', 'prod/prod-us']])('%s (%s) flask-app: a ServiceMonitor through Istio\'s merged metrics, the database password from an ExternalSecret', (env, folder) => {
    const sm = obj(`${folder}/flask-app/servicemonitor-flask-app.yaml`);
    expect(sm.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
    expect(sm.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/stats/prometheus', scheme: 'http', interval: '30s' }]);
    expect(obj(`${folder}/flask-app/service-flask-app-metrics.yaml`).spec.ports[0].targetPort).toBe(15020);
    const es = obj(`${folder}/flask-app/externalsecret-flask-app-database.yaml`);
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'platform-secrets' });
    expect(es.spec.data).toEqual([{ secretKey: 'DATABASE_PASSWORD', remoteRef: { key: `flask-app/${env}/database`, property: 'password' } }]);
    const env0 = obj(`${folder}/flask-app/deployment-flask-app-v1.yaml`).spec.template.spec.containers[0].env;
    expect(env0.find((e: any) => e.name === 'DATABASE_PASSWORD')).toEqual({ name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'flask-app-database', key: 'DATABASE_PASSWORD' } } });
    expect(manifests.some(m => m.object.kind === 'Secret')).toBe(false);
  });

  test('Argo CD: dev automated, prod manual, paths exist', () => {
    expect(obj('argocd/application-ab-testing-dev.yaml').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(obj('argocd/application-ab-testing-prod-eu.yaml').spec.syncPolicy.automated).toBeUndefined();
    expect(obj('argocd/application-ab-testing-prod-us.yaml').spec.syncPolicy.automated).toBeUndefined();
    for (const m of manifests.filter(x => x.object.kind === 'Application')) {
      expect(manifests.some(x => x.path.startsWith(`${m.object.spec.source.path}/`))).toBe(true);
    }
  });

  test('prod runs in two clusters: an Application per app and cluster with its destination, the project allows exactly those, per-cluster hosts and replicas', () => {
    const apps = manifests.filter(m => m.object.kind === 'Application' && m.path.startsWith('argocd/')).map(m => [m.object.metadata.name, m.object.spec.source.path, m.object.spec.destination]);
    expect(apps).toEqual([
      ['ab-testing-dev', 'dev/ab-testing', { server: 'https://kubernetes.default.svc', namespace: 'demo-dev' }],
      ['ab-testing-prod-eu', 'prod/prod-eu/ab-testing', { server: 'https://prod-eu.k8s.example.com', namespace: 'demo-prod' }],
      ['ab-testing-prod-us', 'prod/prod-us/ab-testing', { name: 'prod-us', namespace: 'demo-prod' }],
      ['flask-app-dev', 'dev/flask-app', { server: 'https://kubernetes.default.svc', namespace: 'flask-dev' }],
      ['flask-app-prod-eu', 'prod/prod-eu/flask-app', { server: 'https://prod-eu.k8s.example.com', namespace: 'flask-prod' }],
      ['flask-app-prod-us', 'prod/prod-us/flask-app', { name: 'prod-us', namespace: 'flask-prod' }],
    ]);
    expect(obj('argocd/application-flask-app-prod-us.yaml').metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'flask-app', 'cdk8s-gitops.io/environment': 'prod', 'cdk8s-gitops.io/cluster': 'prod-us' });
    expect(obj('argocd/appproject-flask-app.yaml').spec.destinations).toEqual([
      { namespace: 'flask-dev', server: 'https://kubernetes.default.svc' },
      { name: 'prod-us', namespace: 'flask-prod' },
      { namespace: 'flask-prod', server: 'https://prod-eu.k8s.example.com' },
    ]);
    expect(obj('prod/prod-eu/ab-testing/gateway-demo-app-gateway.yaml').spec.servers[0].hosts).toEqual(['demo.example.com', 'demo.eu.example.com']);
    expect(obj('prod/prod-us/flask-app/gateway-flask-gateway.yaml').spec.servers[0].hosts).toEqual(['flask.example.com', 'flask.us.example.com']);
    expect(obj('prod/prod-eu/ab-testing/deployment-frontend.yaml').spec.replicas).toBe(2);
    expect(obj('prod/prod-us/ab-testing/deployment-frontend.yaml').spec.replicas).toBe(3);
    // the release state stays per environment: no cluster entries until a change is staged in one
    expect(files.get('prod/release.yaml')).not.toContain('clusters');
  });

  test('every pod of the reference app passes Pod Security Standards "restricted"', () => {
    const pods = manifests.filter(m => m.object.spec?.template?.spec);
    expect(pods.length).toBeGreaterThan(10);
    for (const p of pods) expect([p.path, restrictedViolations(p.object.spec.template.spec)]).toEqual([p.path, []]);
  });

  test('release files carry the tags that run', () => {
    expect(files.get('dev/release.yaml')).toContain('v2: d1e6e9b5e0bdff11a489794ba11cd55e9f82c957');
    expect(files.get('dev/release.yaml')).not.toContain('redis');
    const pinned = createApp({ releases: { dev: { environment: 'dev', services: { backend: { v1: 'aaa', v2: 'bbb' } } } } });
    expect(pinned.files().get('dev/ab-testing/deployment-backend-v2.yaml')).toContain('image: ghcr.io/mcbtaguiad/istio-demo/backend:bbb');
  });

  test('snapshot: dev', () => {
    expect(byPath('dev/')).toMatchSnapshot();
  });

  test('snapshot: prod', () => {
    expect(byPath('prod/')).toMatchSnapshot();
  });

  test('snapshot: argocd and bootstrap', () => {
    expect({ ...byPath('argocd/'), ...byPath('bootstrap/') }).toMatchSnapshot();
  });
});
