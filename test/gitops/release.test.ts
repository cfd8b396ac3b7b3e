import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { release } from '../../src/gitops/release-flow';
import { CreateApp } from '../../src/gitops/repository';
import { createApp as referenceApp } from '../../reference/main';
import { createApp } from './fixture-app';
import { cleanup, cli, CLI, cloneOf, FIXTURE_APP, git, isolateGit, read, releaseState, seedRepo, sharedClone, snapshot, spawnCli, sshSigningKey } from './helpers';

const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

beforeAll(isolateGit);
afterAll(cleanup);

const services = (dir: string, env = 'dev') => releaseState(dir, env).services;

describe('release', () => {
  test('rotates A/B, re-renders only the environment and commits "ENV: deploy TAG"', async () => {
    const { origin, clone } = seedRepo(createApp);
    const before = git(clone, 'rev-parse', 'HEAD').trim();
    const r1 = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    expect(r1).toMatchObject({ code: 0, stderr: '' });
    expect(r1.stdout).toContain(`dev: deploy ${SHA1}`);
    expect(services(clone)).toEqual({ backend: { v1: '1.0.0', v2: SHA1 }, frontend: SHA1, monitor: { v1: '1.0.0', v2: SHA1 } });
    expect(services(clone, 'prod')).toEqual({ backend: { v1: '1.0.0', v2: '1.0.0' }, frontend: '1.0.0', monitor: { v1: '1.0.0', v2: '1.0.0' } });

    const r2 = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA2, '--service', 'backend', '--app', FIXTURE_APP);
    expect(r2.code).toBe(0);
    expect(services(clone)).toEqual({ backend: { v1: SHA1, v2: SHA2 }, frontend: SHA1, monitor: { v1: '1.0.0', v2: SHA1 } });
    expect(read(clone, 'dev/demo/deployment-backend-v1.yaml')).toContain(`image: registry.example/backend:${SHA1}`);
    expect(read(clone, 'dev/demo/deployment-backend-v2.yaml')).toContain(`image: registry.example/backend:${SHA2}`);

    // Two commits, each touching only dev/ (in it only the tag lines and the release file) and
    // synth's ownership record (the new blob ids of the files it changed).
    expect(git(clone, 'log', '--format=%s', `${before}..HEAD`).trim().split('\n')).toEqual([`dev: deploy ${SHA2}`, `dev: deploy ${SHA1}`]);
    const stat = git(clone, 'diff', '--numstat', 'HEAD~1', 'HEAD').trim().split('\n').sort();
    expect(stat).toEqual([
      '1\t1\tdev/demo/deployment-backend-v1.yaml',
      '1\t1\tdev/demo/deployment-backend-v2.yaml',
      '2\t2\tdev/release.yaml',
      '3\t3\t.cdk8s-gitops-files',
    ]);
    const patch = git(clone, 'diff', '-U0', `${before}`, 'HEAD', '--', '.', ':!.cdk8s-gitops-files');
    const changed = patch.split('\n').filter(l => /^[-+](?![-+])/.test(l));
    expect(changed.every(l => /registry\.example\/\w+:|^[-+]\s+(v[12]|frontend): /.test(l))).toBe(true);
    expect(git(clone, 'status', '--porcelain')).toBe('');
    // Not pushed without --push.
    expect(git(origin, 'rev-parse', 'main').trim()).toBe(before);
  });

  test('releasing the tag that already runs is a no-op: no commit', async () => {
    const clone = sharedClone(createApp);
    await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    const state = snapshot(clone);
    const again = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    expect(again).toMatchObject({ code: 0, stdout: `dev already runs ${SHA1}: nothing to release (no commit)\n` });
    expect(snapshot(clone)).toEqual(state);
  });

  test('--push lands the commit on the remote and the local branch', async () => {
    const { origin, clone } = seedRepo(createApp);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--service', 'frontend', '--push', '--app', FIXTURE_APP);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(pushed)');
    const head = git(clone, 'rev-parse', 'HEAD').trim();
    expect(git(origin, 'rev-parse', 'main').trim()).toBe(head);
    expect(git(clone, 'rev-parse', 'origin/main').trim()).toBe(head);
    expect(git(origin, 'log', '-1', '--format=%s', 'main').trim()).toBe(`dev: deploy ${SHA1}`);
  });

  /** The fixture program, but the first render triggers a real push of another release from another clone. */
  function racingApp(other: string, argv: string[]): CreateApp {
    let raced = false;
    return props => {
      if (!raced) {
        raced = true;
        const r = spawnSync(process.execPath, [CLI, 'release', '--gitops-dir', other, '--push', '--app', FIXTURE_APP, ...argv], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`racing release failed: ${r.stderr}`);
      }
      return createApp(props);
    };
  }

  test('a push rejected because someone pushed first is re-rendered onto the new tip, nothing is lost', async () => {
    const { origin, clone } = seedRepo(createApp);
    const other = cloneOf(origin);
    const logs: string[] = [];
    const result = await release({
      dir: clone, env: 'dev', tag: SHA2, services: ['backend'], push: true,
      createApp: racingApp(other, ['--env', 'dev', '--tag', SHA1, '--service', 'monitor']), log: l => logs.push(l), backoff: () => 1,
    });
    expect(result).toMatchObject({ committed: true, pushed: true, attempts: 2 });
    expect(logs[0]).toMatch(/^push rejected \(someone pushed first\); fetching and re-rendering onto the new tip/);
    expect(git(origin, 'log', '--format=%s', '-2', 'main').trim().split('\n')).toEqual([`dev: deploy ${SHA2}`, `dev: deploy ${SHA1}`]);
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(git(origin, 'rev-parse', 'main').trim());
    expect(services(clone)).toEqual({ backend: { v1: '1.0.0', v2: SHA2 }, frontend: '1.0.0', monitor: { v1: '1.0.0', v2: SHA1 } });
    expect(read(clone, 'dev/demo/deployment-monitor-v2.yaml')).toContain(`monitor:${SHA1}`);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });

  test('a second release of the same service rotates on top of the one that landed first', async () => {
    const { origin, clone } = seedRepo(createApp);
    const other = cloneOf(origin);
    await release({
      dir: clone, env: 'dev', tag: SHA2, services: ['backend'], push: true, backoff: () => 1,
      createApp: racingApp(other, ['--env', 'dev', '--tag', SHA1, '--service', 'backend']),
    });
    expect(services(clone).backend).toEqual({ v1: SHA1, v2: SHA2 });
  });

  test('a push that gives up leaves working tree, index and branch exactly as they were', async () => {
    const { origin, clone } = seedRepo(createApp);
    const other = cloneOf(origin);
    const state = snapshot(clone);
    const run = release({
      dir: clone, env: 'dev', tag: SHA2, push: true, retries: 0, backoff: () => 1,
      createApp: racingApp(other, ['--env', 'dev', '--tag', SHA1, '--service', 'monitor']),
    });
    await expect(run).rejects.toThrow(/^push to origin\/main gave up after 1 attempt\(s\): the remote kept moving .*nothing was changed locally/s);
    const after = snapshot(clone);
    // Only the remote-tracking ref moved (the fetch); branch, HEAD, index and files did not.
    expect({ ...after, refs: '' }).toEqual({ ...state, refs: '' });
    expect(git(clone, 'rev-parse', 'main').trim()).toBe(state.head.trim());
  });
});

describe('release: signed commits when git asks for them', () => {
  const verify = (dir: string, rev: string, allowedSigners: string) =>
    spawnSync('git', ['-c', `gpg.ssh.allowedSignersFile=${allowedSigners}`, 'verify-commit', rev], { cwd: dir, encoding: 'utf8' });

  test('commit.gpgSign unset: the pushed release is unsigned; set (ssh key): git verify-commit accepts it on the remote', async () => {
    const { key, allowedSigners } = sshSigningKey();
    const { origin, clone } = seedRepo(createApp);
    git(clone, 'config', 'gpg.format', 'ssh');
    git(clone, 'config', 'user.signingKey', key);
    expect(await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--service', 'frontend', '--push', '--app', FIXTURE_APP)).toMatchObject({ code: 0 });
    expect(git(origin, 'cat-file', 'commit', 'main')).not.toContain('gpgsig');
    expect(verify(origin, 'main', allowedSigners).status).not.toBe(0);

    git(clone, 'config', 'commit.gpgSign', 'true');
    expect(await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA2, '--service', 'frontend', '--push', '--app', FIXTURE_APP)).toMatchObject({ code: 0 });
    expect(git(origin, 'log', '-1', '--format=%s', 'main').trim()).toBe(`dev: deploy ${SHA2}`);
    const v = verify(origin, 'main', allowedSigners);
    expect([v.status, v.stderr]).toEqual([0, expect.stringContaining('Good "git" signature for test@example.com')]);
  });

  test('a signing failure exits 1 and changes nothing, locally or on the remote', async () => {
    const { origin, clone } = seedRepo(createApp);
    git(clone, 'config', 'gpg.format', 'ssh');
    git(clone, 'config', 'user.signingKey', path.join(clone, '..', 'no-such-key'));
    git(clone, 'config', 'commit.gpgSign', 'true');
    const state = snapshot(clone);
    const remote = git(origin, 'for-each-ref');
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--push', '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot sign the commit: git's configuration asks for signed commits \(commit\.gpgSign is true; gpg\.format ssh, user\.signingKey ".*no-such-key"\).*nothing was committed/s);
    expect(snapshot(clone)).toEqual(state);
    expect(git(origin, 'for-each-ref')).toBe(remote);
  });
});

describe('release: failures change nothing', () => {
  let origin: string;
  let clone: string;
  beforeAll(() => ({ origin, clone } = seedRepo(createApp)));

  test.each([
    [['--tag', 'latest'], 2, /--tag: "latest" is mutable/],
    [['--tag', 'no way'], 2, /--tag: "no way" is not an image tag: allowed are 1 to 128 characters/],
    [['--tag', SHA1, '--env', 'staging'], 2, /--env: "staging" is not an environment of the app \(environments: dev, prod\)/],
    [['--tag', SHA1, '--service', 'nope'], 2, /--service: "nope" is not a service of environment "dev" \(services: backend, frontend, monitor\)/],
    [['--tag', SHA1, '--bogus'], 2, /Unknown option '--bogus'/],
    [['--env', 'dev'], 2, /--tag is required/],
    [['--tag', 'refused-by-program'], 1, /\[dev-demo\/backend\] tag: "refused-by-program" is refused by the program/],
    [['--tag', 'invalid-by-policy'], 1, /Validation failed with \d+ error\(s\):\n  \[dev-demo\] image tag "invalid-by-policy" is refused by policy/],
    [['--tag', 'as-root', '--service', 'frontend'], 1, /Manifest validation failed with \d+ finding\(s\):\n  dev\/demo\/deployment-frontend.yaml: Deployment\/frontend: PSS-RUN-AS-NON-ROOT/],
    [['--tag', SHA1, '--push', '--remote', 'upstream'], 1, /--push: .* has no remote "upstream" to push to/],
  ])('%j exits %d with a clear message', async (args, code, message) => {
    const state = snapshot(clone);
    const env = args.includes('--env') ? [] : ['--env', 'dev']; // a flag given twice with different values is refused
    const r = await cli('release', '--gitops-dir', clone, ...env, '--app', FIXTURE_APP, ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(snapshot(clone)).toEqual(state);
  });

  test('a dirty working tree is refused', async () => {
    fs.appendFileSync(path.join(clone, 'README.md'), 'local edit\n');
    fs.writeFileSync(path.join(clone, 'dev', 'untracked.txt'), 'x');
    const state = snapshot(clone);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the working tree is not clean; commit or discard these changes first:\n   M README.md\n  ?? dev/untracked.txt');
    expect(snapshot(clone)).toEqual(state);
    git(clone, 'checkout', '--', 'README.md');
    fs.rmSync(path.join(clone, 'dev', 'untracked.txt'));
  });

  test('a detached HEAD is refused', async () => {
    git(clone, 'checkout', '-q', '--detach', 'HEAD');
    const state = snapshot(clone);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HEAD is detached \(at [0-9a-f]{12}\): check out the branch/);
    expect(snapshot(clone)).toEqual(state);
    git(clone, 'checkout', '-q', 'main');
  });

  test('not a git repository is a usage error', async () => {
    const r = await cli('release', '--gitops-dir', path.dirname(origin), '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--gitops-dir: ".*" is not inside a git working tree/);
  });

  test('a repository out of date with the program is refused (a release only moves tags)', async () => {
    fs.appendFileSync(path.join(clone, 'dev/demo/deployment-frontend.yaml'), '# hand edit\n');
    git(clone, 'commit', '-q', '-am', 'hand edit');
    const state = snapshot(clone);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', SHA1, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dev/ is out of date with the program (1 file(s)); a release only changes image tags.');
    expect(r.stderr).toContain('differs dev/demo/deployment-frontend.yaml');
    expect(snapshot(clone)).toEqual(state);
    git(clone, 'reset', '-q', '--hard', 'HEAD~1');
  });

  test('a release killed in the middle leaves the repository unchanged', async () => {
    const marker = path.join(path.dirname(clone), 'hanging');
    const state = snapshot(clone);
    const run = spawnCli(['release', '--gitops-dir', clone, '--env', 'dev', '--tag', 'hang', '--app', FIXTURE_APP], { env: { FIXTURE_HANG_MARKER: marker } });
    for (let i = 0; i < 200 && !fs.existsSync(marker); i++) await new Promise(r => setTimeout(r, 25));
    expect(fs.existsSync(marker)).toBe(true);
    process.kill(Number(fs.readFileSync(marker, 'utf8')), 'SIGKILL');
    const r = await run;
    expect(r.code).not.toBe(0);
    expect(snapshot(clone)).toEqual(state);
    expect(fs.readdirSync(path.dirname(clone))).toEqual(['gitops', 'hanging']);
  });
});

describe('release: the program is constructed once per release state', () => {
  test('the current state and the next are two apps, each rendering its own state: nothing of an app changes after it is made', async () => {
    const { clone } = seedRepo(createApp);
    const base = git(clone, 'rev-parse', 'HEAD').trim();
    const apps: Array<{ app: ReturnType<CreateApp>; releases: unknown }> = [];
    const recording: CreateApp = props => {
      const app = createApp(props);
      apps.push({ app, releases: structuredClone(props.releases) });
      return app;
    };
    const atBase = releaseState(clone, 'dev');
    const result = await release({ dir: clone, env: 'dev', tag: SHA1, services: ['frontend'], createApp: recording });
    expect(result.committed).toBe(true);
    expect(apps).toHaveLength(2);
    const [current, next] = apps;
    // each renders the release state it was made with, also after the change was committed
    expect(current.app.releaseState('dev')).toEqual(atBase);
    expect(next.app.releaseState('dev')).toEqual(releaseState(clone, 'dev'));
    expect(next.app.releaseState('dev').services).toMatchObject({ frontend: SHA1 });
    expect((next.releases as any).dev.services.frontend).toBe(SHA1);
    expect((current.releases as any).dev).toEqual(atBase);
    expect(git(clone, 'log', '--format=%s', `${base}..HEAD`).trim()).toBe(`dev: deploy ${SHA1}`);
  });

  test('a next state the program refuses fails where the next app is built: the current app renders as before, nothing is committed', async () => {
    const { clone } = seedRepo(createApp);
    const head = git(clone, 'rev-parse', 'HEAD').trim();
    const apps: Array<ReturnType<CreateApp>> = [];
    const recording: CreateApp = props => {
      const app = createApp(props);
      apps.push(app);
      return app;
    };
    await expect(release({ dir: clone, env: 'dev', tag: 'refused-by-program', createApp: recording }))
      .rejects.toThrow('[dev-demo/backend] tag: "refused-by-program" is refused by the program');
    expect(apps).toHaveLength(2);
    expect(apps[0].releaseState('dev')).toEqual(releaseState(clone, 'dev'));
    expect([...apps[0].files()].filter(([f]) => f.startsWith('dev/')).every(([f, text]) => text === read(clone, f))).toBe(true);
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });
});

describe('release checks the changed environment (and shared folders), the whole output only to confirm a finding', () => {
  test('the checks get dev and the shared folders, told which folders they do not see', async () => {
    const clone = sharedClone(createApp);
    const calls: { paths: string[]; outside: readonly string[] }[] = [];
    const result = await release({
      dir: clone, env: 'dev', tag: SHA1, createApp,
      validate: (manifests, context) => { calls.push({ paths: manifests.map(m => m.path), outside: context.outsideFolders }); },
    });
    expect(result.committed).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0].paths.length).toBeGreaterThan(0);
    expect(calls[0].paths.every(p => p.startsWith('dev/'))).toBe(true);
    expect(calls[0].outside).toEqual(['prod']);
  });

  test.each([
    ['a program reading tags eagerly', createApp, 'dev/demo/deployment-frontend.yaml'],
    ['a program with release bindings (the reference)', referenceApp, 'dev/ab-testing/deployment-frontend.yaml'],
  ])('the checks are told which files the release leaves as the repository has them: %s', async (_what, program, deployment) => {
    const { clone } = seedRepo(program);
    let unchanged: ReadonlySet<string> = new Set();
    const result = await release({
      dir: clone, env: 'dev', tag: SHA1, services: ['frontend'], createApp: program,
      validate: (_manifests, context) => { unchanged = context.unchanged; },
    });
    const written = new Set(result.changedFiles);
    expect(result.changedFiles).toEqual([deployment, 'dev/release.yaml']);
    const devFiles = git(clone, 'ls-files', 'dev').trim().split('\n');
    expect(devFiles.length).toBeGreaterThan(5);
    expect([...unchanged].sort()).toEqual(devFiles.filter(f => !written.has(f)).sort());
  });

  test('a finding on the part is checked again on the whole output, which decides', async () => {
    const clone = sharedClone(createApp);
    const seen: number[] = [];
    const passesWhole = await release({
      dir: clone, env: 'dev', tag: SHA1, createApp,
      validate: (manifests, context) => {
        seen.push(context.outsideFolders.length);
        if (context.outsideFolders.length > 0) throw new Error('cannot tell from a part');
        expect(manifests.some(m => m.path.startsWith('prod/'))).toBe(true);
      },
    });
    expect(passesWhole.committed).toBe(true);
    expect(seen).toEqual([1, 0]);

    const head = git(clone, 'rev-parse', 'HEAD').trim();
    await expect(release({
      dir: clone, env: 'dev', tag: SHA2, createApp,
      validate: () => { throw new Error('refused by policy'); },
    })).rejects.toThrow('refused by policy');
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });
});
