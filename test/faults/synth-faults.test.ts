/**
 * Fault injection for synth's writing, with the real CLI in separate processes: a SIGKILL at
 * every step of the swap (`CDK8S_GITOPS_FAULT_POINT`, see src/core/fault-point.ts), and the hostile
 * output folders and inputs of the "never lose a user's file" issue. Each case asserts what the
 * folder holds afterwards. Offline and bounded (a few seconds: the processes run concurrently).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { recoverInterruptedSwap, STAGING_FOLDER, swapStateDir } from '../../src/git/swap-journal';
import { git, isolateGit, SpawnOptions, SpawnResult, spawnCli } from '../gitops/helpers';
import { tempDir } from '../temp-dir';
import { put, snapshotTree } from '../tree-snapshot';

const APP = path.join(__dirname, 'fixture-variants.ts');

/** Run the real CLI; a process still running after 15 s (or `timeout` ms) is killed (and reported by its signal). */
const cdk8sGitops = (args: string[], options: SpawnOptions = {}): Promise<SpawnResult> => spawnCli(args, { timeout: 15_000, ...options });

/** `synth` of the fixture variant into `dir`. */
function synth(variant: 'old' | 'new', dir: string, env: NodeJS.ProcessEnv = {}, ...more: string[]): Promise<SpawnResult> {
  return cdk8sGitops(['synth', '--app', APP, '--out', dir, ...more], { env: { FAULT_FIXTURE_VARIANT: variant, ...env } });
}

/** A copy of the output folder `from`, and of synth's state of it (kept outside the folder: see swap-journal.ts). */
function copy(from: string): string {
  const to = path.join(tempDir('faults'), 'out');
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  if (fs.existsSync(swapStateDir(from))) fs.cpSync(swapStateDir(from), swapStateDir(to), { recursive: true });
  return to;
}

let OLD: Record<string, string>;
let NEW: Record<string, string>;
let oldDir: string;

beforeAll(async () => {
  oldDir = path.join(tempDir('faults-old'), 'out');
  const newDir = path.join(tempDir('faults-new'), 'out');
  const runs = await Promise.all([synth('old', oldDir), synth('new', newDir)]);
  for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: '' });
  OLD = snapshotTree(oldDir);
  NEW = snapshotTree(newDir);
});

describe('a kill at every step of the swap leaves the old output or, after the next run, the new one, whole', () => {
  // old -> new removes dev/a/configmap-two.yaml and prod/b/configmap-x.yaml (and the folders
  // prod/b and prod), then moves into place dev/a/configmap-one.yaml, dev/a/configmap-three.yaml,
  // the new folder qa (whole) and the record
  const APPLY_STEPS = 6;
  const POINTS = ['synth:staged', 'synth:journal', ...Array.from({ length: APPLY_STEPS }, (_, i) => `synth:apply:${i + 1}`), 'synth:cleanup'];

  test('the fixture goes through every kind of step, and the points listed are all there are', async () => {
    expect(Object.keys(OLD).filter(p => !(p in NEW))).toEqual(['prod/b/configmap-x.yaml', 'dev/a/configmap-two.yaml'].sort());
    expect(Object.keys(NEW).filter(p => OLD[p] !== NEW[p]).sort()).toEqual([OWNERSHIP_RECORD, 'dev/a/configmap-one.yaml', 'dev/a/configmap-three.yaml', 'qa/c/configmap-y.yaml']);
    const past = await synth('new', copy(oldDir), { CDK8S_GITOPS_FAULT_POINT: `synth:apply:${APPLY_STEPS + 1}` });
    expect(past).toMatchObject({ code: 0, signal: null });
  });

  /** Per point: the run that was killed, the folder right after, the recovery alone (notice, folder) and the next run (result, folder). */
  const cases = new Map<string, { killed: SpawnResult; afterKill: Record<string, string>; journal: boolean; notice?: string; recovered: Record<string, string>; next: SpawnResult; afterNext: Record<string, string>; stateLeft: boolean }>();

  beforeAll(async () => {
    // the processes run concurrently: the suite stays short
    await Promise.all(POINTS.map(async point => {
      const dir = copy(oldDir);
      const killed = await synth('new', dir, { CDK8S_GITOPS_FAULT_POINT: point });
      const afterKill = snapshotTree(dir);
      const journal = fs.existsSync(path.join(swapStateDir(dir), 'journal'));
      // the recovery the next run starts with, alone, on a copy
      const alone = copy(dir);
      const notice = recoverInterruptedSwap(alone);
      const recovered = snapshotTree(alone);
      // the next run of the real CLI (rendering the old variant: it ends with its own output)
      const next = await synth('old', dir);
      cases.set(point, { killed, afterKill, journal, notice, recovered, next, afterNext: snapshotTree(dir), stateLeft: fs.existsSync(swapStateDir(dir)) });
    }));
  });

  test.each(POINTS)('killed at %s', point => {
    const c = cases.get(point)!;
    expect(c.killed).toMatchObject({ code: null, signal: 'SIGKILL', stdout: '' });
    const beforeJournal = point === 'synth:staged';
    if (beforeJournal) {
      // nothing moved yet: the old output, whole, beside the staging folder
      const after = { ...c.afterKill };
      expect(Object.keys(after).filter(p => p.startsWith(`${STAGING_FOLDER}/`))).not.toEqual([]);
      for (const p of Object.keys(after)) if (p.startsWith(`${STAGING_FOLDER}/`)) delete after[p];
      expect(c.journal).toBe(false);
      expect(after).toEqual(OLD);
      expect(c.notice).toMatch(/^removed .*\.cdk8s-gitops-staging, left by a synth that was stopped before its swap began: .* holds the output from before that run, whole$/);
      expect(c.recovered).toEqual(OLD);
    } else {
      expect(c.journal).toBe(true); // in the state folder, outside the output
      expect(c.notice).toMatch(/^completed the swap of a synth that was stopped half-way \(4 files or new folders moved into place, 2 files removed, as its journal lists\): .* holds that run's output, whole$/);
      expect(c.recovered).toEqual(NEW);
    }
    expect(c.next.code).toBe(0);
    expect(c.next.stderr).toMatch(beforeJournal ? /^synth: removed .* stopped before its swap began/ : /^synth: completed the swap of a synth that was stopped half-way/);
    expect(c.afterNext).toEqual(OLD);
    expect(c.stateLeft).toBe(false);
  });

  test('killed again while the next run completes the swap, the run after completes it', async () => {
    const dir = copy(oldDir);
    expect(await synth('new', dir, { CDK8S_GITOPS_FAULT_POINT: 'synth:apply:3' })).toMatchObject({ signal: 'SIGKILL' });
    // inside the recovery: its steps 1-3 were done before the first kill, step 4 installs a file
    expect(await synth('new', dir, { CDK8S_GITOPS_FAULT_POINT: 'synth:apply:4' })).toMatchObject({ signal: 'SIGKILL' });
    expect(fs.existsSync(path.join(dir, STAGING_FOLDER, 'files', 'dev/a/configmap-three.yaml'))).toBe(false);
    expect(fs.existsSync(path.join(dir, STAGING_FOLDER, 'files', OWNERSHIP_RECORD))).toBe(true);
    const notice = recoverInterruptedSwap(dir);
    expect(notice).toMatch(/^completed the swap/);
    expect(snapshotTree(dir)).toEqual(NEW);
    expect(await synth('new', dir)).toMatchObject({ code: 0, stderr: '', stdout: `synthesized 3 files into ${dir}: 0 written, 3 unchanged, 0 removed\n` });
  });
});

test('a folder along a path of the journal replaced by a symbolic link after the kill: the next run refuses, naming it, and nothing outside changes', async () => {
  const dir = copy(oldDir);
  expect(await synth('new', dir, { CDK8S_GITOPS_FAULT_POINT: 'synth:journal' })).toMatchObject({ signal: 'SIGKILL' });
  // the journal removes dev/a/configmap-two.yaml (holding OLD's content) and moves files into dev/a
  const outside = tempDir('faults-outside');
  put(outside, 'a/configmap-two.yaml', OLD['dev/a/configmap-two.yaml']);
  fs.renameSync(path.join(dir, 'dev'), path.join(outside, 'moved-away'));
  fs.symlinkSync(outside, path.join(dir, 'dev'));
  const r = await synth('old', dir);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`cdk8s-gitops synth: ${path.join(dir, 'dev')} is a symbolic link to ${JSON.stringify(outside)}, not a folder: synth writes only through real folders inside ${dir} (it would have led dev/a/configmap-two.yaml elsewhere); move it away and run synth again\n`);
  expect(fs.readFileSync(path.join(outside, 'a', 'configmap-two.yaml'), 'utf8')).toBe(OLD['dev/a/configmap-two.yaml']);
  expect(fs.readdirSync(path.join(outside, 'a'))).toEqual(['configmap-two.yaml']);
  // put back, the run after completes the swap
  fs.rmSync(path.join(dir, 'dev'));
  fs.renameSync(path.join(outside, 'moved-away'), path.join(dir, 'dev'));
  expect(await synth('old', dir)).toMatchObject({ code: 0, stderr: expect.stringMatching(/^synth: completed the swap/) });
  expect(snapshotTree(dir)).toEqual(OLD);
});

describe('hostile output folders and inputs', () => {
  beforeAll(isolateGit);

  test('a folder of photos, notes and dot files (no git) is refused, nothing changed; the same with CDK8S_OUTDIR', async () => {
    const dir = tempDir('faults-photos');
    put(dir, 'photos/cat.jpg', 'jpeg');
    put(dir, 'notes.txt', 'notes');
    put(dir, '.hidden', 'hidden');
    put(dir, '.config/app/settings', 'settings');
    const before = snapshotTree(dir);
    const [flag, env] = await Promise.all([synth('new', dir), cdk8sGitops(['synth', '--app', APP], { env: { CDK8S_OUTDIR: dir } })]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toBe(`cdk8s-gitops synth: --out ${JSON.stringify(dir)}: refusing to write into ${dir}, nothing was changed:
  .config/app/settings: was not written by synth (the folder has no .cdk8s-gitops-files): it would stay, unowned
  .hidden: was not written by synth (the folder has no .cdk8s-gitops-files): it would stay, unowned
  notes.txt: was not written by synth (the folder has no .cdk8s-gitops-files): it would stay, unowned
  photos/cat.jpg: was not written by synth (the folder has no .cdk8s-gitops-files): it would stay, unowned
Choose an empty or new folder; or, if synth should take this folder over (e.g. one synthesized by an older cdk8s-gitops, which kept no record), run once with --force: files at the paths synth writes are replaced, every other file stays as it is (synth never removes a file it did not write).
`);
    expect(env.code).toBe(1);
    expect(env.stderr).toContain(`$CDK8S_OUTDIR ${JSON.stringify(dir)}: refusing to write into ${dir}`);
    expect(snapshotTree(dir)).toEqual(before);
  });

  test('the project folder (CDK8S_OUTDIR=.) and the app module\'s folder are refused even with --force, exit 2; a folder holding the project is written around it', async () => {
    const parent = tempDir('faults-project');
    const project = path.join(parent, 'project');
    put(project, 'package.json', '{"name": "p"}\n');
    put(project, 'src/main.ts', '// the program\n');
    put(project, 'README.md', '# p\n');
    // a copy of the fixture program outside the repository (its imports resolved through NODE_PATH)
    const app = path.join(parent, 'prog', 'app.ts');
    put(parent, 'prog/app.ts', fs.readFileSync(APP, 'utf8').replace(/'\.\.\/\.\.\/src\/([^']+)'/g, (_, m: string) => JSON.stringify(path.join(__dirname, '..', '..', 'src', m))));
    const env = { NODE_PATH: path.join(__dirname, '..', '..', 'node_modules') };
    const before = snapshotTree(parent);
    const runs = await Promise.all([
      cdk8sGitops(['synth', '--app', app, '--force'], { cwd: project, env: { ...env, CDK8S_OUTDIR: '.' } }),
      cdk8sGitops(['synth', '--app', app, '--out', path.dirname(app), '--force'], { cwd: project, env }),
    ]);
    expect(runs.map(r => r.code)).toEqual([2, 2]);
    expect(runs[0].stderr).toBe(`cdk8s-gitops synth: $CDK8S_OUTDIR ".": ${fs.realpathSync(project)} is the project folder (it holds package.json); synth never writes there, even with --force: choose a folder of its own (e.g. dist, or a clone of the GitOps repository)\nRun \`cdk8s-gitops synth --help\` for usage.\n`);
    expect(runs[1].stderr).toContain('is the folder of the app module');
    expect(snapshotTree(parent)).toEqual(before);
    // the folder holding the project and the program (a GitOps repository holding its program): written around them
    const around = await cdk8sGitops(['synth', '--app', app, '--out', '..'], { cwd: project, env });
    expect({ code: around.code, stderr: around.stderr, out: fs.readdirSync(parent).sort() }).toEqual({ code: 0, stderr: '', out: [OWNERSHIP_RECORD, 'dev', 'prod', 'prog', 'project'].sort() });
    const after = snapshotTree(parent);
    for (const rel of Object.keys(before)) expect(after[rel]).toBe(before[rel]);
    expect(Object.keys(after).filter(rel => rel.startsWith('project/') || rel.startsWith('prog/')).sort()).toEqual(Object.keys(before).sort());
    // a folder inside the project is fine
    const dist = await cdk8sGitops(['synth', '--app', app], { cwd: project, env });
    expect(dist.code).toBe(0);
    expect(fs.readdirSync(path.join(project, 'dist')).sort()).toEqual([OWNERSHIP_RECORD, 'dev', 'prod'].sort());
  });

  test('a GitOps working tree: untracked and ignored files under dev/ are kept; an uncommitted edit synth would overwrite is refused', async () => {
    const dir = path.join(tempDir('faults-git'), 'gitops');
    fs.mkdirSync(dir);
    git(dir, 'init', '-q');
    expect((await synth('old', dir)).code).toBe(0);
    put(dir, '.gitignore', '*.tmp\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'synth');
    put(dir, 'dev/notes.txt', 'untracked\n');
    put(dir, 'dev/a/cache.tmp', 'ignored\n');
    put(dir, 'prod/b/draft.txt', 'untracked, in a folder synth empties\n');
    const r = await synth('new', dir);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(snapshotTree(dir)).toEqual({ ...NEW, '.gitignore': '*.tmp\n', 'dev/notes.txt': 'untracked\n', 'dev/a/cache.tmp': 'ignored\n', 'prod/b/draft.txt': 'untracked, in a folder synth empties\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'synth new');
    put(dir, 'dev/a/configmap-one.yaml', 'an uncommitted edit\n');
    const before = snapshotTree(dir);
    const edited = await synth('old', dir, {}, '--force');
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('  dev/a/configmap-one.yaml: would be replaced but changed since synth wrote it, and has uncommitted changes (git status " M")\nCommit or stash these changes first');
    expect(snapshotTree(dir)).toEqual(before);
  });

  test('a FIFO named dev/release.yaml is refused at once by synth --gitops-dir and diff (no hang), nothing changed', async () => {
    const dir = copy(oldDir);
    execFileSync('mkfifo', [path.join(dir, 'dev', 'release.yaml')]);
    const before = snapshotTree(dir);
    const [s, d] = await Promise.all([
      cdk8sGitops(['synth', '--app', APP, '--gitops-dir', dir], { timeout: 10_000 }),
      cdk8sGitops(['diff', '--app', APP, '--gitops-dir', dir], { timeout: 10_000 }),
    ]);
    const message = `${path.join(dir, 'dev', 'release.yaml')} is a FIFO (named pipe): only regular files are read (it was not opened)`;
    expect(s).toMatchObject({ code: 1, signal: null, stderr: `cdk8s-gitops synth: ${message}\n` });
    expect(d).toMatchObject({ code: 1, signal: null, stderr: `cdk8s-gitops diff: ${message}\n` });
    expect(snapshotTree(dir)).toEqual(before);
  });

  test('symbolic links out of the folder: synth refuses to write through one, validate refuses to walk one; the outside is untouched', async () => {
    const outside = tempDir('faults-outside');
    put(outside, 'a/configmap-one.yaml', 'outside\n');
    const dir = copy(oldDir);
    fs.rmSync(path.join(dir, 'dev'), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, 'dev'));
    const before = snapshotTree(dir);
    const [s, v] = await Promise.all([synth('new', dir, {}, '--force'), cdk8sGitops(['validate', dir])]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`  dev: is a symbolic link to ${JSON.stringify(outside)}, not a folder: synth writes only through real folders`);
    // an INPUT-UNREADABLE finding naming the link (exit 2); the other files are still checked
    expect(v).toMatchObject({ code: 2, stderr: 'cdk8s-gitops validate: 1 file could not be read (wholly or in part) as YAML of Kubernetes objects (INPUT-UNREADABLE, listed in the report)\n' });
    expect(v.stdout).toContain(`dev: INPUT-UNREADABLE: ${path.join(dir, 'dev')} is a symbolic link to ${JSON.stringify(outside)}, outside ${dir}: not followed (only files inside the folder are read)\n`);
    expect(snapshotTree(dir)).toEqual(before);
    expect(snapshotTree(outside)).toEqual({ 'a/configmap-one.yaml': 'outside\n' });
  });
});
