/**
 * Fault injection for the commands that change a GitOps repository: the real CLI killed with
 * SIGKILL at each step of a release (test-only crash points, `src/core/fault-point.ts`), git states
 * a release must not start from, remotes that refuse, hostile release files, and two commands
 * in one clone. Every case asserts what the clone and its origin hold afterwards (and that git
 * finds both intact), and what the next run does. Real git, local bare origins, no network.
 * (16 concurrent releases into one origin: test/gitops/concurrency.test.ts.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createApp } from '../gitops/fixture-app';
import { changedFiles, cleanup, cli, cloneOf, FIXTURE_APP, git, isolateGit, read, releaseState, seedRepo, snapshot, spawnCli } from '../gitops/helpers';

const INTERFERING_APP = path.join(__dirname, 'fixture-app-interfering.ts');
const TAG = 'sha-1234567';

beforeAll(isolateGit);
afterAll(cleanup);

function releaseArgs(clone: string, push: boolean, app = FIXTURE_APP): string[] {
  return ['release', '--gitops-dir', clone, '--env', 'dev', '--tag', TAG, '--service', 'frontend', '--app', app, ...(push ? ['--push'] : [])];
}

const head = (dir: string, rev = 'HEAD') => git(dir, 'rev-parse', rev).trim();

/** `git fsck` finds nothing wrong (unreferenced objects a killed run left are fine). */
function expectIntact(dir: string): void {
  const r = spawnSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: dir, encoding: 'utf8' });
  expect({ dir, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ dir, status: 0, stderr: '', stdout: '' });
}

/** `rev` is exactly one release commit of TAG (frontend in dev) on top of `base`. */
function expectReleaseOn(dir: string, rev: string, base: string): void {
  expect(git(dir, 'rev-list', '--count', `${base}..${rev}`).trim()).toBe('1');
  expect(head(dir, `${rev}~1`)).toBe(base);
  expect(git(dir, 'log', '-1', '--format=%s', rev).trim()).toBe(`dev: deploy ${TAG}`);
  expect(changedFiles(dir, `${rev}~1..${rev}`)).toEqual(['dev/demo/deployment-frontend.yaml', 'dev/release.yaml']);
  expect(releaseState(dir, 'dev', rev).services.frontend).toBe(TAG);
}

/** What cdk8s-gitops keeps in the git directory while it works. */
function ownFiles(clone: string): string[] {
  return fs.readdirSync(path.join(clone, '.git')).filter(f => f.startsWith('cdk8s-gitops')).sort();
}

/** Where a run killed at a point has got to. */
interface KillCase {
  readonly point: string;
  readonly push: boolean;
  /** Whether origin has the release commit after the kill. */
  readonly originMoved: boolean;
  /** Where the clone is after the kill: at the old commit, at the new one, or its files at the new one and HEAD at the old. */
  readonly local: 'old' | 'new' | 'files-new';
  /** What the next run does: release it, or find it released. */
  readonly rerun: 'releases' | 'nothing to do';
  /** What the next run says on stderr about the recovery, besides removing the dead run's lock. */
  readonly says?: RegExp;
}

const KILLS: KillCase[] = [
  { point: 'release:fetched', push: true, originMoved: false, local: 'old', rerun: 'releases' },
  { point: 'release:committed', push: true, originMoved: false, local: 'old', rerun: 'releases' },
  { point: 'release:prepared', push: true, originMoved: false, local: 'old', rerun: 'releases' },
  { point: 'release:pushed', push: true, originMoved: true, local: 'old', rerun: 'nothing to do', says: /main was behind origin\/main .*: fast-forwarded it to [0-9a-f]{12}/ },
  { point: 'release:tracking-updated', push: true, originMoved: true, local: 'old', rerun: 'nothing to do', says: /fast-forwarded it to/ },
  { point: 'release:fast-forward:marked', push: true, originMoved: true, local: 'old', rerun: 'nothing to do', says: /fast-forwarded it to/ },
  { point: 'release:fast-forward:tree', push: true, originMoved: true, local: 'files-new', rerun: 'nothing to do', says: /finished the fast-forward of main to [0-9a-f]{12} that an interrupted cdk8s-gitops command had started/ },
  { point: 'release:fast-forward:ref', push: true, originMoved: true, local: 'new', rerun: 'nothing to do' },
  { point: 'release:committed', push: false, originMoved: false, local: 'old', rerun: 'releases' },
  { point: 'release:prepared', push: false, originMoved: false, local: 'old', rerun: 'releases' },
  { point: 'release:fast-forward:marked', push: false, originMoved: false, local: 'old', rerun: 'releases' },
  { point: 'release:fast-forward:tree', push: false, originMoved: false, local: 'files-new', rerun: 'nothing to do', says: /finished the fast-forward/ },
  { point: 'release:fast-forward:ref', push: false, originMoved: false, local: 'new', rerun: 'nothing to do' },
];

describe('a release killed (SIGKILL) at each step: old or new state, never a half one, and the next run completes', () => {
  test.concurrent.each(KILLS.map(k => [`${k.point}${k.push ? ' --push' : ''}`, k] as const))('%s', async (_name, k) => {
    const { origin, clone } = seedRepo(createApp);
    const old = head(clone);
    const killed = await spawnCli(releaseArgs(clone, k.push), { env: { CDK8S_GITOPS_FAULT_POINT: k.point } });
    expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expectIntact(clone);
    expectIntact(origin);

    // origin: the old commit or exactly the release on top of it
    if (k.originMoved) expectReleaseOn(origin, 'main', old); else expect(head(origin, 'main')).toBe(old);
    // the clone: old, new, or (killed between writing the files and moving the branch) the new files on the old HEAD
    if (k.local === 'old') {
      expect(head(clone)).toBe(old);
      expect(git(clone, 'status', '--porcelain')).toBe('');
    } else if (k.local === 'new') {
      expectReleaseOn(clone, 'HEAD', old);
      expect(git(clone, 'status', '--porcelain')).toBe('');
    } else {
      expect(head(clone)).toBe(old);
      const [, to] = fs.readFileSync(path.join(clone, '.git', 'cdk8s-gitops-fast-forward'), 'utf8').trim().split(' ');
      expectReleaseOn(clone, to, old);
      expect(git(clone, 'status', '--porcelain')).toBe('M  .cdk8s-gitops-files\nM  dev/demo/deployment-frontend.yaml\nM  dev/release.yaml\n'); // the commit keeps synth's record
      expect(git(clone, 'diff', '--cached', '--quiet', to)).toBe('');
    }
    expect(ownFiles(clone)).toContain('cdk8s-gitops.lock'); // the dead run's

    const again = await spawnCli(releaseArgs(clone, k.push));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^removed the lock of an earlier cdk8s-gitops command that no longer runs \(pid \d+, started [-0-9T:.Z]+\)\n/);
    if (k.says) expect(again.stderr).toMatch(k.says);
    expect(again.stdout).toMatch(k.rerun === 'releases'
      ? new RegExp(`^\\[[0-9a-f]{12}\\] dev: deploy ${TAG}${k.push ? ' \\(pushed\\)' : ''}\\n`)
      : new RegExp(`^dev already runs ${TAG}: nothing to release \\(no commit\\)\\n$`));

    // one release, landed everywhere it should be, nothing of ours left behind
    expectReleaseOn(clone, 'HEAD', old);
    if (k.push) {
      expect(head(origin, 'main')).toBe(head(clone));
      expect(head(clone, 'origin/main')).toBe(head(clone));
    } else {
      expect(head(origin, 'main')).toBe(old);
    }
    expect(git(clone, 'status', '--porcelain')).toBe('');
    expect(read(clone, 'dev/demo/deployment-frontend.yaml')).toContain(`registry.example/frontend:${TAG}`);
    expect(ownFiles(clone)).toEqual([]);
    expectIntact(clone);
    expectIntact(origin);
  });
});

describe('git states a release does not start from: refused up front, nothing pushed, nothing changed', () => {
  /** Commit `content` to README.md on the current branch. */
  const commitReadme = (dir: string, content: string) => {
    fs.writeFileSync(path.join(dir, 'README.md'), content);
    git(dir, 'commit', '-qam', `README: ${content.trim()}`);
  };

  test.each([
    ['a merge', (dir: string) => {
      git(dir, 'checkout', '-qb', 'side');
      git(dir, 'commit', '-q', '--allow-empty', '-m', 'side');
      git(dir, 'checkout', '-q', 'main');
      git(dir, 'merge', '-q', '--no-ff', '--no-commit', 'side'); // clean: the side commit changes no file
    }, 'a merge is in progress: conclude it (`git commit`) or abort it (`git merge --abort`) first'],
    ['a rebase', (dir: string) => {
      git(dir, 'commit', '-q', '--allow-empty', '-m', 'x');
      spawnSync('git', ['rebase', '-q', '--keep-empty', '--exec', 'false', 'HEAD~1'], { cwd: dir }); // stops at the failing exec
    }, 'a rebase is in progress: finish it (`git rebase --continue`) or abort it (`git rebase --abort`) first'],
    ['a cherry-pick', (dir: string) => {
      git(dir, 'checkout', '-qb', 'side');
      commitReadme(dir, 'side\n');
      git(dir, 'checkout', '-q', 'main');
      commitReadme(dir, 'main\n');
      spawnSync('git', ['cherry-pick', 'side'], { cwd: dir }); // conflicts
    }, 'a cherry-pick is in progress: finish it (`git cherry-pick --continue`) or abort it (`git cherry-pick --abort`) first'],
    ['a revert', (dir: string) => {
      commitReadme(dir, 'a\n');
      commitReadme(dir, 'b\n');
      spawnSync('git', ['revert', '--no-edit', 'HEAD~1'], { cwd: dir }); // conflicts
    }, 'a revert is in progress: finish it (`git revert --continue`) or abort it (`git revert --abort`) first'],
    ['a bisect', (dir: string) => { git(dir, 'bisect', 'start'); }, 'a bisect is in progress: end it (`git bisect reset`) first'],
  ])('%s in progress', async (_what, setUp, message) => {
    const { origin, clone } = seedRepo(createApp);
    setUp(clone);
    const before = { clone: snapshot(clone), origin: head(origin, 'main') };
    const r = await cli(...releaseArgs(clone, true));
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`cdk8s-gitops release: ${clone}: ${message} (nothing was changed)\n`);
    expect({ clone: snapshot(clone), origin: head(origin, 'main') }).toEqual(before);
  });

  test.each(['index.lock', 'HEAD.lock', 'packed-refs.lock', 'refs/heads/main.lock', 'refs/remotes/origin/main.lock'])(
    'a stale %s is named with the command that removes it; once removed, the release goes through', async lock => {
      const { origin, clone } = seedRepo(createApp);
      const file = path.join(clone, '.git', lock);
      fs.writeFileSync(file, '');
      const before = { clone: snapshot(clone), origin: head(origin, 'main') };
      const r = await cli(...releaseArgs(clone, true));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`cdk8s-gitops release: ${clone}: a git lock file exists: ${file}. A git command is running in this clone, or one was killed and left it behind. `
        + `Make sure no git process works here, then remove it: rm '${file}' (nothing was changed)\n`);
      expect({ clone: snapshot(clone), origin: head(origin, 'main') }).toEqual(before);
      expect(ownFiles(clone)).toEqual([]); // the clone lock is given up on refusal
      fs.rmSync(file);
      expect(await cli(...releaseArgs(clone, true))).toMatchObject({ code: 0, stderr: '' });
      expectReleaseOn(origin, 'main', before.origin);
    });

  test('without --push, a branch behind its upstream is refused with the command that updates it', async () => {
    const { origin, clone } = seedRepo(createApp);
    const other = cloneOf(origin);
    commitReadme(other, 'elsewhere\n');
    git(other, 'push', '-q', 'origin', 'main');
    git(clone, 'fetch', '-q');
    const before = snapshot(clone);
    const r = await cli(...releaseArgs(clone, false));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${clone}: main is 1 commit(s) behind origin/main, so a commit on it could not be pushed: bring it up to date first: \`git -C '${clone}' pull --ff-only\` (nothing was changed)`);
    expect(snapshot(clone)).toEqual(before);
    git(clone, 'pull', '-q', '--ff-only');
    expect(await cli(...releaseArgs(clone, false))).toMatchObject({ code: 0 });
  });
});

describe('remotes that refuse: only a lost race is retried', () => {
  test('a stale ref lock on the remote ends after a few quick retries with git\'s reason, not as "the remote kept moving"', async () => {
    const { origin, clone } = seedRepo(createApp);
    fs.writeFileSync(path.join(origin, 'refs/heads/main.lock'), '');
    const before = { head: head(clone), origin: head(origin, 'main') };
    const t0 = Date.now();
    const r = await spawnCli(releaseArgs(clone, true));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cdk8s-gitops release: push to origin\/main failed: the remote could not lock main \(\[remote rejected\] \(failed to update ref\); remote: error: cannot lock ref 'refs\/heads\/main': Unable to create '.*main\.lock': File exists\./);
    expect(r.stderr).toContain('and main did not move in 3 retries: most likely a lock file a crashed git process left in the remote repository (refs/heads/main.lock)');
    expect(r.stderr).toContain('Nothing was pushed and nothing was changed locally');
    expect(r.stderr).not.toContain('kept moving');
    expect(r.stderr).not.toContain('someone pushed first');
    expect({ head: head(clone), origin: head(origin, 'main'), status: git(clone, 'status', '--porcelain') }).toEqual({ ...before, status: '' });
    expectIntact(origin);
  });

  test('a pre-receive hook that declines ends at once with what the remote said', async () => {
    const { origin, clone } = seedRepo(createApp);
    const hook = path.join(origin, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "policy: releases are frozen until Monday" >&2\nexit 1\n', { mode: 0o755 });
    const before = { clone: snapshot(clone), origin: head(origin, 'main') };
    const r = await spawnCli(releaseArgs(clone, true));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cdk8s-gitops release: push to origin/main was refused: [remote rejected] (pre-receive hook declined); '
      + 'remote: policy: releases are frozen until Monday. Nothing was pushed and nothing was changed locally\n');
    expect({ clone: snapshot(clone), origin: head(origin, 'main') }).toEqual(before);
  });

  test('pushed, but the local branch cannot follow: exit 3 says so; the next run brings it up to date', async () => {
    const { origin, clone } = seedRepo(createApp);
    const old = head(clone);
    const lock = path.join(clone, '.git', 'index.lock');
    const r = await spawnCli(releaseArgs(clone, true, INTERFERING_APP), { env: { FIXTURE_CREATE_FILE: lock } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^cdk8s-gitops release: pushed [0-9a-f]{12} to origin/main, but local main was not updated: git read-tree .* failed \\(exit 128\\): fatal: Unable to create '${lock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': File exists`));
    expect(r.stderr).toContain('The change is on origin; once that is fixed, `git pull --ff-only` brings main up to date (so does running release again: it finds nothing left to do)');
    expectReleaseOn(origin, 'main', old);
    expect(head(clone)).toBe(old);
    fs.rmSync(lock);
    const again = await spawnCli(releaseArgs(clone, true));
    expect(again).toMatchObject({ code: 0, stdout: `dev already runs ${TAG}: nothing to release (no commit)\n` });
    expect(again.stderr).toMatch(/main was behind origin\/main .*: fast-forwarded it to/);
    expect(head(clone)).toBe(head(origin, 'main'));
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });
});

describe('a release killed while git itself wrote the working tree', () => {
  test('the stale lock is named; then the half-written tree is refused with the commands that finish or undo the move', async () => {
    const { origin, clone } = seedRepo(createApp);
    const old = head(clone);
    const killed = await spawnCli(releaseArgs(clone, true), { env: { CDK8S_GITOPS_FAULT_POINT: 'release:fast-forward:marked' } });
    expect(killed.signal).toBe('SIGKILL');
    const pushed = head(origin, 'main');
    // what a git read-tree killed half-way leaves: its lock, and a file cut short
    const lock = path.join(clone, '.git', 'index.lock');
    fs.writeFileSync(lock, '');
    const text = git(clone, 'show', `${pushed}:dev/release.yaml`);
    fs.writeFileSync(path.join(clone, 'dev/release.yaml'), text.slice(0, text.length >> 1));

    const first = await cli(...releaseArgs(clone, true));
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`a git lock file exists: ${lock}.`);
    fs.rmSync(lock);
    const second = await cli(...releaseArgs(clone, true));
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`cdk8s-gitops release: ${clone}: an interrupted cdk8s-gitops command was moving main from ${old.slice(0, 12)} to ${pushed.slice(0, 12)} and left the index or working tree between the two `
      + `(main is at the old commit ${old.slice(0, 12)}, the index is at the old commit ${old.slice(0, 12)}, of the 3 file(s) the move changes, 0 are as in the new commit, 2 as in the old, 1 as in neither (dev/release.yaml)). `
      + `If you changed nothing since, finish the move with \`git -C '${clone}' reset --hard ${pushed}\`, or undo it with \`git -C '${clone}' reset --hard ${pushed} && git -C '${clone}' reset --hard ${old}\`, `
      + `then run the command again (the record of the move, ${path.join(clone, '.git', 'cdk8s-gitops-fast-forward')}, is dropped then)\n`);
    git(clone, 'reset', '-q', '--hard', pushed);
    const third = await cli(...releaseArgs(clone, true));
    expect(third).toMatchObject({ code: 0, stdout: `dev already runs ${TAG}: nothing to release (no commit)\n` });
    expect(ownFiles(clone)).toEqual([]);
    expectIntact(clone);
  });

  test('a file written whole, the others not yet: the next run finishes the move and says so', async () => {
    const { origin, clone } = seedRepo(createApp);
    const old = head(clone);
    const killed = await spawnCli(releaseArgs(clone, true), { env: { CDK8S_GITOPS_FAULT_POINT: 'release:fast-forward:marked' } });
    expect(killed.signal).toBe('SIGKILL');
    const pushed = head(origin, 'main');
    fs.writeFileSync(path.join(clone, 'dev/release.yaml'), git(clone, 'show', `${pushed}:dev/release.yaml`));
    const again = await cli(...releaseArgs(clone, true));
    expect(again).toMatchObject({ code: 0, stdout: `dev already runs ${TAG}: nothing to release (no commit)\n` });
    expect(again.stderr).toContain(`finished the fast-forward of main to ${pushed.slice(0, 12)} that an interrupted cdk8s-gitops command had started (1 of its 3 file(s) were in place, the branch was not yet moved)`);
    expectReleaseOn(clone, 'HEAD', old);
    expect(git(clone, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(ownFiles(clone)).toEqual([]);
    expectIntact(clone);
  });
});

describe('two commands in one clone', () => {
  test('the second is refused with the first one\'s pid while it runs; after it is killed, the next run takes its lock over', async () => {
    const { origin, clone } = seedRepo(createApp);
    const marker = path.join(path.dirname(clone), 'hanging');
    const first = spawnCli(['release', '--gitops-dir', clone, '--env', 'dev', '--tag', 'hang', '--push', '--app', FIXTURE_APP], { env: { FIXTURE_HANG_MARKER: marker } });
    // the marker holds the hanging process's pid once it is written whole
    const written = () => fs.existsSync(marker) && /^\d+$/.test(fs.readFileSync(marker, 'utf8'));
    for (let i = 0; i < 400 && !written(); i++) await new Promise(r => setTimeout(r, 25));
    const pid = Number(fs.readFileSync(marker, 'utf8'));
    const before = { clone: snapshot(clone), origin: head(origin, 'main') };
    const second = await cli(...releaseArgs(clone, true));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^cdk8s-gitops release: ${clone}: another cdk8s-gitops command \\(pid ${pid} on ${os.hostname()}, started [-0-9T:.Z]+\\) is changing this clone: wait for it to finish, then run the command again \\(if no such process runs, remove its lock: rm '.*cdk8s-gitops.lock'\\)\\n$`));
    expect({ clone: snapshot(clone), origin: head(origin, 'main') }).toEqual(before);
    process.kill(pid, 'SIGKILL');
    expect((await first).signal).toBe('SIGKILL');
    const third = await cli(...releaseArgs(clone, true));
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(new RegExp(`^removed the lock of an earlier cdk8s-gitops command that no longer runs \\(pid ${pid}, started [-0-9T:.Z]+\\)\\n$`));
    expectReleaseOn(origin, 'main', before.origin);
  });
});

describe('hostile release files: refused with the file and the line, nothing changed', () => {
  /** A clone whose committed dev/release.yaml is `text`. */
  function cloneWithRelease(text: string): { origin: string; clone: string; commit: string } {
    const { origin, clone } = seedRepo(createApp);
    fs.writeFileSync(path.join(clone, 'dev/release.yaml'), text);
    git(clone, 'commit', '-qam', 'hand edit');
    return { origin, clone, commit: head(clone) };
  }
  const written = () => read(seedRepo(createApp).clone, 'dev/release.yaml');

  test('a 50 MB release file: release, status, diff and synth all refuse it by its size', async () => {
    const big = written() + `# ${'x'.repeat(99)}\n`.repeat(500_000);
    const { clone, commit } = cloneWithRelease(big);
    const before = snapshot(clone);
    const file = path.join(clone, 'dev/release.yaml');
    const tooBig = `is ${Buffer.byteLength(big)} bytes, over the limit of 1048576 bytes (1 MiB) for a release file`;
    for (const [argv, source] of [
      [releaseArgs(clone, false), `dev/release.yaml at ${commit.slice(0, 12)}`],
      [['status', '--gitops-dir', clone], `dev/release.yaml at ${commit.slice(0, 12)}`],
      [['diff', '--gitops-dir', clone, '--app', FIXTURE_APP], file],
      [['synth', '--gitops-dir', clone, '--app', FIXTURE_APP], file],
    ] as const) {
      const t0 = Date.now();
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
      expect(r.stderr).toContain(`${source}: ${tooBig}`);
      expect(Date.now() - t0).toBeLessThan(5000);
    }
    expect(snapshot(clone)).toEqual(before);
  });

  test.each([
    ['a duplicate key', (text: string) => text.replace(/^ {2}frontend: (.*)$/m, '  frontend: $1\n  frontend: sha-7654321'), /line 11, column 3: is not valid YAML: duplicate key "frontend" \(each key may appear once in a mapping\)/],
    ['an alias bomb (8 levels of 8: 16 million tags once expanded)', (text: string) => text.replace('services:\n', `services:\n  x: &a [a, a, a, a, a, a, a, a]\n${
      ['b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n, i) => `  ${n}: &${n} [${Array(8).fill(`*${'abcdefg'[i]}`).join(', ')}]\n`).join('')}`), /line 8, column 10: alias \*a is not allowed in a release file/],
  ])('%s', async (_what, edit, message) => {
    const { origin, clone, commit } = cloneWithRelease(edit(written()));
    const before = { clone: snapshot(clone), origin: head(origin, 'main') };
    const r = await cli(...releaseArgs(clone, true));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^cdk8s-gitops release: dev/release.yaml at ${commit.slice(0, 12)}: ${message.source}`));
    const s = await cli('synth', '--gitops-dir', clone, '--app', FIXTURE_APP);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(new RegExp(`^cdk8s-gitops synth: ${path.join(clone, 'dev/release.yaml')}: ${message.source}`));
    expect({ clone: snapshot(clone), origin: head(origin, 'main') }).toEqual(before);
  });

  test('an entry for a service the program does not have (a typo): refused with the closest name, nothing pushed', async () => {
    const { origin, clone, commit } = cloneWithRelease(written().replace(/^ {2}frontend:/m, '  frontent:'));
    const before = { clone: snapshot(clone), origin: head(origin, 'main') };
    const r = await cli(...releaseArgs(clone, true));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`dev/release.yaml at ${commit.slice(0, 12)}: services.frontent: unknown service (did you mean "frontend"?)`);
    expect({ clone: snapshot(clone), origin: head(origin, 'main') }).toEqual(before);
  });
});
