/**
 * Property-based robustness (fast-check): random valid configurations always synthesize and
 * validate with 0 findings; random invalid inputs always end in a construction-time
 * ConfigError — never a crash, a TypeError or invalid YAML. The seed of a failing run is
 * printed by fast-check ("seed: ..."); replay with FC_SEED=<seed>.
 */
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { AppChart } from '../src/model/app-chart';
import { compareVersions } from '../src/core/compare';
import { AppOfApps } from '../src/argocd/app-of-apps';
import { Application } from '../src/argocd/application';
import { AppProject } from '../src/argocd/app-project';
import { ArgoCdChart } from '../src/argocd/argocd-chart';
import { Environment } from '../src/model/environment';
import { ConfigError } from '../src/core/errors';
import { GitOpsApp } from '../src/app/gitops-app';
import { AuthorizationPolicy, HttpMethod } from '../src/mesh/authorization-policy';
import { DestinationRule } from '../src/mesh/destination-rule';
import { Gateway } from '../src/mesh/gateway';
import { HttpMatch } from '../src/mesh/http-match';
import { PeerAuthentication } from '../src/mesh/peer-authentication';
import { Principal } from '../src/mesh/principal';
import { RouteTarget } from '../src/mesh/route-target';
import { VirtualService } from '../src/mesh/virtual-service';
import { WebService } from '../src/service/web-service';
import { validateManifests } from '../src/validate';

const RUNS = Number(process.env.FC_RUNS ?? 200);
const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
const params = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) };

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?$/);
const versionName = fc.constantFrom('v1', 'v2', 'v3', 'canary', 'stable');
const path = fc.stringMatching(/^\/[a-z0-9]{1,8}(\/[a-z0-9]{1,8})?$/);

/** Integer weights over n versions summing to 100. */
function weights(n: number) {
  return fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n - 1, maxLength: n - 1 })
    .map(cuts => {
      const sorted = [0, ...cuts.sort((a, b) => a - b), 100];
      return sorted.slice(1).map((x, i) => x - sorted[i]);
    });
}

interface ServiceSpec {
  name: string;
  versions: string[];
  weights: number[];
  port: number;
  headerRoutes: Array<{ header: string; value: string; version: number; cookie: boolean }>;
}

// Built once: an arbitrary made inside `chain` is rebuilt for every value, and fast-check's
// string arbitraries are costly to build (half of this file's time when they were).
const headerName = fc.stringMatching(/^x-[a-z]{1,8}$/);
const headerValue = fc.stringMatching(/^[a-z0-9]{1,8}$/);

const service: fc.Arbitrary<ServiceSpec> = fc.record({
  name: label,
  versions: fc.uniqueArray(versionName, { minLength: 0, maxLength: 3 }),
  port: fc.integer({ min: 1024, max: 65535 }),
}).chain(s => fc.record({
  name: fc.constant(s.name),
  versions: fc.constant(s.versions),
  port: fc.constant(s.port),
  weights: s.versions.length > 0 ? weights(s.versions.length) : fc.constant([]),
  headerRoutes: s.versions.length > 0
    ? fc.array(fc.record({
      header: headerName,
      value: headerValue,
      version: fc.nat({ max: s.versions.length - 1 }),
      cookie: fc.boolean(),
    }), { maxLength: 3 })
    : fc.constant([]),
}));

const platform = fc.record({
  services: fc.uniqueArray(service, { minLength: 1, maxLength: 4, selector: s => s.name }),
  envs: fc.uniqueArray(fc.constantFrom('dev', 'staging', 'prod', 'qa'), { minLength: 1, maxLength: 2 }),
  rules: fc.array(fc.record({
    from: fc.nat(), to: fc.nat(),
    methods: fc.uniqueArray(fc.constantFrom(...Object.values(HttpMethod)), { maxLength: 3 }),
    paths: fc.uniqueArray(path, { maxLength: 3 }),
  }), { maxLength: 4 }),
});

type Platform = typeof platform extends fc.Arbitrary<infer T> ? T : never;

function build(p: Platform): GitOpsApp {
  const app = new GitOpsApp();
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/gitops.git' });
  const project = new AppProject(argocd, 'project', { name: 'platform' });
  for (const envName of p.envs) {
    const env = new Environment({ name: envName, hosts: [`${envName}.example.com`], automatedSync: envName !== 'prod' });
    const chart = new AppChart(app, `platform-${envName}`, { environment: env, app: 'platform' });
    const svcs = p.services.map(s => new WebService(chart, `Service-${s.name}`, {
      name: s.name,
      image: `registry.example.com/team/${s.name}`,
      tag: '1.0.0',
      port: s.port,
      versions: s.versions.map(v => ({ name: v })),
    }));
    const gw = new Gateway(chart, 'gw', { name: 'platform' });
    p.services.forEach((s, i) => {
      const svc = svcs[i];
      new DestinationRule(chart, `dr-${s.name}`, { service: svc });
      const seen = new Set<string>();
      const routes = s.headerRoutes
        .filter(r => {
          const key = `${r.cookie}:${r.header}:${r.value}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        })
        .map(r => ({ header: r.cookie ? HttpMatch.cookie(r.header, r.value) : HttpMatch.headerExact(r.header, r.value), version: s.versions[r.version] }));
      const weights = Object.fromEntries(s.versions.map((v, j) => [v, s.weights[j]]));
      // a valid split reaches its canary (the newest version) at 0% through a header route (XREF-VS-CANARY)
      const canary = [...s.versions].sort(compareVersions).pop()!;
      if (s.versions.length > 1 && weights[canary] === 0 && !routes.some(r => r.version === canary)) {
        routes.push({ header: HttpMatch.headerExact('x-canary-route', 'on'), version: canary });
      }
      new VirtualService(chart, `vs-${s.name}`, {
        name: s.name,
        gateways: [gw],
        routes: routes.map((r, j) => ({ match: [r.header.and(HttpMatch.uriPrefix(`/${s.name}/`))], to: RouteTarget.version(svc, r.version), name: `r${j}` })),
        defaultRoute: { to: s.versions.length > 0 ? RouteTarget.split(svc, weights) : RouteTarget.service(svc) },
      });
    });
    new PeerAuthentication(chart, 'mtls');
    AuthorizationPolicy.denyAll(chart, 'deny');
    p.rules.forEach((r, i) => {
      const from = svcs[r.from % svcs.length];
      const to = svcs[r.to % svcs.length];
      new AuthorizationPolicy(chart, `allow-${i}`, {
        name: `allow-${i}`,
        target: to,
        allow: [{ from: [Principal.fromService(from), Principal.ingressGateway()], methods: r.methods, paths: r.paths }],
      });
    });
    new Application(argocd, `app-${envName}`, { project, source: chart });
  }
  new AppOfApps(app, 'bootstrap', { argocd });
  return app;
}

describe('property: valid configurations', () => {
  test(`always synthesize to parseable YAML and validate with 0 findings (${RUNS} runs)`, () => {
    fc.assert(fc.property(platform, (p) => {
      const app = build(p);
      const manifests = app.manifests();
      const report = validateManifests(manifests);
      if (!report.ok) throw new Error(`findings:\n${report.findings.map(f => `${f.file}: ${f.rule}: ${f.message}`).join('\n')}`);
      for (const [file, text] of app.files(manifests)) {
        const docs = parseAllDocuments(text);
        for (const d of docs as any[]) if (d.errors?.length) throw new Error(`${file}: invalid YAML ${d.errors[0].message}`);
      }
    }), params);
  });
});

/** One way to break an otherwise valid service; each must end in a ConfigError. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('name'), value: fc.oneof(fc.string().filter(s => !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s)), fc.stringMatching(/^[0-9A-Z_.][a-z]{0,3}$/), fc.constant('a'.repeat(64))) }),
  fc.record({ kind: fc.constant('port'), value: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ noInteger: true })) }),
  fc.record({ kind: fc.constant('portName'), value: fc.oneof(fc.stringMatching(/^[a-z]{16,20}$/), fc.stringMatching(/^[A-Z_]{1,5}$/), fc.constant('--'), fc.constant('123')) }),
  fc.record({ kind: fc.constant('uid'), value: fc.oneof(fc.constantFrom(0, 1337), fc.integer({ min: -5, max: 9999 })) }),
  fc.record({ kind: fc.constant('tag'), value: fc.oneof(fc.constant('latest'), fc.stringMatching(/^[-.][a-z]{0,4}$/), fc.stringMatching(/^[a-z]{1,3}[/: ][a-z]{1,3}$/)) }),
  fc.record({ kind: fc.constant('quantity'), value: fc.oneof(fc.stringMatching(/^[a-z]{1,4}$/), fc.stringMatching(/^-[0-9]{1,3}m$/), fc.constant('1.2.3')) }),
  fc.record({ kind: fc.constant('requestOverLimit'), value: fc.integer({ min: 2, max: 64 }) }),
  fc.record({ kind: fc.constant('weights'), value: fc.tuple(fc.integer({ min: -50, max: 150 }), fc.integer({ min: -50, max: 150 })).filter(([a, b]) => a + b !== 100 || a < 0 || b < 0) }),
  fc.record({ kind: fc.constant('unknownVersion'), value: fc.stringMatching(/^v[4-9]$/) }),
  fc.record({ kind: fc.constant('duplicateEnv'), value: fc.stringMatching(/^[A-Z]{1,6}$/) }),
  fc.record({ kind: fc.constant('version'), value: fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Z][a-z]{0,3}$/), fc.constant('v_1')) }),
);

describe('property: invalid inputs', () => {
  test(`always end in a construction-time ConfigError naming path and field (${RUNS} runs)`, () => {
    fc.assert(fc.property(mutation, (m) => {
      const app = new GitOpsApp();
      const chart = new AppChart(app, 'c', { environment: new Environment({ name: 'dev' }), app: 'shop' });
      const props: any = { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0', versions: [{ name: 'v1' }, { name: 'v2' }] };
      let route: ((svc: WebService) => void) | undefined;
      switch (m.kind) {
        case 'name': props.name = m.value; break;
        case 'port': props.port = m.value; break;
        case 'portName': props.portName = m.value; break;
        case 'uid': props.runAsUser = m.value; break;
        case 'tag': props.tag = m.value; break;
        case 'quantity': props.resources = { cpu: { request: m.value } }; break;
        case 'requestOverLimit': props.resources = { memory: { request: `${m.value}Gi`, limit: '1Gi' } }; break;
        case 'version': props.versions = [{ name: m.value }]; break;
        case 'duplicateEnv': props.env = { [m.value]: 'a' }; props.versions = [{ name: 'v1', env: { [m.value]: 'b' } }]; break;
        case 'weights': route = (svc) => new VirtualService(chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.split(svc, { v1: (m.value as number[])[0], v2: (m.value as number[])[1] }) } }); break;
        case 'unknownVersion': route = (svc) => new VirtualService(chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.version(svc, m.value as string) } }); break;
      }
      let error: unknown;
      try {
        const svc = new WebService(chart, 'web', props);
        route?.(svc);
      } catch (e) {
        error = e;
      }
      if (!(error instanceof ConfigError)) {
        throw new Error(`expected a ConfigError for ${JSON.stringify(m)}, got ${error === undefined ? 'no error' : String(error)}`);
      }
      if (!error.message.startsWith('[c/') || error.field === '') throw new Error(`message does not name path and field: ${error.message}`);
    }), params);
  });
});
