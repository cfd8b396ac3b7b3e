import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { IServiceMonitorSpec } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitorSpec';
import type { IEndpoint } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Endpoint';
import type { IServiceSpec } from 'kubernetes-models/v1/ServiceSpec';
import { formatArgoDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { ManifestObject } from '../core/manifest-object';
import { checkServiceBeside, IMeshService } from '../mesh/mesh-service';
import { checkDnsLabel, checkDnsLabel1035, checkLabelKey, checkLabelValue, checkPort } from '../core/names';
import { ScrapeMechanism } from './scrape-mechanism';

/** Name of the port of the metrics Service a ServiceMonitor scrapes (Istio protocol prefix `http`). */
export const METRICS_PORT_NAME = 'http-metrics';

/** `app.kubernetes.io/component` of the metrics Service, which the ServiceMonitor selects. */
export const METRICS_COMPONENT = 'metrics';

/** Settings of a ServiceMonitor that a WebService takes as they are (`metrics.serviceMonitor`). */
export interface ServiceMonitorOptions {
  /**
   * How Prometheus gets through the namespace's STRICT mutual TLS (see {@link ScrapeMechanism}).
   * @default ScrapeMechanism.istioMergedMetrics()
   */
  readonly mechanism?: ScrapeMechanism;
  /**
   * Scrape interval.
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Scrape timeout; at most `interval`.
   * @default - Prometheus's scrape timeout (10s, or the interval when shorter)
   */
  readonly scrapeTimeout?: Duration;
  /**
   * Labels of the ServiceMonitor: those the Prometheus resource's `serviceMonitorSelector`
   * selects on (kube-prometheus-stack: `release: <its Helm release>`).
   * @default - none: only a Prometheus selecting every ServiceMonitor finds it
   */
  readonly labels?: Record<string, string>;
}

/** Props of a ServiceMonitor. */
export interface ServiceMonitorProps extends ServiceMonitorOptions {
  /** The service whose pods are scraped; it must be in the ServiceMonitor's namespace. */
  readonly service: IMeshService;
  /**
   * Name of the ServiceMonitor (DNS-1123 label); its metrics Service is `<name>-metrics`.
   * @default - the service's name
   */
  readonly name?: string;
  /**
   * Container port the app serves its metrics on. Not with `istioMergedMetrics`: the Istio
   * agent reads it from the pods' `prometheus.io/port` annotation.
   * @default - the service's port
   */
  readonly port?: number;
  /**
   * Path of the app's metrics. Not with `istioMergedMetrics`: the Istio agent reads it from
   * the pods' `prometheus.io/path` annotation.
   * @default '/metrics'
   */
  readonly path?: string;
}

/**
 * A Prometheus Operator ServiceMonitor (`monitoring.coreos.com/v1`) for a service's pods, and
 * the Service it scrapes through: `<name>-metrics`, a Service over the same pods whose only
 * port (`http-metrics`) is the one Prometheus connects to. The app's own Service is left
 * alone, so its routes keep a single port.
 *
 * Under STRICT mutual TLS the default mechanism is Istio's metrics merging
 * ({@link ScrapeMechanism.istioMergedMetrics}): the port is the Istio agent's 15020, which
 * the sidecar does not intercept, so neither mTLS nor the namespace's default-deny
 * AuthorizationPolicy stands in the way and nothing on the app's port is relaxed. The pods
 * must carry the `prometheus.io/scrape`, `port` and `path` annotations when they are
 * injected (WebService writes them); `validate` checks it.
 */
export class ServiceMonitor extends Construct {
  /** Name of the ServiceMonitor. */
  public readonly name: string;
  /** Name of the Service it scrapes through. */
  public readonly metricsServiceName: string;
  /** The container port Prometheus connects to. */
  public readonly scrapePort: number;
  /** How it scrapes. */
  public readonly mechanism: ScrapeMechanism;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    const path = this.node.path;
    const service = props.service;
    checkServiceBeside(this, service, 'ServiceMonitor', ' (its metrics Service must be beside the pods)');
    this.name = checkDnsLabel(path, 'name', props.name ?? service.name);
    this.metricsServiceName = checkDnsLabel1035(path, 'name', `${this.name}-metrics`);
    this.mechanism = props.mechanism ?? ScrapeMechanism.istioMergedMetrics();
    const scrape = this.mechanism.toEndpoint(path);
    if (scrape.port !== undefined) {
      for (const field of ['port', 'path'] as const) {
        if (props[field] !== undefined) {
          throw new ConfigError(path, field, props[field],
            `is not used with ScrapeMechanism.istioMergedMetrics(): the Istio agent scrapes the app at the pods' prometheus.io/${field} annotation; set it there (WebService: metrics.${field})`);
        }
      }
    }
    const appPath = props.path ?? '/metrics';
    if (typeof appPath !== 'string' || !appPath.startsWith('/')) throw new ConfigError(path, 'path', appPath, 'must be an absolute URL path such as "/metrics"');
    this.scrapePort = scrape.port ?? checkPort(path, 'port', props.port ?? service.port);

    const intervalDuration = props.interval ?? Duration.seconds(30);
    const interval = formatArgoDuration(path, 'interval', intervalDuration);
    let scrapeTimeout: string | undefined;
    if (props.scrapeTimeout !== undefined) {
      scrapeTimeout = formatArgoDuration(path, 'scrapeTimeout', props.scrapeTimeout);
      if (props.scrapeTimeout.toMilliseconds() > intervalDuration.toMilliseconds()) {
        throw new ConfigError(path, 'scrapeTimeout', scrapeTimeout, `must not exceed interval (${interval}): Prometheus refuses the scrape configuration`);
      }
    }
    const labels = Object.entries(props.labels ?? {}).map(([k, v]) => {
      checkLabelKey(path, `labels.${k}`, k);
      return [k, checkLabelValue(path, `labels.${k}`, v)] as const;
    });

    const selectorLabels = { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/component': METRICS_COMPONENT };
    const podSelector = service.selectorLabels;
    const serviceSpec: IServiceSpec = {
      selector: podSelector,
      ports: [{ name: METRICS_PORT_NAME, port: this.scrapePort, targetPort: this.scrapePort, protocol: 'TCP' }],
    };
    new ManifestObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.metricsServiceName, labels: { ...selectorLabels, 'app.kubernetes.io/managed-by': 'cdk8s-gitops' } },
      spec: serviceSpec,
    });

    const endpoint: IEndpoint = {
      port: METRICS_PORT_NAME,
      path: scrape.path ?? appPath,
      scheme: scrape.scheme,
      interval,
      scrapeTimeout,
      tlsConfig: scrape.tlsConfig,
    };
    const spec: IServiceMonitorSpec = {
      selector: { matchLabels: selectorLabels },
      endpoints: [endpoint],
      // the pods' selector labels (`app`) on every series: what the gate's default queries and
      // ServiceLevelObjective's SloMetrics.app() select a service by
      podTargetLabels: Object.keys(podSelector).sort(),
    };
    new ManifestObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: this.name, labels: labels.length > 0 ? Object.fromEntries(labels) : undefined },
      spec,
    });
  }
}
