import { diffRepository } from '../gitops/diff-flow';
import { loadAppFactory } from './app-module';
import { OptionTable, parse, required } from './args';
import { outputFormat, outputOption, printJson } from './output';
import { Progress } from './progress';

export const HELP = `Usage: cdk8s-gitops diff --gitops-dir DIR [--env ENV] [--exit-code] [-o text|json]

Show what synth would change in the GitOps repository, without writing: the program is
rendered with the release.yaml files found in DIR and compared with the files on disk.
Prints a unified diff (files added, removed and changed) and a summary on stderr.

Options:
  --gitops-dir DIR   the GitOps repository (or any synth output folder)
  --env ENV          only this environment's folder (default: every folder synth writes)
  --exit-code        exit 1 when there are differences (like \`git diff --exit-code\`)
  --app MODULE       program module exporting createApp(props) (default: the
                     "cdk8s-gitops".app entry of ./package.json)
  -o, --output FMT   text (default): the unified diff on stdout, the summary on stderr;
                     json: {summary: {files, added, removed, changed}, files: [{path,
                     status, patch}]} on stdout
  -h, --help         show this help

Exit codes: 0 ok (1 with --exit-code and differences), 1 failed, 2 usage error.
`;

export const OPTIONS: OptionTable = {
  'gitops-dir': { type: 'string' },
  'env': { type: 'string' },
  'exit-code': { type: 'boolean' },
  'app': { type: 'string' },
  ...outputOption(),
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS);
  if (!parsed) return 0;
  const { values } = parsed;
  const result = await Progress.around('rendering and comparing…', () => diffRepository({
    dir: required(values['gitops-dir'], '--gitops-dir'),
    env: values.env as string | undefined,
    createApp: loadAppFactory(values.app as string | undefined),
  }));
  const n = (s: string) => result.changes.filter(c => c.status === s).length;
  if (outputFormat(values) === 'json') {
    printJson({
      summary: { files: result.changes.length, added: n('added'), removed: n('removed'), changed: n('changed') },
      files: result.changes.map(({ path, status, patch }) => ({ path, status, patch })),
    });
  } else {
    process.stdout.write(result.patch);
    process.stderr.write(result.changes.length === 0
      ? 'no changes\n'
      : `${result.changes.length} file(s) would change: ${n('added')} added, ${n('removed')} removed, ${n('changed')} changed\n`);
  }
  return values['exit-code'] && result.changes.length > 0 ? 1 : 0;
}
