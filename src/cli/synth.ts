import * as path from 'path';
import { checkStoredReleases } from '../gitops/release-entries';
import { readReleases } from '../gitops/release-file';
import { RELEASE_FILE } from '../release';
import { synthesize } from '../synth';
import { loadAppFactory } from './app-module';
import { UsageError } from './main';

export const HELP = `Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR [--prune-releases]]

Render every manifest of the app into the GitOps repository layout: a folder per
environment and app, one file per resource, the Argo CD folder and one release.yaml
per environment. Nothing is written when a construct or a check fails.

Options:
  --app MODULE       compiled program exporting createApp(props) (default: lib/src/main.js)
  --out DIR          output folder; image tags are the program's defaults
                     (default: $CDK8S_OUTDIR or dist)
  --gitops-dir DIR   render into a GitOps repository: the tags come from its
                     <env>/release.yaml files (the single source of tags); an entry
                     for a service or version the program does not have is an error
  --prune-releases   with --gitops-dir: drop such entries from the release files
                     instead, and list each one dropped
  -h, --help         show this help
`;

export async function run(argv: string[]): Promise<number> {
  let app: string | undefined;
  let out = process.env.CDK8S_OUTDIR || 'dist';
  let gitopsDir: string | undefined;
  let prune = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(HELP);
      return 0;
    } else if (a === '--prune-releases') {
      prune = true;
    } else if (a === '--app' || a === '--out' || a === '--gitops-dir') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value\n\n${HELP}`);
      if (a === '--app') app = v; else if (a === '--out') out = v; else gitopsDir = v;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(a)}\n\n${HELP}`);
    }
  }
  if (prune && gitopsDir === undefined) throw new UsageError(`--prune-releases needs --gitops-dir (it drops entries of the release files there)\n\n${HELP}`);
  if (gitopsDir !== undefined) out = gitopsDir;
  const factory = loadAppFactory(app);
  const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
  const program = factory({ releases });
  const pruned = releases ? checkStoredReleases(releases, program, env => path.join(gitopsDir!, env, RELEASE_FILE), { prune }) : [];
  const result = synthesize(program, out);
  for (const p of pruned) for (const e of p.entries) process.stdout.write(`pruned ${p.source}: ${e.field} (${e.problem})\n`);
  process.stdout.write(`synthesized ${result.files.length} files into ${out}\n`);
  return 0;
}
