/**
 * A cdk8s-gitops program with routed versions in an environment of two clusters, for the tests
 * of progressive delivery cluster by cluster: dev runs in one cluster; prod in `prod-eu` and
 * `prod-us`. In each, an AppChart `shop` (namespace `shop-<env>`) with
 *
 * - backend (v1, v2): header and cookie routes to each version, then the default split;
 * - legacy (v1, v2): a header route to v2, then a split with weights in code (80/20);
 * - search (v1, v2): a header route to v2, then the default split, in prod-eu only;
 * - frontend: no versions.
 *
 * prod's default weights are 90/10, dev splits equally. Images are `registry.example/NAME:TAG`,
 * tag `1.0.0` until the release state pins another. `createApp` is what `--app` loads.
 */
import { AppChart, Application, AppProject, ArgoCdChart, DestinationRule, Environment, GitOpsApp, GitOpsAppProps, HttpMatch, RouteTarget, VirtualService, WebService } from '../../src';

/** Default tag of every service (version). */
export const DEFAULT_TAG = '1.0.0';

export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  const app = new GitOpsApp(props);
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/shop.git' });
  const project = new AppProject(argocd, 'project', { name: 'shop' });
  const environments = [
    new Environment({ name: 'dev' }),
    new Environment({
      name: 'prod',
      replicas: 2,
      weights: { v1: 90, v2: 10 },
      clusters: [
        { name: 'prod-eu', server: 'https://prod-eu.k8s.example.com' },
        { name: 'prod-us' },
      ],
    }),
  ];
  for (const environment of environments) {
    app.addEnvironment(environment, env => {
      const chart = new AppChart(app, `shop-${env.cluster?.name ?? env.name}`, { environment: env, app: 'shop' });
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
      if (env.cluster?.name === 'prod-eu') {
        const search = service('search');
        new DestinationRule(chart, 'search-dr', { service: search });
        new VirtualService(chart, 'search-routes', {
          name: 'search',
          routes: [{ name: 'to-v2', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(search, 'v2') }],
          defaultRoute: { to: RouteTarget.split(search) },
        });
      }
      service('frontend', false);
      new Application(argocd, chart.node.id, { project, source: chart });
    });
  }
  return app;
}
