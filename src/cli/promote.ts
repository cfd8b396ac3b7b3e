import { promote } from '../gitops/promote-flow';
import { OptionTable, parse, required } from './args';
import { provenanceHelp } from './provenance';
import { REPOSITORY_OPTIONS, repositoryOptions } from './repository-flags';
import { JSON_ALIAS, outputFormat, outputOption, printJson, tagChangeJson, weightChangeJson } from './output';
import { Progress } from './progress';
import { clusterLabel } from '../release/release-clusters';

export const HELP = `Usage: cdk8s-gitops promote --gitops-dir DIR --from dev --to prod [--with-weights] [--cluster NAME] [--push] [-o text|json]

Give an environment exactly another environment's release: every service they share runs
the same image tags. The target environment is re-rendered on a new branch promote-TAG
(TAG: the release's tag) in one commit "TO: deploy TAG"; the current branch and working
tree are not touched. Prints the pull request's title and body for \`gh pr create\`.
Nothing to do (the target already runs that release): exit 0, no branch. The target keeps
the traffic splits it pins (\`shift\`) unless --with-weights copies the source's too.

Options:
  --gitops-dir DIR   clone of the GitOps repository (clean, on the branch to promote into)
  --from ENV         environment whose release is promoted, e.g. dev
  --to ENV           environment that gets it, e.g. prod
  --with-weights     copy the pinned splits too: each shared service takes the source's
                     split, or the program's split where the source pins none
  --cluster NAME     give it to this cluster of --to only: branch promote-NAME-TAG, one
                     commit "TO/NAME: deploy TAG" (default: every cluster of --to)
  --push             push the promotion branch to the remote
  --remote NAME      remote to push to (default: origin)
  -o, --output FMT   text (default) or json: {branch, base, commit, tag, title, body, created,
                     pushed, from, to, cluster, changes, weights}
  --json             deprecated spelling of -o json
${provenanceHelp(false)}
  --app MODULE       program module exporting createApp(props) (default: the
                     "cdk8s-gitops".app entry of ./package.json)
  -h, --help         show this help

Example (GitHub Actions):
  cdk8s-gitops promote --gitops-dir gitops --from dev --to prod --push -o json > pr.json
  gh pr create --base "$(jq -r .base pr.json)" --head "$(jq -r .branch pr.json)" \\
    --title "$(jq -r .title pr.json)" --body "$(jq -r .body pr.json)"

Exit codes: 0 promoted or nothing to do, 1 failed (nothing was changed), 2 usage error.
`;

export const OPTIONS: OptionTable = {
  ...REPOSITORY_OPTIONS,
  'from': { type: 'string' },
  'to': { type: 'string' },
  'with-weights': { type: 'boolean' },
  'cluster': { type: 'string' },
  ...outputOption(),
  ...JSON_ALIAS,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS);
  if (!parsed) return 0;
  const { values } = parsed;
  const from = required(values.from, '--from');
  const to = required(values.to, '--to');
  const cluster = values.cluster as string | undefined;
  const result = await Progress.around(`promoting ${from} to ${clusterLabel(to, cluster)}…`, () => promote({
    ...repositoryOptions(values, false),
    from,
    to,
    withWeights: Boolean(values['with-weights']),
    cluster,
  }));
  if (outputFormat(values) === 'json') {
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
}
