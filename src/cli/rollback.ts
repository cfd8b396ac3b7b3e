import { rollback } from '../gitops/rollback-flow';
import { defineOptions, required } from './args';
import { command, commandHelp } from './command';
import { provenanceOptions } from './provenance';
import { APP_OPTION } from './app-option';
import { changeRepository, GITOPS_DIR_OPTION, PUSH_OPTIONS, RETRIES_OPTION } from './repository-flags';
import { outputOption, printCommit, printJson, tagChangeJson, weightChangeJson } from './output';
import { describeChanges, describeWeightChanges } from '../gitops/rotation';
import { clusterLabel } from '../release/environment-release';

export const OPTIONS = defineOptions({
  ...GITOPS_DIR_OPTION,
  'env': { type: 'string', value: 'ENV', description: 'environment to roll back, e.g. dev' },
  'cluster': {
    type: 'string',
    value: 'NAME',
    description: 'roll back this cluster of the environment only, to the last release\nit ran before its current one ("ENV/NAME: rollback to TAG (was TAG)")',
  },
  'push': { ...PUSH_OPTIONS.push, description: 'push to the remote, re-rendering onto the new tip when someone pushed first' },
  'remote': PUSH_OPTIONS.remote,
  ...RETRIES_OPTION,
  ...provenanceOptions(false),
  ...APP_OPTION,
  ...outputOption(['text', 'json'], 'text (default) or json: {env, cluster, committed, commit, message, tag,\nrestoredFrom, changes, weights, pushed, alreadyLanded}'),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops rollback --gitops-dir DIR --env ENV [--cluster NAME] [--push] [-o text|json]

Restore the previous release of an environment as a new commit "ENV: rollback to TAG (was
TAG)" naming what it restores and what ran (history is never rewritten), with the trailers
Rollback-To: <commit restored> and Rollback-Of: <commit undone>. The previous release is the
last different content of ENV/release.yaml before the current one; rolling back again goes
one release further back. With --push the rollback starts from the fetched remote branch,
and a rerun after a run whose push landed but which did not update the local branch (it was
killed, or exited 3) finds that rollback on the remote: it commits nothing and fast-forwards
the local branch to it. \`status --remote origin\` shows what the remote runs.
The release file is restored whole, pinned traffic splits included (after a \`shift\` the split
before it). The environment is re-rendered with the current program.

`, OPTIONS, `Exit codes: 0 rolled back, 1 failed (nothing was changed, unless it says the local fast-forward stopped halfway), 2 usage error,
3 pushed, but the local branch was not updated (\`git pull --ff-only\` updates it).
`);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const env = required(values.env, '--env');
  const cluster = values.cluster;
  const result = await changeRepository(`rolling back ${clusterLabel(env, cluster)}…`, values, false, repository => rollback({
    ...repository,
    env,
    cluster,
  }));
  if (output === 'json') {
    const { committed, commit, message, tag, restoredFrom, pushed } = result;
    printJson({ env, cluster, committed, commit: commit ?? null, message, tag, restoredFrom, changes: result.changes.map(tagChangeJson), weights: result.weightChanges.map(weightChangeJson), pushed, alreadyLanded: result.alreadyLanded ?? null });
    return 0;
  }
  if (result.alreadyLanded !== undefined) {
    process.stdout.write(`${clusterLabel(env, cluster)}: the remote already has this rollback, ${result.alreadyLanded.slice(0, 12)} "${result.message}" (an earlier run pushed it and stopped before it updated the local branch): nothing to roll back (no commit)\n`);
    return 0;
  }
  if (!result.committed) {
    process.stdout.write(`${clusterLabel(env, cluster)} already runs the release of ${result.restoredFrom.slice(0, 12)}: nothing to roll back (no commit)\n`);
    return 0;
  }
  printCommit(result, [...describeChanges(result.changes), ...describeWeightChanges(result.weightChanges)], ` (release of ${result.restoredFrom.slice(0, 12)})`);
  return 0;
});
