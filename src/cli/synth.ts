import * as path from 'path';
import { checkStoredReleases } from '../gitops/release-entries';
import { readReleases } from '../gitops/release-file';
import { RELEASE_FILE } from '../release';
import { synthesize } from '../synth';
import { appModulePath, loadAppFactory } from './app-module';
import { OptionTable, parse } from './args';
import { UsageError } from './main';
import { outputFormat, outputOption, printJson } from './output';
import { formatCount, Progress } from './progress';

export const HELP = `Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR [--prune-releases]] [--force] [-o text|json]

Render every manifest of the app into the GitOps repository layout: a folder per
environment and app, one file per resource, the Argo CD folder and one release.yaml
per environment. Nothing is written when a construct or a check fails.
Synth owns only what it writes (listed in DIR/.cdk8s-gitops-files): at the paths it
writes it refuses files it did not write or that changed since, and uncommitted
changes in a git working tree; other files stay (in a folder without a record,
files outside git or ignored by it are refused unless --force). It never removes a file it did not write, and never
writes into the program's folder (the repository may hold it, e.g. in program/).

Options:
  --app MODULE       program module exporting createApp(props) (default: the
                     "cdk8s-gitops".app entry of ./package.json)
  --out DIR          output folder; image tags are the program's defaults
                     (default: $CDK8S_OUTDIR or dist)
  --gitops-dir DIR   render into a GitOps repository: the tags come from its
                     <env>/release.yaml files (the single source of tags); an entry
                     for a service or version the program does not have is an error
  --prune-releases   with --gitops-dir: drop such entries from the release files
                     instead, and list each one dropped
  --force            also replace files synth did not write at the paths it writes
                     (and take over a folder without a record); never overrides
                     uncommitted changes in git or a protected folder
  -o, --output FMT   text (default) or json: {out, count, files, written, removed, pruned}
  -h, --help         show this help

Exit codes: 0 written, 1 failed (nothing was written), 2 usage error.
`;

export const OPTIONS: OptionTable = {
  'app': { type: 'string' },
  'out': { type: 'string' },
  'gitops-dir': { type: 'string' },
  'prune-releases': { type: 'boolean' },
  'force': { type: 'boolean' },
  ...outputOption(),
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS);
  if (!parsed) return 0;
  const { values } = parsed;
  const gitopsDir = values['gitops-dir'] as string | undefined;
  const outFlag = values.out as string | undefined;
  if (gitopsDir !== undefined && outFlag !== undefined) {
    throw new UsageError(`--out ${JSON.stringify(outFlag)} and --gitops-dir ${JSON.stringify(gitopsDir)} both name the output folder; give one`);
  }
  const prune = values['prune-releases'] === true;
  if (prune && gitopsDir === undefined) throw new UsageError('--prune-releases needs --gitops-dir (it drops entries of the release files there)');
  // the folder, and how it was named (for messages)
  const [out, label] = gitopsDir !== undefined ? [gitopsDir, `--gitops-dir ${JSON.stringify(gitopsDir)}`]
    : outFlag !== undefined ? [outFlag, `--out ${JSON.stringify(outFlag)}`]
      : process.env.CDK8S_OUTDIR ? [process.env.CDK8S_OUTDIR, `$CDK8S_OUTDIR ${JSON.stringify(process.env.CDK8S_OUTDIR)}`]
        : ['dist', 'the default output folder "dist"'];
  const progress = Progress.start();
  try {
    progress.phase('loading the program…');
    const module = appModulePath(values.app as string | undefined);
    const factory = loadAppFactory(module);
    const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
    progress.phase('constructing the app…');
    const app = factory({ releases });
    const pruned = releases ? checkStoredReleases(releases, app, env => path.join(gitopsDir!, env, RELEASE_FILE), { prune }) : [];
    const result = synthesize(app, out, {
      force: values.force === true,
      label,
      protect: [path.dirname(module)],
      onPhase: (phase, objects) => progress.phase(phase === 'render' ? 'rendering…'
        : phase === 'validate' ? `validating ${formatCount(objects!)} objects…` : `writing ${formatCount(objects!)} objects into ${out}…`),
    });
    progress.finish();
    const dropped = pruned.flatMap(p => p.entries.map(e => ({ file: p.source, field: e.field, problem: e.problem })));
    if (outputFormat(values) === 'json') {
      printJson({ out, count: result.files.length, files: result.files, written: result.written, removed: result.removed, pruned: dropped });
    } else {
      for (const d of dropped) process.stdout.write(`pruned ${d.file}: ${d.field} (${d.problem})\n`);
      const unchanged = result.files.length - result.written.length;
      process.stdout.write(`synthesized ${result.files.length} files into ${out}: ${result.written.length} written, ${unchanged} unchanged, ${result.removed.length} removed\n`);
    }
    return 0;
  } finally {
    progress.stop();
  }
}
