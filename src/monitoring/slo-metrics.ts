import { ConfigError } from '../core/errors';

/** The metric names and labels an objective, its alerts and its dashboard are computed from. */
export interface SloMetricsProps {
  /** Counter of the service's requests, such as `app_requests_total`. */
  readonly requests: string;
  /** Label of {@link requests} holding the HTTP status code (`status`, Istio: `response_code`). */
  readonly statusLabel: string;
  /** Base name of the request-duration histogram (its `_bucket` and `_count` series), such as `app_request_duration_seconds`. */
  readonly duration: string;
  /** Unit of the histogram's `le` buckets. */
  readonly durationUnit: 'seconds' | 'milliseconds';
  /** Label naming the service (`app`: the pod label a Kubernetes scrape copies; Istio: `destination_service_name`). */
  readonly serviceLabel: string;
  /** Label naming the service's namespace (`namespace`; Istio: `destination_service_namespace`). */
  readonly namespaceLabel: string;
  /** Label naming the version (`version`; Istio: `destination_version`). */
  readonly versionLabel: string;
  /**
   * Matchers every query adds, such as `reporter="destination"`.
   * @default - none
   */
  readonly extraMatchers?: string;
}

/** The canary gate's queries, as templates of its placeholders. */
export interface GateQueries {
  /** Requests of the version in the window. */
  readonly requestsQuery: string;
  /** Share of the version's requests answered 5xx. */
  readonly errorRatioQuery: string;
  /** Latency of the version's requests at the quantile, in seconds. */
  readonly latencyQuery: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Which Prometheus series measure a service: the request counter with its status label, the
 * request-duration histogram, and the labels naming service, namespace and version.
 * {@link SloMetrics.app} are the reference Flask app's metrics (what the canary gate's default
 * queries read), {@link SloMetrics.istio} the sidecars' standard metrics.
 */
export class SloMetrics {
  /**
   * The app's own metrics, scraped with the pod's labels: `app_requests_total{status}` and the
   * histogram `app_request_duration_seconds`, labelled `app`, `namespace` and `version`.
   */
  public static app(): SloMetrics {
    return new SloMetrics({
      requests: 'app_requests_total', statusLabel: 'status',
      duration: 'app_request_duration_seconds', durationUnit: 'seconds',
      serviceLabel: 'app', namespaceLabel: 'namespace', versionLabel: 'version',
    });
  }

  /**
   * Istio's standard metrics as the receiving sidecar reports them: `istio_requests_total{response_code}`
   * and `istio_request_duration_milliseconds`, labelled `destination_service_name`,
   * `destination_service_namespace` and `destination_version`, with `reporter="destination"`.
   */
  public static istio(): SloMetrics {
    return new SloMetrics({
      requests: 'istio_requests_total', statusLabel: 'response_code',
      duration: 'istio_request_duration_milliseconds', durationUnit: 'milliseconds',
      serviceLabel: 'destination_service_name', namespaceLabel: 'destination_service_namespace',
      versionLabel: 'destination_version', extraMatchers: 'reporter="destination"',
    });
  }

  /** Other metrics: names and labels checked against Prometheus's naming rules. */
  public static custom(props: SloMetricsProps): SloMetrics {
    const where = 'SloMetrics.custom';
    for (const field of ['requests', 'duration'] as const) {
      if (typeof props[field] !== 'string' || !METRIC_NAME.test(props[field])) {
        throw new ConfigError(where, field, props[field], 'is not a Prometheus metric name (letters, digits, "_" and ":", not starting with a digit)');
      }
    }
    for (const field of ['statusLabel', 'serviceLabel', 'namespaceLabel', 'versionLabel'] as const) {
      if (typeof props[field] !== 'string' || !LABEL_NAME.test(props[field]) || props[field].startsWith('__')) {
        throw new ConfigError(where, field, props[field], 'is not a Prometheus label name (letters, digits and "_", not starting with a digit or "__")');
      }
    }
    if (props.durationUnit !== 'seconds' && props.durationUnit !== 'milliseconds') {
      throw new ConfigError(where, 'durationUnit', props.durationUnit, 'must be "seconds" or "milliseconds"');
    }
    return new SloMetrics(props);
  }

  private constructor(private readonly props: SloMetricsProps) {}

  /** Label naming the version. */
  public get versionLabel(): string { return this.props.versionLabel; }

  /** Labels the recorded series keep: namespace, service and version. */
  public get groupLabels(): string[] {
    return [this.props.namespaceLabel, this.props.serviceLabel, this.props.versionLabel];
  }

  /** Matchers of one service's series (`app="api",namespace="shop"`). */
  public selector(service: string, namespace: string): string {
    const matchers = [`${this.props.serviceLabel}=${JSON.stringify(service)}`, `${this.props.namespaceLabel}=${JSON.stringify(namespace)}`];
    if (this.props.extraMatchers) matchers.push(this.props.extraMatchers);
    return matchers.join(',');
  }

  /** Per-second requests over `window`, by namespace, service and version. */
  public requestRate(selector: string, window: string): string {
    return `sum by (${this.groupLabels.join(', ')}) (rate(${this.props.requests}{${selector}}[${window}]))`;
  }

  /** Per-second 5xx answers over `window`, by namespace, service and version. */
  public errorRate(selector: string, window: string): string {
    return `sum by (${this.groupLabels.join(', ')}) (rate(${this.props.requests}{${selector},${this.props.statusLabel}=~"5.."}[${window}]))`;
  }

  /** Per-second requests answered within `thresholdMs` over `window` (the histogram bucket `le` of that bound). */
  public fastRate(selector: string, window: string, thresholdMs: number): string {
    return `sum by (${this.groupLabels.join(', ')}) (rate(${this.props.duration}_bucket{${selector},${this.bucketMatcher(thresholdMs)}}[${window}]))`;
  }

  /** Per-second requests the histogram counted over `window`. */
  public durationCountRate(selector: string, window: string): string {
    return `sum by (${this.groupLabels.join(', ')}) (rate(${this.props.duration}_count{${selector}}[${window}]))`;
  }

  /** Latency at `quantile` over `window`, by version, in seconds. */
  public latencyQuantile(selector: string, window: string, quantile: number): string {
    const q = `histogram_quantile(${quantile}, sum by (le, ${this.props.versionLabel}) (rate(${this.props.duration}_bucket{${selector}}[${window}])))`;
    return this.props.durationUnit === 'milliseconds' ? `${q} / 1000` : q;
  }

  /** The bucket bound of `thresholdMs` in the histogram's unit (`0.3`, `300`). */
  public bucketBound(thresholdMs: number): number {
    return this.props.durationUnit === 'seconds' ? thresholdMs / 1000 : thresholdMs;
  }

  /**
   * The `le` matcher of a bucket bound. Client libraries write whole bounds differently (Go's
   * `1`, Python's `1.0`; Prometheus 2 stores the text as scraped), so a whole bound matches both.
   */
  public bucketMatcher(thresholdMs: number): string {
    const bound = this.bucketBound(thresholdMs);
    return Number.isInteger(bound) ? `le=~"${bound}|${bound}\\\\.0"` : `le="${bound}"`;
  }

  /**
   * The canary gate's three queries on these metrics, as templates of its placeholders
   * (`{service}`, `{namespace}`, `{version}`, `{window}`, `{quantile}`): the version's requests
   * in the window, its share of 5xx answers, its latency at the quantile in seconds.
   */
  public gateQueries(): GateQueries {
    const p = this.props;
    const sel = [`${p.serviceLabel}="{service}"`, `${p.namespaceLabel}="{namespace}"`, `${p.versionLabel}="{version}"`, ...(p.extraMatchers ? [p.extraMatchers] : [])].join(',');
    const latency = `histogram_quantile({quantile}, sum by (le) (rate(${p.duration}_bucket{${sel}}[{window}])))`;
    return {
      requestsQuery: `sum(increase(${p.requests}{${sel}}[{window}]))`,
      errorRatioQuery: `(sum(rate(${p.requests}{${sel},${p.statusLabel}=~"5.."}[{window}])) or vector(0)) / sum(rate(${p.requests}{${sel}}[{window}]))`,
      latencyQuery: p.durationUnit === 'milliseconds' ? `${latency} / 1000` : latency,
    };
  }
}
