/**
 * `cdk8s-gitops adopt`: a repository's manifests (test/adopt/fixtures/shop: a Kustomize base
 * with dev and prod overlays, and their rendered output as folders) become a program that
 * type-checks, passes its own snapshot test's checks, and renders what the input said
 * (`adopt --check`: zero real differences). The spawned CLI is the compiled one (bin/, lib/
 * brought up to date first), the program loads this repository as `cdk8s-gitops`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../temp-dir';
import { withoutEnginesNote } from '../gitops/helpers';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'cdk8s-gitops.js');
const FIXTURES = path.join(ROOT, 'test', 'adopt', 'fixtures');
const RENDERED = (env: string) => path.join(FIXTURES, 'rendered', env);
const OVERLAY = (env: string) => path.join(FIXTURES, 'shop', env);

beforeAll(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../tools/synth.js').refresh(ROOT);
});

/** A CLI run, its stderr without the engines note Node.js 20 gets (CI runs Node 22). */
function runBin(cwd: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input, env });
  return { ...r, stderr: withoutEnginesNote(r.stderr) };
}

const cli = (cwd: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) => runBin(cwd, ['adopt', ...args], input, env);

/** `tsc` of the generated program under its scaffold tsconfig: no output, exit 0. */
function expectCompiles(dir: string, ...flags: string[]): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...flags, '-p', dir], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/** The lines `adopt --check` prints in `dir`, after checking it ran clean: nothing on stderr, no real difference, exit 0. */
function checkLines(dir: string): string[] {
  const r = cli(dir, ['--check']);
  expect(r.stderr).toBe('');
  const lines = r.stdout.trim().split('\n');
  expect(lines.filter(l => l.startsWith('real'))).toEqual([]);
  expect(r.status).toBe(0);
  return lines;
}

/** `synth --out dist` then `validate dist` in `dir`, each exit 0; validate's stdout. */
function synthAndValidate(dir: string): string {
  const synth = run(dir, ['synth', '--out', 'dist']);
  expect(synth.stderr).toBe('');
  expect(synth.status).toBe(0);
  const validate = run(dir, ['validate', 'dist']);
  expect(validate.status).toBe(0);
  return validate.stdout;
}

/** A folder to adopt into, with node_modules giving the program this repository and its packages. */
function adoptInto(...args: string[]): { dir: string; out: ReturnType<typeof cli> } {
  const work = tempDir('adopt');
  const dir = path.join(work, 'program');
  const out = cli(work, ['program', ...args]);
  if (out.status === 0) {
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'cdk8s-gitops'), 'dir');
    for (const p of ['cdk8s', 'constructs', 'typescript', 'esbuild', 'jest', '@types/node', '@types/jest']) {
      fs.symlinkSync(path.join(ROOT, 'node_modules', p), path.join(dir, 'node_modules', p), 'dir');
    }
  }
  return { dir, out };
}

const FROM_FOLDERS = ['--env', `dev=${RENDERED('dev')}`, '--env', `prod=${RENDERED('prod')}`];

describe('adopt from folders of manifests', () => {
  let dir: string;
  let main: string;
  beforeAll(() => {
    const r = adoptInto(...FROM_FOLDERS);
    expect(r.out.stderr).toBe('');
    expect(r.out.status).toBe(0);
    dir = r.dir;
    main = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8');
  });

  test('writes a program, its snapshot test and the project files, and says what it adopted', () => {
    expect(fs.readdirSync(dir).filter(f => f !== 'node_modules').sort()).toEqual(
      ['.gitignore', 'cdk8s.yaml', 'jest.config.js', 'jest.transform.js', 'main.test.ts', 'main.ts', 'package.json', 'tsconfig.json']);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg['cdk8s-gitops']).toEqual({ app: 'main.ts', adopt: { dev: path.relative(dir, RENDERED('dev')), prod: path.relative(dir, RENDERED('prod')) } });
  });

  test('lifts what differs between the environments into their settings, and keeps the rest literal', () => {
    // the namespace, the image tag, prod's replicas, the ConfigMap's data, the hosts
    expect(main).toMatch(/namespace: 'shop-dev',/);
    expect(main).toMatch(/apiV1Tag: '1\.1\.0-rc\.1',/);
    expect(main).toMatch(/apiV1Tag: '1\.0\.3',/);
    expect(main).toMatch(/apiReplicas: 3,/);
    expect(main).toContain('replicas: s.apiReplicas');
    expect(main).toContain('LOG_LEVEL: s.apiLogLevel');
    expect(main).toMatch(/gatewayShopHosts: 'shop\.dev\.example\.com',/);
    expect(main).toContain("image: 'docker.io/curlimages/curl:8.8.0'");
    // the smoke test is dev's only, the ClusterRole prod's only (cluster-scoped: no namespace)
    expect(main).toMatch(/if \(name === 'dev'\) \{\n\s+const jobSmokeTest = new ApiObject\(chart, 'job-smoke-test'/);
    expect(main).toMatch(/if \(name === 'prod'\) \{\n\s+const clusterroleShopReader = new ApiObject/);
    expect(main).toContain("clusterroleShopReader.addJsonPatch(JsonPatch.remove('/metadata/namespace')); // cluster-scoped");
    // prod's extra Namespace label, through the AppChart's Namespace
    expect(main).toContain("(chart.node.findChild('Namespace') as ApiObject).metadata.addLabel(k, v as string)");
    // adopted objects carry the waivers of the rules they break
    expect(main).toMatch(/Waivers\.of\(jobSmokeTest\)\.allow\(\[[^\]]*'PSS-RUN-AS-NON-ROOT'/);
  });

  test('uses the library\'s constructs where they render what the input says', () => {
    // Deployment api-v1 (version label v1) + Service api + ServiceAccount api + its ConfigMap: one WebService with a version
    expect(main).toMatch(/const api = new WebService\(chart, 'api', \{\n\s+name: 'api',\n\s+image: 'ghcr\.io\/example\/api',\n\s+port: 8080,\n\s+servicePort: 80,\n\s+serviceAccountName: 'api',/);
    expect(main).toMatch(/metrics: false,\n\s+versions: \[\{ name: 'v1', tag: s\.apiV1Tag \}\],/);
    expect(main).not.toMatch(/new ApiObject\(chart, '(deployment|service|serviceaccount|configmap)-api/);
    // the mesh: Gateway, VirtualService to the service, an AuthorizationPolicy from the ingress gateway
    expect(main).toMatch(/const gatewayShopService = new Gateway\(chart, 'gateway-shop', \{\n\s+name: 'shop',\n\s+hosts: \[s\.gatewayShopHosts\],\n\s+selector: \{ istio: 'ingressgateway' \},/);
    expect(main).toMatch(/new VirtualService\(chart, 'virtualservice-shop', \{\n\s+name: 'shop',\n\s+gateways: \[gatewayShopService\],\n\s+defaultRoute: \{ to: RouteTarget\.service\(api\) \},/);
    expect(main).toMatch(/new AuthorizationPolicy\(chart, 'authorizationpolicy-gateway-to-api', \{\n\s+name: 'gateway-to-api',\n\s+target: api,\n\s+allow: \[\{ from: \[Principal\.ingressGateway\(\)\] \}\],/);
    expect(main).toContain("new PeerAuthentication(chart, 'peerauthentication-default', { mode: MtlsMode.STRICT });");
    expect(main).toContain("AuthorizationPolicy.denyAll(chart, 'authorizationpolicy-deny-all');");
  });

  test('the program type-checks under the scaffold tsconfig (strict, noUnusedLocals)', () => {
    expectCompiles(dir);
  });

  test('adopt --check: zero real differences; the hardening and layout the library adds are listed and classified', () => {
    const lines = checkLines(dir);
    expect(lines).toContain('hardening prod  Namespace/shop-prod  metadata.labels["pod-security.kubernetes.io/audit"]: added "restricted"');
    expect(lines).toContain('layout    dev  Namespace/shop-dev  metadata.annotations["argocd.argoproj.io/sync-wave"]: added "-1"');
    expect(lines).toContain('layout    prod  Deployment/api-v1  file prod/shop/deployment-api-v1.yaml (input deployment-api-v1.yaml)');
    expect(lines.some(l => /^waiver +dev +Job\/smoke-test +metadata\.annotations\["cdk8s-gitops\.io\/waive\.PSS-RUN-AS-NON-ROOT"\]: added/.test(l))).toBe(true);
    // what WebService adds: hardening (security context, probes, resources, a size-limited /tmp, no token), layout (labels, rollout), defaults
    expect(lines).toContain('hardening prod  Deployment/api-v1  spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: added true');
    expect(lines).toContain('hardening prod  Deployment/api-v1  spec.template.spec.volumes: added [{"emptyDir":{"sizeLimit":"256Mi"},"name":"tmp"}]');
    expect(lines).toContain('hardening prod  ServiceAccount/api  automountServiceAccountToken: added false');
    expect(lines).toContain('hardening prod  ConfigMap/api-config-dfk4bdbtkk  immutable: added true');
    expect(lines).toContain('layout    prod  Deployment/api-v1  spec.strategy.rollingUpdate.maxUnavailable: added 0');
    expect(lines).toContain('layout    prod  Deployment/api-v1  metadata.labels["app.kubernetes.io/managed-by"]: added "cdk8s-gitops"');
    expect(lines).toContain('default   prod  Service/api  spec.ports[0].protocol: added "TCP"');
    expect(lines).toContain('default   prod  Deployment/api-v1  spec.template.spec.containers[0].imagePullPolicy: added "IfNotPresent"');
    // the ConfigMap WebService names api-config-v1-<hash> is the input's api-config-<hash>: its data is the same
    expect(lines.some(l => /^layout +prod +ConfigMap\/api-config-dfk4bdbtkk +metadata\.name: "api-config-dfk4bdbtkk" -> "api-config-v1-[a-z0-9]{10}"$/.test(l))).toBe(true);
    expect(lines.some(l => /^layout +prod +Deployment\/api-v1 +spec\.template\.spec\.containers\[0\]\.envFrom\[0\]\.configMapRef\.name: "api-config-dfk4bdbtkk" -> "api-config-v1-[a-z0-9]{10}"$/.test(l))).toBe(true);
    expect(lines).toContain('layout    prod  Service/api  spec.ports[0].targetPort: 8080 -> "http"');
    expect(lines[lines.length - 1]).toMatch(/^equivalent: 0 real difference\(s\), \d+ hardening, 6 default, \d+ waiver, \d+ layout; 0 validate finding\(s\); dev 11 objects, prod 11 objects$/);
    const json = JSON.parse(cli(dir, ['--check', '-o', 'json']).stdout);
    expect(json).toEqual(expect.objectContaining({ ok: true, real: 0, findings: [] }));
    expect(json.differences.every((d: any) => d.class !== 'real')).toBe(true);
  });

  test('adopt --check finds a real difference when the program changes what runs', () => {
    const copy = tempDir('adopt-changed');
    for (const f of fs.readdirSync(dir)) fs.cpSync(path.join(dir, f), path.join(copy, f), { recursive: true, verbatimSymlinks: true });
    // the package.json's recorded sources are relative to the program: point them at the fixtures again
    const pkg = JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8'));
    pkg['cdk8s-gitops'].adopt = { dev: RENDERED('dev'), prod: RENDERED('prod') };
    fs.writeFileSync(path.join(copy, 'package.json'), JSON.stringify(pkg));
    fs.writeFileSync(path.join(copy, 'main.ts'), main.replace('apiReplicas: 3,', 'apiReplicas: 2,').replace("LOG_LEVEL: s.apiLogLevel", "LOG_LEVEL: s.apiLogLevel, EXTRA: '1'"));
    const r = cli(copy, ['--check']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('real      prod  Deployment/api-v1  spec.replicas: 3 -> 2');
    // a ConfigMap with other data is not the input's under another name
    expect(r.stdout).toMatch(/^real +prod +ConfigMap\/api-config-dfk4bdbtkk +missing from the program/m);
    expect(r.stdout).toMatch(/^real +prod +ConfigMap\/api-config-v1-[a-z0-9]{10} +only in the program/m);
    expect(r.stdout).toMatch(/NOT equivalent: \d+ real difference\(s\)/);
  });

  test('the snapshot test the adoption wrote passes (its checks find nothing: every finding is waived)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci=false', '--rootDir', dir], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toContain('1 passed');
    expect(r.status).toBe(0);
  }, 60_000);
});

const VERSIONS = (env: string) => path.join(FIXTURES, 'versions', `${env}.yaml`);
const run = (cwd: string, args: string[]) => runBin(cwd, args);

describe('adopt versioned services (Deployments split by a version label), their routes and policies', () => {
  let dir: string;
  let main: string;
  let stdout: string;
  beforeAll(() => {
    const r = adoptInto('--env', `dev=${VERSIONS('dev')}`, '--env', `prod=${VERSIONS('prod')}`);
    expect(r.out.stderr).toBe('');
    expect(r.out.status).toBe(0);
    dir = r.dir;
    stdout = r.out.stdout;
    main = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8');
  });

  test('backend-v1 and backend-v2 are the versions of one WebService; what differs between the environments is its settings', () => {
    expect(stdout).toContain('8 construct(s) (2 WebService, 1 Gateway, 1 DestinationRule, 1 VirtualService, 1 AuthorizationPolicy, standing for 13 objects), 8 object(s) as they were (ApiObject)');
    expect(main).toMatch(/const backend = new WebService\(chart, 'backend', \{\n\s+name: 'backend',\n\s+image: 'ghcr\.io\/example\/store-backend',\n\s+port: 3000,\n\s+imagePullPolicy: ImagePullPolicy\.ALWAYS,\n\s+replicas: s\.backendReplicas,\n\s+config: \{ ORIGIN: s\.backendOrigin \},\n\s+metrics: false,/);
    // the tag of v1 differs between dev and prod (a setting), v2's is the same (a literal); the config each version has alone is its own
    expect(main).toContain("{ name: 'v1', tag: s.backendV1Tag, config: { VERSION: '1.0.0' } },");
    expect(main).toContain("{ name: 'v2', tag: '2.0.0-rc.1', config: { VERSION: '2.0.0' } },");
    expect(main).toMatch(/backendV1Tag: '1\.3\.0-rc\.2',[^]*backendV1Tag: '1\.2\.9',/);
    // a value naming the namespace is a template of it
    expect(main).toContain('env: { API_URL: `http://backend.${s.namespace}.svc.cluster.local:3000` },');
  });

  test('the Gateway, DestinationRule, VirtualService and AuthorizationPolicy of those services are constructs referring to them', () => {
    expect(main).toContain("new DestinationRule(chart, 'destinationrule-backend-destinationrule', {\n        service: backend,\n        trafficPolicy: { maxConnections: 200, connectTimeout: Duration.seconds(3) },\n      });");
    expect(main).toContain("selector: { istio: s.gatewayStoreIstio },");
    expect(main).toContain("match: [HttpMatch.uriPrefix('/api/').and(HttpMatch.headerExact('x-canary', 'yes'))],\n            to: RouteTarget.version(backend, 'v2'),");
    expect(main).toContain('to: RouteTarget.split(backend, { v1: 90, v2: 10 }),');
    expect(main).toContain('defaultRoute: { to: RouteTarget.service(frontend) },');
    expect(main).toContain('from: [Principal.fromService(frontend), Principal.ingressGateway()],');
    expect(main).toContain('methods: [HttpMethod.GET, HttpMethod.POST],');
    // the ingress gateway's ServiceAccount differs per environment: the environment's setting
    expect(main).toContain('new Environment({ name, gatewayServiceAccount: s.gatewayServiceAccount })');
    expect(main).toContain("gatewayServiceAccount: 'istio-ingressgateway-prod-service-account',");
  });

  test('a workload WebService cannot express stays raw, with the reason above it and waivers on it', () => {
    expect(main).toContain('// adopted as it is, not as a WebService: Deployment cache: image "docker.io/library/redis:latest" is not pinned to a tag other than latest');
    expect(main).toContain('// adopted as it is, not as a WebService: the construct refuses it: [store-dev/worker] portName: "http-worker-queue" is not a valid port name');
    expect(main).toMatch(/const deploymentWorker = new ApiObject\(chart, 'deployment-worker'/);
    expect(main).toMatch(/Waivers\.of\(deploymentCache\)\.allow\(\[[^\]]*'POL-IMAGE-TAG'/);
    expect(main).toMatch(/new ApiObject\(chart, 'service-worker'/);
  });

  test('adopt --check: zero real differences (the Istio API version v1beta1 -> v1 is layout)', () => {
    const lines = checkLines(dir);
    expect(lines).toContain('layout    prod  VirtualService/store  apiVersion: "networking.istio.io/v1beta1" -> "networking.istio.io/v1"');
    expect(lines).toContain('default   prod  Deployment/backend-v1  spec.template.spec.restartPolicy: removed (was "Always")');
    expect(lines).toContain('default   prod  Deployment/frontend  spec.replicas: added 1');
    expect(lines[lines.length - 1]).toMatch(/^equivalent: 0 real difference\(s\), .*; 0 validate finding\(s\); dev 23 objects, prod 23 objects$/);
  });

  test('the program compiles (tsc --noEmit, the scaffold tsconfig: strict, noUnusedLocals)', () => {
    expectCompiles(dir, '--noEmit');
  });

  test('synth writes its output and validate passes it (exit 0: every finding of an adopted object is waived)', () => {
    const validated = synthAndValidate(dir);
    expect(fs.existsSync(path.join(dir, 'dist', 'prod', 'store', 'deployment-backend-v2.yaml'))).toBe(true);
    const waived = fs.readFileSync(path.join(dir, 'dist', 'prod', 'store', 'deployment-cache.yaml'), 'utf8');
    expect(waived).toContain('cdk8s-gitops.io/waive.POL-IMAGE-TAG:');
    expect(validated).toMatch(/^OK: 0 findings, [1-9]\d* waived, in 46 objects/m);
  }, 60_000);
});

test('adopt from standard input (helm template output) gives the same program as from a folder', () => {
  const stream = fs.readdirSync(RENDERED('prod')).map(f => fs.readFileSync(path.join(RENDERED('prod'), f), 'utf8')).join('\n---\n');
  const fromStdin = tempDir('adopt-stdin');
  const r = cli(fromStdin, ['program', '--env', `dev=${RENDERED('dev')}`, '--env', 'prod=-'], stream);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const { dir } = adoptInto(...FROM_FOLDERS);
  const body = (d: string) => fs.readFileSync(path.join(d, 'main.ts'), 'utf8').split('\n').slice(2).join('\n');
  expect(body(path.join(fromStdin, 'program'))).toBe(body(dir));
  expect(r.stdout).toContain('prod: 11 from stdin -');
});

const kustomizeTool = ['kubectl', 'kustomize'].find(t => spawnSync(t, ['version', '--client'], { stdio: 'ignore' }).status === 0);
(kustomizeTool ? test : test.skip)('adopt from Kustomize overlays (kubectl kustomize) gives the program adopted from their rendered output', () => {
  const { dir, out } = adoptInto('--env', `dev=${OVERLAY('dev')}`, '--env', `prod=${OVERLAY('prod')}`);
  expect(out.stderr).toBe('');
  expect(out.stdout).toContain('dev: 11 from kustomize');
  const { dir: fromFolders } = adoptInto(...FROM_FOLDERS);
  const body = (d: string) => fs.readFileSync(path.join(d, 'main.ts'), 'utf8').split('\n').slice(2).join('\n');
  expect(body(dir)).toBe(body(fromFolders));
  const check = cli(dir, ['--check']);
  expect(check.stdout).toMatch(/^equivalent: 0 real difference\(s\)/m);
  expect(check.status).toBe(0);
});
if (!kustomizeTool) {
  // eslint-disable-next-line no-console
  console.warn('adopt from Kustomize overlays: SKIPPED, neither kubectl nor kustomize is on PATH');
}

describe('adopt refuses, writing nothing', () => {
  test.each<[string, string[], RegExp]>([
    ['a folder that is not empty', ['.', ...FROM_FOLDERS], /is not empty .*nothing written/],
    ['no --env', ['program'], /--env is required/],
    ['an --env without a source', ['program', '--env', 'dev'], /--env: "dev" must be NAME=SOURCE/],
    ['an environment name that is not a DNS label', ['program', '--env', `Dev=${RENDERED('dev')}`], /--env: "Dev=.*" must be NAME=SOURCE/],
    ['an environment given twice', ['program', '--env', `dev=${RENDERED('dev')}`, '--env', `dev=${RENDERED('prod')}`], /environment "dev" is given twice/],
    ['a source that does not exist', ['program', '--env', 'dev=missing'], /--env dev=missing: .*missing does not exist/],
  ])('%s (exit 2)', (_, args, message) => {
    const work = tempDir('adopt-refused');
    fs.writeFileSync(path.join(work, 'keep.txt'), 'mine');
    const r = cli(work, args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(fs.readdirSync(work)).toEqual(['keep.txt']);
  });

  test('a kustomization without kubectl or kustomize on PATH: says what to install or how to pipe it in', () => {
    const work = tempDir('adopt-no-kubectl');
    const bin = tempDir('adopt-path');
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = cli(work, ['program', '--env', `dev=${OVERLAY('dev')}`], undefined, { ...process.env, PATH: bin });
    expect(r.stderr).toContain('a kustomization needs kubectl (kubectl kustomize) or kustomize on PATH, and neither is');
    expect(r.stderr).toContain(`kustomize build ${OVERLAY('dev')} | cdk8s-gitops adopt --env dev=-`);
    expect(r.status).toBe(2);
    expect(fs.existsSync(path.join(work, 'program'))).toBe(false);
  });

  test('the same object twice in one environment', () => {
    const work = tempDir('adopt-twice');
    const twice = path.join(work, 'twice');
    fs.mkdirSync(twice);
    for (const f of ['a.yaml', 'b.yaml']) fs.copyFileSync(path.join(RENDERED('dev'), 'service-api.yaml'), path.join(twice, f));
    const r = cli(work, ['program', '--env', `dev=${twice}`]);
    expect(r.stderr).toMatch(/Service "api" is in a\.yaml and in b\.yaml: each object once/);
    expect(r.status).toBe(2);
  });
});

describe('adopt an environment deployed by an Argo CD Application (test/adopt/fixtures/argocd: Application + AppProject beside a Deployment and Service)', () => {
  const ARGO = (env: string) => path.join(FIXTURES, 'argocd', `${env}.yaml`);
  let dir: string;
  let main: string;
  beforeAll(() => {
    const r = adoptInto('--env', `dev=${ARGO('dev')}`, '--env', `prod=${ARGO('prod')}`);
    expect(r.out.stderr).toBe('');
    expect(r.out.status).toBe(0);
    expect(r.out.stdout).toContain('4 construct(s) (1 WebService, 1 AppProject, 2 Application, standing for 6 objects), 0 object(s) as they were (ApiObject)');
    dir = r.dir;
    main = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8');
  });

  test("the Applications and their AppProject are the library's constructs, with the settings they express", () => {
    expect(main).toContain("const argoCd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/site-deploy.git' });");
    expect(main).toContain("const argoProject = new AppProject(argoCd, 'project', { name: 'site', description: 'The site' });");
    expect(main).toContain("new Application(argoCd, `${APP}-${name}`, {\n        project: argoProject,\n        source: chart,");
    // dev syncs automatically, prod does not: a setting
    expect(main).toContain('automated: s.applicationAutomated,');
    expect(main).toMatch(/dev: \{[^}]*applicationAutomated: true,[^}]*\},\n  prod: \{[^}]*applicationAutomated: false,/);
    expect(main).toContain("syncOptions: ['CreateNamespace=true'],");
    expect(main).not.toContain("kind: 'Application'");
  });

  test('adopt --check: zero real differences; the source path now the rendered folder is layout, said so; the finalizer, retry and narrowed project hardening', () => {
    const lines = checkLines(dir);
    expect(lines).toContain('layout    dev  argocd/Application/site-dev  spec.source.path: "overlays/dev" -> "dev/site" (the Application now syncs the rendered folder dev/site)');
    expect(lines).toContain('layout    prod  argocd/Application/site-prod  spec.source.path: "overlays/prod" -> "prod/site" (the Application now syncs the rendered folder prod/site)');
    expect(lines).toContain('hardening dev  argocd/Application/site-dev  metadata.finalizers: added ["resources-finalizer.argocd.argoproj.io"]');
    expect(lines).toContain('hardening prod  argocd/Application/site-prod  spec.syncPolicy.retry.limit: added 5');
    expect(lines).toContain('default   dev  argocd/Application/site-dev  spec.source.directory.recurse: added false');
    expect(lines.find(l => l.startsWith('hardening dev  argocd/AppProject/site  spec.destinations:'))).toContain("(the construct's destinations allow only what its Applications deploy, within the input's)");
    expect(lines[lines.length - 1]).toMatch(/^equivalent: 0 real difference\(s\), .*; 0 validate finding\(s\); dev 5 objects, prod 5 objects$/);
  });

  test('the program compiles (tsc --noEmit, the scaffold tsconfig), synth writes the Argo CD folder and validate passes it', () => {
    expectCompiles(dir, '--noEmit');
    const validated = synthAndValidate(dir);
    const argo = fs.readdirSync(path.join(dir, 'dist', 'argocd')).map(f => fs.readFileSync(path.join(dir, 'dist', 'argocd', f), 'utf8')).join('\n');
    expect(argo).toContain('path: prod/site');
    expect(argo).toContain('kind: AppProject');
    expect(validated).toMatch(/^OK: 0 findings/m);
  }, 60_000);

  test('an Application the construct cannot express (ignoreDifferences) is adopted raw with the reason, its AppProject too; --check: zero real', () => {
    const work = tempDir('adopt-argo-raw');
    for (const env of ['dev', 'prod']) {
      const text = fs.readFileSync(ARGO(env), 'utf8').replace('  project: site\n', '  project: site\n  ignoreDifferences: [{ group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }]\n');
      expect(text).toContain('ignoreDifferences');
      fs.writeFileSync(path.join(work, `${env}.yaml`), text);
    }
    const { dir: rawDir, out: r } = adoptInto('--env', `dev=${path.join(work, 'dev.yaml')}`, '--env', `prod=${path.join(work, 'prod.yaml')}`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const raw = fs.readFileSync(path.join(rawDir, 'main.ts'), 'utf8');
    expect(raw).not.toContain('new ArgoCdChart(');
    const reason = '// adopted as it is, not as an Application: Application site-dev: spec has ignoreDifferences (the construct renders project, source, destination and syncPolicy only)';
    expect(raw).toContain(reason);
    expect(raw).toContain('// adopted as it is, not as an AppProject: Application site-dev: spec has ignoreDifferences');
    expect(raw).toContain("const applicationSiteDevArgocd = new ApiObject(chart, 'application-site-dev-argocd', {");
    expect(raw).toContain("new ApiObject(chart, 'appproject-site-argocd', {");
    // raw as they were: --check finds no real difference either
    const check = cli(rawDir, ['--check']);
    expect(check.stdout.trim().split('\n').filter(l => l.startsWith('real'))).toEqual([]);
    expect(check.status).toBe(0);
  });
});
