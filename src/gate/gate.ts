import { InputError } from '../core/errors';
import { durationSeconds, gateHeaders, GateSettings, ResolvedGateSettings, resolveGateSettings } from './gate-settings';
import { instantQuery, PrometheusError } from './prometheus';
import { checkQueryTemplate, ISTIO_SELECTOR_LABELS, renderQuery, SELECTOR_LABELS } from './promql';

/**
 * The default queries. They expect the metrics of the reference Flask app: a request counter
 * `app_requests_total` with a `status` label (the HTTP status code) and a latency histogram
 * `app_request_duration_seconds`, both labelled `version` and scraped with the pod's `app`
 * label (and `namespace`), which `{selector}` matches.
 */
export const DEFAULT_QUERIES = {
  /** Requests of the version in the window. */
  requests: 'sum(increase(app_requests_total{{selector}}[{window}]))',
  /** Share of the version's requests answered 5xx; no 5xx series is a ratio of 0, no requests at all is no data. */
  errorRatio: '(sum(rate(app_requests_total{{selector},status=~"5.."}[{window}])) or vector(0)) / sum(rate(app_requests_total{{selector}}[{window}]))',
  /** Latency of the version's requests at the quantile, in seconds. */
  latency: 'histogram_quantile({quantile}, sum by (le) (rate(app_request_duration_seconds_bucket{{selector}}[{window}])))',
} as const;

/**
 * The default queries with `metrics: 'istio'`: Istio's standard metrics as the destination's
 * sidecar reports them (`reporter="destination"`): the counter `istio_requests_total` with its
 * `response_code` label and the histogram `istio_request_duration_milliseconds` (divided by
 * 1000: the gate's latency is in seconds). `{selector}` matches `destination_app`,
 * `destination_version` (the pod's `app` and `version` labels) and `destination_workload_namespace`.
 */
export const ISTIO_QUERIES = {
  /** Requests the version received in the window. */
  requests: 'sum(increase(istio_requests_total{reporter="destination",{selector}}[{window}]))',
  /** Share of the version's requests answered 5xx; no 5xx series is a ratio of 0, no requests at all is no data. */
  errorRatio: '(sum(rate(istio_requests_total{reporter="destination",{selector},response_code=~"5.."}[{window}])) or vector(0)) / sum(rate(istio_requests_total{reporter="destination",{selector}}[{window}]))',
  /** Latency of the version's requests at the quantile, in seconds. */
  latency: 'histogram_quantile({quantile}, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",{selector}}[{window}]))) / 1000',
} as const;

/** Options of {@link evaluateGate}: which version to judge, where, and how strictly. */
export interface GateOptions extends GateSettings {
  /** Service name (the `app` label of the default queries, `{service}` in a query). */
  readonly service: string;
  /** Version of the service to judge, such as `v2` (the `version` label, `{version}`). */
  readonly version: string;
  /**
   * Namespace of the service (the `namespace` label, `{namespace}`).
   * @default - the default queries match every namespace
   */
  readonly namespace?: string;
  /**
   * PromQL giving the number of requests of the version in the window. Placeholders:
   * `{service}`, `{version}`, `{namespace}` (escaped, for use inside double quotes),
   * `{selector}` (`app="…",version="…"[,namespace="…"]`; with `metrics: 'istio'`,
   * `destination_app="…",destination_version="…"[,destination_workload_namespace="…"]`),
   * `{window}`, `{quantile}`.
   * @default DEFAULT_QUERIES.requests (ISTIO_QUERIES.requests with `metrics: 'istio'`)
   */
  readonly requestsQuery?: string;
  /**
   * PromQL giving the share of the version's requests that failed (0 to 1). Placeholders as in {@link requestsQuery}.
   * @default DEFAULT_QUERIES.errorRatio (ISTIO_QUERIES.errorRatio with `metrics: 'istio'`)
   */
  readonly errorRatioQuery?: string;
  /**
   * PromQL giving the version's latency at the quantile, in seconds. Placeholders as in {@link requestsQuery}.
   * @default DEFAULT_QUERIES.latency (ISTIO_QUERIES.latency with `metrics: 'istio'`)
   */
  readonly latencyQuery?: string;
}

/** The checks of a gate, in the order they are reported. */
export type GateCheckName = 'requests' | 'error-ratio' | 'latency';

/**
 * `pass`; `fail`: a threshold is exceeded; `no-data`: nothing, too little or nothing true to
 * judge (no series, NaN, fewer requests than the minimum, a value that cannot be one of the
 * check's: infinite, negative, an error ratio above 1; a sample older than the window; an
 * answer from partial data, with warnings); `error`: Prometheus could not answer.
 */
export type GateCheckStatus = 'pass' | 'fail' | 'no-data' | 'error';

/** One check of a gate. */
export interface GateCheck {
  /** Which check: `requests`, `error-ratio` or `latency`. */
  readonly name: GateCheckName;
  /** The PromQL sent to Prometheus. */
  readonly query: string;
  /** What the query evaluated to; absent with an empty result, NaN or an error. */
  readonly value?: number;
  /** The minimum (`requests`) or maximum (`error-ratio`, `latency`) that passes. */
  readonly threshold: number;
  /** The verdict: `pass`, `fail`, `no-data` or `error`. */
  readonly status: GateCheckStatus;
  /** Whether the check passed (`status` is `pass`). */
  readonly passed: boolean;
  /** Why, for a person: the value against the threshold, or what is missing. */
  readonly reason: string;
}

/** The verdict of a gate and each of its checks. */
export interface GateResult {
  /** Whether every check passed; no data and errors never pass. */
  readonly passed: boolean;
  /** The base URL of the Prometheus that was asked. */
  readonly prometheus: string;
  /** The service judged (its `app` label). */
  readonly service: string;
  /** The version judged (its `version` label). */
  readonly version: string;
  /** The namespace the queries were limited to, when one was given. */
  readonly namespace?: string;
  /** The window the queries looked back over (a Prometheus duration, e.g. `5m`). */
  readonly window: string;
  /** Every check, in order: requests, error ratio, latency. */
  readonly checks: readonly GateCheck[];
}

/** A check before its query ran: what it measures and how its value is judged. */
interface CheckSpec {
  readonly name: GateCheckName;
  readonly template: string;
  readonly option: 'requestsQuery' | 'errorRatioQuery' | 'latencyQuery';
  readonly threshold: number;
  /** What the value is, for a reason: `requests`, `error ratio`, `p99 latency`. */
  readonly what: string;
  /** The values that can be true of the check (finite ones only), and how a reason says so. */
  readonly range: { readonly min: number; readonly max: number; readonly allowed: string };
  /** Whether a value in the range passes, and why. */
  judge(value: number): { status: 'pass' | 'fail' | 'no-data'; reason: string };
}

/**
 * Judge one version of a service by Prometheus metrics: enough requests in the window, an
 * error ratio and a latency at the quantile within their maximums. The three instant queries
 * run side by side. Only a finite value in the check's range (requests and latency at least 0,
 * an error ratio from 0 to 1), sampled within the window of now, from an answer without
 * warnings, is evidence; anything else (an empty result, NaN, an infinity, a negative number,
 * a stale sample, partial data, fewer requests than the minimum) is no data, and a Prometheus
 * that cannot answer is an error: refusals, never passes. Bad options (and an environment
 * variable of the credentials that is not set) throw an error naming the option, its value and
 * what is allowed, before any query.
 */
export async function evaluateGate(options: GateOptions): Promise<GateResult> {
  const settings = resolveGateSettings(options);
  for (const field of ['service', 'version', 'namespace'] as const) {
    const value = options[field];
    if (field === 'namespace' && value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${field}: ${JSON.stringify(value)} must be a non-empty label value`);
  }
  const headers = gateHeaders(settings);
  const specs = checkSpecs(options, settings);
  for (const spec of specs) checkQueryTemplate(spec.option, spec.template, options.namespace !== undefined);
  const labels = settings.metrics === 'istio' ? ISTIO_SELECTOR_LABELS : SELECTOR_LABELS;
  const values = { service: options.service, version: options.version, namespace: options.namespace, window: settings.window, quantile: settings.quantile, labels };
  const windowSeconds = durationSeconds(settings.window)!;
  const checks = await Promise.all(specs.map(async (spec): Promise<GateCheck> => {
    const query = renderQuery(spec.template, values);
    const base = { name: spec.name, query, threshold: spec.threshold };
    let answer;
    try {
      answer = await instantQuery(settings.prometheus, query, { timeoutSeconds: settings.timeoutSeconds, headers });
    } catch (e) {
      if (!(e instanceof PrometheusError)) throw e;
      return { ...base, status: 'error', passed: false, reason: e.message };
    }
    const { value, time, warnings } = answer;
    const noData = (reason: string): GateCheck => ({ ...base, ...(value !== undefined && !Number.isNaN(value) ? { value } : {}), status: 'no-data', passed: false, reason });
    const shown = value === undefined ? '' : `${spec.what} ${formatNumber(value)}`;
    if (warnings.length > 0) return noData(`no data: partial data, Prometheus answered${shown === '' ? '' : ` ${shown}`} with warnings: ${warnings.join('; ')}`);
    if (value === undefined || time === undefined) return noData(`no data: the query matched no series (no requests of ${options.service} ${options.version} in the last ${settings.window}?)`);
    if (Number.isNaN(value)) return noData(`no data: the query gave NaN (no requests of ${options.service} ${options.version} in the last ${settings.window}?)`);
    const age = Date.now() / 1000 - time;
    if (age > windowSeconds) return noData(`no data: stale, the sample (${shown}) is from ${sampleTime(time)}, older than the window ${settings.window}`);
    if (-age > windowSeconds) return noData(`no data: the sample (${shown}) is from ${sampleTime(time)}, later than now by more than the window ${settings.window}`);
    if (!(value >= spec.range.min && value <= spec.range.max)) return noData(`no data: ${shown} is no evidence, ${spec.range.allowed}`);
    const verdict = spec.judge(value);
    return { ...base, value, status: verdict.status, passed: verdict.status === 'pass', reason: verdict.reason };
  }));
  return {
    passed: checks.every(c => c.passed),
    prometheus: settings.prometheus,
    service: options.service,
    version: options.version,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    window: settings.window,
    checks,
  };
}

/** A sample's time for a reason: ISO 8601 in UTC, or the number when no date can hold it. */
function sampleTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} s after 1970` : date.toISOString();
}

/** One line: whether the gate passed, and if not, the status of each check that did not pass (`gate refused: demo v2 over the last 5m (error-ratio: fail, latency: no-data)`). */
export function gateSummary(result: GateResult): string {
  const subject = `${result.service} ${result.version}${result.namespace !== undefined ? ` in ${result.namespace}` : ''} over the last ${result.window}`;
  if (result.passed) return `gate passed: ${subject}`;
  return `gate refused: ${subject} (${result.checks.filter(c => !c.passed).map(c => `${c.name}: ${c.status}`).join(', ')})`;
}

/** A number for a reason: 4 significant digits, +Inf/-Inf as Prometheus writes them. */
export function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(Number(value.toPrecision(4)));
}

function checkSpecs(options: GateOptions, settings: ResolvedGateSettings): CheckSpec[] {
  const p = `p${formatNumber(settings.quantile * 100)}`;
  const queries = settings.metrics === 'istio' ? ISTIO_QUERIES : DEFAULT_QUERIES;
  return [{
    name: 'requests',
    option: 'requestsQuery',
    template: options.requestsQuery ?? queries.requests,
    threshold: settings.minRequests,
    what: 'requests',
    range: { min: 0, max: Number.MAX_VALUE, allowed: 'a number of requests is finite and at least 0' },
    judge: v => v >= settings.minRequests
      ? { status: 'pass', reason: `${formatNumber(v)} requests in the last ${settings.window} (minimum ${settings.minRequests})` }
      : { status: 'no-data', reason: `too little data: ${formatNumber(v)} requests in the last ${settings.window}, fewer than the minimum ${settings.minRequests}` },
  }, {
    name: 'error-ratio',
    option: 'errorRatioQuery',
    template: options.errorRatioQuery ?? queries.errorRatio,
    threshold: settings.maxErrorRatio,
    what: 'error ratio',
    range: { min: 0, max: 1, allowed: 'an error ratio is a share of the requests, from 0 to 1' },
    judge: v => v <= settings.maxErrorRatio
      ? { status: 'pass', reason: `error ratio ${formatNumber(v)} (maximum ${formatNumber(settings.maxErrorRatio)})` }
      : { status: 'fail', reason: `error ratio ${formatNumber(v)} exceeds the maximum ${formatNumber(settings.maxErrorRatio)}` },
  }, {
    name: 'latency',
    option: 'latencyQuery',
    template: options.latencyQuery ?? queries.latency,
    threshold: settings.maxLatency,
    what: `${p} latency`,
    range: { min: 0, max: Number.MAX_VALUE, allowed: 'a latency is a finite number of seconds, at least 0' },
    judge: v => v <= settings.maxLatency
      ? { status: 'pass', reason: `${p} latency ${formatNumber(v)} s (maximum ${formatNumber(settings.maxLatency)} s)` }
      : { status: 'fail', reason: `${p} latency ${formatNumber(v)} s exceeds the maximum ${formatNumber(settings.maxLatency)} s` },
  }];
}
