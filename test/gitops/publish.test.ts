import { EnvironmentRelease } from '../../src/release/environment-release';
import * as fs from 'fs';
import * as path from 'path';
import { PreparedChange } from '../../src/gitops/environment-change';
import { GitOpsError, PushedNotLandedError } from '../../src/core/errors';
import { defaultBackoff, publish } from '../../src/gitops/publish';
import { GitOpsRepository, RepositoryOptions } from '../../src/gitops/repository';
import { cleanup, cloneOf, git, isolateGit, snapshot, tmpdir } from './helpers';

/**
 * `publish` on real clones of local bare origins, with `prepare` committing a file aside (what a
 * release does, without rendering a program): each test looks at what lands where.
 */

beforeAll(isolateGit);
afterAll(cleanup);

const STATE = { environment: 'dev', services: {} };
const noApp = () => { throw new Error('publish renders nothing itself'); };

/** An empty bare repository (main unborn). */
function emptyOrigin(): string {
  const root = tmpdir('publish');
  const bare = path.join(root, 'origin.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  return bare;
}

/** Commit `file` set to `content` on the checked-out branch of `dir`; returns the commit. */
function commitFile(dir: string, file: string, content: string, message: string): string {
  fs.writeFileSync(path.join(dir, file), content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
  return head(dir);
}

/** A bare origin whose main holds one commit (a.yaml), and a clone of it. */
function origin(): { origin: string; clone: string } {
  const bare = emptyOrigin();
  const seed = cloneOf(bare);
  commitFile(seed, 'a.yaml', 'a: 0\n', 'initial');
  git(seed, 'push', '-q', 'origin', 'main');
  return { origin: bare, clone: cloneOf(bare) };
}

/** A commit on top of `base` (in `dir`'s object database, on no branch) setting `file` to `content`. */
function commitAside(dir: string, base: string, file: string, content: string): string {
  const index = path.join(tmpdir('index'), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  const run = (args: string[], input?: string) => {
    const r = require('child_process').spawnSync('git', args, { cwd: dir, env, input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  run(['read-tree', base]);
  const blob = run(['hash-object', '-w', '--stdin'], content);
  run(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`]);
  return run(['commit-tree', run(['write-tree']), '-p', base, '-m', `set ${file}`]);
}

/** Another clone of `bare` pushes a commit setting `file` to `content`; returns that commit. */
function pushFromElsewhere(bare: string, file: string, content: string): string {
  const other = cloneOf(bare);
  const commit = commitFile(other, file, content, `elsewhere: ${file}`);
  git(other, 'push', '-q', 'origin', 'main');
  return commit;
}

function head(dir: string, rev = 'HEAD'): string {
  return git(dir, 'rev-parse', rev).trim();
}

function change(commit: string): PreparedChange {
  return { commit, before: EnvironmentRelease.fromFile(STATE), after: EnvironmentRelease.fromFile(STATE), changedFiles: [] };
}

/** Run `publish` on an opened `dir` (the clone's lock released afterwards); lines logged go to `logs`. */
async function run(dir: string, options: Partial<RepositoryOptions>, prepare: (base: string | undefined) => PreparedChange | undefined, logs: string[] = []) {
  const opts: RepositoryOptions = { dir, createApp: noApp, backoff: () => 1, log: l => logs.push(l), ...options };
  return GitOpsRepository.with(opts, repo => publish(repo, opts, prepare));
}

describe('publish', () => {
  test('without push: the local branch, index and files move to the commit; the remote is not touched', async () => {
    const { origin: bare, clone } = origin();
    const start = head(clone);
    const theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n'); // not fetched without push
    const bases: (string | undefined)[] = [];
    let commit = '';
    const r = await run(clone, {}, base => {
      bases.push(base);
      commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n');
      return change(commit);
    });
    expect(r).toEqual({ commit, change: change(commit), pushed: false, attempts: 1 });
    expect(bases).toEqual([start]);
    expect(head(clone)).toBe(commit);
    expect(fs.readFileSync(path.join(clone, 'a.yaml'), 'utf8')).toBe('a: 1\n');
    expect(git(clone, 'status', '--porcelain')).toBe('');
    expect(head(clone, 'refs/remotes/origin/main')).toBe(start);
    expect(head(bare, 'main')).toBe(theirs);
  });

  test('without push and nothing to do: nothing moves', async () => {
    const { clone } = origin();
    const before = snapshot(clone);
    const logs: string[] = [];
    const r = await run(clone, {}, () => undefined, logs);
    expect(r).toEqual({ commit: before.head.trim(), pushed: false, attempts: 1 });
    expect(snapshot(clone)).toEqual(before);
    expect(logs).toEqual([]);
  });

  test('with push: the commit lands on the remote, then on the remote-tracking and the local branch', async () => {
    const { origin: bare, clone } = origin();
    let commit = '';
    const logs: string[] = [];
    const r = await run(clone, { push: true }, base => (commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)), logs);
    expect(r).toEqual({ commit, change: change(commit), pushed: true, attempts: 1 });
    expect(head(bare, 'main')).toBe(commit);
    expect(head(clone, 'refs/remotes/origin/main')).toBe(commit);
    expect(head(clone)).toBe(commit);
    expect(git(clone, 'status', '--porcelain')).toBe('');
    expect(logs).toEqual([]);
  });

  test('with push, behind the remote and nothing to do: the local branch is fast-forwarded to the remote one, and the log says so', async () => {
    const { origin: bare, clone } = origin();
    const theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
    const bases: (string | undefined)[] = [];
    const logs: string[] = [];
    const r = await run(clone, { push: true }, base => (bases.push(base), undefined), logs);
    expect(r).toEqual({ commit: theirs, pushed: false, attempts: 1 });
    expect(bases).toEqual([theirs]);
    expect(head(clone)).toBe(theirs);
    expect(fs.readFileSync(path.join(clone, 'b.yaml'), 'utf8')).toBe('b: 1\n');
    expect(logs).toEqual([`main was behind origin/main (a previous run pushed and was interrupted before it updated main, or someone else pushed): fast-forwarded it to ${theirs.slice(0, 12)}`]);
  });

  test('with push and behind the remote: the commit is made on the remote tip, and the log says the branch was brought up to it', async () => {
    const { origin: bare, clone } = origin();
    const theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
    let commit = '';
    const logs: string[] = [];
    const r = await run(clone, { push: true }, base => (commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)), logs);
    expect(r).toMatchObject({ commit, pushed: true, attempts: 1 });
    expect(git(clone, 'rev-parse', `${commit}~1`).trim()).toBe(theirs);
    expect(head(bare, 'main')).toBe(commit);
    expect(head(clone)).toBe(commit);
    expect(logs).toEqual([`main was behind origin/main (a previous run pushed and was interrupted before it updated main, or someone else pushed): fast-forwarded it to ${theirs.slice(0, 12)} and the new commit`]);
  });

  test('with push and a local branch ahead of the remote: the change is made on the local branch (its commits pushed with it)', async () => {
    const { origin: bare, clone } = origin();
    const mine = commitFile(clone, 'mine.yaml', 'mine: 1\n', 'mine');
    const bases: (string | undefined)[] = [];
    let commit = '';
    const r = await run(clone, { push: true }, base => (bases.push(base), commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)));
    expect(bases).toEqual([mine]);
    expect(r).toMatchObject({ commit, pushed: true, attempts: 1 });
    expect(head(bare, 'main')).toBe(commit);
    expect(git(bare, 'rev-parse', `${commit}~1`).trim()).toBe(mine);
  });

  test('with push and a local branch that has diverged from the remote: refused before anything is prepared', async () => {
    const { origin: bare, clone } = origin();
    const theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
    const mine = commitFile(clone, 'mine.yaml', 'mine: 1\n', 'mine');
    let prepared = 0;
    await expect(run(clone, { push: true }, () => (prepared++, undefined))).rejects.toThrow(
      new GitOpsError(`branch main has diverged from origin/main (${mine.slice(0, 12)} vs ${theirs.slice(0, 12)}): reconcile them first (e.g. \`git pull --rebase\`)`));
    expect(prepared).toBe(0);
    expect(head(clone)).toBe(mine);
    expect(head(bare, 'main')).toBe(theirs);
  });

  test('with push to an empty remote: the change is made on the local branch and pushed', async () => {
    const bare = emptyOrigin();
    const clone = cloneOf(bare);
    const start = commitFile(clone, 'a.yaml', 'a: 0\n', 'initial');
    const bases: (string | undefined)[] = [];
    let commit = '';
    const r = await run(clone, { push: true }, base => (bases.push(base), commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)));
    expect(bases).toEqual([start]);
    expect(r).toMatchObject({ commit, pushed: true, attempts: 1 });
    expect(head(bare, 'main')).toBe(commit);
  });

  test('with push on an unborn local branch of a remote that has commits: the change is made on the remote tip', async () => {
    const bare = emptyOrigin();
    const clone = cloneOf(bare); // of the empty remote: main is unborn
    const theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
    const bases: (string | undefined)[] = [];
    let commit = '';
    const r = await run(clone, { push: true }, base => (bases.push(base), commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)));
    expect(bases).toEqual([theirs]);
    expect(r).toMatchObject({ commit, pushed: true, attempts: 1 });
    expect(head(bare, 'main')).toBe(commit);
    expect(head(clone)).toBe(commit);
  });

  test('a push rejected because someone pushed first: fetched, prepared again on the new tip, and pushed', async () => {
    const { origin: bare, clone } = origin();
    const start = head(clone);
    const bases: (string | undefined)[] = [];
    let theirs = '';
    let commit = '';
    const backoffs: number[] = [];
    const logs: string[] = [];
    const r = await run(clone, { push: true, backoff: a => (backoffs.push(a), 7.4) }, base => {
      bases.push(base);
      if (bases.length === 1) theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
      commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n');
      return change(commit);
    }, logs);
    expect(bases).toEqual([start, theirs]);
    expect(backoffs).toEqual([1]);
    expect(r).toEqual({ commit, change: change(commit), pushed: true, attempts: 2 });
    expect(head(bare, 'main')).toBe(commit);
    expect(git(bare, 'rev-parse', `${commit}~1`).trim()).toBe(theirs);
    expect(head(clone)).toBe(commit);
    expect(logs).toEqual([
      'push rejected (someone pushed first); fetching and re-rendering onto the new tip in 7 ms (attempt 2 of 11)',
      `main was behind origin/main (a previous run pushed and was interrupted before it updated main, or someone else pushed): fast-forwarded it to ${theirs.slice(0, 12)} and the new commit`,
    ]);
  });

  test('a push rejected more often than `retries` allows: gives up, nothing changed locally', async () => {
    const { origin: bare, clone } = origin();
    const before = snapshot(clone);
    let prepared = 0;
    const logs: string[] = [];
    const run2 = run(clone, { push: true, retries: 1 }, base => {
      prepared++;
      pushFromElsewhere(bare, `b${prepared}.yaml`, 'b: 1\n');
      return change(commitAside(clone, base!, 'a.yaml', 'a: 1\n'));
    }, logs);
    await expect(run2).rejects.toThrow(/^push to origin\/main gave up after 2 attempt\(s\): the remote kept moving \(last rejection: \[rejected\] \(fetch first\)\); nothing was changed locally, run the command again$/);
    expect(prepared).toBe(2);
    expect(logs).toEqual(['push rejected (someone pushed first); fetching and re-rendering onto the new tip in 1 ms (attempt 2 of 2)']);
    expect({ ...snapshot(clone), refs: '' }).toEqual({ ...before, refs: '' });
  });

  test('a push rejected because the remote moved while the local branch has unpushed commits: refused, those commits kept and not dropped', async () => {
    const { origin: bare, clone } = origin();
    const mine = commitFile(clone, 'mine.yaml', 'mine: 1\n', 'mine: not pushed yet');
    const before = snapshot(clone);
    let theirs = '';
    let prepared = 0;
    const run2 = run(clone, { push: true }, base => {
      prepared++;
      if (prepared === 1) theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
      return change(commitAside(clone, base!, 'a.yaml', 'a: 1\n'));
    });
    await expect(run2).rejects.toThrow(new GitOpsError('push to origin/main was rejected because the remote moved, and local main has unpushed commits that cannot be re-rendered: push or drop them first (nothing was changed)'));
    expect(prepared).toBe(1);
    expect(head(clone)).toBe(mine);
    expect(head(bare, 'main')).toBe(theirs);
    expect({ ...snapshot(clone), refs: '' }).toEqual({ ...before, refs: '' });
    expect(fs.readFileSync(path.join(clone, 'mine.yaml'), 'utf8')).toBe('mine: 1\n');
  });

  test('a push the remote refuses (a hook): ends at once with its reason, nothing changed locally', async () => {
    const { origin: bare, clone } = origin();
    const hook = path.join(bare, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "main is protected" >&2\nexit 1\n', { mode: 0o755 });
    const start = head(clone);
    const before = snapshot(clone);
    let prepared = 0;
    await expect(run(clone, { push: true }, base => (prepared++, change(commitAside(clone, base!, 'a.yaml', 'a: 1\n'))))).rejects.toThrow(
      /^push to origin\/main was refused: \[remote rejected\] \(pre-receive hook declined\); remote: main is protected\. Nothing was pushed and nothing was changed locally$/);
    expect(prepared).toBe(1);
    expect(snapshot(clone)).toEqual(before);
    expect(head(bare, 'main')).toBe(start);
  });

  describe('a remote whose ref is locked', () => {
    const lockOf = (bare: string) => path.join(bare, 'refs', 'heads', 'main.lock');

    test('that stays locked while the branch does not move: tried again 3 times, then refused as a stale lock', async () => {
      const { origin: bare, clone } = origin();
      fs.writeFileSync(lockOf(bare), '');
      const before = snapshot(clone);
      const backoffs: number[] = [];
      let prepared = 0;
      const run2 = run(clone, { push: true, backoff: a => (backoffs.push(a), 1) }, base => (prepared++, change(commitAside(clone, base!, 'a.yaml', 'a: 1\n'))));
      await expect(run2).rejects.toThrow(/^push to origin\/main failed: the remote could not lock main \(\[remote rejected\] \(failed to update ref\)[^)]*\), and main did not move in 3 retries: most likely a lock file a crashed git process left in the remote repository \(refs\/heads\/main\.lock\); whoever runs the remote can remove it once no push is running\. Nothing was pushed and nothing was changed locally$/);
      expect(backoffs).toEqual([1, 2, 3]);
      expect(prepared).toBe(1);
      expect({ ...snapshot(clone), refs: '' }).toEqual({ ...before, refs: '' });
    });

    test('released while waiting: pushed on the next try', async () => {
      const { origin: bare, clone } = origin();
      fs.writeFileSync(lockOf(bare), '');
      const backoffs: number[] = [];
      let commit = '';
      const r = await run(clone, { push: true, backoff: a => (backoffs.push(a), fs.rmSync(lockOf(bare)), 1) }, base => (commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)));
      expect(backoffs).toEqual([1]);
      expect(r).toEqual({ commit, change: change(commit), pushed: true, attempts: 1 });
      expect(head(bare, 'main')).toBe(commit);
    });

    test('while the branch moves (someone else is pushing): re-rendered onto the new tip', async () => {
      const { origin: bare, clone } = origin();
      fs.writeFileSync(lockOf(bare), '');
      const bases: (string | undefined)[] = [];
      let theirs = '';
      let calls = 0;
      let commit = '';
      const logs: string[] = [];
      const backoffs: number[] = [];
      const backoff = (a: number) => {
        backoffs.push(a);
        calls++;
        fs.rmSync(lockOf(bare), { force: true });
        if (calls === 1) {
          theirs = pushFromElsewhere(bare, 'b.yaml', 'b: 1\n');
          fs.writeFileSync(lockOf(bare), ''); // locked again by the next pusher
          return 1;
        }
        waited = Date.now();
        return 1500;
      };
      let waited = 0;
      const r = await run(clone, { push: true, backoff }, base => (bases.push(base), bases.length === 2 && expect(Date.now() - waited).toBeGreaterThanOrEqual(1500), commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n'), change(commit)), logs);
      expect(bases).toEqual([bases[0], theirs]);
      expect(calls).toBe(2);
      expect(backoffs).toEqual([1, 1]); // the lock's first retry, then the re-render's first (the second push is refused as not a fast-forward before any lock)
      expect(r).toMatchObject({ commit, pushed: true, attempts: 2 });
      expect(head(bare, 'main')).toBe(commit);
      expect(logs).toEqual([
        'push rejected (someone pushed first); fetching and re-rendering onto the new tip in 1500 ms (attempt 2 of 11)',
        `main was behind origin/main (a previous run pushed and was interrupted before it updated main, or someone else pushed): fast-forwarded it to ${theirs.slice(0, 12)} and the new commit`,
      ]);
    });
  });

  test('pushed, but the local branch cannot be fast-forwarded to it: a PushedNotLandedError (exit code 3) saying where the change is', async () => {
    const { origin: bare, clone } = origin();
    let commit = '';
    const run2 = run(clone, { push: true }, base => {
      commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n');
      fs.writeFileSync(path.join(clone, 'a.yaml'), 'a local edit\n'); // after the clean check: the fast-forward refuses to overwrite it
      return change(commit);
    });
    const e: any = await run2.catch(x => x);
    expect(e).toBeInstanceOf(PushedNotLandedError);
    expect(e.exitCode).toBe(3);
    expect(e.commit).toBe(commit);
    expect(e.message).toMatch(new RegExp(`^pushed ${commit.slice(0, 12)} to origin/main, but local main was not updated: (?!\\w*Error: ).*a\\.yaml.*\\. The change is on origin; once that is fixed, \`git pull --ff-only\` brings main up to date \\(so does running release again: it finds nothing left to do\\)$`, 's'));
    expect(head(bare, 'main')).toBe(commit);
    expect(head(clone, 'refs/remotes/origin/main')).toBe(commit);
    expect(fs.readFileSync(path.join(clone, 'a.yaml'), 'utf8')).toBe('a local edit\n');
  });

  test('pushed, and the local fast-forward stops halfway (the branch is locked): a PushedNotLandedError saying so, and where things are', async () => {
    const { origin: bare, clone } = origin();
    const start = head(clone);
    let commit = '';
    const run2 = run(clone, { push: true }, base => {
      commit = commitAside(clone, base!, 'a.yaml', 'a: 1\n');
      fs.writeFileSync(path.join(clone, '.git', 'refs', 'heads', 'main.lock'), ''); // after the checks: the files move, the branch cannot
      return change(commit);
    });
    const e: any = await run2.catch(x => x);
    expect(e).toBeInstanceOf(PushedNotLandedError);
    expect(e.commit).toBe(commit);
    expect(e.message).toMatch(new RegExp(`^pushed ${commit.slice(0, 12)} to origin/main, but the local fast-forward of main to it stopped halfway: .*main is at the old commit ${start.slice(0, 12)}, the index is at the new commit ${commit.slice(0, 12)}`, 's'));
    expect(e.message).not.toContain('git pull --ff-only');
    expect(head(bare, 'main')).toBe(commit);
    expect(head(clone)).toBe(start);
  });
});

describe('defaultBackoff', () => {
  test('about 100 ms doubling per attempt, capped at 3 s, times 0.5 to 1.5', () => {
    [100, 200, 400, 800, 1600, 3000, 3000, 3000].forEach((ms, i) => {
      const waits = Array.from({ length: 200 }, () => defaultBackoff(i + 1));
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(ms * 0.5);
      expect(Math.max(...waits)).toBeLessThan(ms * 1.5);
      expect(new Set(waits).size).toBeGreaterThan(100); // jittered
    });
  });
});
