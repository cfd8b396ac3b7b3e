/**
 * The CLI convention, through the real CLI (spawned processes, real git): `--flag=value`, `-o json`
 * with its documented fields on every reporting command, `--version`, blank values refused
 * before anything is touched, usage errors on stderr.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createApp } from '../gitops/fixture-app';
import { cleanup, FIXTURE_APP, git, isolateGit, seedRepo, snapshot, spawnCli, tmpdir, withoutEnginesNote } from '../gitops/helpers';

const T1 = 'sha-1111111';
const SHA = /^[0-9a-f]{40}$/;

beforeAll(isolateGit);
afterAll(cleanup);

const version = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

test('--version and version print the package version', async () => {
  for (const argv of [['--version'], ['version']]) {
    expect(await spawnCli(argv)).toEqual({ code: 0, signal: null, stdout: `${version}\n`, stderr: '' });
  }
  const extra = await spawnCli(['--version', 'x']);
  expect(extra.code).toBe(2);
});

test('every reporting command: --flag=value and -o json with the documented fields', async () => {
  const { clone } = seedRepo(createApp);
  const app = `--app=${FIXTURE_APP}`;
  const json = async (...argv: string[]) => {
    const r = await spawnCli(argv);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(r.stdout);
  };

  const released = await json('release', `--gitops-dir=${clone}`, '--env=dev', `--tag=${T1}`, '--service=backend', app, '-o', 'json');
  expect(Object.keys(released)).toEqual(['env', 'cluster', 'tag', 'committed', 'commit', 'message', 'changes', 'weights', 'changedFiles', 'pushed', 'attempts']);
  expect(released).toMatchObject({ env: 'dev', tag: T1, committed: true, message: `dev: deploy ${T1}`, pushed: false, attempts: 1 });
  expect(released.commit).toBe(git(clone, 'rev-parse', 'HEAD').trim());
  expect(released.cluster).toBeNull();
  expect(released.changes).toEqual([{ service: 'backend', version: 'v2', from: '1.0.0', to: T1, cluster: null }]); // v1 takes v2's 1.0.0: unchanged
  expect(released.changedFiles).toContain('dev/release.yaml');

  const again = await json('release', `--gitops-dir=${clone}`, '--env=dev', `--tag=${T1}`, '--service=backend', app, '--output=json');
  expect(again).toMatchObject({ committed: false, changes: [], changedFiles: [] });

  const status = await json('status', `--gitops-dir=${clone}`, '-ojson');
  expect(Object.keys(status)).toEqual(['commit', 'environments', 'services']);
  expect(status.commit).toBe(released.commit);
  expect(status.environments.map((e: any) => e.name)).toEqual(['dev', 'prod']);
  expect(status.services.find((s: any) => s.service === 'backend' && s.version === 'v2')).toEqual({ service: 'backend', version: 'v2', tags: { dev: T1, prod: '1.0.0' }, clusters: null, weights: null, clusterWeights: null, same: false });
  expect(status.services.find((s: any) => s.service === 'frontend')).toMatchObject({ version: null }); // absent: null, not missing

  const none = await json('diff', `--gitops-dir=${clone}`, app, '-o=json');
  expect(none).toEqual({ summary: { files: 0, added: 0, removed: 0, changed: 0 }, files: [] });
  fs.appendFileSync(path.join(clone, 'dev/demo/deployment-frontend.yaml'), '# hand edit\n');
  const changed = await json('diff', `--gitops-dir=${clone}`, '--env=dev', app, '-o', 'json');
  expect(changed).toEqual({
    summary: { files: 1, added: 0, removed: 0, changed: 1 },
    files: [{ path: 'dev/demo/deployment-frontend.yaml', status: 'changed', patch: expect.stringContaining('\n-# hand edit\n') }],
  });
  git(clone, 'checkout', '--', '.');

  const promoted = await json('promote', `--gitops-dir=${clone}`, '--from=dev', '--to=prod', app, '-o', 'json');
  expect(Object.keys(promoted)).toEqual(['branch', 'base', 'commit', 'tag', 'title', 'body', 'created', 'pushed', 'from', 'to', 'cluster', 'changes', 'weights']);
  expect(promoted).toMatchObject({ branch: `promote-${T1}`, base: 'main', tag: T1, created: true, pushed: false, from: 'dev', to: 'prod' });
  expect(promoted.commit).toBe(git(clone, 'rev-parse', `promote-${T1}`).trim());
  expect(promoted.changes).toEqual([{ service: 'backend', version: 'v2', from: '1.0.0', to: T1, cluster: null }]);

  const rolled = await json('rollback', `--gitops-dir=${clone}`, '--env=dev', app, '-o', 'json');
  expect(Object.keys(rolled)).toEqual(['env', 'cluster', 'committed', 'commit', 'message', 'tag', 'restoredFrom', 'changes', 'weights', 'pushed', 'alreadyLanded']);
  expect(rolled).toMatchObject({ env: 'dev', committed: true, pushed: false, changes: [{ service: 'backend', version: 'v2', from: T1, to: '1.0.0' }] });
  expect(rolled.restoredFrom).toMatch(SHA);
  expect(rolled.commit).toBe(git(clone, 'rev-parse', 'HEAD').trim());

  const out = path.join(tmpdir('synth'), 'out');
  const synth = await json('synth', app, `--out=${out}`, '-o', 'json');
  expect(Object.keys(synth)).toEqual(['out', 'count', 'files', 'written', 'removed', 'pruned']);
  expect(synth.written).toEqual(synth.files); // a new folder: every file written
  expect(synth.removed).toEqual([]);
  expect(synth.pruned).toEqual([]);
  expect(synth.out).toBe(out);
  expect(synth.count).toBe(synth.files.length);
  expect(synth.files).toContain('dev/release.yaml');
  for (const f of synth.files) expect(fs.existsSync(path.join(out, f))).toBe(true);

  const validated = await json('validate', out, '--output=json');
  expect(validated).toMatchObject({ ok: true, summary: { findings: 0 } });
});

test('the deprecated --json still works, with a note on stderr', async () => {
  const { clone } = seedRepo(createApp);
  const r = await spawnCli(['status', '--gitops-dir', clone, '--json']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('cdk8s-gitops: --json is deprecated; use -o json\n');
  expect(JSON.parse(r.stdout).environments).toHaveLength(2);
});

describe('blank values narrow nothing: exit 2, nothing changed', () => {
  let clone: string;
  beforeAll(() => ({ clone } = seedRepo(createApp)));

  test.each([
    ['--service', '', ['--service', '']],
    ['--service', ',', ['--service', ',']],
    ['--service', ' ', ['--service= ']],
    ['--service', 'backend,', ['--service', 'backend,']],
    ['--env', '', ['--env=']],
    ['--tag', ' ', ['--tag', ' ']],
    ['--gitops-dir', '', ['--gitops-dir', '']],
    ['--app', '', ['--app', '']],
    ['--remote', '', ['--push', '--remote', '']],
  ])('release %s %j', async (flag, value, args) => {
    const base: Record<string, string[]> = { '--env': ['--env', 'dev'], '--tag': ['--tag', T1], '--gitops-dir': ['--gitops-dir', clone], '--app': ['--app', FIXTURE_APP] };
    const argv = ['release', ...Object.entries(base).filter(([f]) => f !== flag).flatMap(([, a]) => a), ...args];
    const state = snapshot(clone);
    const r = await spawnCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cdk8s-gitops release: ${flag}: ${JSON.stringify(value)} `);
    expect(r.stderr).toContain('Run `cdk8s-gitops release --help` for usage.');
    expect(snapshot(clone)).toEqual(state);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });

  test.each([
    ['promote', '--to', ['--app', FIXTURE_APP, '--from', 'dev', '--to', ' ']],
    ['rollback', '--env', ['--app', FIXTURE_APP, '--env', '']],
    ['diff', '--env', ['--app', FIXTURE_APP, '--env=']],
    ['status', '--rev', ['--rev', '']],
  ])('%s %s blank', async (command, flag, args) => {
    const state = snapshot(clone);
    const r = await spawnCli([command, '--gitops-dir', clone, ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^cdk8s-gitops ${command}: ${flag}: "\\s*" is blank`));
    expect(snapshot(clone)).toEqual(state);
  });
});

test('usage errors go to stderr with a pointer to --help; stdout stays empty', async () => {
  for (const argv of [['synth', '--bogus'], ['synth', '--out', 'a', '--gitops-dir', 'b'], ['validate', 'a', 'b'], ['validate', '-o', 'xml'], ['release', '--env', 'dev', '--env', 'prod']]) {
    const r = await spawnCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^cdk8s-gitops ${argv[0]}: .+\nRun \`cdk8s-gitops ${argv[0]} --help\` for usage.\n$`));
  }
});

test('every command that changes the repository says on stderr when it took over the lock of a command that no longer runs (promote too)', async () => {
  const { clone } = seedRepo(createApp);
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const note = `removed the lock of an earlier cdk8s-gitops command that no longer runs (pid ${dead}, started 2024-01-01T00:00:00.000Z)\n`;
  for (const argv of [
    ['release', '--env', 'dev', '--tag', T1],
    ['promote', '--from', 'dev', '--to', 'prod'],
    ['rollback', '--env', 'dev'],
  ]) {
    fs.writeFileSync(path.join(clone, '.git', 'cdk8s-gitops.lock'), `${JSON.stringify({ pid: dead, host: os.hostname(), started: '2024-01-01T00:00:00.000Z' })}\n`);
    const r = await spawnCli([...argv, '--gitops-dir', clone, '--app', FIXTURE_APP]);
    expect({ command: argv[0], code: r.code, stderr: r.stderr }).toEqual({ command: argv[0], code: 0, stderr: note });
    expect(fs.existsSync(path.join(clone, '.git', 'cdk8s-gitops.lock'))).toBe(false);
  }
});

describe('bin/cdk8s-gitops.js on a Node.js older than the engines', () => {
  /** The entry point beside a package.json with `engines` and a stand-in CLI that prints "ran". */
  function entry(engines: string): string {
    const root = tmpdir('engines');
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync(path.join(__dirname, '..', '..', 'bin', 'cdk8s-gitops.js'), path.join(root, 'bin', 'cdk8s-gitops.js'));
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'cdk8s-gitops', engines: { node: engines } }));
    fs.mkdirSync(path.join(root, 'lib', 'src', 'cli'), { recursive: true });
    fs.writeFileSync(path.join(root, 'lib', 'src', 'cli', 'main.js'), "exports.exitQuietlyOnClosedOutput = () => {};\nexports.main = async () => { process.stdout.write('ran\\n'); return 0; };\n");
    return path.join(root, 'bin', 'cdk8s-gitops.js');
  }

  test('one line says which Node.js the package needs, and the command still runs; a new enough Node.js gets none', () => {
    const major = Number(process.versions.node.split('.')[0]);
    const old = spawnSync(process.execPath, [entry(`>=${major + 1}`), 'status'], { encoding: 'utf8' });
    expect(old.stderr).toBe(`cdk8s-gitops: Node.js ${process.versions.node} is older than this package supports (engines: node >=${major + 1}); install Node.js ${major + 1} or newer, commands may fail here\n`);
    expect(withoutEnginesNote(old.stderr)).toBe('');
    expect({ code: old.status, stdout: old.stdout }).toEqual({ code: 0, stdout: 'ran\n' });
    const current = spawnSync(process.execPath, [entry(`>=${major}`), 'status'], { encoding: 'utf8' });
    expect({ code: current.status, stdout: current.stdout, stderr: current.stderr }).toEqual({ code: 0, stdout: 'ran\n', stderr: '' });
  });
});
