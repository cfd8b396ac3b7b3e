import { release } from '../gitops/release-flow';
import { defineOptions, required } from './args';
import { command, commandHelp } from './command';
import { provenanceOptions } from './provenance';
import { APP_OPTION } from './app-option';
import { changeRepository, clusterOption, GITOPS_DIR_OPTION, PUSH_OPTIONS, RETRIES_OPTION } from './repository-flags';
import { outputOption, printCommit, printJson, tagChangeJson, weightChangeJson } from './output';
import { describeChanges, describeWeightChanges } from '../gitops/rotation';
import { clusterLabel } from '../release/environment-release';

export const OPTIONS = defineOptions({
  ...GITOPS_DIR_OPTION,
  'env': { type: 'string', value: 'ENV', description: 'environment to release into, e.g. dev' },
  'tag': { type: 'string', value: 'TAG', description: 'image tag, e.g. a git SHA (OCI tag grammar; "latest" is refused)' },
  'service': {
    type: 'string',
    list: true,
    value: 'NAME',
    description: 'service to rotate; repeat it, give several names after it or\nseparated by commas (default: every service of the environment;\na blank name is refused)',
  },
  'canary': { type: 'boolean', description: "release as a canary: pin the newest version's weight at 0 (every\nrotated service needs two or more versions)" },
  ...clusterOption('release into', 'deploy TAG'),
  ...PUSH_OPTIONS,
  ...RETRIES_OPTION,
  ...provenanceOptions(true),
  ...APP_OPTION,
  ...outputOption(['text', 'json'], 'text (default) or json: {env, cluster, tag, committed, commit, message,\nchanges, weights, changedFiles, pushed, attempts}'),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops release --gitops-dir DIR --env ENV --tag TAG [--service NAME ...] [--canary] [--cluster NAME] [--push] [-o text|json]

Roll an image tag into one environment of the GitOps repository with A/B rotation, as
the A/B testing platform's CI does: for each service, v1 takes the tag v2 had and v2 takes
TAG (a service without versions takes TAG). The environment is re-rendered from its
release.yaml and committed as "ENV: deploy TAG"; the commit touches only that environment's
folder (the lines that carry the tag, plus release.yaml). Releasing the tag that already runs
is a no-op: no commit. A split \`shift\` pinned for a service is removed: its routes split as
the program says again (so releasing the tag a canary runs completes the canary).

With --canary ("ENV: canary TAG"), the newest version takes TAG at 0% of the traffic (the
others keep 100%): only routes that match a header or cookie reach it until \`shift\` moves
traffic to it. Releasing the same tag again as a canary changes nothing.

Nothing changes unless the clone can take the change: no merge, rebase, cherry-pick,
revert or bisect in progress, no lock file a killed git left, on a branch, clean, not
behind its upstream, no other cdk8s-gitops command at work in it, and every entry of
ENV/release.yaml known to the program. Only a push rejected because someone pushed first
is retried; a run that pushed but was interrupted is completed by running it again.

`, OPTIONS, `Exit codes: 0 released or nothing to do, 1 failed (nothing was changed, unless it says the local fast-forward stopped halfway), 2 usage error,
3 pushed, but the local branch was not updated (run the command again to update it).
`);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const env = required(values.env, '--env');
  const tag = required(values.tag, '--tag');
  const cluster = values.cluster;
  const result = await changeRepository(`releasing ${tag} into ${clusterLabel(env, cluster)}…`, values, true, repository => release({
    ...repository,
    env,
    tag,
    services: values.service,
    canary: Boolean(values.canary),
    cluster,
  }));
  if (output === 'json') {
    printJson({
      env,
      cluster,
      tag,
      committed: result.committed,
      commit: result.commit ?? null,
      message: result.message,
      changes: result.changes.map(tagChangeJson),
      weights: result.weightChanges.map(weightChangeJson),
      changedFiles: result.changedFiles,
      pushed: result.pushed,
      attempts: result.attempts,
    });
    return 0;
  }
  if (!result.committed) {
    process.stdout.write(`${clusterLabel(env, cluster)} already runs ${tag}: nothing to release (no commit)\n`);
    return 0;
  }
  printCommit(result, [...describeChanges(result.changes), ...describeWeightChanges(result.weightChanges)]);
  return 0;
});
