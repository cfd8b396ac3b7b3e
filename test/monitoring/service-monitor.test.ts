import { App, Chart, Duration } from 'cdk8s';
import {
  AuthorizationPolicy, HttpMethod, MeshService, PeerAuthentication, Principal, ScrapeMechanism, ServiceMonitor, validateManifests,
  WebService,
} from '../../src';
import { find, objects, testChart } from '../util';

/** A STRICT, default-deny namespace with one WebService (`api`, port 5000) and the given metrics settings. */
function meshed(metrics: ConstructorParameters<typeof WebService>[2]['metrics'], extra?: (t: ReturnType<typeof testChart>, api: WebService) => void) {
  const t = testChart();
  const api = new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api:1.0.0', metrics, networkPolicy: {} });
  new PeerAuthentication(t.chart, 'mtls');
  AuthorizationPolicy.denyAll(t.chart, 'deny-all');
  new AuthorizationPolicy(t.chart, 'ingress', { name: 'ingress-to-api', target: api, allow: [{ from: [Principal.ingressGateway()] }] });
  extra?.(t, api);
  return { ...t, api };
}

const rules = (t: { app: { manifests(): any[] } }) => validateManifests(t.app.manifests()).findings.map(f => `${f.rule} ${f.kind}/${f.name} ${f.field}`);

describe('ServiceMonitor through WebService metrics.serviceMonitor', () => {
  test('default: Istio merged metrics on 15020, a metrics Service of its own, valid under STRICT mTLS and default-deny', () => {
    const t = meshed({ serviceMonitor: { labels: { release: 'kube-prometheus-stack' } } });
    const sm = find(t.app, 'ServiceMonitor', 'api');
    const svc = find(t.app, 'Service', 'api-metrics');
    expect({ sm, svc }).toMatchSnapshot();
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
    expect(sm.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/stats/prometheus', scheme: 'http', interval: '30s' }]);
    expect(svc.spec.ports).toEqual([{ name: 'http-metrics', port: 15020, targetPort: 15020, protocol: 'TCP' }]);
    // the ServiceMonitor selects the metrics Service, not the app's Service (whose routes keep one port)
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => find(t.app, 'Service', 'api').metadata.labels[k] === v)).toBe(false);
    expect(find(t.app, 'Service', 'api').spec.ports).toHaveLength(1);
    // the Istio agent learns the app's port and path from the annotations
    expect(find(t.app, 'Deployment', 'api').spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '5000', 'prometheus.io/path': '/metrics' });
    // the NetworkPolicy lets Prometheus's namespace reach 15020, and only that port
    expect(find(t.app, 'NetworkPolicy', 'api').spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 15020, protocol: 'TCP' }],
    });
    expect(t.api.serviceMonitor?.scrapePort).toBe(15020);
    expect(rules(t)).toEqual([]);
  });

  test('interval, timeout and Prometheus namespace', () => {
    const t = meshed({ prometheusNamespace: 'prometheus', serviceMonitor: { interval: Duration.minutes(1), scrapeTimeout: Duration.seconds(15) } });
    expect(find(t.app, 'ServiceMonitor', 'api').spec.endpoints[0]).toMatchObject({ interval: '1m', scrapeTimeout: '15s' });
    expect(find(t.app, 'NetworkPolicy', 'api').spec.ingress[1].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'prometheus' });
  });

  test('without metrics annotations there are none on the pods, and no ServiceMonitor by default', () => {
    const t = meshed({ annotations: false, serviceMonitor: { mechanism: ScrapeMechanism.istioCertificates() } });
    expect(find(t.app, 'Deployment', 'api').spec.template.metadata.annotations).toBeUndefined();
    const plain = meshed(undefined);
    expect(objects(plain.app).filter(o => o.kind === 'ServiceMonitor')).toEqual([]);
    expect(find(plain.app, 'NetworkPolicy', 'api').spec.ingress).toHaveLength(1);
  });

  test('Istio certificates: https to the app\'s metrics port; default-deny refuses it until Prometheus is allowed', () => {
    const metrics = { port: 9100, path: '/prom', serviceMonitor: { mechanism: ScrapeMechanism.istioCertificates({ certDir: '/etc/istio-certs/' }) } };
    const t = meshed(metrics);
    const sm = find(t.app, 'ServiceMonitor', 'api');
    expect(sm.spec.endpoints[0]).toEqual({
      port: 'http-metrics', path: '/prom', scheme: 'https', interval: '30s',
      tlsConfig: { caFile: '/etc/istio-certs/root-cert.pem', certFile: '/etc/istio-certs/cert-chain.pem', keyFile: '/etc/istio-certs/key.pem', insecureSkipVerify: true },
    });
    expect(find(t.app, 'Service', 'api-metrics').spec.ports[0]).toMatchObject({ port: 9100, targetPort: 9100 });
    expect(rules(t)).toEqual(['XREF-SERVICEMONITOR-AUTHZ ServiceMonitor/api spec.endpoints[0]']);

    const prometheus = MeshService.fromAttributes({ name: 'prometheus', namespace: 'monitoring', port: 9090, serviceAccountName: 'prometheus' });
    const allowed = meshed(metrics, (x, api) => new AuthorizationPolicy(x.chart, 'prom', {
      name: 'prometheus-to-api', target: api, allow: [{ from: [Principal.fromService(prometheus)], methods: [HttpMethod.GET], paths: ['/prom'], ports: [9100] }],
    }));
    expect(rules(allowed)).toEqual([]);
  });

  test('plain HTTP to the app\'s port under STRICT mTLS is flagged', () => {
    const t = meshed({ serviceMonitor: { mechanism: ScrapeMechanism.plaintext() } });
    expect(find(t.app, 'ServiceMonitor', 'api').spec.endpoints[0]).toEqual({ port: 'http-metrics', path: '/metrics', scheme: 'http', interval: '30s' });
    expect(rules(t)).toEqual(['XREF-SERVICEMONITOR-MTLS ServiceMonitor/api spec.endpoints[0]', 'XREF-SERVICEMONITOR-AUTHZ ServiceMonitor/api spec.endpoints[0]']);
    const message = validateManifests(t.app.manifests()).findings[0].message;
    expect(message).toContain('STRICT mutual TLS applies to that port (PeerAuthentication shop-dev/default)');
  });

  test.each<[string, () => void, string]>([
    ['merged metrics without annotations', () => meshed({ annotations: false, serviceMonitor: {} }), 'metrics.annotations: false must be true with a ServiceMonitor using ScrapeMechanism.istioMergedMetrics()'],
    ['scrapeTimeout above interval', () => meshed({ serviceMonitor: { interval: Duration.seconds(10), scrapeTimeout: Duration.seconds(20) } }), 'scrapeTimeout: "20s" must not exceed interval (10s)'],
    ['a bad label key', () => meshed({ serviceMonitor: { labels: { 'bad key': 'x' } } }), 'labels.bad key: "bad key" is not a valid label key'],
    ['a bad label value', () => meshed({ serviceMonitor: { labels: { release: 'not ok' } } }), 'labels.release: "not ok" is not a valid label value'],
    ['a relative cert folder', () => meshed({ serviceMonitor: { mechanism: ScrapeMechanism.istioCertificates({ certDir: 'certs' }) } }), 'mechanism.certDir: "certs" must be an absolute path'],
    ['a relative metrics path', () => meshed({ path: 'metrics', serviceMonitor: {} }), 'metrics.path: "metrics" must be an absolute URL path'],
    ['a bad Prometheus namespace', () => meshed({ prometheusNamespace: 'Monitoring' }), 'metrics.prometheusNamespace: "Monitoring" is not a DNS-1123 label'],
  ])('refuses %s', (_d, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('ServiceMonitor on its own', () => {
  const legacy = () => MeshService.fromAttributes({ name: 'legacy', namespace: 'shop', port: 8080, selectorLabels: { app: 'legacy', tier: 'web' } });

  test('for any IMeshService, in a plain cdk8s chart', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    const sm = new ServiceMonitor(chart, 'sm', { service: legacy(), mechanism: ScrapeMechanism.plaintext(), path: '/stats' });
    const out = chart.toJson();
    expect(out.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/legacy-metrics', 'ServiceMonitor/legacy']);
    expect(out[0].spec).toEqual({ selector: { app: 'legacy', tier: 'web' }, ports: [{ name: 'http-metrics', port: 8080, targetPort: 8080, protocol: 'TCP' }] });
    expect(out[1].spec.endpoints[0]).toEqual({ port: 'http-metrics', path: '/stats', scheme: 'http', interval: '30s' });
    expect(out[1].metadata.labels).toBeUndefined();
    expect([sm.name, sm.metricsServiceName, sm.scrapePort, sm.mechanism.kind]).toEqual(['legacy', 'legacy-metrics', 8080, 'plaintext']);
  });

  test.each<[string, (chart: Chart) => void, string]>([
    ['a service in another namespace', c => new ServiceMonitor(c, 'sm', { service: MeshService.fromAttributes({ name: 'x', namespace: 'other', port: 80 }) }), 'service: "other/x" is not in the ServiceMonitor\'s namespace "shop"'],
    ['port with merged metrics', c => new ServiceMonitor(c, 'sm', { service: legacy(), port: 9100 }), 'port: 9100 is not used with ScrapeMechanism.istioMergedMetrics()'],
    ['path with merged metrics', c => new ServiceMonitor(c, 'sm', { service: legacy(), path: '/m' }), 'path: "/m" is not used with ScrapeMechanism.istioMergedMetrics()'],
    ['a bad port', c => new ServiceMonitor(c, 'sm', { service: legacy(), mechanism: ScrapeMechanism.plaintext(), port: 0 }), 'port: 0 is not a valid port number'],
    ['a bad name', c => new ServiceMonitor(c, 'sm', { service: legacy(), name: 'Legacy' }), 'name: "Legacy" is not a DNS-1123 label'],
  ])('refuses %s, naming the construct path', (_d, build, message) => {
    const chart = new Chart(new App(), 'c', { namespace: 'shop' });
    expect(() => build(chart)).toThrow(`[c/sm] ${message}`);
  });
});
