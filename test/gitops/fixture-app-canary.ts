/**
 * A cdk8s-gitops program with routed versions, for the progressive-delivery tests: in dev and
 * prod, an AppChart `shop` (namespace `shop-<env>`) with
 *
 * - backend (v1, v2): header and cookie routes to each version, then the default split;
 * - monitor (v1, v2): a header route to v2, then the default split;
 * - legacy (v1, v2): a header route to v2, then a split with weights in code (80/20);
 * - stock (v1, v2): only the default split (no route reaches a version by header);
 * - frontend: no versions.
 *
 * prod's default weights are 90/10, dev splits equally. Images are `registry.example/NAME:TAG`,
 * tag `1.0.0` until the release state pins another. `createApp` is what `--app` loads.
 */
import { AppChart } from '../../src/model/app-chart';
import { Environment } from '../../src/model/environment';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { DestinationRule } from '../../src/mesh/destination-rule';
import { HttpMatch } from '../../src/mesh/http-match';
import { RouteTarget } from '../../src/mesh/route-target';
import { VirtualService } from '../../src/mesh/virtual-service';
import { WebService } from '../../src/service/web-service';

/** Default tag of every service (version). */
export const DEFAULT_TAG = '1.0.0';

/** More versioned services like monitor (a header route to v2, the default split): for the concurrency test. */
export function makeApp(props: GitOpsAppProps, extra: readonly string[] = []): GitOpsApp {
  const app = new GitOpsApp(props);
  for (const env of [new Environment({ name: 'dev' }), new Environment({ name: 'prod', replicas: 2, weights: { v1: 90, v2: 10 } })]) {
    app.addEnvironment(env, () => {
      addShop(new AppChart(app, `shop-${env.name}`, { environment: env, app: 'shop' }), ['monitor', ...extra]);
    });
  }
  return app;
}

/**
 * The services and routes of the shop (see the module doc) in `chart`: backend, legacy, stock,
 * frontend, and for each of `routed` a service like monitor (a header route to v2, then the default split).
 */
export function addShop(chart: AppChart, routed: readonly string[]): void {
  const service = (name: string, versioned = true) => new WebService(chart, name, {
    name,
    image: `registry.example/${name}`,
    tag: DEFAULT_TAG,
    port: 8080,
    healthPath: '/healthz',
    metrics: false,
    versions: versioned ? [{ name: 'v1' }, { name: 'v2' }] : undefined,
  });
  const backend = service('backend');
  new DestinationRule(chart, 'backend-dr', { service: backend });
  new VirtualService(chart, 'backend-routes', {
    name: 'backend',
    routes: [
      { name: 'to-v2', match: [HttpMatch.headerExact('x-version', 'v2'), HttpMatch.cookie('version', 'v2')], to: RouteTarget.version(backend, 'v2') },
      { name: 'to-v1', match: [HttpMatch.headerExact('x-version', 'v1'), HttpMatch.cookie('version', 'v1')], to: RouteTarget.version(backend, 'v1') },
    ],
    defaultRoute: { to: RouteTarget.split(backend) },
  });
  const legacy = service('legacy');
  new DestinationRule(chart, 'legacy-dr', { service: legacy });
  new VirtualService(chart, 'legacy-routes', {
    name: 'legacy',
    routes: [{ name: 'to-v2', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(legacy, 'v2') }],
    defaultRoute: { to: RouteTarget.split(legacy, { v1: 80, v2: 20 }) },
  });
  for (const name of routed) {
    const svc = service(name);
    new DestinationRule(chart, `${name}-dr`, { service: svc });
    new VirtualService(chart, `${name}-routes`, {
      name,
      routes: [{ name: 'to-v2', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(svc, 'v2') }],
      defaultRoute: { to: RouteTarget.split(svc) },
    });
  }
  const stock = service('stock');
  new DestinationRule(chart, 'stock-dr', { service: stock });
  new VirtualService(chart, 'stock-routes', { name: 'stock', defaultRoute: { to: RouteTarget.split(stock) } });
  service('frontend', false);
}

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps): GitOpsApp {
  return makeApp(props);
}
