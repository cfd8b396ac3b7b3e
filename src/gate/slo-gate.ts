import { IConstruct } from 'constructs';
import { AppChart } from '../model/app-chart';
import { ServiceLevelObjective } from '../monitoring/service-level-objective';
import { GateOptions } from './gate';

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
  return root.node.findAll().find((c): c is ServiceLevelObjective => ServiceLevelObjective.isServiceLevelObjective(c)
    && c.service.name === service && inEnvironment(c, environment, cluster));
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
