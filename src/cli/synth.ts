import { readReleases } from '../gitops/release-file';
import { synthesize } from '../synth';
import { loadAppFactory } from './app-module';
import { UsageError } from './main';

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

export async function run(argv: string[]): Promise<number> {
  let app: string | undefined;
  let out = process.env.CDK8S_OUTDIR || 'dist';
  let gitopsDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      return 0;
    } else if (a === '--app' || a === '--out' || a === '--gitops-dir') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value\n\n${HELP}`);
      if (a === '--app') app = v; else if (a === '--out') out = v; else gitopsDir = v;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(a)}\n\n${HELP}`);
    }
  }
  if (gitopsDir !== undefined) out = gitopsDir;
  const factory = loadAppFactory(app);
  const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
  const result = synthesize(factory({ releases }), out);
  process.stdout.write(`synthesized ${result.files.length} files into ${out}\n`);
  return 0;
}
