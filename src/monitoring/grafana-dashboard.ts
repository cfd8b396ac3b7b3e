import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { hashHex } from '../core/hash';
import { ManifestObject } from '../core/manifest-object';
import { checkServiceBeside, IMeshService } from '../mesh/mesh-service';
import { checkDnsSubdomain, checkLabelKey, checkLabelValue } from '../core/names';
import { errorRatioRecord, ServiceLevelObjective } from './service-level-objective';
import { SloMetrics } from './slo-metrics';

/** Label Grafana's dashboard sidecar looks for by default (kube-prometheus-stack: `grafana_dashboard: "1"`). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/** Props of a {@link GrafanaDashboard}. */
export interface GrafanaDashboardProps {
  /** The service the dashboard shows. */
  readonly service: IMeshService;
  /**
   * Its objectives: adds a burn-rate panel per objective, and the dashboard reads the
   * objective's metrics.
   * @default - no objective panels
   */
  readonly objective?: ServiceLevelObjective;
  /**
   * The series it reads; with an objective, the objective's.
   * @default - the objective's metrics, else SloMetrics.app()
   */
  readonly metrics?: SloMetrics;
  /**
   * Name of the ConfigMap (DNS-1123 subdomain); its data key is `<name>.json`.
   * @default '<service>-dashboard'
   */
  readonly name?: string;
  /**
   * Labels of the ConfigMap: those Grafana's sidecar selects on.
   * @default { grafana_dashboard: '1' }
   */
  readonly labels?: Record<string, string>;
  /**
   * Grafana folder (the sidecar's `grafana_folder` annotation, when its folderAnnotation is set so).
   * @default - the sidecar's default folder
   */
  readonly folder?: string;
}

/**
 * A Grafana dashboard of one service, as a ConfigMap for Grafana's dashboard sidecar: traffic,
 * 5xx ratio and latency (p50, p99), each per version side by side, and with an objective its
 * burn rates. The dashboard reads Prometheus through a `datasource` variable.
 */
export class GrafanaDashboard extends Construct {
  /** Name of the ConfigMap. */
  public readonly name: string;
  /** The dashboard's uid (stable: namespace and service). */
  public readonly uid: string;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const path = this.node.path;
    const service = props.service;
    checkServiceBeside(this, service, 'dashboard');
    if (props.objective && props.objective.service !== service) {
      throw new ConfigError(path, 'objective', props.objective.node.path, `is about ${props.objective.service.name}, not ${service.name}`);
    }
    this.name = checkDnsSubdomain(path, 'name', props.name ?? `${service.name}-dashboard`);
    const labelsIn = props.labels ?? { [GRAFANA_DASHBOARD_LABEL]: '1' };
    const labels = Object.entries(labelsIn).map(([k, v]) => [checkLabelKey(path, `labels.${k}`, k), checkLabelValue(path, `labels.${k}`, v)] as const);
    if (props.folder !== undefined && (typeof props.folder !== 'string' || props.folder.trim() === '' || /[\u0000-\u001f]/.test(props.folder))) {
      throw new ConfigError(path, 'folder', props.folder, 'must be a folder name without control characters');
    }
    const metrics = props.metrics ?? props.objective?.metrics ?? SloMetrics.app();
    this.uid = `cdk8s-${hashHex('sha256', `${service.namespace}/${service.name}`).slice(0, 16)}`;

    const dashboard = buildDashboard(this.uid, service, metrics, props.objective);
    new ManifestObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        labels: labels.length > 0 ? Object.fromEntries(labels) : undefined,
        annotations: props.folder !== undefined ? { grafana_folder: props.folder } : undefined,
      },
      data: { [`${this.name}.json`]: JSON.stringify(dashboard, null, 2) + '\n' },
    });
  }
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function buildDashboard(uid: string, service: IMeshService, metrics: SloMetrics, objective?: ServiceLevelObjective) {
  const selector = metrics.selector(service.name, service.namespace);
  const version = metrics.versionLabel;
  const w = '$__rate_interval';
  const byVersion = (expr: string) => `sum by (${version}) (${expr})`;
  const panels: any[] = [
    timeseries('Requests per second', 'reqps', [{ expr: byVersion(metrics.requestRate(selector, w)), legend: `{{${version}}}` }]),
    timeseries('5xx ratio', 'percentunit', [{
      expr: `${byVersion(`${metrics.errorRate(selector, w)} or 0 * ${metrics.requestRate(selector, w)}`)}\n/\n${byVersion(metrics.requestRate(selector, w))}`,
      legend: `{{${version}}}`,
    }]),
    timeseries('Latency', 's', [
      { expr: metrics.latencyQuantile(selector, w, 0.5), legend: `p50 {{${version}}}` },
      { expr: metrics.latencyQuantile(selector, w, 0.99), legend: `p99 {{${version}}}` },
    ]),
  ];
  for (const o of objective?.objectives ?? []) {
    const budget = Number((1 - o.target).toPrecision(12));
    panels.push(timeseries(`Error budget burn rate: ${o.kind} (1 = spent exactly over the window)`, 'none', [
      { expr: `${errorRatioRecord('1h')}{slo=${JSON.stringify(o.slo)}} / ${budget}`, legend: `1h {{${version}}}` },
      { expr: `${errorRatioRecord('6h')}{slo=${JSON.stringify(o.slo)}} / ${budget}`, legend: `6h {{${version}}}` },
    ]));
  }
  panels.forEach((p, i) => { p.id = i + 1; p.gridPos = { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 }; });
  return {
    uid,
    title: `${service.name} (${service.namespace})`,
    tags: ['cdk8s-gitops', service.namespace],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    panels,
  };
}

function timeseries(title: string, unit: string, targets: { expr: string; legend: string }[]) {
  return {
    type: 'timeseries',
    title,
    datasource: DATASOURCE,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi' } },
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend })),
  };
}
