import { evaluateGate, formatNumber, GateOptions, GateResult, gateSummary } from '../gate/gate';
import { GATE_SETTING_KEYS, gateHeaders, readGateSettings, resolveGateSettings } from '../gate/gate-settings';
import { checkQueryTemplate } from '../gate/promql';
import type { GateObjective } from '../gate/slo-gate';
import { escapeControl, escapeJsonControl } from '../core/redact';
import { OptionTable, OptionValues, parse, required } from './args';
import { UsageError } from '../core/errors';

export const HELP = `Usage: cdk8s-gitops gate --prometheus URL --service NAME --version V [--namespace NS]
                         [--window 5m] [--max-error-ratio 0.01] [--max-latency 0.5]
                         [--quantile 0.99] [--min-requests 1] [--metrics app|istio]
                         [--token-env VAR | --basic-auth-env VAR] [--header-env VAR]
                         [-o text|json]
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

Options:
  --prometheus URL            base URL of Prometheus, e.g. http://prometheus.monitoring:9090
  --service NAME              service (label app)
  --version V                 version to judge, e.g. v2 (label version)
  --namespace NS              namespace (label namespace; default: any namespace)
  --window DURATION           window of the metrics, a Prometheus duration (default: 5m)
  --max-error-ratio R         largest share of 5xx responses that passes, 0 to 1 (default: 0.01)
  --max-latency SECONDS       largest latency at the quantile that passes, in seconds or a
                              duration such as 300ms (default: 0.5)
  --quantile Q                quantile of the latency check (default: 0.99)
  --min-requests N            fewest requests in the window that count as data (default: 1)
  --timeout SECONDS           wait as long for each answer of Prometheus (default: 10)
  --metrics app|istio         the metrics the default queries read (default: app)
  --token-env VAR             send Authorization: Bearer with the token in the environment
                              variable VAR (never the token itself on the command line)
  --basic-auth-env VAR        HTTP basic authentication with user:password from VAR
  --header-env VAR            one more header, Name: value from VAR (X-Scope-OrgID: team-a)
  --slo SERVICE               take the thresholds and queries from SERVICE's objective
  --env ENV                   with --slo: the environment of the program whose objective it is
  --cluster NAME              with --slo, in an environment with clusters: the cluster's
                              objective (default: the one every cluster has alike)
  --app MODULE                with --slo: program module exporting createApp(props)
                              (default: the "cdk8s-gitops".app entry of ./package.json)
  --requests-query PROMQL     replace the query of a check. Placeholders: {service},
  --error-ratio-query PROMQL  {version}, {namespace} (escaped: use them inside double
  --latency-query PROMQL      quotes), {selector} (app="..",version=".."[,namespace=".."]),
                              {window}, {quantile}
  -o, --output FORMAT         text (default) or json
  -h, --help                  show this help

Exit codes: 0 passed, 1 refused (a threshold exceeded, no data, Prometheus unreachable
or refusing the query), 2 usage error (with --slo also: no objective of the service in the
environment, a flag the objective sets).
`;

const QUERIES = { 'requests-query': 'requestsQuery', 'error-ratio-query': 'errorRatioQuery', 'latency-query': 'latencyQuery' } as const;

export const OPTIONS: OptionTable = {
  ...Object.fromEntries([...GATE_SETTING_KEYS, ...Object.keys(QUERIES), 'service', 'version', 'namespace', 'slo', 'env', 'cluster', 'app'].map(f => [f, { type: 'string' as const }])),
  output: { type: 'string', short: 'o' },
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS);
  if (!parsed) return 0;
  const { values } = parsed;
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output: ${JSON.stringify(output)} must be text or json`);
  const version = required(values.version, '--version');
  const texts = Object.fromEntries(GATE_SETTING_KEYS.flatMap(k => values[k] === undefined ? [] : [[k, values[k] as string]]));
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
}

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
