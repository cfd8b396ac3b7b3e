/**
 * A cdk8s-gitops program with an environment in two clusters, for the fleet tests, built from the
 * public constructs as a user would: dev runs in one cluster; prod in `prod-eu` (Argo CD
 * destination by server) and `prod-us` (by cluster name, 3 replicas). App `shop` has `api`
 * (v1, v2) and `web` (one tag) everywhere, and `canary` (one tag) in prod-eu only. One Argo CD
 * Application per app and cluster. `createApp` is what `--app` loads.
 */
import { AppChart, Application, AppProject, ArgoCdChart, Environment, EnvironmentProps, GitOpsApp, GitOpsAppProps, WebService } from '../../src';

/** Default tag of every service (version). */
export const FLEET_TAG = '1.0.0';

export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  return makeFleetApp(props, (chart, env) => {
    new WebService(chart, 'api', { name: 'api', image: 'registry.example/api', tag: FLEET_TAG, versions: [{ name: 'v1' }, { name: 'v2' }] });
    new WebService(chart, 'web', { name: 'web', image: 'registry.example/web', tag: FLEET_TAG });
    if (env.cluster?.name === 'prod-eu') new WebService(chart, 'canary', { name: 'canary', image: 'registry.example/canary', tag: FLEET_TAG });
  });
}

/**
 * The fleet's environments (dev; prod with `prod` over its defaults, in prod-eu and prod-us) with
 * an AppChart `shop` per environment and cluster, filled by `build`, and its Argo CD Application.
 */
export function makeFleetApp(props: GitOpsAppProps, build: (chart: AppChart, env: Environment) => void, prod: Partial<EnvironmentProps> = {}): GitOpsApp {
  const app = new GitOpsApp(props);
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/fleet.git' });
  const project = new AppProject(argocd, 'project', { name: 'shop' });
  const environments = [
    new Environment({ name: 'dev' }),
    new Environment({
      name: 'prod',
      replicas: 2,
      automatedSync: false,
      clusters: [
        { name: 'prod-eu', server: 'https://prod-eu.k8s.example.com', hosts: ['shop.eu.example.com'] },
        { name: 'prod-us', hosts: ['shop.us.example.com'], replicas: 3 },
      ],
      ...prod,
    }),
  ];
  for (const environment of environments) {
    app.addEnvironment(environment, env => {
      const chart = new AppChart(app, `shop-${env.cluster?.name ?? env.name}`, { environment: env, app: 'shop' });
      build(chart, env);
      new Application(argocd, chart.node.id, { project, source: chart });
    });
  }
  return app;
}
