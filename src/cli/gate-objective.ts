/**
 * `gate --slo`: the gate of a service's ServiceLevelObjective in an environment of the program.
 * Its own module, loaded only with `--slo`: the plain gate does not load the program's machinery.
 */
import type { GateOptions } from '../gate/gate';
import { GateObjective, gateObjective, objectiveGate, refuseObjectiveSettings, requireObjective } from '../gate/slo-gate';
import { requireCluster, requireEnvironment } from '../gitops/environment-change';
import { loadAppFactory } from './app-module';
import { OptionValues, required } from './args';
import { UsageError } from '../core/errors';

/**
 * What the gate judges and how, by the objective of `--slo SERVICE` in `--env` (and `--cluster`)
 * of the program: the service, its namespace, the thresholds and queries the objective sets.
 * A flag that would set one of them as well (`--service`, `--namespace`, `queryFlags`, a
 * threshold the objective sets, `--metrics`) is refused.
 */
export function fromObjective(values: OptionValues, given: Partial<GateOptions>, queryFlags: readonly string[]): { options: Omit<GateOptions, 'prometheus' | 'version'>; objective: GateObjective } {
  const service = values.slo as string;
  const env = required(values.env, '--env');
  const cluster = values.cluster as string | undefined;
  for (const flag of ['service', 'namespace', ...queryFlags]) {
    if (values[flag] === undefined) continue;
    const why = flag === 'service' ? `--slo ${JSON.stringify(service)} names the service` : flag === 'namespace' ? 'the objective\'s service runs in its namespace' : 'the objective\'s metrics give the queries';
    throw new UsageError(`--${flag} ${JSON.stringify(values[flag])}: not with --slo: ${why}; one definition drives alerts and promotion (leave --slo out to give the flags yourself)`);
  }
  const app = loadAppFactory(values.app as string | undefined)({});
  requireEnvironment(app, env, '--env');
  app._build([env]);
  if (cluster !== undefined) requireCluster(app, env, cluster);
  const slo = requireObjective(app, env, (app._environment(env)?.clusters ?? []).map(c => c.name), service, cluster, '--slo');
  refuseObjectiveSettings(slo, given, key => `--${key}`, 'leave --slo out to give the thresholds yourself');
  return { options: { ...objectiveGate(slo), service }, objective: gateObjective(slo) };
}

