import { readReleases } from '../gitops/release-file';
import { synthesize } from '../synth';
import { loadAppFactory } from './app-module';
import { OptionTable, parse } from './main';

export const HELP = `Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR]

Render every manifest of the app into the GitOps repository layout: a folder per
environment and app, one file per resource, the Argo CD folder and one release.yaml
per environment. Nothing is written when a construct or a check fails.

Options:
  --app MODULE       program module exporting createApp(props) (default: the
                     "cdk8s-gitops".app entry of ./package.json)
  --out DIR          output folder; image tags are the program's defaults
                     (default: $CDK8S_OUTDIR or dist)
  --gitops-dir DIR   render into a GitOps repository: the tags come from its
                     <env>/release.yaml files (the single source of tags)
  -h, --help         show this help
`;

/** The flags of `synth` (util.parseArgs form); `parseOnly` in ./main reads it too. */
export const OPTIONS: OptionTable = {
  'app': { type: 'string' },
  'out': { type: 'string' },
  'gitops-dir': { type: 'string' },
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv, HELP, OPTIONS);
  if (!parsed) return 0;
  const app = parsed.values.app as string | undefined;
  const gitopsDir = parsed.values['gitops-dir'] as string | undefined;
  const out = gitopsDir ?? (parsed.values.out as string | undefined) ?? (process.env.CDK8S_OUTDIR || 'dist');
  const factory = loadAppFactory(app);
  const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
  const result = synthesize(factory({ releases }), out);
  process.stdout.write(`synthesized ${result.files.length} files into ${out}\n`);
  return 0;
}
