import { evaluateGate, formatNumber, GateOptions, GateResult, gateSummary } from '../gate/gate';
import { GATE_SETTING_KEYS, gateHeaders, readGateSettings, resolveGateSettings } from '../gate/gate-settings';
import { checkQueryTemplate } from '../gate/promql';
import type { GateObjective } from '../gate/slo-gate';
import { escapeControl, escapeJsonControl } from '../core/redact';
import { APP_OPTION } from './app-option';
import { defineOptions, optionGroup, OptionValues, required } from './args';
import { command, commandHelp } from './command';
import { outputOption } from './output';
import { UsageError } from '../core/errors';

/** The settings' defaults, as the help gives them. */
const DEFAULTS = resolveGateSettings({ prometheus: 'http://prometheus:9090' });

/** The query flags and the option of the gate each replaces. */
const QUERIES = { 'requests-query': 'requestsQuery', 'error-ratio-query': 'errorRatioQuery', 'latency-query': 'latencyQuery' } as const;

export const OPTIONS = defineOptions({
  'prometheus': { type: 'string', value: 'URL', description: 'base URL of Prometheus, e.g. http://prometheus.monitoring:9090' },
  'service': { type: 'string', value: 'NAME', description: 'service (label app)' },
  'version': { type: 'string', value: 'V', description: 'version to judge, e.g. v2 (label version)' },
  'namespace': { type: 'string', value: 'NS', description: 'namespace (label namespace; default: any namespace)' },
  'window': { type: 'string', value: 'DURATION', description: `window of the metrics, a Prometheus duration (default: ${DEFAULTS.window})` },
  'max-error-ratio': { type: 'string', value: 'R', description: `largest share of 5xx responses that passes, 0 to 1 (default: ${DEFAULTS.maxErrorRatio})` },
  'max-latency': { type: 'string', value: 'SECONDS', description: `largest latency at the quantile that passes, in seconds or a\nduration such as 300ms (default: ${DEFAULTS.maxLatency})` },
  'quantile': { type: 'string', value: 'Q', description: `quantile of the latency check (default: ${DEFAULTS.quantile})` },
  'min-requests': { type: 'string', value: 'N', description: `fewest requests in the window that count as data (default: ${DEFAULTS.minRequests})` },
  'timeout': { type: 'string', value: 'SECONDS', description: `wait as long for each answer of Prometheus (default: ${DEFAULTS.timeoutSeconds})` },
  'metrics': { type: 'string', value: 'app|istio', description: `the metrics the default queries read (default: ${DEFAULTS.metrics})` },
  'token-env': { type: 'string', value: 'VAR', description: 'send Authorization: Bearer with the token in the environment\nvariable VAR (never the token itself on the command line)' },
  'basic-auth-env': { type: 'string', value: 'VAR', description: 'HTTP basic authentication with user:password from VAR' },
  'header-env': { type: 'string', value: 'VAR', description: 'one more header, Name: value from VAR (X-Scope-OrgID: team-a)' },
  ...outputOption(['text', 'json'], 'text (default) or json', 'FORMAT'),
  ...optionGroup('With --slo', {
    'slo': { type: 'string', value: 'SERVICE', description: "take the thresholds and queries from SERVICE's objective" },
    'env': { type: 'string', value: 'ENV', description: 'the environment of the program whose objective it is' },
    'cluster': { type: 'string', value: 'NAME', description: "in an environment with clusters: the cluster's objective\n(default: the one every cluster has alike)" },
    ...APP_OPTION,
  }),
  ...optionGroup('Queries (not with --slo), each replacing the default query of a check', {
    'requests-query': { type: 'string', value: 'PROMQL', description: 'the query of the requests check' },
    'error-ratio-query': { type: 'string', value: 'PROMQL', description: 'the query of the error-ratio check' },
    'latency-query': { type: 'string', value: 'PROMQL', description: 'the query of the latency check' },
  }),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops gate --prometheus URL --service NAME --version V [--namespace NS]
                         [--window 5m] [--max-error-ratio 0.01] [--max-latency 0.5]
                         [--quantile 0.99] [--min-requests 1] [--timeout 10]
                         [--metrics app|istio] [--token-env VAR | --basic-auth-env VAR]
                         [--header-env VAR] [--requests-query PROMQL]
                         [--error-ratio-query PROMQL] [--latency-query PROMQL] [-o text|json]
       cdk8s-gitops gate --prometheus URL --slo SERVICE --env ENV [--cluster NAME] --version V
                         [--app MODULE] [--window 5m] [--min-requests 1] [...] [-o text|json]

Judge one version of a service by its Prometheus metrics over a window, as a canary step
would: enough requests, an error ratio (5xx) and a latency at a quantile within their
maximums. Only a finite value in range (an error ratio from 0 to 1, requests and latency
at least 0), sampled within the window, from an answer without warnings, is evidence; no
data (no series, NaN, an infinity, a negative number, a stale sample, partial data, fewer
requests than the minimum) and a Prometheus that cannot answer or redirects elsewhere
refuse, never pass. Reads Prometheus only (instant queries): nothing written.

The default queries (--metrics app) expect the Flask app's metrics: the counter
app_requests_total with labels status and version, the histogram
app_request_duration_seconds, and the scraped pod's app (and namespace) label.
--metrics istio reads Istio's standard metrics as the destination reports them:
istio_requests_total (label response_code) and istio_request_duration_milliseconds,
by destination_app, destination_version and destination_workload_namespace.

With --slo, the thresholds and queries come from the service's ServiceLevelObjective in
environment ENV of the program (only ENV is built): the largest error ratio is the
availability objective's budget (99.9 % gives 0.001), the latency check is the latency
objective's threshold at its target (99 % within 500 ms: p99 at most 0.5 s), the queries read
the objective's metrics in the service's namespace. A flag the objective sets
(--max-error-ratio, --max-latency and --quantile of the objectives it has, --metrics, the
query flags, --service, --namespace) is refused: one definition drives alerts and promotion.
The output names the objective the thresholds came from.

`, OPTIONS, `Placeholders in the queries: {service}, {version}, {namespace} (escaped: use them inside
double quotes), {selector} (app="..",version=".."[,namespace=".."]), {window}, {quantile}.

Exit codes: 0 passed, 1 refused (a threshold exceeded, no data, Prometheus unreachable
or refusing the query), 2 usage error (with --slo also: no objective of the service in the
environment, a flag the objective sets).
`, 30);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const version = required(values.version, '--version');
  const flags: OptionValues = values; // the settings' flags by key
  const texts = Object.fromEntries(GATE_SETTING_KEYS.flatMap(k => flags[k] === undefined ? [] : [[k, flags[k] as string]]));
  const given = readGateSettings(texts, key => `--${key}`);
  const settings = resolveGateSettings(given, (_, key) => `--${key}`);
  gateHeaders(settings, process.env, (_, key) => `--${key}`); // the credentials' variables are set: checked before any query
  // the program and its constructs are loaded only with --slo: without it the gate is a few queries
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { options, objective } = values.slo !== undefined ? (require('./gate-objective') as typeof import('./gate-objective')).fromObjective(values, given, Object.keys(QUERIES)) : fromFlags(values);
  const result = await evaluateGate({ ...settings, ...options, version });
  const shown = objective === undefined ? result : { ...result, objective };
  process.stdout.write(output === 'json' ? `${escapeJsonControl(JSON.stringify(shown, numbersAsPrometheus, 2))}\n` : formatGate(result, objective));
  return result.passed ? 0 : 1;
});

/** The options of the gate beside its settings and the version: the service, and what may replace the settings. */
type JudgedBy = Omit<GateOptions, 'prometheus' | 'version'>;

/** What the gate judges and how, by the flags: `--service`, `--namespace` and the query flags. */
function fromFlags(values: OptionValues): { options: JudgedBy; objective?: undefined } {
  for (const flag of ['env', 'cluster', 'app']) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} ${JSON.stringify(values[flag])} goes only with --slo SERVICE (the program whose objective gives the thresholds)`);
  }
  const service = required(values.service, '--service');
  const namespace = values.namespace as string | undefined;
  if (namespace !== undefined && namespace.trim() === '') throw new UsageError(`--namespace: ${JSON.stringify(namespace)} must be a namespace (leave the flag out to match every namespace)`);
  const queries: Record<string, string> = {};
  for (const [flag, option] of Object.entries(QUERIES)) {
    const template = values[flag] as string | undefined;
    if (template !== undefined) queries[option] = checkQueryTemplate(`--${flag}`, template, namespace !== undefined);
  }
  return { options: { service, namespace, ...queries } };
}

/**
 * The result as text: which objective the thresholds came from (with `objective`), a line per
 * check (status, name, reason; the query of a check that did not pass), then the verdict.
 * Control characters (of what Prometheus answered) are escaped.
 */
export function formatGate(result: GateResult, objective?: GateObjective): string {
  const width = Math.max(...result.checks.map(c => c.name.length));
  const lines = [...(objective === undefined ? [] : [describeObjective(objective)]), ...result.checks.flatMap(c => [
    `${c.status.padEnd(7)}  ${c.name.padEnd(width)}  ${c.reason}`,
    ...(c.passed ? [] : [`${' '.repeat(9)}query: ${c.query}`]),
  ])];
  return `${[...lines, gateSummary(result)].map(l => escapeControl(l)).join('\n')}\n`;
}

/** `thresholds from the objective shop-prod/backend-slo: max-error-ratio 0.001, max-latency 0.25, quantile 0.99`. */
export function describeObjective(objective: GateObjective): string {
  const sets = Object.entries(objective.sets).map(([key, value]) => `${key} ${formatNumber(value)}`);
  return `thresholds from the objective ${objective.path}${sets.length > 0 ? `: ${sets.join(', ')}` : ''}`;
}

/** A gate result as JSON data, as `-o json` prints it (infinities written as Prometheus does). */
export function gateResultJson(result: GateResult): unknown {
  return JSON.parse(JSON.stringify(result, numbersAsPrometheus));
}

/** JSON has no infinities: write them as Prometheus does (`+Inf`, `-Inf`) rather than as null. */
function numbersAsPrometheus(_key: string, value: unknown): unknown {
  return value === Infinity || value === -Infinity ? formatNumber(value) : value;
}
