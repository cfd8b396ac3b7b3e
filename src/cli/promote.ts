import { promote } from '../gitops/promote-flow';
import { defineOptions, required } from './args';
import { command, commandHelp } from './command';
import { provenanceOptions } from './provenance';
import { APP_OPTION } from './app-option';
import { changeRepository, GITOPS_DIR_OPTION, PUSH_OPTIONS } from './repository-flags';
import { JSON_ALIAS, outputOption, printJson, tagChangeJson, weightChangeJson } from './output';
import { clusterLabel } from '../release/environment-release';

export const OPTIONS = defineOptions({
  'gitops-dir': { ...GITOPS_DIR_OPTION['gitops-dir'], description: 'clone of the GitOps repository (clean, on the branch to promote into)' },
  'from': { type: 'string', value: 'ENV', description: 'environment whose release is promoted, e.g. dev' },
  'to': { type: 'string', value: 'ENV', description: 'environment that gets it, e.g. prod' },
  'with-weights': { type: 'boolean', description: "copy the pinned splits too: each shared service takes the source's\nsplit, or the program's split where the source pins none" },
  'cluster': { type: 'string', value: 'NAME', description: 'give it to this cluster of --to only: branch promote-NAME-TAG, one\ncommit "TO/NAME: deploy TAG" (default: every cluster of --to)' },
  'push': { ...PUSH_OPTIONS.push, description: 'push the promotion branch to the remote' },
  'remote': PUSH_OPTIONS.remote,
  ...outputOption(['text', 'json'], 'text (default) or json: {branch, base, commit, tag, title, body, created,\npushed, from, to, cluster, changes, weights}'),
  ...JSON_ALIAS,
  ...provenanceOptions(false),
  ...APP_OPTION,
});

export const HELP = commandHelp(`Usage: cdk8s-gitops promote --gitops-dir DIR --from dev --to prod [--with-weights] [--cluster NAME] [--push] [-o text|json]

Give an environment exactly another environment's release: every service they share runs
the same image tags. The target environment is re-rendered on a new branch promote-TAG
(TAG: the release's tag) in one commit "TO: deploy TAG"; the current branch and working
tree are not touched. Prints the pull request's title and body for \`gh pr create\`.
Nothing to do (the target already runs that release): exit 0, no branch. The target keeps
the traffic splits it pins (\`shift\`) unless --with-weights copies the source's too.

`, OPTIONS, `Example (GitHub Actions):
  cdk8s-gitops promote --gitops-dir gitops --from dev --to prod --push -o json > pr.json
  gh pr create --base "$(jq -r .base pr.json)" --head "$(jq -r .branch pr.json)" \\
    --title "$(jq -r .title pr.json)" --body "$(jq -r .body pr.json)"

Exit codes: 0 promoted or nothing to do, 1 failed (nothing was changed), 2 usage error.
`);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const from = required(values.from, '--from');
  const to = required(values.to, '--to');
  const cluster = values.cluster;
  const result = await changeRepository(`promoting ${from} to ${clusterLabel(to, cluster)}…`, values, false, repository => promote({
    ...repository,
    from,
    to,
    withWeights: Boolean(values['with-weights']),
    cluster,
  }));
  if (output === 'json') {
    const { branch, base, commit, tag, title, body, created, pushed } = result;
    printJson({ branch, base, commit: commit ?? null, tag, title, body, created, pushed, from, to, cluster, changes: result.changes.map(tagChangeJson), weights: result.weightChanges.map(weightChangeJson) });
    return 0;
  }
  if (!result.created) {
    process.stdout.write(`${result.body}\nnothing to promote (no branch)\n`);
    return 0;
  }
  process.stdout.write(`branch ${result.branch} at ${result.commit!.slice(0, 12)}: ${clusterLabel(to, cluster)}: deploy ${result.tag}${result.pushed ? ' (pushed)' : ''}\n\n`);
  process.stdout.write(`title: ${result.title}\n\nbody:\n${result.body}`);
  return 0;
});
