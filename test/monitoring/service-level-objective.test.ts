import { Duration } from 'cdk8s';
import {
  burnAlertName, GrafanaDashboard, MeshService, ServiceLevelObjective, SloMetrics, validateManifests, WebService,
} from '../../src';
import { createApp as createReferenceApp } from '../../reference/main';
import { findObjective, objectiveGate } from '../../src/gate/slo-gate';
import { find, testChart } from '../util';
import { checkRules, describeWithPromtool, testRules } from './promtool';

/** A chart (namespace `shop-dev`) with WebService `api` (v1, v2) and its objectives. */
function withObjective(props: Partial<ConstructorParameters<typeof ServiceLevelObjective>[2]> = {}) {
  const t = testChart();
  const api = new WebService(t.chart, 'api', {
    name: 'api', image: 'ghcr.io/org/api',
    versions: [{ name: 'v1', tag: '1.0.0' }, { name: 'v2', tag: '1.1.0' }],
    metrics: { serviceMonitor: {} },
  });
  const slo = new ServiceLevelObjective(t.chart, 'slo', {
    service: api, availability: 99.9, latency: { threshold: Duration.millis(300), target: 99 },
    labels: { release: 'kube-prometheus-stack' }, ...props,
  });
  return { ...t, api, slo, rule: find(t.app, 'PrometheusRule', 'api-slo') };
}

const group = (rule: any, name: string) => rule.spec.groups.find((g: any) => g.name === name);
const alert = (g: any, severity: 'page' | 'ticket') => g.rules.find((r: any) => r.alert === burnAlertName(severity));

describe('ServiceLevelObjective', () => {
  test('renders one PrometheusRule: an error-ratio record per window and objective, then the page and ticket alerts', () => {
    const { rule, app } = withObjective();
    expect(rule).toMatchSnapshot();
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata).toEqual({ name: 'api-slo', namespace: 'shop-dev', labels: { release: 'kube-prometheus-stack' } });
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['api-availability', 'api-latency']);
    const availability = group(rule, 'api-availability');
    expect(availability.rules.filter((r: any) => r.record).map((r: any) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map(w => `slo:sli_error:ratio_rate${w}`));
    // per version, selecting the service in its namespace
    expect(availability.rules[0].expr).toContain('sum by (namespace, app, version) (rate(app_requests_total{app="api",namespace="shop-dev",status=~"5.."}[5m]))');
    expect(availability.rules[0].labels).toEqual({ slo: 'api-availability', slo_kind: 'availability' });
    // the SRE workbook's burn factors for a 30-day window: 14.4 and 6 page, 3 and 1 ticket
    expect(alert(availability, 'page').expr).toBe([
      '(slo:sli_error:ratio_rate1h{slo="api-availability"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{slo="api-availability"} > (14.4 * 0.001))',
      '(slo:sli_error:ratio_rate6h{slo="api-availability"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{slo="api-availability"} > (6 * 0.001))',
    ].join('\nor\n'));
    expect(alert(availability, 'ticket').expr).toContain('slo:sli_error:ratio_rate1d{slo="api-availability"} > (3 * 0.001)');
    expect(alert(availability, 'ticket').expr).toContain('slo:sli_error:ratio_rate3d{slo="api-availability"} > (1 * 0.001)');
    expect(alert(availability, 'page').labels).toEqual({ severity: 'page', slo: 'api-availability', slo_kind: 'availability' });
    // latency: the share of requests slower than the 0.3 s bucket
    const latency = group(rule, 'api-latency');
    expect(latency.rules[0].expr).toContain('app_request_duration_seconds_bucket{app="api",namespace="shop-dev",le="0.3"}[5m]');
    expect(alert(latency, 'page').expr).toContain('> (14.4 * 0.01)');
    // strict schema of the Prometheus Operator CRD, and the rest of the platform's checks
    expect(validateManifests(app.manifests()).findings).toEqual([]);
  });

  test('the burn factors follow the window (28 days: 2 % of the budget in 1h is 13.44 times the even rate)', () => {
    const { rule } = withObjective({ window: Duration.days(28), latency: undefined });
    expect(alert(group(rule, 'api-availability'), 'page').expr).toContain('> (13.44 * 0.001)');
    expect(alert(group(rule, 'api-availability'), 'page').annotations.description).toContain('over 28d');
  });

  test('Istio metrics: istio_requests_total by response_code, the millisecond histogram, reporter="destination"', () => {
    const { rule } = withObjective({ metrics: SloMetrics.istio(), latency: { threshold: Duration.seconds(1), target: 95 } });
    const availability = group(rule, 'api-availability');
    expect(availability.rules[0].expr).toContain('rate(istio_requests_total{destination_service_name="api",destination_service_namespace="shop-dev",reporter="destination",response_code=~"5.."}[5m])');
    // a whole bound matches both ways clients write it ("1000" and "1000.0")
    expect(group(rule, 'api-latency').rules[0].expr).toContain('istio_request_duration_milliseconds_bucket{destination_service_name="api",destination_service_namespace="shop-dev",reporter="destination",le=~"1000|1000\\\\.0"}[5m]');
  });

  test.each<[string, Partial<ConstructorParameters<typeof ServiceLevelObjective>[2]>, string]>([
    ['no objective', { availability: undefined, latency: undefined }, '[shop-dev/slo] availability: undefined nor latency is set: give at least one objective'],
    ['100 %', { availability: 100 }, '[shop-dev/slo] availability: 100 must be a percentage above 0 and below 100'],
    ['NaN', { availability: NaN }, '[shop-dev/slo] availability: null must be a percentage'],
    ['latency target 0', { latency: { threshold: Duration.millis(300), target: 0 } }, '[shop-dev/slo] latency.target: 0 must be a percentage'],
    ['latency threshold 0.5 ms', { latency: { threshold: Duration.millis(0.5), target: 99 } }, '[shop-dev/slo] latency.threshold: "0.5ms" must be a positive whole number of milliseconds'],
    ['a window shorter than the slowest alert', { window: Duration.days(1) }, '[shop-dev/slo] window: "1d" must be at least 3d'],
    ['a bad rule label', { labels: { 'bad key!': 'x' } }, '[shop-dev/slo] labels.bad key!: "bad key!" is not a valid label key'],
  ])('refuses %s', (_, props, message) => {
    expect(() => withObjective(props)).toThrow(message);
  });

  test('refuses a service of another namespace', () => {
    const t = testChart();
    const other = MeshService.fromAttributes({ name: 'api', namespace: 'elsewhere', port: 80 });
    expect(() => new ServiceLevelObjective(t.chart, 'slo', { service: other, availability: 99 }))
      .toThrow('[shop-dev/slo] service: "elsewhere/api" is not in the objective\'s namespace "shop-dev"');
  });

  test('SloMetrics.custom checks names', () => {
    const ok = { requests: 'http_requests_total', statusLabel: 'code', duration: 'http_request_duration_seconds', durationUnit: 'seconds' as const, serviceLabel: 'service', namespaceLabel: 'namespace', versionLabel: 'version' };
    expect(() => SloMetrics.custom(ok)).not.toThrow();
    expect(() => SloMetrics.custom({ ...ok, requests: 'http-requests' })).toThrow('[SloMetrics.custom] requests: "http-requests" is not a Prometheus metric name');
    expect(() => SloMetrics.custom({ ...ok, versionLabel: '__name__' })).toThrow('versionLabel: "__name__" is not a Prometheus label name');
  });

  test('getters return copies', () => {
    const { slo } = withObjective();
    const objectives = slo.objectives;
    (objectives as any).pop();
    expect(slo.objectives).toHaveLength(2);
    expect(slo.availability).toEqual({ kind: 'availability', slo: 'api-availability', target: 0.999 });
    expect(slo.latency).toEqual({ kind: 'latency', slo: 'api-latency', target: 0.99, thresholdMs: 300 });
  });
});

describe('GrafanaDashboard', () => {
  test('a ConfigMap for the sidecar with valid dashboard JSON: traffic, errors, latency per version, and burn rates', () => {
    const { app, chart, api, slo } = withObjective();
    const dashboard = new GrafanaDashboard(chart, 'dashboard', { service: api, objective: slo, folder: 'shop' });
    const cm = find(app, 'ConfigMap', 'api-dashboard');
    expect(cm.metadata.labels).toEqual({ grafana_dashboard: '1' });
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'shop' });
    const json = JSON.parse(cm.data['api-dashboard.json']);
    expect(json.uid).toBe(dashboard.uid);
    expect(json.uid.length).toBeLessThanOrEqual(40); // Grafana's limit
    expect(json.panels.map((p: any) => p.title)).toEqual([
      'Requests per second', '5xx ratio', 'Latency',
      'Error budget burn rate: availability (1 = spent exactly over the window)',
      'Error budget burn rate: latency (1 = spent exactly over the window)',
    ]);
    for (const p of json.panels) {
      expect(p).toEqual(expect.objectContaining({ id: expect.any(Number), type: 'timeseries', gridPos: expect.any(Object) }));
      for (const target of p.targets) expect(target.legendFormat).toContain('{{version}}');
    }
    expect(new Set(json.panels.map((p: any) => p.id)).size).toBe(json.panels.length);
    expect(json.templating.list[0]).toEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(validateManifests(app.manifests()).findings).toEqual([]);
  });

  test('refuses an objective of another service', () => {
    const { chart, slo } = withObjective();
    const other = new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web:1.0.0' });
    expect(() => new GrafanaDashboard(chart, 'dashboard', { service: other, objective: slo })).toThrow('[shop-dev/dashboard] objective: "shop-dev/slo" is about api, not web');
  });
});

/** Where the series are: service, namespace and the latency bucket of the objective. */
interface Target { readonly app: string; readonly namespace: string; readonly le: string }
const API: Target = { app: 'api', namespace: 'shop-dev', le: '0.3' };

/** Series of one version: `total` requests per minute, `bad` of them 5xx, and `slow` slower than the objective's bucket. */
function series(version: string, total: number, bad: number, slow: number, minutes: number, at: Target = API) {
  const labels = `app="${at.app}",namespace="${at.namespace}",version="${version}"`;
  const counter = (perMinute: number) => `0+${perMinute}x${minutes}`;
  return [
    { series: `app_requests_total{${labels},status="200"}`, values: counter(total - bad) },
    { series: `app_requests_total{${labels},status="500"}`, values: counter(bad) },
    { series: `app_request_duration_seconds_bucket{${labels},le="${at.le}"}`, values: counter(total - slow) },
    { series: `app_request_duration_seconds_count{${labels}}`, values: counter(total) },
  ];
}

/** The alert the rules should fire for `version`, with its labels and annotations as the rule renders them. */
function expected(rule: any, objective: 'availability' | 'latency', severity: 'page' | 'ticket', version: string, at: Target = API) {
  const r = alert(group(rule, `${at.app}-${objective}`), severity);
  const annotations = Object.fromEntries(Object.entries(r.annotations as Record<string, string>).map(([k, v]) => [k, v.replace('{{ $labels.version }}', version)]));
  return { exp_labels: { ...r.labels, app: at.app, namespace: at.namespace, version }, exp_annotations: annotations };
}

/**
 * promtool unit tests of an objective with availability 99.9 % and latency 99 %: v2 burns fast
 * (10 % errors, 30 % slow: pages and tickets), slowly (0.4 % and 4 %: tickets, never pages), or
 * not at all (0.05 % and 0.5 %: nothing fires); v1 stays healthy throughout and never alerts.
 */
function burnScenarios(rule: any, at: Target = API) {
  const healthy = (v: string, minutes = 360) => series(v, 1000, 0.5, 5, minutes, at);
  const both = (severity: 'page' | 'ticket') => [expected(rule, 'availability', severity, 'v2', at), expected(rule, 'latency', severity, 'v2', at)];
  return [
    {
      interval: '1m',
      input_series: [...healthy('v1'), ...series('v2', 1000, 100, 300, 360, at)],
      alert_rule_test: [
        { eval_time: '1h', alertname: burnAlertName('page'), exp_alerts: both('page') },
        { eval_time: '1h', alertname: burnAlertName('ticket'), exp_alerts: both('ticket') },
      ],
    },
    {
      interval: '1m',
      input_series: [...healthy('v1'), ...series('v2', 1000, 4, 40, 360, at)],
      alert_rule_test: [
        { eval_time: '3h', alertname: burnAlertName('page'), exp_alerts: [] },
        { eval_time: '3h', alertname: burnAlertName('ticket'), exp_alerts: both('ticket') },
      ],
    },
    {
      interval: '1m',
      input_series: [...healthy('v1'), ...healthy('v2')],
      alert_rule_test: [
        { eval_time: '6h', alertname: burnAlertName('page'), exp_alerts: [] },
        { eval_time: '6h', alertname: burnAlertName('ticket'), exp_alerts: [] },
      ],
    },
  ];
}

describeWithPromtool('ServiceLevelObjective rules with the real promtool', () => {
  test('promtool check rules accepts every rendered group', () => {
    const { rule } = withObjective();
    const r = checkRules(rule.spec.groups);
    expect(r.output).toContain('SUCCESS: 18 rules found');
    expect(r.status).toBe(0);
  });

  test('a fast burn pages, a slow burn tickets, a healthy version fires nothing (promtool test rules)', () => {
    const { rule } = withObjective();
    const r = testRules(rule.spec.groups, burnScenarios(rule));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('the reference app: every PrometheusRule passes promtool check rules, and the Flask app\'s alerts pass the burn scenarios', () => {
    const rules = createReferenceApp().manifests().map(m => m.object).filter(o => o.kind === 'PrometheusRule');
    expect(rules.map(r => `${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual(['flask-dev/flask-app-slo', 'flask-prod/flask-app-slo', 'flask-prod/flask-app-slo']);
    for (const rule of rules) {
      const check = checkRules(rule.spec.groups);
      expect(check.status).toBe(0);
      const r = testRules(rule.spec.groups, burnScenarios(rule, { app: 'flask-app', namespace: rule.metadata.namespace, le: '0.5' }));
      expect(r.output).toContain('SUCCESS');
      expect(r.status).toBe(0);
    }
  });

  test('promtool test rules fails when the expectation is wrong (the harness can fail)', () => {
    const { rule } = withObjective();
    const r = testRules(rule.spec.groups, [{
      interval: '1m',
      input_series: series('v2', 1000, 0.5, 5, 120),
      alert_rule_test: [{ eval_time: '1h', alertname: burnAlertName('page'), exp_alerts: [expected(rule, 'availability', 'page', 'v2')] }],
    }]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('FAILED');
  });

  test('every PromQL expression of the dashboard parses (promtool check rules)', () => {
    const { app, chart, api, slo } = withObjective();
    new GrafanaDashboard(chart, 'dashboard', { service: api, objective: slo });
    const json = JSON.parse(find(app, 'ConfigMap', 'api-dashboard').data['api-dashboard.json']);
    const exprs: string[] = json.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr.replace(/\$__rate_interval/g, '5m')));
    const r = checkRules([{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:expr${i}`, expr })) }]);
    expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(r.status).toBe(0);
  });
});

describe('the canary gate from the objective', () => {
  test('thresholds from the objectives, queries on its metrics, in the service\'s namespace', () => {
    const { slo } = withObjective();
    expect(objectiveGate(slo)).toEqual({
      namespace: 'shop-dev',
      maxErrorRatio: 0.001,
      maxLatency: 0.3,
      quantile: 0.99,
      requestsQuery: 'sum(increase(app_requests_total{app="{service}",namespace="{namespace}",version="{version}"}[{window}]))',
      errorRatioQuery: '(sum(rate(app_requests_total{app="{service}",namespace="{namespace}",version="{version}",status=~"5.."}[{window}])) or vector(0)) / sum(rate(app_requests_total{app="{service}",namespace="{namespace}",version="{version}"}[{window}]))',
      latencyQuery: 'histogram_quantile({quantile}, sum by (le) (rate(app_request_duration_seconds_bucket{app="{service}",namespace="{namespace}",version="{version}"}[{window}])))',
    });
    // an objective without latency leaves the latency thresholds to the gate's settings
    const { slo: availabilityOnly } = withObjective({ latency: undefined });
    expect(objectiveGate(availabilityOnly)).not.toHaveProperty('maxLatency');
    expect(objectiveGate(availabilityOnly)).not.toHaveProperty('quantile');
    // Istio's histogram is in milliseconds: the latency query gives seconds
    expect(objectiveGate(withObjective({ metrics: SloMetrics.istio() }).slo).latencyQuery).toMatch(/istio_request_duration_milliseconds_bucket\{destination_service_name="\{service\}".*\) \/ 1000$/);
  });

  test('findObjective finds a service\'s objective in an environment (and a cluster of it) of the reference app', () => {
    const app = createReferenceApp();
    app.manifests();
    const eu = findObjective(app, 'prod', 'flask-app', 'prod-eu');
    expect(eu?.node.path).toBe('flask-app-prod-eu/slo');
    expect(findObjective(app, 'prod', 'flask-app', 'prod-us')?.node.path).toBe('flask-app-prod-us/slo');
    expect(findObjective(app, 'dev', 'flask-app')?.node.path).toBe('flask-app-dev/slo');
    expect(findObjective(app, 'dev', 'backend')).toBeUndefined();
    expect(findObjective(app, 'staging', 'flask-app')).toBeUndefined();
    expect(objectiveGate(eu!)).toEqual(expect.objectContaining({ namespace: 'flask-prod', maxErrorRatio: 0.001, maxLatency: 0.5, quantile: 0.99 }));
  });
});
