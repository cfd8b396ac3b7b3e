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
