import { IConstruct } from 'constructs';
import { AppChart } from '../model/app-chart';
import { didYouMean } from '../core/closest-name';
import { InputError } from '../core/errors';
import { ServiceLevelObjective } from '../monitoring/service-level-objective';
import { formatNumber, GateOptions } from './gate';
import { GateSettings } from './gate-settings';

/** The gate options an objective decides: thresholds, queries and the namespace. */
export type ObjectiveGate = Pick<GateOptions, 'namespace' | 'maxErrorRatio' | 'maxLatency' | 'quantile' | 'requestsQuery' | 'errorRatioQuery' | 'latencyQuery'>;

/** The settings an objective sets, by their `--gate` key: given as well, they are refused (one definition, not two). */
export const OBJECTIVE_KEYS = { maxErrorRatio: 'max-error-ratio', maxLatency: 'max-latency', quantile: 'quantile' } as const;

/**
 * What a service-level objective makes of the canary gate: the largest error ratio that passes
 * is the availability objective's budget (`1 - 0.999`), the latency check is the latency
 * objective's threshold at its target (99 % within 500 ms: the 0.99 quantile at most 0.5 s), and
 * the queries read the objective's metrics in the service's namespace. An objective without a
 * latency target leaves the latency thresholds to the gate's settings (likewise availability).
 */
export function objectiveGate(slo: ServiceLevelObjective): ObjectiveGate {
  const availability = slo.availability;
  const latency = slo.latency;
  return {
    namespace: slo.service.namespace,
    ...slo.metrics.gateQueries(),
    ...(availability ? { maxErrorRatio: Number((1 - availability.target).toPrecision(12)) } : {}),
    ...(latency ? { maxLatency: latency.thresholdMs! / 1000, quantile: latency.target } : {}),
  };
}

/**
 * The objective of `service` in environment `environment` (in `cluster`, when the environment
 * runs in several) among the constructs under `root`, built as they are.
 */
export function findObjective(root: IConstruct, environment: string, service: string, cluster?: string): ServiceLevelObjective | undefined {
  return objectivesIn(root, environment, cluster).find(c => c.service.name === service);
}

/** Every objective in environment `environment` (in `cluster`, when given) among the constructs under `root`, in construct order. */
export function objectivesIn(root: IConstruct, environment: string, cluster?: string): ServiceLevelObjective[] {
  return root.node.findAll().filter((c): c is ServiceLevelObjective => ServiceLevelObjective.isServiceLevelObjective(c) && inEnvironment(c, environment, cluster));
}

/**
 * The one objective of `service` the gate of environment `env` reads among the constructs
 * under `root` (the app, with `env` built): the objective in `cluster`; in an environment with
 * clusters and no `cluster`, the objective of the first cluster when every cluster has one that
 * gives the same gate (else `--cluster` must say which).
 *
 * @param clusters the names of the environment's clusters (none: it runs in one)
 * @param flag how messages name the service (`--slo`, `--service`)
 * @throws InputError naming the flag, the service and the environment: no objective (with the
 * services that have one, the closest name suggested), two objectives of the service in one
 * place, or clusters whose objectives differ or are missing
 */
export function requireObjective(root: IConstruct, env: string, clusters: readonly string[], service: string, cluster: string | undefined, flag: string): ServiceLevelObjective {
  const where = `environment ${JSON.stringify(env)}${cluster === undefined ? '' : ` (cluster ${JSON.stringify(cluster)})`}`;
  const all = objectivesIn(root, env, cluster);
  const mine = all.filter(o => o.service.name === service);
  if (mine.length === 0) {
    const names = [...new Set(all.map(o => o.service.name))].sort();
    throw new InputError(`${flag}: ${JSON.stringify(service)} has no ServiceLevelObjective in ${where}${didYouMean(service, names)}; `
      + `services with one: ${names.join(', ') || 'none'}`);
  }
  if (cluster !== undefined || clusters.length === 0) {
    if (mine.length > 1) throw twoObjectives(flag, service, where, mine);
    return mine[0];
  }
  const byCluster = clusters.map(c => ({ cluster: c, objectives: mine.filter(o => AppChart.of(o).environment.cluster?.name === c) }));
  for (const b of byCluster) {
    if (b.objectives.length > 1) throw twoObjectives(flag, service, `${where} (cluster ${JSON.stringify(b.cluster)})`, b.objectives);
  }
  const missing = byCluster.filter(b => b.objectives.length === 0).map(b => b.cluster);
  if (missing.length > 0) {
    throw new InputError(`${flag}: ${JSON.stringify(service)} has no ServiceLevelObjective in cluster${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${where}, `
      + `only in ${clusters.filter(c => !missing.includes(c)).join(', ')}: give --cluster to judge the canary of one cluster`);
  }
  const first = JSON.stringify(objectiveGate(mine[0]));
  const other = mine.find(o => JSON.stringify(objectiveGate(o)) !== first);
  if (other !== undefined) {
    throw new InputError(`${flag}: the ServiceLevelObjectives of ${JSON.stringify(service)} in the clusters of ${where} give different gates (${mine[0].node.path}, ${other.node.path}): `
      + 'give --cluster to judge the canary of one cluster by its own objective');
  }
  return mine[0];
}

function twoObjectives(flag: string, service: string, where: string, objectives: readonly ServiceLevelObjective[]): InputError {
  return new InputError(`${flag}: ${JSON.stringify(service)} has ${objectives.length} ServiceLevelObjectives in ${where} (${objectives.map(o => o.node.path).join(', ')}): `
    + 'the gate reads one; keep one objective per service in a place');
}

/** Where a gate's thresholds came from: an objective, and what it set. */
export interface GateObjective {
  /** The construct path of the ServiceLevelObjective (`shop-prod/backend-slo`). */
  readonly path: string;
  /** The thresholds it set, by their `--gate` key (`max-error-ratio`, `max-latency` in seconds, `quantile`). */
  readonly sets: Readonly<Record<string, number>>;
}

/** The source of the gate {@link objectiveGate} makes of `slo`: its path and the thresholds it sets. */
export function gateObjective(slo: ServiceLevelObjective): GateObjective {
  const gate = objectiveGate(slo);
  const sets: Record<string, number> = {};
  for (const [option, key] of Object.entries(OBJECTIVE_KEYS) as Array<[keyof typeof OBJECTIVE_KEYS, string]>) {
    const value = gate[option];
    if (value !== undefined) sets[key] = value;
  }
  return { path: slo.node.path, sets };
}

/**
 * Refuse a setting given beside an objective that sets it: one definition drives alerts and
 * promotion, so a threshold of the objective is never overridden silently. The thresholds the
 * objective sets (see {@link gateObjective}) are refused, and `metrics` always (the objective's
 * metrics give the queries); the settings it does not set (Prometheus, the window, the minimum
 * of requests, the timeout, the credentials' variables, and a threshold of an objective it
 * lacks) pass.
 *
 * @param given the settings given, and only those (no defaults: see `readGateSettings`)
 * @param name how a message names a setting's key (`--max-error-ratio`, `--gate max-error-ratio`)
 * @param instead what the user does to set the value themselves (`leave --slo out`)
 * @throws InputError naming the setting, its value, the objective's path and the value it sets
 */
export function refuseObjectiveSettings(slo: ServiceLevelObjective, given: Partial<GateSettings>, name: (key: string) => string, instead: string): void {
  const gate = objectiveGate(slo);
  const set: Array<[keyof GateSettings, string, string]> = [];
  const availability = slo.availability;
  const latency = slo.latency;
  if (gate.maxErrorRatio !== undefined) set.push(['maxErrorRatio', OBJECTIVE_KEYS.maxErrorRatio, `the largest error ratio, ${formatNumber(gate.maxErrorRatio)} (availability ${formatNumber(availability!.target * 100)} %)`]);
  if (gate.maxLatency !== undefined) set.push(['maxLatency', OBJECTIVE_KEYS.maxLatency, `the largest latency, ${formatNumber(gate.maxLatency)} s (latency: ${formatNumber(latency!.target * 100)} % within ${latency!.thresholdMs} ms)`]);
  if (gate.quantile !== undefined) set.push(['quantile', OBJECTIVE_KEYS.quantile, `the quantile, ${formatNumber(gate.quantile)} (latency: ${formatNumber(latency!.target * 100)} % within ${latency!.thresholdMs} ms)`]);
  set.push(['metrics', 'metrics', 'the queries, on its metrics (ServiceLevelObjectiveProps.metrics)']);
  for (const [option, key, what] of set) {
    const value = given[option];
    if (value === undefined) continue;
    throw new InputError(`${name(key)}: ${typeof value === 'number' ? String(value) : JSON.stringify(value)}: the objective ${slo.node.path} sets ${what}; `
      + `one definition drives alerts and promotion: change the objective, or ${instead}`);
  }
}

function inEnvironment(c: IConstruct, environment: string, cluster: string | undefined): boolean {
  let chart: AppChart;
  try {
    chart = AppChart.of(c);
  } catch {
    return false;
  }
  return chart.environment.name === environment && (cluster === undefined || chart.environment.cluster?.name === cluster);
}
