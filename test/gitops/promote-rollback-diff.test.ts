import * as fs from 'fs';
import * as path from 'path';
import { createApp } from './fixture-app';
import { changedFiles, cleanup, cli, FIXTURE_APP, git, isolateGit, read, releaseState, seedRepo, snapshot } from './helpers';

const T1 = 'sha-1111111';
const T2 = 'sha-2222222';
const T3 = 'sha-3333333';

beforeAll(isolateGit);
afterAll(cleanup);

const services = (dir: string, env: string, rev?: string) => releaseState(dir, env, rev).services;

async function release(dir: string, tag: string, ...more: string[]) {
  const r = await cli('release', '--gitops-dir', dir, '--env', 'dev', '--tag', tag, '--app', FIXTURE_APP, ...more);
  expect(r).toMatchObject({ code: 0, stderr: '' });
}

describe('promote', () => {
  test('prod gets exactly dev\'s release on branch promote-TAG, with a PR title and body', async () => {
    const { origin, clone } = seedRepo(createApp);
    await release(clone, T1);
    await release(clone, T2, '--service', 'backend');
    const main = git(clone, 'rev-parse', 'HEAD').trim();
    const state = snapshot(clone);

    const r = await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--push', '-o', 'json', '--app', FIXTURE_APP);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const pr = JSON.parse(r.stdout);
    expect(pr).toMatchObject({ branch: `promote-${T2}`, base: 'main', tag: T2, title: `Promote to prod: ${T2}`, created: true, pushed: true });
    expect(pr.body).toContain(`| backend | v2 | \`1.0.0\` | \`${T2}\` |`);
    expect(pr.body).toContain('- `prod/demo/deployment-backend-v2.yaml`');

    // The branch: one commit on top of main, touching only prod/, giving prod dev's tags.
    const branch = `promote-${T2}`;
    expect(git(clone, 'rev-parse', `${branch}~1`).trim()).toBe(main);
    expect(git(clone, 'log', '-1', '--format=%s', branch).trim()).toBe(`prod: deploy ${T2}`);
    expect(changedFiles(clone, `${main}..${branch}`).every(f => f.startsWith('prod/'))).toBe(true);
    expect(services(clone, 'prod', branch)).toEqual(services(clone, 'dev'));
    expect(git(origin, 'rev-parse', branch).trim()).toBe(pr.commit);
    // The current branch and working tree are untouched (only the new branch refs appear).
    const after = snapshot(clone);
    expect({ ...after, refs: '' }).toEqual({ ...state, refs: '' });
    expect(git(clone, 'symbolic-ref', '--short', 'HEAD').trim()).toBe('main');

    // Promoting again is idempotent; after merging, there is nothing left to promote.
    expect((await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--app', FIXTURE_APP)).code).toBe(0);
    git(clone, 'merge', '-q', '--ff-only', branch);
    const none = await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--app', FIXTURE_APP);
    expect(none).toMatchObject({ code: 0 });
    expect(none.stdout).toContain("prod already runs dev's release");
  });

  test('plain output prints the title and the body', async () => {
    const { clone } = seedRepo(createApp);
    await release(clone, T1);
    const r = await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--app', FIXTURE_APP);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^branch promote-${T1} at [0-9a-f]{12}: prod: deploy ${T1}\\n\\ntitle: Promote to prod: ${T1}\\n\\nbody:\\nPromotes the release running in \\*\\*dev\\*\\* to \\*\\*prod\\*\\*`));
  });

  test.each([
    [['--from', 'dev', '--to', 'staging'], /--to: "staging" is not an environment of the app/],
    [['--from', 'qa', '--to', 'prod'], /--from: environment "qa" has no release.yaml/],
    [['--from', 'dev', '--to', 'dev'], /--to: "dev" must differ from --from/],
    [['--from', 'dev'], /--to is required/],
  ])('bad input %j is a usage error and changes nothing', async (args, message) => {
    const { clone } = seedRepo(createApp);
    const state = snapshot(clone);
    const r = await cli('promote', '--gitops-dir', clone, '--app', FIXTURE_APP, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(snapshot(clone)).toEqual(state);
  });
});

describe('rollback', () => {
  test('restores the previous release as a new commit; rolling back again goes further back', async () => {
    const { clone } = seedRepo(createApp);
    await release(clone, T1);
    const r1 = git(clone, 'rev-parse', 'HEAD').trim();
    await release(clone, T2);
    await release(clone, T3);
    const count = Number(git(clone, 'rev-list', '--count', 'HEAD'));

    const a = await cli('rollback', '--gitops-dir', clone, '--env', 'dev', '--app', FIXTURE_APP);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(new RegExp(`^\\[[0-9a-f]{12}\\] dev: rollback to ${T2} \\(was ${T3}\\) \\(release of [0-9a-f]{12}\\)`));
    expect(services(clone, 'dev')).toEqual({ backend: { v1: T1, v2: T2 }, frontend: T2, monitor: { v1: T1, v2: T2 } });
    expect(Number(git(clone, 'rev-list', '--count', 'HEAD'))).toBe(count + 1);
    expect(git(clone, 'log', '-1', '--format=%B').trim()).toMatch(/\nRollback-To: [0-9a-f]{40}$/m);

    await cli('rollback', '--gitops-dir', clone, '--env', 'dev', '--app', FIXTURE_APP);
    expect(services(clone, 'dev')).toEqual(services(clone, 'dev', r1));
    expect(read(clone, 'dev/demo/deployment-frontend.yaml')).toContain(`frontend:${T1}`);
    // History is never rewritten: all the releases are still there.
    expect(git(clone, 'log', '--format=%s').trim().split('\n').slice(0, 5)).toEqual([
      `dev: rollback to ${T1} (was ${T2})`, `dev: rollback to ${T2} (was ${T3})`, `dev: deploy ${T3}`, `dev: deploy ${T2}`, `dev: deploy ${T1}`,
    ]);
    expect(git(clone, 'status', '--porcelain')).toBe('');
    expect(services(clone, 'prod')).toEqual(services(clone, 'prod', 'HEAD~5'));
  });

  test('with no earlier release there is nothing to roll back', async () => {
    const { clone } = seedRepo(createApp);
    const state = snapshot(clone);
    const r = await cli('rollback', '--gitops-dir', clone, '--env', 'dev', '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dev has no earlier release to roll back to');
    expect(snapshot(clone)).toEqual(state);
    const bad = await cli('rollback', '--gitops-dir', clone, '--env', 'qa', '--app', FIXTURE_APP);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--env: "qa" has no release.yaml');
  });
});

describe('a dirty working tree', () => {
  test.each([
    ['promote', '--from', 'dev', '--to', 'prod'],
    ['rollback', '--env', 'dev'],
  ])('is refused by %s, with nothing written (no branch, no commit)', async (command, ...args) => {
    const { clone } = seedRepo(createApp);
    await release(clone, T1);
    await release(clone, T2);
    fs.appendFileSync(path.join(clone, 'README.md'), 'local edit\n');
    const state = snapshot(clone);
    const r = await cli(command, '--gitops-dir', clone, ...args, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the working tree is not clean; commit or discard these changes first:\n   M README.md');
    expect(snapshot(clone)).toEqual(state);
  });
});

describe('diff', () => {
  test('shows what synth would change, as a unified diff, without writing', async () => {
    const { clone } = seedRepo(createApp);
    const none = await cli('diff', '--gitops-dir', clone, '--app', FIXTURE_APP, '--exit-code');
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'no changes\n' });

    // Edit the release file by hand, drop a rendered file, add a stray one.
    fs.writeFileSync(path.join(clone, 'dev/release.yaml'), read(clone, 'dev/release.yaml').replace('frontend: 1.0.0', `frontend: ${T1}`));
    fs.rmSync(path.join(clone, 'prod/demo/deployment-monitor-v1.yaml'));
    fs.writeFileSync(path.join(clone, 'dev/demo/stray.yaml'), 'kind: Stray\n');
    const state = snapshot(clone);
    const r = await cli('diff', '--gitops-dir', clone, '--app', FIXTURE_APP);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('3 file(s) would change: 1 added, 1 removed, 1 changed\n');
    expect(r.stdout).toContain([
      'diff --git a/dev/demo/deployment-frontend.yaml b/dev/demo/deployment-frontend.yaml',
      '--- a/dev/demo/deployment-frontend.yaml',
      '+++ b/dev/demo/deployment-frontend.yaml',
    ].join('\n'));
    expect(r.stdout).toContain(`-        - image: registry.example/frontend:1.0.0\n+        - image: registry.example/frontend:${T1}\n`);
    expect(r.stdout).toContain('diff --git a/dev/demo/stray.yaml b/dev/demo/stray.yaml\ndeleted file mode 100644\n--- a/dev/demo/stray.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: Stray\n');
    expect(r.stdout).toContain('diff --git a/prod/demo/deployment-monitor-v1.yaml b/prod/demo/deployment-monitor-v1.yaml\nnew file mode 100644\n');
    // The diff applies: git agrees it is exactly synth's change.
    fs.writeFileSync(path.join(path.dirname(clone), 'synth.patch'), r.stdout);
    git(clone, 'apply', '--check', '../synth.patch');
    expect(snapshot(clone)).toEqual(state);

    const onlyProd = await cli('diff', '--gitops-dir', clone, '--env', 'prod', '--exit-code', '--app', FIXTURE_APP);
    expect(onlyProd.code).toBe(1);
    expect(onlyProd.stderr).toBe('1 file(s) would change: 1 added, 0 removed, 0 changed\n');
    const unknown = await cli('diff', '--gitops-dir', clone, '--env', 'qa', '--app', FIXTURE_APP);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--env: "qa" is not an environment of the app (environments: dev, prod)');
  });

  test('a malformed release file is reported with its path and field', async () => {
    const { clone } = seedRepo(createApp);
    fs.writeFileSync(path.join(clone, 'dev/release.yaml'), read(clone, 'dev/release.yaml').replace('frontend: 1.0.0', 'frontend: latest'));
    const r = await cli('diff', '--gitops-dir', clone, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dev\/release.yaml: services.frontend: "latest" is mutable/);
  });
});

describe('help', () => {
  test.each(['release', 'promote', 'rollback', 'diff', 'status'])('%s --help exits 0', async command => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: cdk8s-gitops ${command} --gitops-dir DIR`));
  });
});
