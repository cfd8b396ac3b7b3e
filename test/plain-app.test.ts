/**
 * The constructs in a plain cdk8s App + Chart (no GitOpsApp, no AppChart): synthesized with
 * cdk8s's own `app.synth()`, read back from its YAML files and checked by the full validation
 * (strict schemas, cross-references, policy). Tags are the ones given in code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import {
  AuthorizationPolicy, DestinationRule, EnvValue, ExternalSecret, Gateway, HttpMatch, HttpMethod, IMeshService, MeshService,
  PeerAuthentication, Principal, RouteTarget, SecretStoreRef, SmokeTest, validateManifests, VirtualService, WebService,
} from '../src';
import { Manifest } from '../src/core/manifest';
import { parseManifests } from '../src/validate/load';
import { tempDir } from './temp-dir';

/** Synthesize with cdk8s's own App.synth() into a temporary folder and read every object back. */
function synthesized(app: App): Manifest[] {
  app.synth();
  const out: Manifest[] = [];
  for (const file of fs.readdirSync(app.outdir).sort()) {
    out.push(...parseManifests(fs.readFileSync(path.join(app.outdir, file), 'utf8'), file));
  }
  return out;
}

const findings = (ms: Manifest[]) => validateManifests(ms).findings.map(f => `${f.file} ${f.kind}/${f.name} ${f.rule} ${f.field}: ${f.message}`);

test('every construct synthesizes in a plain cdk8s App and Chart, schema-valid and cross-checked', () => {
  const app = new App({ outdir: tempDir('plain-app') });
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const api = new WebService(chart, 'api', {
    name: 'api', image: 'ghcr.io/org/api', tag: '1.0.0', versions: [{ name: 'v1' }, { name: 'v2', tag: '1.1.0' }],
    config: { LOG_LEVEL: 'info' }, disruptionBudget: {}, networkPolicy: {},
  });
  const web = new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web:2.0.0', port: 8080 });
  new DestinationRule(chart, 'api-dr', { service: api });
  const gateway = new Gateway(chart, 'gw', { name: 'shop', hosts: ['shop.example.com'] });
  new VirtualService(chart, 'vs', {
    name: 'shop', gateways: [gateway],
    routes: [{ match: [HttpMatch.uriPrefix('/web')], to: RouteTarget.service(web) }],
    defaultRoute: { to: RouteTarget.split(api, { v1: 80, v2: 20 }), timeout: Duration.seconds(5) },
  });
  new PeerAuthentication(chart, 'mtls');
  AuthorizationPolicy.denyAll(chart, 'deny-all');
  new AuthorizationPolicy(chart, 'to-api', { name: 'to-api', target: api, allow: [{ from: [Principal.ingressGateway(), Principal.fromService(web)], methods: [HttpMethod.GET] }] });
  new AuthorizationPolicy(chart, 'to-web', { name: 'to-web', target: web, allow: [{ from: [Principal.ingressGateway()] }] });
  new SmokeTest(chart, 'smoke', { script: 'curl -fsS http://api:5000/healthz' });

  const ms = synthesized(app);
  expect(findings(ms)).toEqual([]);
  const kinds = ms.map(m => `${m.object.kind}/${m.object.metadata.name}`);
  expect(kinds).toEqual(expect.arrayContaining(['Deployment/api-v1', 'Deployment/api-v2', 'Service/api', 'DestinationRule/api-destinationrule', 'VirtualService/shop', 'AuthorizationPolicy/to-api', 'Job/smoke-test']));
  // the chart's namespace, defaults of an environment, tags from code, no cdk8s address label
  const deployment = ms.find(m => m.object.metadata.name === 'api-v2')!.object;
  expect(deployment.metadata.namespace).toBe('shop');
  expect(deployment.spec.replicas).toBe(1);
  expect(deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/org/api:1.1.0');
  expect(deployment.metadata.labels['app.kubernetes.io/part-of']).toBeUndefined();
  expect(JSON.stringify(ms)).not.toContain('cdk8s.io/metadata.addr');
  const policy = ms.find(m => m.object.metadata.name === 'to-api')!.object;
  expect(policy.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', 'cluster.local/ns/shop/sa/web-sa']);
});

test('the day-2 constructs (ServiceMonitor, ExternalSecret) synthesize in a plain App, valid under STRICT mTLS and default-deny', () => {
  const app = new App({ outdir: tempDir('plain-app') });
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const db = new ExternalSecret(chart, 'db', { name: 'api-db', store: SecretStoreRef.clusterSecretStore('vault'), data: { DATABASE_PASSWORD: { key: 'shop/api-db', property: 'password' } } });
  const api = new WebService(chart, 'api', {
    name: 'api', image: 'ghcr.io/org/api:1.0.0', networkPolicy: {},
    env: { DATABASE_PASSWORD: EnvValue.fromExternalSecret(db, 'DATABASE_PASSWORD') },
    metrics: { serviceMonitor: { labels: { release: 'kube-prometheus-stack' } } },
  });
  new PeerAuthentication(chart, 'mtls');
  AuthorizationPolicy.denyAll(chart, 'deny-all');
  new AuthorizationPolicy(chart, 'to-api', { name: 'to-api', target: api, allow: [{ from: [Principal.ingressGateway()] }] });

  const ms = synthesized(app);
  expect(findings(ms)).toEqual([]);
  expect(ms.map(m => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(expect.arrayContaining(['ExternalSecret/api-db', 'ServiceMonitor/api', 'Service/api-metrics']));
  expect(ms.find(m => m.object.kind === 'ServiceMonitor')!.object.metadata.namespace).toBe('shop');
});

test('a chart without a namespace places the objects in "default"', () => {
  const app = new App({ outdir: tempDir('plain-app') });
  const chart = new Chart(app, 'c');
  const svc = new WebService(chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0' });
  expect(svc.namespace).toBe('default');
  expect(svc.principal).toBe('cluster.local/ns/default/sa/api-sa');
});

/**
 * A team's service built with cdk8s-plus (two versioned Deployments behind one Service),
 * described to the routing constructs through IMeshService.
 */
class PlusService implements IMeshService {
  public readonly name = 'legacy';
  public readonly port = 8080;
  public readonly versionNames = ['blue', 'green'];
  public readonly serviceAccountName = 'legacy';
  public readonly selectorLabels = { app: 'legacy' };
  constructor(public readonly namespace: string, chart: Chart) {
    const sa = new plus.ServiceAccount(chart, 'legacy-sa', { metadata: { name: 'legacy' }, automountToken: false });
    for (const version of this.versionNames) {
      const d = new plus.Deployment(chart, `legacy-${version}`, {
        metadata: { name: `legacy-${version}` },
        serviceAccount: sa,
        automountServiceAccountToken: false,
        select: false,
        podMetadata: { labels: { app: 'legacy', version } },
        containers: [{ image: `ghcr.io/org/legacy:${version}-1`, portNumber: 8080, securityContext: { user: 10001, group: 10001 } }],
      });
      d.select(plus.LabelSelector.of({ labels: { app: 'legacy', version } }));
    }
    new plus.Service(chart, 'legacy-svc', { metadata: { name: 'legacy' }, selector: plus.Pods.select(chart, 'legacy-pods', { labels: { app: 'legacy' } }), ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
  }
}

test('routing and policies to a service built another way, through IMeshService', () => {
  const app = new App({ outdir: tempDir('plain-app') });
  const chart = new Chart(app, 'team', { namespace: 'team' });
  const legacy = new PlusService('team', chart);
  const caller = new WebService(chart, 'caller', { name: 'caller', image: 'ghcr.io/org/caller:1.0.0' });
  new DestinationRule(chart, 'legacy-dr', { service: legacy });
  new VirtualService(chart, 'legacy-vs', {
    name: 'legacy',
    routes: [{ match: [HttpMatch.headerExact('x-color', 'green')], to: RouteTarget.version(legacy, 'green') }],
    defaultRoute: { to: RouteTarget.split(legacy, { blue: 90, green: 10 }) },
  });
  new AuthorizationPolicy(chart, 'to-legacy', { name: 'to-legacy', target: legacy, allow: [{ from: [Principal.fromService(caller)] }] });
  // and an attribute-only service in another namespace: routed by its FQDN
  const payments = MeshService.fromAttributes({ name: 'payments', namespace: 'billing', port: 9000, versions: ['v1'], serviceAccountName: 'payments' });
  new AuthorizationPolicy(chart, 'payments-to-caller', { name: 'payments-to-caller', target: caller, allow: [{ from: [Principal.fromService(payments)] }] });

  const ms = synthesized(app);
  const vs = ms.find(m => m.object.kind === 'VirtualService')!.object;
  expect(vs.spec.hosts).toEqual(['legacy']);
  expect(vs.spec.http.map((r: any) => r.route.map((d: any) => [d.destination.host, d.destination.subset, d.weight ?? 100]))).toEqual([
    [['legacy', 'green', 100]],
    [['legacy', 'blue', 90], ['legacy', 'green', 10]],
  ]);
  expect(ms.find(m => m.object.kind === 'DestinationRule')!.object.spec.subsets).toEqual([
    { name: 'blue', labels: { version: 'blue' } }, { name: 'green', labels: { version: 'green' } },
  ]);
  expect(ms.find(m => m.object.metadata.name === 'to-legacy')!.object.spec).toEqual({
    action: 'ALLOW', selector: { matchLabels: { app: 'legacy' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/team/sa/caller-sa'] } }] }],
  });
  expect(ms.find(m => m.object.metadata.name === 'payments-to-caller')!.object.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/billing/sa/payments']);
  // the cross-reference checks resolve the routes to the cdk8s-plus Service and its pods; the
  // principal of the service outside the output is reported as such
  const xref = validateManifests(ms).findings.filter(f => f.rule.startsWith('XREF-'));
  expect(xref.map(f => `${f.kind}/${f.name} ${f.rule}: ${f.message}`)).toEqual([
    'AuthorizationPolicy/payments-to-caller XREF-AUTHZ-PRINCIPAL: principal "cluster.local/ns/billing/sa/payments" names ServiceAccount "payments" in namespace "billing", which does not exist',
  ]);

  expect(() => RouteTarget.version(legacy, 'red').resolve('x', 'to')).toThrow('"red" is not a version of service "legacy": one of "blue", "green"');
  expect(() => MeshService.fromAttributes({ name: 'Bad', namespace: 'x', port: 1 })).toThrow('MeshService("Bad")] name: "Bad" is not a DNS-1035 label');
  const anonymous = MeshService.fromAttributes({ name: 'anon', namespace: 'team', port: 80 });
  expect(() => new AuthorizationPolicy(chart, 'from-anon', { name: 'from-anon', target: caller, allow: [{ from: [Principal.fromService(anonymous)] }] }))
    .toThrow('[team/from-anon] Principal.fromService: "anon" has no serviceAccountName');
});
