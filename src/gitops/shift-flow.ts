import { isDnsLabel } from '../core/names';
import { evaluateGate, GateResult, gateSummary } from '../gate/gate';
import { GateSettings } from '../gate/gate-settings';
import { GateObjective, gateObjective, objectiveGate, refuseObjectiveSettings, requireObjective } from '../gate/slo-gate';
import { inheritSource, Provenance } from '../git/commit-message';
import { prepareChange, requireCluster, requireEnvironment, unroutedSplits } from './environment-change';
import { GitOpsError, InputError } from '../core/errors';
import { publish } from './publish';
import { assertClusterName, assertEnvironmentName, assertServiceNames } from '../release/release-file';
import { clusterLabel, EnvironmentRelease } from '../release/environment-release';
import { GitOpsRepository, RepositoryOptions } from './repository';
import { describeWeightChanges, formatSplit, versionsOf, WeightChange, weightChangesBetween } from './rotation';
import { own } from '../core/own';

/** Options of {@link shift}. */
export interface ShiftOptions extends RepositoryOptions {
  /** Environment whose traffic moves, e.g. `prod`. */
  readonly env: string;
  /** Services whose split moves; each gets the same weights. At least one. */
  readonly services: readonly string[];
  /**
   * The split, version -> whole percent: every version of each service, or every version but
   * one, which takes the rest (`{ v2: 10 }` gives v1 90 of v1/v2).
   */
  readonly weights: Readonly<Record<string, number>>;
  /**
   * Judge each service's canary (its newest version) by its Prometheus metrics before the step:
   * when any gate refuses, nothing is committed ({@link GateRefusedError}).
   * @default - no gate
   */
  readonly gate?: GateSettings;
  /**
   * Take each service's gate from its `ServiceLevelObjective` in the environment (in the
   * cluster, with {@link cluster}; `--gate slo`): the thresholds the objective sets (the largest
   * error ratio from availability, the latency and its quantile from latency), its queries and
   * its namespace. {@link gate} gives Prometheus and what the objective does not set (window,
   * minimum of requests, timeout, credentials): give only those. A setting of {@link gate} the
   * objective sets, and a service without an objective, are refused ({@link InputError}) before
   * any query.
   * @default false
   */
  readonly gateFromObjective?: boolean;
  /**
   * Shift the traffic in this cluster of the environment only (`--cluster`): the split is pinned
   * as the cluster's entry of the release file and only the cluster's folder changes.
   * @default - the whole environment (every cluster)
   */
  readonly cluster?: string;
}

/** The verdict of the gate on one service's canary. */
export interface ShiftGate {
  /** The service. */
  readonly service: string;
  /** The version judged: the newest. */
  readonly version: string;
  /** The namespace its pods run in, which the queries are limited to. */
  readonly namespace: string;
  /** The gate's checks and verdict. */
  readonly result: GateResult;
  /** The objective the thresholds came from, with {@link ShiftOptions.gateFromObjective}. */
  readonly objective?: GateObjective;
}

/** The outcome of {@link shift}. */
export interface ShiftResult {
  /** Whether a commit was made (false: every split already holds). */
  readonly committed: boolean;
  /** The commit the branch points to afterwards. */
  readonly commit?: string;
  /** The commit message subject (`prod: shift backend v2=10%`, `prod/prod-eu: shift ...` for one cluster; more than three services: `prod: shift 12 services v2=10%`). */
  readonly message: string;
  /** Splits that changed. */
  readonly changes: WeightChange[];
  /** Files of the environment that changed: the weight lines of the VirtualServices (of the cluster's, with `cluster`), and release.yaml. */
  readonly changedFiles: string[];
  /** Whether the commit was pushed. */
  readonly pushed: boolean;
  /** How often the step was rendered (more than 1 when pushes were rejected and retried). */
  readonly attempts: number;
  /** The gate's verdict on each service's canary (empty without a gate). */
  readonly gates: ShiftGate[];
}

/** The gate refused the canary of one or more services: nothing was committed. Exit code 1. */
export class GateRefusedError extends GitOpsError {
  constructor(public readonly gates: readonly ShiftGate[]) {
    super(`${gates.filter(g => !g.result.passed).map(g => gateSummary(g.result)).join('; ')}: the traffic step was not committed`);
    this.name = 'GateRefusedError';
  }
}

/**
 * Move the traffic of versioned services in environment `env` to a new split: pin it in the
 * environment's release file, re-render the environment (only the weight lines of the routes
 * that use each service's default split change) and commit `ENV: shift SERVICES SPLIT`. The
 * same guarantees as `release`: the repository must be up to date with the program, a split
 * that already holds is a no-op (no commit), with `push` a rejected push re-applies the split to
 * the new tip, and a failure changes nothing. With `gate`, each service's canary (its newest
 * version) must pass the metrics gate first (with `gateFromObjective`, the gate its objective
 * sets). With `cluster`, the split is the cluster's (commit
 * `ENV/CLUSTER: shift ...` with a `Cluster:` trailer, changing only the cluster's folder and the
 * release file).
 */
export async function shift(options: ShiftOptions): Promise<ShiftResult> {
  assertEnvironmentName(options.env);
  if (options.services.length === 0) throw new InputError('--service is required: name the service(s) whose traffic moves');
  assertServiceNames(options.services);
  checkWeights(options.weights);
  assertClusterName(options.cluster);
  if (options.gateFromObjective && options.gate === undefined) throw new InputError('gateFromObjective: true needs gate: the Prometheus the objectives\' gates ask (--gate slo,prometheus=URL)');
  const services = [...new Set(options.services)].sort();
  // a subject stays one readable line: the names of up to three services (the body lists every split)
  const names = services.length <= 3 ? services.join(', ') : `${services.length} services`;
  const message = `${clusterLabel(options.env, options.cluster)}: shift ${names} ${formatSplit(options.weights)}`;
  return GitOpsRepository.with(options, async repo => {
    const gates = options.gate ? await judgeCanaries(repo, options, services, options.gate) : [];
    const result = await publish(repo, options, base => prepareChange(repo, { ...options, provenance: provenanceAt(repo, base, options) }, base, options.env, current => {
      const release = shifted(current, services, options.weights);
      const changes = weightChangesBetween(current, release);
      if (changes.length === 0) return undefined;
      const trailers = gates.map(g => ['Cdk8s-gitops-gate', `${gateSummary(g.result)} (${g.result.prometheus}${g.objective ? `, objective ${g.objective.path}` : ''})`] as const);
      return { release, message: { subject: message, body: describeWeightChanges(changes).join('\n'), trailers } };
    }));
    const change = result.change;
    return {
      committed: change !== undefined,
      commit: result.commit,
      message,
      changes: change ? weightChangesBetween(change.before, change.after) : [],
      changedFiles: change?.changedFiles ?? [],
      pushed: result.pushed,
      attempts: result.attempts,
      gates,
    };
  });
}

/**
 * The provenance of a step on `base`: the source the environment's release was built from (the
 * commit that last changed its release file records it), unless the caller names another.
 */
function provenanceAt(repo: GitOpsRepository, base: string | undefined, options: ShiftOptions): Provenance | undefined {
  return inheritSource(options.provenance, base === undefined ? undefined : repo.lastRelease(base, options.env)?.message);
}

/**
 * `release` with the split of each of `services` set from `weights` (see {@link completeSplit}):
 * the environment's, and every cluster's (a cluster's own split of those services goes). Pure.
 * @throws InputError naming `--service` for a service the release does not have or that has no versions
 */
export function shifted(release: EnvironmentRelease, services: readonly string[], weights: Readonly<Record<string, number>>): EnvironmentRelease {
  const splits = Object.fromEntries(services.map(service => [service, completeSplit(service, versionsOf(serviceEntry(release, service)), weights)]));
  return release.map(runs => ({ services: runs.services, weights: { ...runs.weights, ...splits } }));
}

/** The entry of a versioned service, or an InputError naming `--service`. */
function serviceEntry(release: EnvironmentRelease, service: string): Readonly<Record<string, string>> {
  const state = { environment: release.environment, services: release.runs().services };
  const entry = own(state.services, service);
  if (entry === undefined) {
    const known = Object.keys(state.services).sort();
    throw new InputError(`--service: ${JSON.stringify(service)} is not a service of environment ${JSON.stringify(state.environment)} (services: ${known.join(', ') || 'none'})`);
  }
  if (typeof entry === 'string') {
    throw new InputError(`--service: ${JSON.stringify(service)} has no versions in environment ${JSON.stringify(state.environment)}: only the traffic between versions of a service can shift`);
  }
  return entry;
}

/**
 * The whole split of a service with `versions` from the weights given: every version, summing
 * to 100, or every version but one, which takes the rest.
 * @throws InputError naming `--weights`, the service and what is allowed
 */
export function completeSplit(service: string, versions: readonly string[], weights: Readonly<Record<string, number>>): Record<string, number> {
  const given = Object.keys(weights);
  const unknown = given.filter(v => !versions.includes(v));
  if (unknown.length > 0) {
    throw new InputError(`--weights: ${unknown.map(v => JSON.stringify(v)).join(', ')} ${unknown.length === 1 ? 'is not a version' : 'are not versions'} of ${service} (its versions: ${versions.join(', ')})`);
  }
  const sum = given.reduce((acc, v) => acc + weights[v], 0);
  const rest = versions.filter(v => !Object.hasOwn(weights, v));
  if (rest.length === 0 && sum !== 100) {
    throw new InputError(`--weights: ${formatSplit(weights)} sums to ${sum}: a split of every version of ${service} must sum to 100`);
  }
  if (rest.length > 1) {
    throw new InputError(`--weights: ${formatSplit(weights)} leaves ${rest.join(', ')} of ${service} open: give every version but one (the one left out takes the rest), e.g. ${rest.slice(1).map(v => `${v}=0`).concat(given.map(v => `${v}=${weights[v]}`)).join(',')}`);
  }
  if (sum > 100) throw new InputError(`--weights: ${formatSplit(weights)} sums to ${sum}, over 100: ${rest[0]} of ${service} would take ${100 - sum}`);
  const split: Record<string, number> = {};
  for (const v of versions) split[v] = weights[v] ?? 100 - sum;
  return split;
}

/**
 * Parse a `--weights` value: `v2=10`, `v1=90,v2=10` (a `%` after a number is allowed).
 * @throws InputError naming `flag`, the value and what is allowed
 */
export function parseWeights(text: string, flag = '--weights'): Record<string, number> {
  const weights: Record<string, number> = Object.create(null);
  for (const item of text.split(',').map(s => s.trim())) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(\d{1,3})%?$/.exec(item);
    if (!m) throw new InputError(`${flag}: ${JSON.stringify(item)} in ${JSON.stringify(text)} is not VERSION=PERCENT (e.g. v2=10, or v1=90,v2=10)`);
    if (m[1] in weights) throw new InputError(`${flag}: ${m[1]} is given twice in ${JSON.stringify(text)}`);
    weights[m[1]] = Number(m[3]);
  }
  checkWeights(weights, flag);
  return weights;
}

function checkWeights(weights: Readonly<Record<string, number>>, flag = '--weights'): void {
  if (Object.keys(weights).length === 0) throw new InputError(`${flag} is required: VERSION=PERCENT, e.g. v2=10`);
  for (const [v, w] of Object.entries(weights)) {
    if (!isDnsLabel(v)) throw new InputError(`${flag}: ${JSON.stringify(v)} is not a version name (a DNS-1123 label, e.g. v2)`);
    if (!Number.isInteger(w) || w < 0 || w > 100) throw new InputError(`${flag}: ${v}=${w} must be a whole percent from 0 to 100`);
  }
}

/**
 * Run the gate on the canary of each service: its newest version, in the namespace its routes
 * name it in (in the cluster, with `options.cluster`), as the program builds the environment at
 * the clone's HEAD; with `options.gateFromObjective`, by the service's objective there.
 * @throws GateRefusedError when any gate refuses
 * @throws InputError for a service without an objective, or a setting the objective sets
 */
async function judgeCanaries(repo: GitOpsRepository, options: ShiftOptions, services: readonly string[], gate: GateSettings): Promise<ShiftGate[]> {
  const head = repo.head();
  const app = options.createApp({ releases: head === undefined ? {} : repo.releasesAt(head) });
  requireEnvironment(app, options.env, '--env');
  app._build([options.env]);
  if (options.cluster !== undefined) requireCluster(app, options.env, options.cluster);
  const label = clusterLabel(options.env, options.cluster);
  const state = app._releaseOf(options.env).view(options.cluster);
  const targets = services.map(service => {
    const versions = versionsOf(serviceEntry(state, service));
    const split = app.releases._splitOf(options.env, service, options.cluster);
    if (split === undefined) throw new GitOpsError(unroutedSplits(label, [service]));
    return { service, version: versions[versions.length - 1], namespace: split.namespace };
  });
  // every objective found and every setting checked before the first query
  const clusters = (app._environment(options.env)?.clusters ?? []).map(c => c.name);
  const judged = targets.map(t => {
    if (!options.gateFromObjective) return { target: t, options: { ...gate, ...t } };
    const slo = requireObjective(app, options.env, clusters, t.service, options.cluster, '--service (with --gate slo)');
    refuseObjectiveSettings(slo, gate, key => `--gate ${key}`, 'leave slo out of --gate to give the thresholds yourself');
    return { target: t, options: { ...gate, ...objectiveGate(slo), ...t }, objective: gateObjective(slo) };
  });
  const gates = await Promise.all(judged.map(async (j): Promise<ShiftGate> => ({
    ...j.target,
    result: await evaluateGate(j.options),
    ...(j.objective ? { objective: j.objective } : {}),
  })));
  if (gates.some(g => !g.result.passed)) throw new GateRefusedError(gates);
  return gates;
}
