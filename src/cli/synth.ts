import * as path from 'path';
import { readReleases } from '../gitops/release-file';
import { synthesize } from '../synth';
import { appModulePath, loadAppFactory } from './app-module';
import { UsageError } from './main';

export const HELP = `Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR] [--force]

Render every manifest of the app into the GitOps repository layout: a folder per
environment and app, one file per resource, the Argo CD folder and one release.yaml
per environment. Nothing is written when a construct or a check fails.
Synth owns only what it writes (listed in DIR/.cdk8s-gitops-files): it refuses a
folder holding other files, files changed since it wrote them, and uncommitted
changes in a git working tree; it never removes a file it did not write.

Options:
  --app MODULE       compiled program exporting createApp(props) (default: lib/src/main.js)
  --out DIR          output folder; image tags are the program's defaults
                     (default: $CDK8S_OUTDIR or dist)
  --gitops-dir DIR   render into a GitOps repository: the tags come from its
                     <env>/release.yaml files (the single source of tags)
  --force            also replace files synth did not write at the paths it writes
                     (and take over a folder without a record); never overrides
                     uncommitted changes in git or a protected folder
  -h, --help         show this help
`;

export async function run(argv: string[]): Promise<number> {
  let app: string | undefined;
  let out: string | undefined;
  let gitopsDir: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      return 0;
    } else if (a === '--force') {
      force = true;
    } else if (a === '--app' || a === '--out' || a === '--gitops-dir') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value\n\n${HELP}`);
      if (a === '--app') app = v; else if (a === '--out') out = v; else gitopsDir = v;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(a)}\n\n${HELP}`);
    }
  }
  // the folder, and how it was named (for messages)
  const [dir, label] = gitopsDir !== undefined ? [gitopsDir, `--gitops-dir ${JSON.stringify(gitopsDir)}`]
    : out !== undefined ? [out, `--out ${JSON.stringify(out)}`]
      : process.env.CDK8S_OUTDIR ? [process.env.CDK8S_OUTDIR, `$CDK8S_OUTDIR ${JSON.stringify(process.env.CDK8S_OUTDIR)}`]
        : ['dist', 'the default output folder "dist"'];
  const module = appModulePath(app);
  const factory = loadAppFactory(module);
  const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
  const result = synthesize(factory({ releases }), dir, { force, label, protect: [path.dirname(module)] });
  const unchanged = result.files.length - result.written.length;
  process.stdout.write(`synthesized ${result.files.length} files into ${dir}: ${result.written.length} written, ${unchanged} unchanged, ${result.removed.length} removed\n`);
  return 0;
}
