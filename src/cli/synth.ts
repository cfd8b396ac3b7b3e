import * as path from 'path';
import { checkStoredReleases } from '../gitops/release-entries';
import { readReleases } from '../gitops/release-file';
import { RELEASE_FILE } from '../release';
import { synthesize } from '../synth';
import { loadAppFactory } from './app-module';
import { OptionTable, parse } from './args';
import { UsageError } from './main';
import { outputFormat, outputOption, printJson } from './output';
import { formatCount, Progress } from './progress';

export const HELP = `Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR [--prune-releases]] [-o text|json]

Render every manifest of the app into the GitOps repository layout: a folder per
environment and app, one file per resource, the Argo CD folder and one release.yaml
per environment. Nothing is written when a construct or a check fails.

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
  -o, --output FMT   text (default) or json: {out, count, files, pruned}
  -h, --help         show this help

Exit codes: 0 written, 1 failed (nothing was written), 2 usage error.
`;

export const OPTIONS: OptionTable = {
  'app': { type: 'string' },
  'out': { type: 'string' },
  'gitops-dir': { type: 'string' },
  'prune-releases': { type: 'boolean' },
  ...outputOption(),
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS);
  if (!parsed) return 0;
  const { values } = parsed;
  const gitopsDir = values['gitops-dir'] as string | undefined;
  if (gitopsDir !== undefined && values.out !== undefined) {
    throw new UsageError(`--out ${JSON.stringify(values.out)} and --gitops-dir ${JSON.stringify(gitopsDir)} both name the output folder; give one`);
  }
  const prune = values['prune-releases'] === true;
  if (prune && gitopsDir === undefined) throw new UsageError('--prune-releases needs --gitops-dir (it drops entries of the release files there)');
  const out = gitopsDir ?? (values.out as string | undefined) ?? (process.env.CDK8S_OUTDIR || 'dist');
  const progress = Progress.start();
  try {
    progress.phase('loading the program…');
    const factory = loadAppFactory(values.app as string | undefined);
    const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
    progress.phase('constructing the app…');
    const app = factory({ releases });
    const pruned = releases ? checkStoredReleases(releases, app, env => path.join(gitopsDir!, env, RELEASE_FILE), { prune }) : [];
    const result = synthesize(app, out, {
      onPhase: (phase, objects) => progress.phase(phase === 'render' ? 'rendering…'
        : phase === 'validate' ? `validating ${formatCount(objects!)} objects…` : `writing ${formatCount(objects!)} objects into ${out}…`),
    });
    progress.finish();
    const dropped = pruned.flatMap(p => p.entries.map(e => ({ file: p.source, field: e.field, problem: e.problem })));
    if (outputFormat(values) === 'json') {
      printJson({ out, count: result.files.length, files: result.files, pruned: dropped });
    } else {
      for (const d of dropped) process.stdout.write(`pruned ${d.file}: ${d.field} (${d.problem})\n`);
      process.stdout.write(`synthesized ${result.files.length} files into ${out}\n`);
    }
    return 0;
  } finally {
    progress.stop();
  }
}
