import { InputError } from '../gitops/errors';
import { GateSettings, ResolvedGateSettings, resolveGateSettings } from './gate-settings';
import { PrometheusError, queryInstant } from './prometheus';
import { checkQueryTemplate, renderQuery } from './promql';

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
   * `{selector}` (`app="…",version="…"[,namespace="…"]`), `{window}`, `{quantile}`.
   * @default DEFAULT_QUERIES.requests
   */
  readonly requestsQuery?: string;
  /**
   * PromQL giving the share of the version's requests that failed (0 to 1). Placeholders as in {@link requestsQuery}.
   * @default DEFAULT_QUERIES.errorRatio
   */
  readonly errorRatioQuery?: string;
  /**
   * PromQL giving the version's latency at the quantile, in seconds. Placeholders as in {@link requestsQuery}.
   * @default DEFAULT_QUERIES.latency
   */
  readonly latencyQuery?: string;
}

/** The checks of a gate, in the order they are reported. */
export type GateCheckName = 'requests' | 'error-ratio' | 'latency';

/** `pass`; `fail`: a threshold is exceeded; `no-data`: nothing or too little to judge (no series, NaN, fewer requests than the minimum); `error`: Prometheus could not answer. */
export type GateCheckStatus = 'pass' | 'fail' | 'no-data' | 'error';

/** One check of a gate. */
export interface GateCheck {
  /** Which check: `requests`, `error-ratio` or `latency`. */
  readonly name: GateCheckName;
  /** The PromQL sent to Prometheus. */
  readonly query: string;
  /** What the query evaluated to; absent with no data (empty result, NaN) or an error. */
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
  /** Whether a value passes, and why. */
  judge(value: number): { status: 'pass' | 'fail' | 'no-data'; reason: string };
}

/**
 * Judge one version of a service by Prometheus metrics: enough requests in the window, an
 * error ratio and a latency at the quantile within their maximums. The three instant queries
 * run side by side. No data (an empty result, NaN, fewer requests than the minimum) and a
 * Prometheus that cannot answer are refusals, never passes. Bad options throw an error naming
 * the option, its value and what is allowed, before any query.
 */
export async function evaluateGate(options: GateOptions): Promise<GateResult> {
  const settings = resolveGateSettings(options);
  for (const field of ['service', 'version', 'namespace'] as const) {
    const value = options[field];
    if (field === 'namespace' && value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${field}: ${JSON.stringify(value)} must be a non-empty label value`);
  }
  const specs = checkSpecs(options, settings);
  for (const spec of specs) checkQueryTemplate(spec.option, spec.template, options.namespace !== undefined);
  const values = { service: options.service, version: options.version, namespace: options.namespace, window: settings.window, quantile: settings.quantile };
  const checks = await Promise.all(specs.map(async (spec): Promise<GateCheck> => {
    const query = renderQuery(spec.template, values);
    const base = { name: spec.name, query, threshold: spec.threshold };
    let value: number | undefined;
    try {
      value = await queryInstant(settings.prometheus, query, { timeoutSeconds: settings.timeoutSeconds });
    } catch (e) {
      if (!(e instanceof PrometheusError)) throw e;
      return { ...base, status: 'error', passed: false, reason: e.message };
    }
    if (value === undefined) return { ...base, status: 'no-data', passed: false, reason: `no data: the query matched no series (no requests of ${options.service} ${options.version} in the last ${settings.window}?)` };
    if (Number.isNaN(value)) return { ...base, status: 'no-data', passed: false, reason: `no data: the query gave NaN (no requests of ${options.service} ${options.version} in the last ${settings.window}?)` };
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
  return [{
    name: 'requests',
    option: 'requestsQuery',
    template: options.requestsQuery ?? DEFAULT_QUERIES.requests,
    threshold: settings.minRequests,
    judge: v => v >= settings.minRequests
      ? { status: 'pass', reason: `${formatNumber(v)} requests in the last ${settings.window} (minimum ${settings.minRequests})` }
      : { status: 'no-data', reason: `too little data: ${formatNumber(v)} requests in the last ${settings.window}, fewer than the minimum ${settings.minRequests}` },
  }, {
    name: 'error-ratio',
    option: 'errorRatioQuery',
    template: options.errorRatioQuery ?? DEFAULT_QUERIES.errorRatio,
    threshold: settings.maxErrorRatio,
    judge: v => v <= settings.maxErrorRatio
      ? { status: 'pass', reason: `error ratio ${formatNumber(v)} (maximum ${formatNumber(settings.maxErrorRatio)})` }
      : { status: 'fail', reason: `error ratio ${formatNumber(v)} exceeds the maximum ${formatNumber(settings.maxErrorRatio)}` },
  }, {
    name: 'latency',
    option: 'latencyQuery',
    template: options.latencyQuery ?? DEFAULT_QUERIES.latency,
    threshold: settings.maxLatency,
    judge: v => v <= settings.maxLatency
      ? { status: 'pass', reason: `${p} latency ${formatNumber(v)} s (maximum ${formatNumber(settings.maxLatency)} s)` }
      : { status: 'fail', reason: `${p} latency ${formatNumber(v)} s exceeds the maximum ${formatNumber(settings.maxLatency)} s` },
  }];
}
