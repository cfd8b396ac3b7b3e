/**
 * Clusters of an environment: the cluster-scoped views builders get, the folders of their charts,
 * their Argo CD destinations, and the release state they bind to (per cluster, normalized).
 */
import { AppChart, Cluster, Environment, GitOpsApp, WebService } from '../../src';
import { ReleaseRegistry } from '../../src/release/release-registry';

const PROD = {
  name: 'prod',
  replicas: 2,
  hosts: ['shop.example.com'],
  gatewaySelector: { istio: 'ingressgateway-prod' },
  clusters: [
    { name: 'prod-eu', server: 'https://prod-eu.k8s.example.com', hosts: ['shop.eu.example.com'], gatewayServiceAccount: 'eu-gateway' },
    { name: 'prod-us', replicas: 3, resources: { cpu: { request: '300m', limit: '2' } }, gatewaySelector: { istio: 'ingressgateway-us' } },
    { name: 'prod-ap', destinationName: 'asia-pacific-1' },
  ],
};

describe('Environment clusters', () => {
  test('each cluster has a view of the environment: its overrides applied, the rest the environment\'s', () => {
    const env = new Environment(PROD);
    expect(env.clusters.map(c => c.name)).toEqual(['prod-eu', 'prod-us', 'prod-ap']);
    expect(env.cluster).toBeUndefined();
    expect(env.folder).toBe('prod');
    const [eu, us, ap] = env.clusters;
    expect(eu).toBeInstanceOf(Cluster);
    expect([eu.environment.name, eu.environment.folder, eu.folder, eu.environment.cluster]).toEqual(['prod', 'prod/prod-eu', 'prod/prod-eu', eu]);
    expect(eu.environment.hosts).toEqual(['shop.eu.example.com']);
    expect(eu.environment.replicas).toBe(2);
    expect(eu.environment.gatewayPrincipal).toBe('cluster.local/ns/istio-system/sa/eu-gateway');
    expect(us.environment.hosts).toEqual(['shop.example.com']);
    expect(us.environment.replicas).toBe(3);
    expect(us.environment.resources).toEqual({ cpu: { request: '300m', limit: '2' } });
    expect(us.environment.gatewaySelector).toEqual({ istio: 'ingressgateway-us' });
    expect(ap.environment.gatewaySelector).toEqual({ istio: 'ingressgateway-prod' });
    // a view has no clusters of its own; the namespace stays per app and environment
    expect(eu.environment.clusters).toEqual([]);
    expect(us.environment.namespaceOf('shop')).toBe('shop-prod');
  });

  test('the Argo CD destination: a server, a name, or by default the cluster\'s name', () => {
    const [eu, us, ap] = new Environment(PROD).clusters;
    expect([eu.destination, us.destination, ap.destination]).toEqual([{ server: 'https://prod-eu.k8s.example.com' }, { name: 'prod-us' }, { name: 'asia-pacific-1' }]);
    expect([eu.server, eu.destinationName, us.server, us.destinationName]).toEqual(['https://prod-eu.k8s.example.com', undefined, undefined, 'prod-us']);
  });

  test('the clusters getter returns a copy', () => {
    const env = new Environment(PROD);
    env.clusters.pop();
    expect(env.clusters).toHaveLength(3);
  });

  test.each<[any, string]>([
    [[{ name: 'EU' }], '[environments/prod/clusters[0]] name: "EU" is not a DNS-1123 label'],
    [[{ name: 'eu' }, { name: 'eu' }], '[environments/prod/clusters[1]] name: "eu" is already a cluster of environment "prod": cluster names are unique in an environment'],
    [[{ name: 'eu', server: 'https://eu', destinationName: 'eu' }], '[environments/prod/clusters/eu] server: "https://eu" and destinationName "eu" are both set: an Argo CD destination is a server or a cluster name, give one'],
    [[{ name: 'eu', server: 'http://eu.example.com' }], '[environments/prod/clusters/eu] server: "http://eu.example.com" must be the https:// URL of the cluster\'s API server'],
    [[{ name: 'eu', server: 'https://*.example.com' }], 'without spaces or glob characters'],
    // Argo CD's destination globs also know ? [...] {a,b} and \: any of them would widen or break the AppProject's entry
    ...['https://eu.example.com/k8s?x', 'https://eu[1].example.com', 'https://{eu,us}.example.com', 'https://eu\\.example.com'].map(server =>
      [[{ name: 'eu', server }], `server: ${JSON.stringify(server)} must be the https:// URL of the cluster's API server, without spaces or glob characters`] as [any, string]),
    [[{ name: 'eu', destinationName: 'eu *' }], '[environments/prod/clusters/eu] destinationName: "eu *" must be the name of a cluster registered in Argo CD'],
    [[{ name: 'eu', hosts: [] }], '[environments/prod/clusters/eu] hosts: [] must list at least one host'],
    [[{ name: 'eu', hosts: ['not a host'] }], '[environments/prod/clusters/eu] hosts[0]: "not a host" is not a valid host'],
    [[{ name: 'eu', replicas: -1 }], '[environments/prod/clusters/eu] replicas: -1 must be an integer >= 0'],
  ])('bad cluster %#', (clusters, message) => {
    expect(() => new Environment({ name: 'prod', clusters })).toThrow(message);
  });
});

describe('charts and builders of a multi-cluster environment', () => {
  test('the builder runs once per cluster with its view; charts write <env>/<cluster>/<app>', () => {
    const app = new GitOpsApp();
    const seen: string[] = [];
    const env = new Environment(PROD);
    app.addEnvironment(env, view => {
      seen.push(view.folder);
      new AppChart(app, `shop-${view.cluster!.name}`, { environment: view, app: 'shop' });
    });
    app.addEnvironment(new Environment({ name: 'dev' }), view => {
      seen.push(view.folder);
      new AppChart(app, 'shop-dev', { environment: view, app: 'shop' });
    });
    app._build();
    expect(seen).toEqual(['prod/prod-eu', 'prod/prod-us', 'prod/prod-ap', 'dev']);
    expect([...new Set(app.manifests().map(m => m.path.split('/').slice(0, -1).join('/')))].sort())
      .toEqual(['dev/shop', 'prod/prod-ap/shop', 'prod/prod-eu/shop', 'prod/prod-us/shop']);
  });

  test('a chart needs one cluster\'s view; a view is not registered as an environment', () => {
    const app = new GitOpsApp();
    const env = new Environment(PROD);
    expect(() => new AppChart(app, 'shop', { environment: env, app: 'shop' }))
      .toThrow('[shop] environment: "prod" runs in clusters prod-eu, prod-us, prod-ap: build the chart with one cluster\'s view of it');
    expect(() => app.addEnvironment(env.clusters[0].environment, () => undefined))
      .toThrow('[GitOpsApp] addEnvironment: "prod/prod-eu" is the view of cluster "prod-eu": register the environment itself');
  });

  test('workloads take the cluster\'s overrides', () => {
    const app = new GitOpsApp();
    app.addEnvironment(new Environment(PROD), view => {
      const chart = new AppChart(app, `shop-${view.cluster!.name}`, { environment: view, app: 'shop' });
      new WebService(chart, 'web', { name: 'web', image: 'registry.example/web', tag: '1.0.0' });
    });
    const replicas = Object.fromEntries(app.manifests().filter(m => m.object.kind === 'Deployment').map(m => [m.path, m.object.spec.replicas]));
    expect(replicas).toEqual({ 'prod/prod-ap/shop/deployment-web.yaml': 2, 'prod/prod-eu/shop/deployment-web.yaml': 2, 'prod/prod-us/shop/deployment-web.yaml': 3 });
  });
});

describe('release state per cluster', () => {
  /** A registry with `web` (one tag) and `api` (v1, v2) bound in clusters eu and us of prod, fallback `1`. */
  function registry(states = {}) {
    const r = new ReleaseRegistry(states);
    const bound: Record<string, { ref: string; tag?: string }> = {};
    for (const cluster of ['eu', 'us']) {
      for (const [service, version] of [['web', undefined], ['api', 'v1'], ['api', 'v2']] as const) {
        bound[`${cluster}/${service}${version ? `/${version}` : ''}`] = r.bind({ environment: 'prod', cluster, service, version, path: `${cluster}/${service}`, fallback: '1', render: tag => `img:${tag}` });
      }
    }
    return { r, bound };
  }

  test('a cluster runs its entry, else the environment\'s tag; the same service in two clusters is no conflict', () => {
    const { r, bound } = registry({ prod: { environment: 'prod', services: { web: '2', api: { v1: '1', v2: '2' } }, clusters: { eu: { services: { web: '3', api: { v2: '3' } } } } } });
    expect(bound['eu/web'].ref).toBe('img:3');
    expect(bound['us/web'].ref).toBe('img:2');
    expect([bound['eu/api/v1'].tag, bound['eu/api/v2'].tag, bound['us/api/v2'].tag]).toEqual(['1', '3', '2']);
    expect(r._releaseOf('prod', ['eu']).runs('eu').services).toEqual({ api: { v1: '1', v2: '3' }, web: '3' });
    expect(r._releaseOf('prod', ['us']).runs('us').services).toEqual({ api: { v1: '1', v2: '2' }, web: '2' });
    expect(r._releaseOf('prod').toFile()).toEqual({
      environment: 'prod',
      services: { api: { v1: '1', v2: '2' }, web: '2' },
      clusters: { eu: { services: { api: { v2: '3' }, web: '3' } } },
    });
  });

  test('the release state normalizes: what every cluster runs is the environment\'s tag, and only what differs is a cluster entry', () => {
    // every cluster has an entry with the same tag: it becomes the environment's
    const { r } = registry({ prod: { environment: 'prod', services: { web: '2' }, clusters: { eu: { services: { web: '5' } }, us: { services: { web: '5' } } } } });
    expect(r._releaseOf('prod').toFile()).toEqual({ environment: 'prod', services: { api: { v1: '1', v2: '1' }, web: '5' } });
    // clusters that differ and no environment tag: the first cluster's is the environment's
    expect(registry({ prod: { environment: 'prod', services: {}, clusters: { eu: { services: { web: '7' } }, us: { services: { web: '8' } } } } }).r._releaseOf('prod').toFile()).toEqual({ environment: 'prod', services: { api: { v1: '1', v2: '1' }, web: '7' }, clusters: { us: { services: { web: '8' } } } });
  });
});
