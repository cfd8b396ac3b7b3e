/**
 * The reference app: the two hand-made systems cdk8s-gitops replaces (an A/B testing platform
 * and a Flask app), for dev (one cluster) and prod (two clusters, `prod-eu` and `prod-us`, each
 * with its own hosts and load balancer; one Argo CD Application per app and cluster).
 *
 * - `flask-app`: the Flask app, a single service (port 5000, /healthz, /metrics)
 *   with v1/v2 A/B routing behind an ingress gateway, a ServiceMonitor for its metrics, its
 *   service-level objectives (burn-rate alerts) and a Grafana dashboard, and its database
 *   password from an ExternalSecret;
 * - `ab-testing`: the A/B testing platform (frontend, backend v1/v2, monitor v1/v2, redis, gateway
 *   routes, STRICT mTLS, default-deny authorization, a PostSync smoke test);
 * - the Argo CD projects and applications, and the app-of-apps root.
 *
 * It is the project's own cdk8s app, written as a user's program would be (it imports the
 * library's public API only); it is not part of the package. `npm run synth` (or `npx cdk8s synth`)
 * writes it into dist/; `createApp` is what the CLI loads (`cdk8s-gitops.app` in package.json).
 */
import { Duration } from 'cdk8s';
import {
  AppChart, AppOfApps, Application, AppProject, ArgoCdChart, AuthorizationPolicy, DestinationRule, Environment, EnvValue,
  ExternalSecret, Gateway, GitOpsApp, GitOpsAppProps, GrafanaDashboard, HttpMatch, HttpMethod, MtlsMode, PeerAuthentication, Principal,
  Probe, RouteTarget, SecretStoreRef, ServiceLevelObjective, SmokeTest, VirtualService, WebService,
} from '../src';

/** The GitOps repository Argo CD syncs. */
export const REPO_URL = 'https://github.com/example-org/gitops-demo.git';

/**
 * The platform's ClusterSecretStore (External Secrets Operator): the Flask app's secrets are
 * "managed at Kubernetes runtime in the environment repository" (the Flask app's setup), never committed.
 */
export const CLUSTER_SECRET_STORE = 'platform-secrets';

/** Labels the platform's Prometheus (kube-prometheus-stack) selects ServiceMonitors by. */
export const PROMETHEUS_SELECTOR = { release: 'kube-prometheus-stack' };

/** Per-environment facts of the reference app. */
interface Stage {
  /** The environment; the A/B testing platform answers on its hosts (per cluster in prod). */
  readonly env: Environment;
  /** A/B split of the Flask app. */
  readonly flaskWeights: Record<string, number>;
  /** Default image tags (until the environment's release.yaml pins others). */
  readonly tags: { backend: [string, string]; monitor: [string, string]; frontend: string; flask: [string, string] };
  /** Production-only hardening of the Flask app. */
  readonly flaskScaling: boolean;
}

/** Facts of each place the apps run (an environment, or a cluster of one), keyed by its folder. */
interface Site {
  /** Address the A/B testing platform answers on (its load balancer IPs). */
  readonly publicUrl: string;
  /** Hosts of the Flask app. */
  readonly flaskHosts: string[];
}

const SITES: Readonly<Record<string, Site>> = {
  'dev': { publicUrl: 'http://192.168.254.222', flaskHosts: ['flask.dev.example.com'] },
  'prod/prod-eu': { publicUrl: 'http://192.168.254.220', flaskHosts: ['flask.example.com', 'flask.eu.example.com'] },
  'prod/prod-us': { publicUrl: 'http://192.168.254.230', flaskHosts: ['flask.example.com', 'flask.us.example.com'] },
};

/** The facts of where `env` (an environment, or a cluster's view of one) runs. */
function siteOf(env: Environment): Site {
  const site = SITES[env.folder];
  if (site === undefined) throw new Error(`reference app: no site facts for ${env.folder}`);
  return site;
}

const STAGES: Stage[] = [
  {
    env: new Environment({
      name: 'dev',
      namespaces: { 'ab-testing': 'demo-dev', 'flask-app': 'flask-dev' },
      replicas: 1,
      hosts: ['*'],
      gatewaySelector: { istio: 'ingressgateway-dev' },
      gatewayServiceAccount: 'istio-ingressgateway-dev-service-account',
      weights: { v1: 50, v2: 50 },
      automatedSync: true,
    }),
    flaskWeights: { v1: 50, v2: 50 },
    tags: {
      backend: ['fc5c97cdf2f171e43befd38d4e6bf37774937c89', 'd1e6e9b5e0bdff11a489794ba11cd55e9f82c957'],
      monitor: ['fc5c97cdf2f171e43befd38d4e6bf37774937c89', 'd1e6e9b5e0bdff11a489794ba11cd55e9f82c957'],
      frontend: 'd1e6e9b5e0bdff11a489794ba11cd55e9f82c957',
      flask: ['20f2ab9', '20f2ab9'],
    },
    flaskScaling: false,
  },
  {
    env: new Environment({
      name: 'prod',
      namespaces: { 'ab-testing': 'demo-prod', 'flask-app': 'flask-prod' },
      replicas: 2,
      hosts: ['demo.example.com'],
      gatewaySelector: { istio: 'ingressgateway-prod' },
      gatewayServiceAccount: 'istio-ingressgateway-prod-service-account',
      weights: { v1: 50, v2: 50 },
      automatedSync: false,
      resources: { cpu: { request: '200m', limit: '1' }, memory: { request: '256Mi', limit: '512Mi' } },
      // two regions: Argo CD knows prod-eu by its API server, prod-us by its cluster name
      clusters: [
        { name: 'prod-eu', server: 'https://prod-eu.k8s.example.com', hosts: ['demo.example.com', 'demo.eu.example.com'] },
        { name: 'prod-us', hosts: ['demo.example.com', 'demo.us.example.com'], replicas: 3 },
      ],
    }),
    flaskWeights: { v1: 90, v2: 10 },
    tags: {
      backend: ['fe9d5ceee36519bd3dbab03bc15d3de96e7c8e68', '443601dca07ca88643b310ffa0a76aa3d49c9a7d'],
      monitor: ['fe9d5ceee36519bd3dbab03bc15d3de96e7c8e68', '443601dca07ca88643b310ffa0a76aa3d49c9a7d'],
      frontend: '443601dca07ca88643b310ffa0a76aa3d49c9a7d',
      flask: ['20f2ab9', '20f2ab9'],
    },
    flaskScaling: true,
  },
];

/** The A/B testing platform's smoke test, rewritten for a read-only, non-root curl image (no apk, no jq). */
export const SMOKE_TEST_SCRIPT = `#!/bin/sh
# Calls the platform through its gateway and fails on any non-2xx answer.
set -eu
: "\${WEB_BASE_URL:?}" "\${API_BASE_URL:?}"
HOST_HEADER="\${HOST_HEADER:-}"
USER_NAME="smoke-$(date +%s)"
PASSWORD_VALUE="smoke-$$-$(date +%s)"

call() { # METHOD URL [JSON]
  set -- "$@"
  if [ -n "$HOST_HEADER" ]; then set -- "$@" -H "Host: $HOST_HEADER"; fi
  method=$1; url=$2; shift 2
  body=""
  case "\${1:-}" in -H*|"") ;; *) body=$1; shift ;; esac
  if [ -n "$body" ]; then
    out=$(curl -sS -o /tmp/body -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' -d "$body" "$@" "$url")
  else
    out=$(curl -sS -o /tmp/body -w '%{http_code}' -X "$method" "$@" "$url")
  fi
  case "$out" in 2??) echo "ok   $method $url ($out)" ;; *) echo "FAIL $method $url ($out)"; cat /tmp/body; exit 1 ;; esac
}

call GET "$API_BASE_URL/api/health"
call GET "$WEB_BASE_URL/app"
call GET "$WEB_BASE_URL/status"
call POST "$API_BASE_URL/api/register" "{\\"username\\":\\"$USER_NAME\\",\\"password\\":\\"$PASSWORD_VALUE\\"}"
call POST "$API_BASE_URL/api/login" "{\\"username\\":\\"$USER_NAME\\",\\"password\\":\\"$PASSWORD_VALUE\\"}"
TOKEN=$(sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p' /tmp/body)
[ -n "$TOKEN" ] || { echo "FAIL no token in login answer"; exit 1; }
call GET "$API_BASE_URL/api/users" -H "Authorization: Bearer $TOKEN"
call GET "$API_BASE_URL/api/version"
call PUT "$API_BASE_URL/api/users/$USER_NAME" "{\\"username\\":\\"$USER_NAME\\"}" -H "Authorization: Bearer $TOKEN"
call DELETE "$API_BASE_URL/api/users/$USER_NAME" -H "Authorization: Bearer $TOKEN"
echo "smoke test passed"
`;

/** The A/B testing platform in one environment (one cluster of it). */
function abTesting(app: GitOpsApp, env: Environment, stage: Stage): AppChart {
  const { publicUrl } = siteOf(env);
  const hosts = env.hosts;
  const chart = new AppChart(app, `ab-testing-${env.cluster?.name ?? env.name}`, { environment: env, app: 'ab-testing' });
  const repo = 'ghcr.io/mcbtaguiad/istio-demo';

  // the backend and the monitor run v1 and v2, each version telling its number in its config
  const versioned = (name: 'backend' | 'monitor', port: number, healthPath: string, config: Record<string, string>) => new WebService(chart, name, {
    name,
    image: `${repo}/${name}`,
    port,
    healthPath,
    metrics: false,
    config,
    versions: [
      { name: 'v1', tag: stage.tags[name][0], config: { VERSION: '1.0.0' } },
      { name: 'v2', tag: stage.tags[name][1], config: { VERSION: '2.0.0' } },
    ],
  });
  const backend = versioned('backend', 3000, '/api/health', { ALLOWED_HOSTS: publicUrl });
  const monitor = versioned('monitor', 8000, '/status', { DEMO_APP_HOST: publicUrl });
  const frontend = new WebService(chart, 'frontend', {
    name: 'frontend',
    image: `${repo}/frontend`,
    tag: stage.tags.frontend,
    port: 80,
    healthPath: '/app',
    metrics: false,
    // nginx writes its pid and caches; the root filesystem is read-only
    writablePaths: ['/tmp', '/var/cache/nginx', '/var/run'],
  });
  const redis = new WebService(chart, 'redis', {
    name: 'redis',
    image: 'docker.io/bitnami/redis:7.4.2',
    port: 6379,
    portName: 'tcp-redis',
    metrics: false,
    startupProbe: Probe.fromTcpSocket(),
    livenessProbe: Probe.fromTcpSocket({ periodSeconds: 10 }),
    readinessProbe: Probe.fromCommand(['redis-cli', 'ping'], { periodSeconds: 5 }),
    replicas: 1,
    config: { ALLOW_EMPTY_PASSWORD: 'yes', REDIS_DISABLE_COMMANDS: 'FLUSHDB,FLUSHALL' },
    writablePaths: ['/tmp', '/opt/bitnami/redis/etc', '/opt/bitnami/redis/tmp', '/opt/bitnami/redis/logs', '/bitnami/redis/data'],
  });

  for (const svc of [backend, monitor, frontend]) {
    new DestinationRule(chart, `${svc.name}-destinationrule`, {
      service: svc,
      trafficPolicy: svc === frontend
        ? { maxConnections: 100, http1MaxPendingRequests: 50, maxRequestsPerConnection: 10 }
        : { maxConnections: 200, http1MaxPendingRequests: 100, maxRequestsPerConnection: 20 },
    });
  }

  const gateway = new Gateway(chart, 'gateway', { name: 'demo-app-gateway', hosts });
  new VirtualService(chart, 'routes', {
    name: 'route-ab-testing',
    gateways: [gateway],
    routes: [
      { name: 'backend', match: [HttpMatch.uriPrefix('/api/')], to: RouteTarget.split(backend), timeout: Duration.seconds(15) },
      { name: 'monitor', match: [HttpMatch.uriPrefix('/status')], to: RouteTarget.split(monitor), timeout: Duration.seconds(15) },
      { name: 'frontend', match: [HttpMatch.uriPrefix('/app')], to: RouteTarget.service(frontend), timeout: Duration.seconds(15) },
    ],
  });

  new PeerAuthentication(chart, 'mtls', { name: 'mtls', mode: MtlsMode.STRICT });
  AuthorizationPolicy.denyAll(chart, 'deny-all');
  const gw = Principal.ingressGateway();
  const smoke = new SmokeTest(chart, 'smoke-test', {
    script: SMOKE_TEST_SCRIPT,
    env: {
      WEB_BASE_URL: publicUrl,
      API_BASE_URL: publicUrl,
    },
    hostHeader: hosts[0] === '*' ? undefined : hosts[0],
    waitFor: { web: `${publicUrl}/app`, api: `${publicUrl}/api/health`, monitor: `${publicUrl}/status` },
  });
  const { GET, POST, PUT, DELETE, OPTIONS, HEAD } = HttpMethod;
  new AuthorizationPolicy(chart, 'frontend-to-backend', {
    name: 'read-write-frontend-to-backend',
    target: backend,
    allow: [{
      from: [Principal.fromService(frontend), gw],
      methods: [GET, POST, DELETE, PUT, OPTIONS],
      paths: ['/api/register', '/api/login', '/api/profile', '/api/version', '/api/users'],
    }],
  });
  new AuthorizationPolicy(chart, 'monitor-to-backend', {
    name: 'read-write-monitor-to-backend',
    target: backend,
    allow: [{
      from: [Principal.fromService(monitor), gw],
      methods: [GET, POST, DELETE, PUT],
      paths: ['/api/login', '/api/version', '/api/users', '/api/users/*'],
    }],
  });
  new AuthorizationPolicy(chart, 'smoketest-to-backend', {
    name: 'read-write-smoketest-to-backend',
    target: backend,
    allow: [{
      from: [Principal.fromServiceAccount(smoke.serviceAccountName), gw],
      methods: [GET, POST, DELETE, PUT],
      paths: ['/api/login', '/api/version', '/api/health', '/api/register', '/api/users', '/api/users/*'],
    }],
  });
  // the gateway routes /app and /status: with default deny they need their own allow rules
  new AuthorizationPolicy(chart, 'ingress-to-frontend', {
    name: 'ingress-to-frontend',
    target: frontend,
    allow: [{ from: [gw], methods: [GET, HEAD], paths: ['/app', '/app/*'] }],
  });
  new AuthorizationPolicy(chart, 'ingress-to-monitor', {
    name: 'ingress-to-monitor',
    target: monitor,
    allow: [{ from: [gw], methods: [GET, HEAD], paths: ['/status', '/status/*'] }],
  });
  // the backend keeps its data in redis (TCP: principals and port only)
  new AuthorizationPolicy(chart, 'backend-to-redis', {
    name: 'backend-to-redis',
    target: redis,
    allow: [{ from: [Principal.fromService(backend)], ports: [6379] }],
  });
  return chart;
}

/** The Flask app in one environment (one cluster of it). */
function flaskApp(app: GitOpsApp, env: Environment, stage: Stage): AppChart {
  const chart = new AppChart(app, `flask-app-${env.cluster?.name ?? env.name}`, { environment: env, app: 'flask-app' });
  // the database password, read from the platform's store at runtime (one remote secret per environment)
  const database = new ExternalSecret(chart, 'database', {
    name: 'flask-app-database',
    store: SecretStoreRef.clusterSecretStore(CLUSTER_SECRET_STORE),
    data: { DATABASE_PASSWORD: { key: `flask-app/${env.name}/database`, property: 'password' } },
  });
  const flask = new WebService(chart, 'flask-app', {
    name: 'flask-app',
    image: 'docker.io/ahmad09x/python-flask-app',
    versions: [
      { name: 'v1', tag: stage.tags.flask[0] },
      { name: 'v2', tag: stage.tags.flask[1] },
    ],
    env: { FLASK_ENV: 'production', PORT: '5000', DATABASE_PASSWORD: EnvValue.fromExternalSecret(database, 'DATABASE_PASSWORD') },
    // request, error and latency metrics on /metrics (as the Flask app exposes them), through Istio's merged metrics
    metrics: { serviceMonitor: { labels: PROMETHEUS_SELECTOR } },
    disruptionBudget: stage.flaskScaling ? { maxUnavailable: 1 } : undefined,
    autoscaling: stage.flaskScaling ? { minReplicas: 2, maxReplicas: 6, cpuUtilization: 75 } : undefined,
    networkPolicy: { allowIngressGateway: true },
  });
  new DestinationRule(chart, 'destinationrule', { service: flask });
  // 99.9 % of requests without a 5xx and 99 % within 500 ms (a bucket of the app's histogram) over 30 days:
  // burn-rate alerts per version, the thresholds the canary gate applies, and a dashboard
  const slo = new ServiceLevelObjective(chart, 'slo', {
    service: flask, availability: 99.9, latency: { threshold: Duration.millis(500), target: 99 }, labels: PROMETHEUS_SELECTOR,
  });
  new GrafanaDashboard(chart, 'dashboard', { service: flask, objective: slo });
  const gateway = new Gateway(chart, 'gateway', {
    name: 'flask-gateway',
    hosts: siteOf(env).flaskHosts,
    tls: env.name === 'prod' ? { credentialName: 'flask-example-com-tls' } : undefined,
  });
  new VirtualService(chart, 'routes', {
    name: 'flask-app',
    gateways: [gateway],
    routes: [
      { name: 'header-v2', match: [HttpMatch.headerExact('x-version', 'v2'), HttpMatch.cookie('version', 'v2')], to: RouteTarget.version(flask, 'v2') },
      { name: 'header-v1', match: [HttpMatch.headerExact('x-version', 'v1'), HttpMatch.cookie('version', 'v1')], to: RouteTarget.version(flask, 'v1') },
    ],
    defaultRoute: {
      to: RouteTarget.split(flask, stage.flaskWeights),
      timeout: Duration.seconds(10),
      retries: { attempts: 2, perTryTimeout: Duration.seconds(3) },
    },
  });
  new PeerAuthentication(chart, 'mtls', { mode: MtlsMode.STRICT });
  AuthorizationPolicy.denyAll(chart, 'deny-all');
  new AuthorizationPolicy(chart, 'ingress-to-flask', {
    name: 'ingress-to-flask-app',
    target: flask,
    allow: [{ from: [Principal.ingressGateway()], methods: [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST] }],
  });
  return chart;
}

/** Build the reference app. `props.releases` pins image tags per environment. */
export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  const app = new GitOpsApp(props);
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: REPO_URL });
  const projects = {
    'ab-testing': new AppProject(argocd, 'ab-testing-project', { name: 'ab-testing', description: 'The A/B testing platform (Istio)' }),
    'flask-app': new AppProject(argocd, 'flask-app-project', { name: 'flask-app', description: 'The Flask app' }),
  };
  for (const stage of STAGES) {
    // once for dev; for prod once per cluster, with that cluster's view of the environment
    app.addEnvironment(stage.env, env => {
      for (const chart of [abTesting(app, env, stage), flaskApp(app, env, stage)]) {
        new Application(argocd, chart.node.id, { project: projects[chart.app as keyof typeof projects], source: chart });
      }
    });
  }
  new AppOfApps(app, 'bootstrap', { argocd });
  return app;
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesize } = require('../src') as typeof import('../src');
  const outdir = process.env.CDK8S_OUTDIR || 'dist';
  const result = synthesize(createApp(), outdir);
  process.stdout.write(`synthesized ${result.files.length} files into ${outdir}\n`);
}
