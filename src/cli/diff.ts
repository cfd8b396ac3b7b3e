import { diffRepository } from '../gitops/diff-flow';
import { loadAppFactory } from './app-module';
import { APP_OPTION } from './app-option';
import { defineOptions, required } from './args';
import { command, commandHelp } from './command';
import { outputOption, printJson } from './output';
import { Progress } from './progress';

export const OPTIONS = defineOptions({
  'gitops-dir': { type: 'string', value: 'DIR', description: 'the GitOps repository (or any synth output folder)' },
  'env': { type: 'string', value: 'ENV', description: "only this environment's folder (default: every folder synth writes)" },
  'exit-code': { type: 'boolean', description: 'exit 1 when there are differences (like `git diff --exit-code`)' },
  ...APP_OPTION,
  ...outputOption(['text', 'json'], 'text (default): the unified diff on stdout, the summary on stderr;\njson: {summary: {files, added, removed, changed}, files: [{path,\nstatus, patch}]} on stdout'),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops diff --gitops-dir DIR [--env ENV] [--exit-code] [-o text|json]

Show what synth would change in the GitOps repository, without writing: the program is
rendered with the release.yaml files found in DIR and compared with the files on disk.
Prints a unified diff (files added, removed and changed) and a summary on stderr.

`, OPTIONS, `Exit codes: 0 ok (1 with --exit-code and differences), 1 failed, 2 usage error.
`);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const result = await Progress.around('rendering and comparing…', () => diffRepository({
    dir: required(values['gitops-dir'], '--gitops-dir'),
    env: values.env,
    createApp: loadAppFactory(values.app),
  }));
  const n = (s: string) => result.changes.filter(c => c.status === s).length;
  if (output === 'json') {
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
});
