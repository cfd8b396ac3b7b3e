/**
 * A real team's GitOps repository, end to end: it already has a README, a .github/ folder and
 * the program in program/, and synth bootstraps it without --force; then every command that
 * commits and synth interleave, each leaving the working tree clean for the next.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { cleanup, git, isolateGit, read, releaseState, spawnCli, SpawnResult, tmpdir } from './helpers';

beforeAll(isolateGit);
afterAll(cleanup);

const FIXTURE = path.join(__dirname, 'fixture-app-canary.ts');
const T1 = 'a'.repeat(40);
const T2 = 'b'.repeat(40);

/** A bare origin whose main holds a README, a workflow and the program in program/ (no manifests yet), and a clone of it. */
function teamRepository(): { origin: string; clone: string } {
  const root = tmpdir('team');
  const origin = path.join(root, 'origin.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', origin);
  const clone = path.join(root, 'gitops');
  git(root, 'clone', '-q', origin, clone);
  const files: Record<string, string> = {
    'README.md': '# Our GitOps repository\n',
    '.github/workflows/delivery.yml': 'on: push\njobs: {}\n',
    'CODEOWNERS': '* @platform\n',
    'program/package.json': '{ "name": "program", "private": true }\n',
    'program/main.ts': `export { createApp } from ${JSON.stringify(FIXTURE.replace(/\.ts$/, ''))};\n`,
    'program/.gitignore': 'node_modules/\nlib/\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(clone, rel)), { recursive: true });
    fs.writeFileSync(path.join(clone, rel), content);
  }
  git(clone, 'add', '-A');
  git(clone, 'commit', '-q', '-m', 'the repository and its program');
  git(clone, 'push', '-q', 'origin', 'main');
  // what a program folder holds once built, ignored by git
  fs.mkdirSync(path.join(clone, 'program/node_modules/x'), { recursive: true });
  fs.writeFileSync(path.join(clone, 'program/node_modules/x/index.js'), '\n');
  return { origin, clone };
}

/** Run the CLI in `cwd` and expect exit 0 with nothing on stderr; return what it printed. */
async function ok(cwd: string, ...argv: string[]): Promise<SpawnResult> {
  const r = await spawnCli(argv, { cwd });
  expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
  return r;
}

const clean = (dir: string) => expect(git(dir, 'status', '--porcelain')).toBe('');

describe('a GitOps repository that holds the program', () => {
  test('bootstrapped by synth --gitops-dir . (no --force), then release, synth, release, shift, promote and rollback in turn', async () => {
    const { origin, clone } = teamRepository();
    const app = ['--app', 'program/main.ts'];

    const first = await ok(clone, 'synth', '--gitops-dir', '.', ...app, '-o', 'json');
    expect(JSON.parse(first.stdout).removed).toEqual([]);
    // the repository's own files and the program are untouched, and not in synth's record
    expect(read(clone, 'README.md')).toBe('# Our GitOps repository\n');
    expect(read(clone, 'program/main.ts')).toContain('createApp');
    const record = read(clone, OWNERSHIP_RECORD);
    expect(record).toContain(' prod/shop/virtualservice-backend.yaml\n');
    expect(record).not.toMatch(/ (README\.md|\.github\/|CODEOWNERS|program\/)/);
    git(clone, 'add', '-A');
    expect(git(clone, 'diff', '--cached', '--name-only')).not.toMatch(/^program\//m);
    git(clone, 'commit', '-q', '-m', 'synth: bootstrap');
    git(clone, 'push', '-q', 'origin', 'main');

    await ok(clone, 'release', '--gitops-dir', '.', ...app, '--env', 'dev', '--tag', T1, '--push');
    clean(clone);
    // synth after a release finds every file as its record says: nothing to write, the tree stays clean
    const again = JSON.parse((await ok(clone, 'synth', '--gitops-dir', '.', ...app, '-o', 'json')).stdout);
    expect(again.written).toEqual([]);
    clean(clone);
    await ok(clone, 'release', '--gitops-dir', '.', ...app, '--env', 'dev', '--tag', T2, '--service', 'backend', '--push');
    expect(releaseState(clone, 'dev').services.backend).toEqual({ v1: T1, v2: T2 });

    await ok(clone, 'shift', '--gitops-dir', '.', ...app, '--env', 'prod', '--service', 'backend', '--weights', 'v2=25', '--push');
    expect(releaseState(clone, 'prod').weights).toEqual({ backend: { v1: 75, v2: 25 } });
    clean(clone);

    const promoted = JSON.parse((await ok(clone, 'promote', '--gitops-dir', '.', ...app, '--from', 'dev', '--to', 'prod', '-o', 'json')).stdout);
    git(clone, 'merge', '-q', '--ff-only', promoted.branch); // the pull request, merged
    expect(releaseState(clone, 'prod').services.backend).toEqual({ v1: T1, v2: T2 });
    expect((await ok(clone, 'synth', '--gitops-dir', '.', ...app)).stdout).toMatch(/: 0 written, \d+ unchanged, 0 removed\n$/);
    clean(clone);

    await ok(clone, 'rollback', '--gitops-dir', '.', ...app, '--env', 'prod');
    expect(releaseState(clone, 'prod').services.backend).toEqual({ v1: '1.0.0', v2: '1.0.0' });
    expect(JSON.parse((await ok(clone, 'synth', '--gitops-dir', '.', ...app, '-o', 'json')).stdout).written).toEqual([]);
    clean(clone);
    git(clone, 'push', '-q', 'origin', 'main');
    // every commit kept the record right: it lists what each file at the tip holds
    const tip = git(origin, 'show', `main:${OWNERSHIP_RECORD}`);
    for (const line of tip.split('\n').filter(l => /^[0-9a-f]{40} /.test(l))) {
      const [sha, rel] = [line.slice(0, 40), line.slice(41)];
      expect(`${rel} ${git(origin, 'rev-parse', `main:${rel}`).trim()}`).toBe(`${rel} ${sha}`);
    }
    expect(read(clone, 'program/node_modules/x/index.js')).toBe('\n');
  }, 180_000); // seven CLI runs in turn: room on a loaded machine

  test('from the program folder, --gitops-dir .. writes the repository around it; a path inside the program folder is refused', async () => {
    const { clone } = teamRepository();
    const program = path.join(clone, 'program');
    await ok(program, 'synth', '--gitops-dir', '..', '--app', 'main.ts');
    expect(fs.existsSync(path.join(clone, 'dev/release.yaml'))).toBe(true);
    expect(fs.readdirSync(program).sort()).toEqual(['.gitignore', 'main.ts', 'node_modules', 'package.json']);
    // an output folder inside which the program would be written: refused, nothing written
    const inside = await spawnCli(['synth', '--gitops-dir', '.', '--app', 'main.ts'], { cwd: program });
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('is the project folder (it holds package.json)');
  });

  test('a clone with nothing checked out (origin\'s HEAD names a branch it lacks, or origin is empty) says so, and how to go on', async () => {
    const { origin } = teamRepository();
    git(origin, 'symbolic-ref', 'HEAD', 'refs/heads/master');
    const root = tmpdir('empty-clone');
    git(root, 'clone', '-q', origin, 'gitops');
    const clone = path.join(root, 'gitops');
    const release = await spawnCli(['release', '--gitops-dir', clone, '--app', FIXTURE, '--env', 'dev', '--tag', T1]);
    expect(release.code).toBe(1);
    expect(release.stderr).toContain(`${clone}: nothing checked out: branch master has no commit; check out the branch that holds the GitOps repository (origin has main: \`git -C '${clone}' checkout main\`)`);
    expect(release.stderr).not.toContain('out of date');

    const empty = path.join(tmpdir('empty-origin'), 'origin.git');
    git(path.dirname(empty), 'init', '-q', '--bare', '-b', 'main', empty);
    git(path.dirname(empty), 'clone', '-q', empty, 'gitops');
    const fresh = path.join(path.dirname(empty), 'gitops');
    const shift = await spawnCli(['shift', '--gitops-dir', fresh, '--app', FIXTURE, '--env', 'prod', '--service', 'backend', '--weights', 'v2=10', '--push']);
    expect(shift.code).toBe(1);
    expect(shift.stderr).toContain(`nothing checked out: branch main has no commit (and origin has no branch); bootstrap the repository: \`cdk8s-gitops synth --gitops-dir '${fresh}'\``);
  });
});
