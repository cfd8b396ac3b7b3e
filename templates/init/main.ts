/**
 * The cdk8s-gitops program of this project: one web service in two versions with A/B routing
 * behind an Istio gateway, in two environments (dev and prod), and the Argo CD applications
 * that deploy it. `cdk8s-gitops` loads `createApp` (package.json: "cdk8s-gitops".app).
 *
 *   npm run synth        render every manifest into dist/ (`npx cdk8s synth` does the same)
 *   npm test             the snapshot test (main.test.ts)
 *   npm run typecheck    type-check (synth transpiles only)
 */
import {
  AppChart, Application, AppOfApps, AppProject, ArgoCdChart, DestinationRule, Environment, Gateway, GitOpsApp,
  GitOpsAppProps, HttpMatch, RouteTarget, VirtualService, WebService,
} from 'cdk8s-gitops';

/** The GitOps repository that Argo CD syncs (`cdk8s-gitops synth --gitops-dir` renders into a clone of it). */
export const REPO_URL = 'https://github.com/example-org/gitops.git';

/** The environments: where each runs, how many replicas, and how traffic splits between v1 and v2. */
export const ENVIRONMENTS: readonly Environment[] = [
  new Environment({ name: 'dev', hosts: ['web.dev.example.com'], replicas: 1, weights: { v1: 50, v2: 50 }, automatedSync: true }),
  new Environment({ name: 'prod', hosts: ['web.example.com'], replicas: 2, weights: { v1: 90, v2: 10 }, automatedSync: false }),
];

/** Build the app. `props.releases` (the GitOps repository's release files) pins the image tags. */
export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  const app = new GitOpsApp(props);
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: REPO_URL });
  const project = new AppProject(argocd, 'web-project', { name: 'web', description: 'The web service' });
  // each environment is built when a run needs it (`release` builds only the one it changes)
  for (const environment of ENVIRONMENTS) app.addEnvironment(environment, () => {
    const chart = new AppChart(app, `web-${environment.name}`, { environment, app: 'web' });
    const web = new WebService(chart, 'web', {
      name: 'web',
      image: 'ghcr.io/example-org/web',
      port: 8080,
      healthPath: '/healthz',
      versions: [
        { name: 'v1', tag: '1.0.0' },
        { name: 'v2', tag: '1.1.0' },
      ],
    });
    new DestinationRule(chart, 'destinationrule', { service: web });
    const gateway = new Gateway(chart, 'gateway', { name: 'web-gateway', hosts: environment.hosts });
    new VirtualService(chart, 'routes', {
      name: 'web',
      gateways: [gateway],
      // testers pick a version with a header; everyone else is split by the environment's weights
      routes: [
        { name: 'pick-v2', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(web, 'v2') },
        { name: 'pick-v1', match: [HttpMatch.headerExact('x-version', 'v1')], to: RouteTarget.version(web, 'v1') },
      ],
      defaultRoute: { to: RouteTarget.split(web) },
    });
    new Application(argocd, `web-${environment.name}`, { project, source: chart });
  });
  new AppOfApps(app, 'bootstrap', { argocd });
  return app;
}
