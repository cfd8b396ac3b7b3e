import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, InputError, UsageError } from '../core/errors';
import { CloneLock } from '../git/clone-lock';
import { Git } from '../git/git';
import { checkStoredReleases } from '../gitops/release-entries';
import { readReleases } from '../release/release-file';
import { hasGitAbove } from '../git/swap-journal';
import { RELEASE_FILE } from '../release/release';
import { renderStream, synthesize } from '../app/synth';
import { appModulePath, loadAppFactory } from './app-module';
import { APP_OPTION } from './app-option';
import { defineOptions, OptionValuesOf } from './args';
import { command, commandHelp } from './command';
import { outputOption, printJson } from './output';
import { formatCount, Progress } from './progress';
import { packageSchemaSettings } from './validation-settings';

/** How long `synth --gitops-dir` waits for another command to give the clone's lock up. */
export const LOCK_WAIT_MS = 10_000;

export const OPTIONS = defineOptions({
  ...APP_OPTION,
  'out': { type: 'string', value: 'DIR', description: "output folder; image tags are the program's defaults\n(default: $CDK8S_OUTDIR or dist)" },
  'gitops-dir': {
    type: 'string',
    value: 'DIR',
    description: 'render into a GitOps repository: the tags come from its\n<env>/release.yaml files (the single source of tags); an entry\nfor a service or version the program does not have is an error',
  },
  'prune-releases': { type: 'boolean', description: 'with --gitops-dir: drop such entries from the release files\ninstead, and list each one dropped' },
  'stdout': { type: 'boolean', description: 'print the manifests instead of writing them' },
  'env': { type: 'string', value: 'ENV', description: "with --stdout: only this environment's folder" },
  'folder': { type: 'string', value: 'NAME', description: 'with --stdout and --env: only this app folder of it (ENV/NAME)' },
  'force': {
    type: 'boolean',
    description: 'also replace files synth did not write at the paths it writes\n(and take over a folder without a record); never overrides\nuncommitted changes in git or a protected folder',
  },
  ...outputOption(['text', 'json'], 'text (default) or json: {out, count, files, written, removed, pruned}'),
});

export const HELP = commandHelp(`Usage: cdk8s-gitops synth [--app MODULE] [--out DIR | --gitops-dir DIR [--prune-releases]] [--force] [-o text|json]
       cdk8s-gitops synth --stdout [--env ENV [--folder NAME]] [--app MODULE] [--gitops-dir DIR]

Render every manifest of the app into the GitOps repository layout: a folder per
environment and app, one file per resource, the Argo CD folder and one release.yaml
per environment. Nothing is written when a construct or a check fails.
Synth owns only what it writes (listed in DIR/.cdk8s-gitops-files): at the paths it
writes it refuses files it did not write or that changed since, and uncommitted
changes in a git working tree; other files stay (in a folder without a record,
files outside git or ignored by it are refused unless --force). It never removes a file it did not write, and never
writes into the program's folder (the repository may hold it, e.g. in program/).
With --stdout it writes nothing: it prints the objects as one multi-document YAML
stream (sorted by the file synth would write each to; no release files), as an
Argo CD Config Management Plugin's generate command must. The checks still run on the
whole app: a failure goes to stderr, exit 1, and nothing is printed.
The schema check takes its settings (Kubernetes version, schema locations, kinds to
skip) from the program (GitOpsAppProps.validation) over package.json's
"cdk8s-gitops": {"validation": {...}} (see validate --help).

`, OPTIONS, `With --gitops-dir in a git working tree, synth holds the clone's lock
(.git/cdk8s-gitops.lock) from reading the release files to writing: while
another cdk8s-gitops command (release, promote, rollback, shift, synth) holds
it, synth waits up to ${LOCK_WAIT_MS / 1000} s, then exits 1 naming it.

Exit codes: 0 written (printed), 1 failed (nothing was written or printed), 2 usage error
or a folder synth never writes into (/, the home folder, the program's folder).
`);

export const run = command({ help: HELP, options: OPTIONS }, async ({ values, output }) => {
  const gitopsDir = values['gitops-dir'];
  const outFlag = values.out;
  if (gitopsDir !== undefined && outFlag !== undefined) {
    throw new UsageError(`--out ${JSON.stringify(outFlag)} and --gitops-dir ${JSON.stringify(gitopsDir)} both name the output folder; give one`);
  }
  if (values.stdout === true) return printStream(values);
  for (const flag of ['env', 'folder'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} ${JSON.stringify(values[flag])} only selects what --stdout prints; synth writes every folder`);
  }
  const prune = values['prune-releases'] === true;
  if (prune && gitopsDir === undefined) throw new UsageError('--prune-releases needs --gitops-dir (it drops entries of the release files there)');
  // the folder, and how it was named (for messages)
  const [out, label] = gitopsDir !== undefined ? [gitopsDir, `--gitops-dir ${JSON.stringify(gitopsDir)}`]
    : outFlag !== undefined ? [outFlag, `--out ${JSON.stringify(outFlag)}`]
      : process.env.CDK8S_OUTDIR ? [process.env.CDK8S_OUTDIR, `$CDK8S_OUTDIR ${JSON.stringify(process.env.CDK8S_OUTDIR)}`]
        : ['dist', 'the default output folder "dist"'];
  const progress = Progress.start();
  let lock: CloneLock | undefined;
  try {
    progress.phase('loading the program…');
    const module = appModulePath(values.app);
    const factory = loadAppFactory(module);
    if (gitopsDir !== undefined) lock = await lockClone(gitopsDir, progress);
    const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
    progress.phase('constructing the app…');
    const app = factory({ releases });
    const pruned = releases ? checkStoredReleases(releases, app, env => path.join(gitopsDir!, env, RELEASE_FILE), { prune }) : [];
    const result = synthesize(app, out, {
      validation: packageSchemaSettings(),
      force: values.force === true,
      label,
      protect: [path.dirname(module)],
      onPhase: (phase, objects) => progress.phase(phase === 'render' ? 'rendering…'
        : phase === 'validate' ? `validating ${formatCount(objects!)} objects…` : `writing ${formatCount(objects!)} objects into ${out}…`),
    });
    progress.finish();
    const dropped = pruned.flatMap(p => p.entries.map(e => ({ file: p.source, field: e.field, problem: e.problem })));
    if (output === 'json') {
      printJson({ out, count: result.files.length, files: result.files, written: result.written, removed: result.removed, pruned: dropped });
    } else {
      for (const d of dropped) process.stdout.write(`pruned ${d.file}: ${d.field} (${d.problem})\n`);
      const unchanged = result.files.length - result.written.length;
      process.stdout.write(`synthesized ${result.files.length} files into ${out}: ${result.written.length} written, ${unchanged} unchanged, ${result.removed.length} removed\n`);
    }
    return 0;
  } finally {
    lock?.release();
    progress.stop();
  }
});

/** `synth --stdout`: render, check, print one YAML stream; nothing is written. */
function printStream(values: OptionValuesOf<typeof OPTIONS>): number {
  for (const flag of ['out', 'prune-releases', 'force', 'output'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not go with --stdout, which writes nothing and prints only the manifests`);
  }
  const env = values.env;
  const folder = values.folder;
  if (folder !== undefined && env === undefined) throw new UsageError(`--folder ${JSON.stringify(folder)} needs --env: an app folder is inside an environment's folder`);
  for (const [flag, value] of [['env', env], ['folder', folder]] as const) {
    if (value !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) throw new UsageError(`--${flag} ${JSON.stringify(value)} is not a folder name (lowercase letters, digits and -)`);
  }
  const gitopsDir = values['gitops-dir'];
  const module = appModulePath(values.app);
  const validation = packageSchemaSettings();
  const factory = loadAppFactory(module);
  const releases = gitopsDir !== undefined ? readReleases(gitopsDir) : undefined;
  const app = factory({ releases });
  if (releases) checkStoredReleases(releases, app, e => path.join(gitopsDir!, e, RELEASE_FILE), { prune: false });
  let stream: string;
  try {
    stream = renderStream(app, { env, folder, validation });
  } catch (e) {
    // a folder the app does not render is a usage error; a failed check is not
    if (e instanceof ConfigError && e.constructPath === 'renderStream') throw new UsageError(`--${e.field === 'env' ? 'env' : 'folder'}: ${e.message.replace(/^\[renderStream\] (env|folder): /, '')}`);
    throw e;
  }
  process.stdout.write(stream);
  return 0;
}

/**
 * Take the lock of the clone `dir` is in (waiting up to {@link LOCK_WAIT_MS} for another
 * command to give it up), so that no release lands between reading the release files and
 * writing: undefined when `dir` is not in a git working tree (no command of ours changes it).
 */
async function lockClone(dir: string, progress: Progress): Promise<CloneLock | undefined> {
  if (!fs.existsSync(dir) || !hasGitAbove(path.resolve(dir))) return undefined;
  let git: Git;
  try {
    git = Git.open(dir);
  } catch (e) {
    if (e instanceof InputError) return undefined; // not a working tree's folder
    throw e;
  }
  const say = (line: string) => process.stderr.write(`synth: ${line}\n`);
  return CloneLock.acquireWaiting(git, dir, {
    waitMs: LOCK_WAIT_MS,
    command: 'synth',
    log: say,
    onWait: line => {
      say(line);
      progress.phase('waiting for the clone\'s lock…');
    },
  });
}
