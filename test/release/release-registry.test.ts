/**
 * The release state's traffic splits: routes that use a service's default split take the split
 * the release state pins (the app's, fixed when it is made), routes with weights in code keep theirs, and the environment's release file holds only the splits a route applies.
 */
import { AppChart } from '../../src/model/app-chart';
import { Environment } from '../../src/model/environment';
import { GitOpsApp } from '../../src/app/gitops-app';
import { DestinationRule } from '../../src/mesh/destination-rule';
import { HttpMatch } from '../../src/mesh/http-match';
import { MeshService } from '../../src/mesh/mesh-service';
import { RouteTarget } from '../../src/mesh/route-target';
import { VirtualService } from '../../src/mesh/virtual-service';
import { ReleaseState, renderRelease } from '../../src/release/release';
import { RELEASE_REGISTRY, ReleaseBindingOptions, ReleaseRegistry } from '../../src/release/release-registry';
import { App, Chart } from 'cdk8s';
import { WebService } from '../../src/service/web-service';
import { find, testChart } from '../util';

const state = (weights?: ReleaseState['weights']): Record<string, ReleaseState> => ({
  dev: { environment: 'dev', services: { api: { v1: '1.0.0', v2: '2.0.0' }, legacy: { v1: '1.0.0', v2: '2.0.0' }, web: '1.0.0' }, ...(weights ? { weights } : {}) },
});

/** api: a header route to v2 and the default split; legacy: weights in code; web: no versions. */
function shop(releases: Record<string, ReleaseState> = state(), env: { weights?: Record<string, number> } = {}) {
  const t = testChart(env, {}, { releases });
  const versions = [{ name: 'v1' }, { name: 'v2' }];
  const api = new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api', tag: '0.1.0', versions });
  const legacy = new WebService(t.chart, 'legacy', { name: 'legacy', image: 'ghcr.io/org/legacy', tag: '0.1.0', versions });
  new WebService(t.chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '0.1.0' });
  for (const svc of [api, legacy]) new DestinationRule(t.chart, `${svc.name}-dr`, { service: svc });
  new VirtualService(t.chart, 'api-routes', {
    name: 'api',
    routes: [{ name: 'canary', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(api, 'v2') }],
    defaultRoute: { to: RouteTarget.split(api) },
  });
  new VirtualService(t.chart, 'legacy-routes', { name: 'legacy', defaultRoute: { to: RouteTarget.split(legacy, { v1: 80, v2: 20 }) } });
  return t;
}

const weightsOf = (app: ReturnType<typeof shop>['app'], vs: string) => find(app, 'VirtualService', vs).spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight]);

describe('pinned splits', () => {
  test('a default split takes the pinned split; a split with weights in code keeps them', () => {
    const { app } = shop(state({ api: { v1: 90, v2: 10 } }));
    expect(weightsOf(app, 'api')).toEqual([['v1', 90], ['v2', 10]]);
    expect(weightsOf(app, 'legacy')).toEqual([['v1', 80], ['v2', 20]]);
    expect(app.releases.weightsOf('dev', 'api')).toEqual({ v1: 90, v2: 10 });
    expect(app.releases.weightsOf('dev', 'legacy')).toBeUndefined();
    expect(app.releaseState('dev').weights).toEqual({ api: { v1: 90, v2: 10 } });
  });

  test('without a pinned split the code decides as before: the environment\'s weights, else an equal split; the release file has no weights', () => {
    const equal = shop().app;
    expect(weightsOf(equal, 'api')).toEqual([['v1', 50], ['v2', 50]]);
    expect(equal.releaseState('dev')).not.toHaveProperty('weights');
    expect(renderRelease(equal.releaseState('dev'))).not.toContain('weights');
    expect(weightsOf(shop(undefined, { weights: { v1: 70, v2: 30 } }).app, 'api')).toEqual([['v1', 70], ['v2', 30]]);
    // the pinned split wins over the environment's weights
    expect(weightsOf(shop(state({ api: { v1: 100, v2: 0 } }), { weights: { v1: 70, v2: 30 } }).app, 'api')).toEqual([['v1', 100], ['v2', 0]]);
  });

  test('each app takes the split of the release state it is made with; another state is another app', () => {
    const { app } = shop(state({ api: { v1: 100, v2: 0 } }));
    expect(weightsOf(app, 'api')).toEqual([['v1', 100], ['v2', 0]]);
    expect(weightsOf(shop(state({ api: { v1: 50, v2: 50 } })).app, 'api')).toEqual([['v1', 50], ['v2', 50]]);
    const unpinned = shop(state()).app;
    expect(weightsOf(unpinned, 'api')).toEqual([['v1', 50], ['v2', 50]]);
    expect(unpinned.releaseState('dev')).not.toHaveProperty('weights');
    expect(weightsOf(app, 'api')).toEqual([['v1', 100], ['v2', 0]]);
  });

  test('the release file keeps only splits a route applies: of a routed default split, naming versions the service has', () => {
    const { app } = shop(state({ api: { v1: 90, v2: 10 }, legacy: { v1: 50, v2: 50 } }));
    expect(app.releaseState('dev').weights).toEqual({ api: { v1: 90, v2: 10 } });
    expect(app.releases._splitOf('dev', 'api')).toEqual({ service: 'api', namespace: 'shop-dev', paths: ['shop-dev/api-routes/defaultRoute.to'] });
    expect(app.releases._splitOf('dev', 'legacy')).toBeUndefined();
    expect(app.releases._splitOf('prod', 'api')).toBeUndefined();
  });

  test('a pinned split naming a version the service lacks fails where the route renders, naming the construct and the release state', () => {
    const { app } = shop(state({ api: { v1: 90, v3: 10 } }));
    expect(app.releaseState('dev')).not.toHaveProperty('weights');
    expect(() => app.manifests()).toThrow(/\[shop-dev\/api-routes\] release state weights\.api\.v3: "v3" is not a version of service "api"/);
  });

  test('routes splitting services of one name in two namespaces are refused: the release state keys splits by service name', () => {
    const { app, chart } = shop();
    const other = MeshService.fromAttributes({ name: 'api', namespace: 'elsewhere', port: 80, versions: ['v1', 'v2'] });
    new DestinationRule(chart, 'other-dr', { service: other });
    expect(() => new VirtualService(chart, 'other-routes', { name: 'other', hosts: ['other'], defaultRoute: { to: RouteTarget.split(other) } }))
      .toThrow(/is already split by shop-dev\/api-routes\/defaultRoute.to as the service of namespace "shop-dev"/);
    expect(app.releases._splitOf('dev', 'api')!.namespace).toBe('shop-dev');
  });
});

describe('pinned splits per cluster', () => {
  /** prod in clusters eu, us and ap: api (v1, v2) split by its default split in each; stock (v1, v2) in eu only. */
  function fleet(prod: Omit<ReleaseState, 'environment' | 'services'> = {}) {
    const releases = { prod: { environment: 'prod', services: { api: { v1: '1.0.0', v2: '2.0.0' }, stock: { v1: '1.0.0', v2: '2.0.0' } }, ...prod } };
    const app = new GitOpsApp({ releases });
    app.addEnvironment(new Environment({ name: 'prod', clusters: [{ name: 'eu' }, { name: 'us' }, { name: 'ap' }] }), env => {
      const chart = new AppChart(app, `shop-${env.cluster!.name}`, { environment: env, app: 'shop' });
      const versions = [{ name: 'v1' }, { name: 'v2' }];
      const services = [new WebService(chart, 'api', { name: 'api', image: 'ghcr.io/org/api', tag: '0.1.0', versions })];
      if (env.cluster!.name === 'eu') services.push(new WebService(chart, 'stock', { name: 'stock', image: 'ghcr.io/org/stock', tag: '0.1.0', versions }));
      for (const svc of services) {
        new DestinationRule(chart, `${svc.name}-dr`, { service: svc });
        new VirtualService(chart, `${svc.name}-routes`, {
          name: svc.name,
          routes: [{ name: 'canary', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(svc, 'v2') }],
          defaultRoute: { to: RouteTarget.split(svc) },
        });
      }
    });
    return app;
  }
  /** The weights of the default route of `vs` in `cluster`, as rendered. */
  const rendered = (app: GitOpsApp, cluster: string, vs = 'api') => app.manifests()
    .filter(m => m.path.startsWith(`prod/${cluster}/`) && m.object.kind === 'VirtualService' && m.object.metadata.name === vs)
    .map(m => m.object.spec.http.at(-1).route.map((r: any) => `${r.destination.subset}=${r.weight}`).join(' '));

  test('a route of a cluster takes the cluster\'s pinned split, else the environment\'s, else the code\'s', () => {
    const app = fleet({ weights: { api: { v1: 90, v2: 10 } }, clusters: { eu: { weights: { api: { v1: 50, v2: 50 } } }, us: { weights: { api: { v1: 100, v2: 0 } } } } });
    expect([rendered(app, 'eu'), rendered(app, 'us'), rendered(app, 'ap')]).toEqual([['v1=50 v2=50'], ['v1=100 v2=0'], ['v1=90 v2=10']]);
    expect(app.releases.weightsOf('prod', 'api', 'eu')).toEqual({ v1: 50, v2: 50 });
    expect(app.releases.weightsOf('prod', 'api', 'ap')).toEqual({ v1: 90, v2: 10 });
    expect(app.releases.weightsOf('prod', 'api')).toEqual({ v1: 90, v2: 10 });
    expect(app.releases._releaseOf('prod', ['us']).runs('us').weights).toEqual({ api: { v1: 100, v2: 0 } });
    // another state, another app: without any pinned split the code decides (an equal split)
    const other = fleet({ clusters: { us: { weights: { api: { v1: 70, v2: 30 } } } } });
    expect([rendered(other, 'eu'), rendered(other, 'us'), rendered(other, 'ap')]).toEqual([['v1=50 v2=50'], ['v1=70 v2=30'], ['v1=50 v2=50']]);
    expect(other.releases._releaseOf('prod', ['eu']).runs('eu').weights).toEqual({});
  });

  test('the release state normalizes like the tags: a split every cluster takes is the environment\'s, a cluster entry equal to it disappears', () => {
    const app = fleet({ weights: { api: { v1: 90, v2: 10 } }, clusters: { eu: { weights: { api: { v1: 90, v2: 10 } } } } });
    app._build(['prod']);
    expect(app.releaseState('prod')).toEqual({ environment: 'prod', services: expect.anything(), weights: { api: { v1: 90, v2: 10 } } });
    // every cluster pins the same split: it becomes the environment's
    const same = { weights: { api: { v1: 80, v2: 20 } } };
    const all = fleet({ clusters: { eu: same, us: same, ap: same } });
    expect(all.releaseState('prod')).toMatchObject({ weights: { api: { v1: 80, v2: 20 } } });
    expect(all.releaseState('prod')).not.toHaveProperty('clusters');
    // a split only eu takes (stock runs there only) is the environment's
    const eu = fleet({ clusters: { eu: { weights: { stock: { v1: 0, v2: 100 } } } } });
    expect(eu.releaseState('prod').weights).toEqual({ stock: { v1: 0, v2: 100 } });
    expect(rendered(eu, 'eu', 'stock')).toEqual(['v1=0 v2=100']);
  });

  test('clusters that differ: none pinned in the environment when a cluster takes the code\'s split, else the environment\'s', () => {
    const app = fleet({ clusters: { eu: { weights: { api: { v1: 100, v2: 0 } } } } });
    app._build(['prod']);
    expect(app.releaseState('prod')).toEqual({
      environment: 'prod', services: { api: { v1: '1.0.0', v2: '2.0.0' }, stock: { v1: '1.0.0', v2: '2.0.0' } },
      clusters: { eu: { weights: { api: { v1: 100, v2: 0 } } } },
    });
    // every cluster pins a split, two of them the environment's
    expect(fleet({ weights: { api: { v1: 90, v2: 10 } }, clusters: { us: { weights: { api: { v1: 50, v2: 50 } } } } }).releaseState('prod')).toMatchObject({ weights: { api: { v1: 90, v2: 10 } }, clusters: { us: { weights: { api: { v1: 50, v2: 50 } } } } });
  });

  test('the split bindings name the routes of one cluster, or of every cluster', () => {
    const app = fleet();
    app._build(['prod']);
    expect(app.releases._splitOf('prod', 'api', 'us')).toEqual({ service: 'api', namespace: 'shop-prod', paths: ['shop-us/api-routes/defaultRoute.to'] });
    expect(app.releases._splitOf('prod', 'api')!.paths).toEqual(['shop-ap/api-routes/defaultRoute.to', 'shop-eu/api-routes/defaultRoute.to', 'shop-us/api-routes/defaultRoute.to']);
    expect(app.releases._splitOf('prod', 'stock', 'us')).toBeUndefined();
  });
});

describe('the registry: bindings of images and splits, and what they run', () => {
  const prod = (extra: Partial<ReleaseState> = {}): Record<string, ReleaseState> => ({ prod: { environment: 'prod', services: {}, ...extra } });
  const image = (r: ReleaseRegistry, o: Omit<ReleaseBindingOptions, 'render' | 'environment'> & { environment?: string }) => r.bind({ environment: 'prod', render: (tag, released) => `img:${tag ?? 'none'}${released ? ' (released)' : ''}`, ...o });

  test('a bound image runs the released tag, else its fallback; render learns which; an image without either has no tag', () => {
    const r = new ReleaseRegistry(prod({ services: { web: '2' } }));
    expect(image(r, { service: 'web', fallback: '1' })).toEqual({ ref: 'img:2 (released)', tag: '2' });
    expect(image(r, { service: 'api', fallback: '1' })).toEqual({ ref: 'img:1', tag: '1' });
    const none = image(r, { service: 'redis' });
    expect(none).toEqual({ ref: 'img:none' });
    expect(Object.keys(none)).toEqual(['ref']);
    expect(r._releaseOf('prod').runs().services).toEqual({ api: '1', web: '2' });
    expect(r.environments).toEqual(['prod']);
  });

  test('one owner per released service name and environment: versions of one construct share it; the error names both', () => {
    const r = new ReleaseRegistry();
    image(r, { service: 'api', version: 'v1', path: 'shop/api', fallback: '1' });
    image(r, { service: 'api', version: 'v2', path: 'shop/api', fallback: '1' });
    expect(() => image(r, { service: 'api', path: 'blog/api', fallback: '1' }))
      .toThrow('[blog/api] name: "api" is already a released service of environment "prod" (shop/api): the release state is keyed by service name per environment, so released services need unique names there');
    // without paths: the service is named, and the other is "another construct"
    image(r, { service: 'job', fallback: '1' });
    expect(() => image(r, { service: 'job', path: 'x/job', fallback: '1' })).toThrow('(another construct)');
    const two = new ReleaseRegistry();
    image(two, { service: 'db', path: 'a/db', fallback: '1' });
    expect(() => image(two, { service: 'db', fallback: '1' })).toThrow(/^\[db\] name: "db" is already a released service of environment "prod" \(a\/db\)/);
    // other names, other environments, other clusters and images without a tag are no conflict
    image(r, { service: 'web', path: 'blog/web', fallback: '1' });
    image(r, { service: 'api', path: 'blog/api', fallback: '1', environment: 'dev' });
    image(r, { service: 'api', path: 'blog/api', fallback: '1', cluster: 'eu' });
    image(r, { service: 'redis', path: 'shop/redis' });
    image(r, { service: 'redis', path: 'blog/redis' });
    expect(r.environments).toEqual(['dev', 'prod']);
  });

  test('environments are those with a bound tag, sorted', () => {
    const r = new ReleaseRegistry();
    image(r, { service: 'web', fallback: '1', environment: 'stage' });
    image(r, { service: 'redis', environment: 'alpha' });
    image(r, { service: 'web', fallback: '1', environment: 'dev' });
    expect(r.environments).toEqual(['dev', 'stage']);
  });

  test('split bindings: the routes of a service in order, each once; per cluster, and of every cluster sorted by cluster', () => {
    const r = new ReleaseRegistry();
    const split = (path: string, cluster?: string, service = 'api') => r.bindSplit({ environment: 'prod', service, namespace: 'shop', path, ...(cluster ? { cluster } : {}) });
    split('b/route');
    split('a/route');
    split('b/route');
    expect(r._splitOf('prod', 'api')).toEqual({ service: 'api', namespace: 'shop', paths: ['b/route', 'a/route'] });
    expect(r._splitOf('prod', 'web')).toBeUndefined();
    expect(r._splitOf('dev', 'api')).toBeUndefined();
    const c = new ReleaseRegistry();
    for (const cluster of ['us', 'eu', 'ap']) c.bindSplit({ environment: 'prod', cluster, service: 'api', namespace: 'shop', path: `${cluster}/route` });
    c.bindSplit({ environment: 'prod', cluster: 'eu', service: 'web', namespace: 'shop', path: 'eu/web' });
    expect(c._splitOf('prod', 'api')!.paths).toEqual(['ap/route', 'eu/route', 'us/route']);
    expect(c._splitOf('prod', 'api', 'us')).toEqual({ service: 'api', namespace: 'shop', paths: ['us/route'] });
    expect(c._splitOf('prod', 'web', 'us')).toBeUndefined();
    expect(c._splitOf('prod', 'api', 'asia')).toBeUndefined();
    // a second namespace for the name is refused, naming the first route
    expect(() => c.bindSplit({ environment: 'prod', cluster: 'us', service: 'api', namespace: 'other', path: 'us/other' }))
      .toThrow('[us/other] service: "api (namespace other)" is already split by us/route as the service of namespace "shop" in environment "prod"');
  });

  test('an environment with clusters: each cluster runs what is bound there; the environment the tag they agree on, else the stored one, else the first cluster\'s', () => {
    const r = new ReleaseRegistry(prod({ services: { db: '5' }, clusters: { eu: { services: { db: '6' } }, us: { services: { db: '7' } } } }));
    // bound in us first: the first cluster is eu by name
    for (const [cluster, tag] of [['us', '2'], ['eu', '1']]) {
      image(r, { service: 'web', cluster, path: `${cluster}/web`, fallback: tag });
      image(r, { service: 'db', cluster, path: `${cluster}/db`, fallback: tag });
      image(r, { service: 'api', version: 'v1', cluster, path: `${cluster}/api`, fallback: '9' });
      image(r, { service: 'redis', cluster, path: `${cluster}/redis` });
    }
    image(r, { service: 'job', cluster: 'ap', path: 'ap/job', fallback: '3' });
    const release = r._releaseOf('prod', ['asia']);
    expect(release.clusters).toEqual(['ap', 'asia', 'eu', 'us']);
    expect(release.runs('asia').services).toEqual({});
    expect(release.runs('ap').services).toEqual({ job: '3' });
    expect(release.runs('us').services).toEqual({ api: { v1: '9' }, db: '7', web: '2' });
    expect(release.toFile()).toEqual({
      environment: 'prod',
      services: { api: { v1: '9' }, db: '5', job: '3', web: '1' },
      clusters: { eu: { services: { db: '6' } }, us: { services: { db: '7', web: '2' } } },
    });
    expect(Object.keys(release.runs('us').services)).toEqual(['api', 'db', 'web']);
    // an environment without clusters: what is bound there
    image(r, { service: 'web', environment: 'dev', fallback: '4' });
    expect(r._releaseOf('dev').clusters).toEqual([]);
    expect(r._releaseOf('dev').runs().services).toEqual({ web: '4' });
    expect(r._releaseOf('stage').toFile()).toEqual({ environment: 'stage', services: {} });
  });

  test('the clusters of a release: those asked for and those with a bound tag, of this environment only', () => {
    const r = new ReleaseRegistry();
    image(r, { service: 'web', cluster: 'eu', path: 'eu/web', fallback: '1' });
    image(r, { service: 'redis', cluster: 'zz', path: 'zz/redis' });
    image(r, { service: 'web', cluster: 'dc', path: 'dc/web', fallback: '1', environment: 'dev' });
    expect(r._releaseOf('prod').clusters).toEqual(['eu']);
    expect(r._releaseOf('prod', ['us']).clusters).toEqual(['eu', 'us']);
    expect(r._releaseOf('dev').clusters).toEqual(['dc']);
  });

  test('of: the registry of the GitOpsApp a construct belongs to (found by its symbol, any copy that binds); none in a plain cdk8s App', () => {
    const app = new GitOpsApp();
    const chart = new Chart(app, 'c');
    expect(ReleaseRegistry.of(chart)).toBe(app.releases);
    const plain = new App();
    expect(ReleaseRegistry.of(new Chart(plain, 'c'))).toBeUndefined();
    const copy = { bind: () => ({ ref: 'x' }) };
    (plain as unknown as Record<symbol, unknown>)[RELEASE_REGISTRY] = copy;
    expect(ReleaseRegistry.of(new Chart(plain, 'd'))).toBe(copy);
    (plain as unknown as Record<symbol, unknown>)[RELEASE_REGISTRY] = { bind: 'not a function' };
    expect(ReleaseRegistry.of(new Chart(plain, 'e'))).toBeUndefined();
  });
});
