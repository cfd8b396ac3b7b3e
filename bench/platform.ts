/**
 * A generated platform for benchmarks: N services in E environments, built only from the public
 * constructs, the way a platform team's program would be.
 *
 * - services are grouped by team (10 per team); each team is one application: one AppChart per
 *   environment (folder `<env>/<team>`, its own namespace), with STRICT mTLS, a namespace
 *   default-deny, and one ingress Gateway;
 * - each service has versions v1 and v2 (config per version), a DestinationRule (subsets from
 *   the versions), a VirtualService with a header route (`x-version: v2`) and a weighted
 *   default split, and an AuthorizationPolicy allowing the ingress gateway and its callers
 *   (the previous service of its team, and the same-position service of the previous team);
 * - Argo CD: one AppProject per team, one Application per team and environment (and cluster),
 *   the app-of-apps root;
 * - with `clusters` N > 1, prod runs in N clusters (`prod-1` ... `prod-N`, Argo CD destinations by
 *   server; the last one with a replica more): every prod chart is built once per cluster into
 *   `prod/<cluster>/<team>`. The other environments run in one cluster.
 *
 * `createApp(props)` is a program entry point like `reference/main.ts`'s, so `cdk8s-gitops release
 * --app lib/bench/platform.js` loads it; the size comes from `props` or, for the CLI, from the
 * environment variables BENCH_SERVICES, BENCH_ENVS and BENCH_CLUSTERS (default 10 services,
 * 2 environments, 1 cluster).
 */
import { Duration } from 'cdk8s';
import {
  AppChart, AppOfApps, Application, AppProject, ArgoCdChart, AuthorizationPolicy, DestinationRule,
  Environment, Gateway, GitOpsApp, GitOpsAppProps, HttpMatch, HttpMethod, MtlsMode, PeerAuthentication,
  Principal, RouteTarget, VirtualService, WebService,
} from '../src';

/** Size of a generated platform. */
export interface PlatformProps extends GitOpsAppProps {
  /** Number of services. @default BENCH_SERVICES or 10 */
  readonly services?: number;
  /** Number of environments (dev, staging, prod, env-3, ...). @default BENCH_ENVS or 2 */
  readonly envs?: number;
  /** Number of clusters prod runs in (1: the single-cluster layout). @default BENCH_CLUSTERS or 1 */
  readonly clusters?: number;
}

/** Services per team (one application per team). */
export const TEAM_SIZE = 10;

/** The GitOps repository Argo CD syncs. */
export const PLATFORM_REPO_URL = 'https://github.com/example-org/platform-gitops.git';

const ENV_NAMES = ['dev', 'staging', 'prod'];

/** Name of environment `i`. */
export function envName(i: number): string {
  return ENV_NAMES[i] ?? `env-${i}`;
}

/** Name of team `t`. */
export function teamName(t: number): string {
  return `team-${String(t).padStart(3, '0')}`;
}

/** Name of service `i`. */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

/** A 40-hex-digit fake git SHA, deterministic. */
function sha(seed: string): string {
  let h = 2166136261;
  let out = '';
  while (out.length < 40) {
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ out.length, 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}

function sizeFrom(value: number | undefined, variable: string, fallback: number): number {
  const n = value ?? (process.env[variable] ? Number(process.env[variable]) : fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${variable}: ${JSON.stringify(n)} must be a positive whole number`);
  return n;
}

/** Build the generated platform. */
export function createApp(props: PlatformProps = {}): GitOpsApp {
  const services = sizeFrom(props.services, 'BENCH_SERVICES', 10);
  const envCount = sizeFrom(props.envs, 'BENCH_ENVS', 2);
  const clusterCount = sizeFrom(props.clusters, 'BENCH_CLUSTERS', 1);
  const teams = Math.ceil(services / TEAM_SIZE);

  const app = new GitOpsApp(props);
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: PLATFORM_REPO_URL });
  const projects: AppProject[] = [];
  for (let t = 0; t < teams; t++) {
    projects.push(new AppProject(argocd, `${teamName(t)}-project`, { name: teamName(t), description: `Services of ${teamName(t)}` }));
  }

  for (let e = 0; e < envCount; e++) {
    const name = envName(e);
    const prod = name === 'prod';
    const env = new Environment({
      name,
      replicas: prod ? 2 : 1,
      hosts: [`*.${name}.example.com`],
      gatewaySelector: { istio: `ingressgateway-${name}` },
      weights: prod ? { v1: 90, v2: 10 } : { v1: 50, v2: 50 },
      automatedSync: !prod,
      resources: prod ? { cpu: { request: '200m', limit: '1' }, memory: { request: '256Mi', limit: '512Mi' } } : undefined,
      clusters: prod && clusterCount > 1 ? Array.from({ length: clusterCount }, (_, c) => ({
        name: `${name}-${c + 1}`,
        server: `https://${name}-${c + 1}.k8s.example.com`,
        ...(c === clusterCount - 1 ? { replicas: 3 } : {}),
      })) : undefined,
    });
    // built when a run needs the environment (a release, promotion or rollback builds one), once per cluster
    app.addEnvironment(env, view => buildEnvironment(app, argocd, projects, view, services, teams));
  }
  new AppOfApps(app, 'bootstrap', { argocd });
  return app;
}

function buildEnvironment(app: GitOpsApp, argocd: ArgoCdChart, projects: AppProject[], env: Environment, services: number, teams: number): void {
  const { name } = env;
  const prod = name === 'prod';
  // services of the previous team, by position (callers across teams)
  let previousTeam: WebService[] = [];
  const where = env.cluster?.name ?? name;
  for (let t = 0; t < teams; t++) {
    const team = teamName(t);
    const chart = new AppChart(app, `${team}-${where}`, { environment: env, app: team });
    const gateway = new Gateway(chart, 'gateway', { name: `${team}-gateway`, hosts: [`*.${team}.${name}.example.com`] });
    new PeerAuthentication(chart, 'mtls', { mode: MtlsMode.STRICT });
    AuthorizationPolicy.denyAll(chart, 'deny-all');
    const members: WebService[] = [];
    for (let i = t * TEAM_SIZE; i < Math.min(services, (t + 1) * TEAM_SIZE); i++) {
      const svcName = serviceName(i);
      const svc = new WebService(chart, svcName, {
        name: svcName,
        image: `ghcr.io/example-org/${svcName}`,
        port: 8080,
        healthPath: '/healthz',
        config: { LOG_LEVEL: prod ? 'info' : 'debug', SERVICE_NAME: svcName },
        env: { ENVIRONMENT: name },
        versions: [
          { name: 'v1', tag: sha(`${svcName}/v1`), config: { VERSION: '1.0.0' } },
          { name: 'v2', tag: sha(`${svcName}/v2`), config: { VERSION: '2.0.0' } },
        ],
      });
      new DestinationRule(chart, `${svcName}-destinationrule`, { service: svc });
      new VirtualService(chart, `${svcName}-routes`, {
        name: svcName,
        gateways: [gateway],
        hosts: [`${svcName}.${team}.${name}.example.com`],
        routes: [
          { name: 'header-v2', match: [HttpMatch.headerExact('x-version', 'v2')], to: RouteTarget.version(svc, 'v2') },
        ],
        defaultRoute: {
          to: RouteTarget.split(svc),
          timeout: Duration.seconds(10),
          retries: { attempts: 2, perTryTimeout: Duration.seconds(3) },
        },
      });
      const callers: Principal[] = [Principal.ingressGateway()];
      const pos = i - t * TEAM_SIZE;
      if (members.length > 0) callers.push(Principal.fromService(members[members.length - 1]));
      if (previousTeam[pos]) callers.push(Principal.fromService(previousTeam[pos]));
      new AuthorizationPolicy(chart, `${svcName}-allow`, {
        name: `allow-${svcName}`,
        target: svc,
        allow: [{ from: callers, methods: [HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE], paths: ['/api/*', '/healthz'] }],
      });
      members.push(svc);
    }
    previousTeam = members;
    new Application(argocd, `${team}-${where}`, { project: projects[t], source: chart });
  }
}
