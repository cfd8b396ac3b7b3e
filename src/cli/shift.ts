import { gateHeaders, GateSettings, parseGateSettings, readGateSettings, resolveGateSettings, splitGateFlag } from '../gate/gate-settings';
import { GateRefusedError, parseWeights, shift, ShiftGate, ShiftResult } from '../gitops/shift-flow';
import { APP_OPTION } from './app-option';
import { defineOptions, required } from './args';
import { command, commandHelp } from './command';
import { describeWeightChanges } from '../gitops/rotation';
import { formatGate, gateResultJson } from './gate';
import { provenanceOptions } from './provenance';
import { clusterOption, GITOPS_DIR_OPTION, PUSH_OPTIONS, repositoryOptions, RETRIES_OPTION } from './repository-flags';
import { outputOption, printCommit, printJson, weightChangeJson } from './output';
import { Progress } from './progress';
import { UsageError } from '../core/errors';
import { clusterLabel } from '../release/environment-release';

export const OPTIONS = defineOptions({
  ...GITOPS_DIR_OPTION,
  'env': { type: 'string', value: 'ENV', description: 'environment whose traffic moves, e.g. prod' },
  'service': {
    type: 'string',
    list: true,
    value: 'NAME',
    description: 'service whose split moves; repeat it, give several names after it or\nseparated by commas: each gets the same weights',
  },
  'weights': {
    type: 'string',
    value: 'W',
    description: 'the split, VERSION=PERCENT separated by commas: every version, summing to\n100 (v1=90,v2=10), or every version but one, which takes the rest (v2=10\ngives v1 90)',
  },
  'gate': {
    type: 'string',
    value: 'SETTINGS',
    description: `judge each canary first: prometheus=URL[,window=5m][,max-error-ratio=0.01]
[,max-latency=0.5][,quantile=0.99][,min-requests=1][,timeout=10]
[,metrics=app|istio][,token-env=VAR|,basic-auth-env=VAR][,header-env=VAR]
(as the flags of \`cdk8s-gitops gate\`; credentials only from the
environment variables named); slo: the thresholds from each service's
objective (slo,prometheus=URL[,window=10m][,min-requests=100])`,
  },
  ...clusterOption('shift the traffic in', 'shift ...'),
  ...PUSH_OPTIONS,
  ...RETRIES_OPTION,
  ...provenanceOptions(false),
  ...APP_OPTION,
  ...outputOption(['text', 'json'], 'text (default) or json: {env, cluster, weights, committed, commit, message,\nchanges, changedFiles, pushed, attempts, gates}'),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops shift --gitops-dir DIR --env ENV --service NAME [--service NAME ...]
                          --weights VERSION=PERCENT[,...] [--gate [slo,]prometheus=URL[,...]] [--cluster NAME]
                          [--push] [-o text|json]

Move the traffic of versioned services in one environment of the GitOps repository: pin the
split in ENV/release.yaml, re-render the environment and commit "ENV: shift SERVICES SPLIT".
Only the routes that use a service's default split change (RouteTarget.split(service) without
weights; routes with weights in code keep them): the commit touches only their weight lines
and release.yaml. A split that already holds is a no-op: no commit. The same guarantees as
release: nothing changes unless the clone can take the change, the repository must be up to
date with the program, and a push rejected because someone pushed first is re-rendered onto
the new tip. A later \`release\` of a service removes its pinned split (back to the program's
split); \`rollback\` restores the previous release file, splits included.

With --gate, the canary of each service (its newest version, in the namespace its routes name
it in) is judged by its Prometheus metrics first; a refusal prints the gate's checks, exits 1
and commits nothing. With the word slo in --gate (--gate slo,prometheus=URL), each service's
gate takes its thresholds and queries from that service's ServiceLevelObjective in ENV (in the
cluster, with --cluster) as \`gate --slo\` does: a service without an objective, and a setting
the objective sets (max-error-ratio, max-latency, quantile of the objectives it has, metrics),
are refused (exit 2) before any query; the other settings (window, min-requests, timeout,
the credentials' variables) apply as given.

`, OPTIONS, `Example (a canary step in CI, after \`release --canary\`):
  cdk8s-gitops shift --gitops-dir . --env prod --service backend --weights v2=10 \\
    --gate prometheus=http://prometheus.monitoring:9090,window=10m,min-requests=100 --push

Exit codes: 0 shifted or nothing to do, 1 failed or refused by the gate (nothing was changed, unless it says the local fast-forward stopped halfway),
2 usage error (with --gate slo also: a service without an objective, a setting the objective sets), 3 pushed, but the local branch was not updated (run the command again).
`);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const env = required(values.env, '--env');
  const services = values.service;
  if (services === undefined) throw new UsageError('--service is required');
  const weights = parseWeights(required(values.weights, '--weights'));
  const { gate, gateFromObjective } = values.gate === undefined ? { gate: undefined, gateFromObjective: false } : gateFlag(values.gate);
  if (gate !== undefined) gateHeaders(gate, process.env, (_, key) => `--gate ${key}`); // the credentials' variables are set: checked before anything
  const cluster = values.cluster;
  const json = output === 'json';
  let result: ShiftResult;
  try {
    result = await Progress.around(`shifting the traffic of ${services.join(', ')} in ${clusterLabel(env, cluster)}…`, () => shift({
      ...repositoryOptions(values, false),
      env,
      services,
      weights,
      gate,
      gateFromObjective,
      cluster,
    }));
  } catch (e) {
    if (!(e instanceof GateRefusedError)) throw e;
    // the checks that refused the step, where a pipeline shows them; nothing was committed
    if (json) printJson({ env, cluster, weights, committed: false, commit: null, message: null, changes: [], changedFiles: [], pushed: false, attempts: 0, gates: e.gates.map(gateJson) });
    else process.stdout.write(e.gates.map(g => formatGate(g.result, g.objective)).join('\n'));
    process.stderr.write(`cdk8s-gitops shift: ${e.message}\n`);
    return 1;
  }
  if (json) {
    printJson({
      env,
      cluster,
      weights,
      committed: result.committed,
      commit: result.commit ?? null,
      message: result.message,
      changes: result.changes.map(weightChangeJson),
      changedFiles: result.changedFiles,
      pushed: result.pushed,
      attempts: result.attempts,
      gates: result.gates.map(gateJson),
    });
    return 0;
  }
  if (result.gates.length > 0) process.stdout.write(`${result.gates.map(g => formatGate(g.result, g.objective)).join('\n')}\n`);
  if (!result.committed) {
    process.stdout.write(`${clusterLabel(env, cluster)}: the split of ${services.join(', ')} already holds: nothing to shift (no commit)\n`);
    return 0;
  }
  printCommit(result, describeWeightChanges(result.changes));
  return 0;
});

/** A gate verdict as JSON: the gate's result (as `gate -o json` prints it) with the namespace judged, and the objective it came from. */
function gateJson(g: ShiftGate): unknown {
  return gateResultJson({ ...g.result, namespace: g.namespace, ...(g.objective ? { objective: g.objective } : {}) });
}

/**
 * The value of `--gate`: its settings, checked, and whether the word `slo` asks for each
 * service's objective. Without `slo` the settings are resolved as `parseGateFlag` resolves them;
 * with it only the settings given are passed on, so that one the objective sets is refused.
 */
function gateFlag(value: string): { gate: GateSettings; gateFromObjective: boolean } {
  const { texts, words } = splitGateFlag(value, '--gate', ['slo']);
  if ('slo' in texts) {
    throw new UsageError(`--gate slo=${JSON.stringify(texts.slo)}: slo takes no value: the canary of each service is judged by that service's own objective (--gate slo,prometheus=URL)`);
  }
  if (!words.includes('slo')) return { gate: parseGateSettings(texts, key => `--gate ${key}`), gateFromObjective: false };
  const given = readGateSettings(texts, key => `--gate ${key}`);
  resolveGateSettings(given, (_, key) => `--gate ${key}`); // the values are allowed: checked before anything
  return { gate: given, gateFromObjective: true };
}
