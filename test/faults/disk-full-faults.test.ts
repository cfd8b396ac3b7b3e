/**
 * A full disk during the local fast-forward (issue 19): the clone on a tiny tmpfs, filled to
 * leave N bytes free, for every N (in pages) from none up to enough. git writes the files
 * before the index, so it can stop halfway: new files in the working tree, the old index and
 * branch. At each N, a failing release must say truthfully what moved (checked against HEAD,
 * index and working tree), and the way out it names must work once space is freed (run here).
 *
 * The clone's object database is a symlink to an ordinary folder, so the space the sweep
 * leaves is taken by the steps that change the working tree, not by the new commit's objects.
 *
 * Needs root (to mount a tmpfs): skipped otherwise, but failed when
 * CDK8S_GITOPS_TMPFS_TESTS=required (set by `.ci/run`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createApp } from '../gitops/fixture-app';
import { cleanup, FIXTURE_APP, git, isolateGit, seedRepo, spawnCli, SpawnResult, tmpdir } from '../gitops/helpers';

const REQUIRED = process.env.CDK8S_GITOPS_TMPFS_TESTS === 'required';
const TAG = 'sha-1234567';
const PAGE = 4096;
/** How many free-space values run at once. */
const BATCH = 3;
const MARKER = 'cdk8s-gitops-fast-forward';

/** Why tmpfs cannot be mounted here, or undefined when it can. */
function tmpfsMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (mounting a tmpfs needs root)';
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'cdk8s-gitops-tmpfs-probe-'));
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) return `mount -t tmpfs failed: ${r.stderr.trim() || r.error?.message}`;
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const missing = tmpfsMissing();
const mounts: string[] = [];

function describeWithTmpfs(name: string, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (REQUIRED) {
    describe(name, () => {
      test('can mount a tmpfs (CDK8S_GITOPS_TMPFS_TESTS=required)', () => {
        throw new Error(missing);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`${name}: SKIPPED, ${missing} (CI sets CDK8S_GITOPS_TMPFS_TESTS=required)`);
    describe.skip(name, body);
  }
}

beforeAll(isolateGit);
afterAll(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
  cleanup();
});

const head = (dir: string, rev = 'HEAD') => git(dir, 'rev-parse', rev).trim();
const dirty = (dir: string) => git(dir, '--no-optional-locks', 'status', '--porcelain', '--untracked-files=all');

function avail(dir: string): number {
  return Number(spawnSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' }).stdout.split('\n')[1].trim());
}

/** A clone of `origin` on a new tmpfs of `size` KiB (objects elsewhere), filled to leave `free` bytes. */
function cloneOnTmpfs(origin: string, free: number, prepare: (clone: string) => void, size = 512): { clone: string; freeUp: () => void } {
  const mnt = tmpdir('tmpfs');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}k`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  mounts.push(mnt);
  const clone = path.join(mnt, 'gitops');
  git(mnt, 'clone', '-q', origin, clone);
  const objects = path.join(tmpdir('objects'), 'objects');
  fs.cpSync(path.join(clone, '.git', 'objects'), objects, { recursive: true });
  fs.rmSync(path.join(clone, '.git', 'objects'), { recursive: true });
  fs.symlinkSync(objects, path.join(clone, '.git', 'objects'));
  prepare(clone);
  const fill = path.join(mnt, 'fill');
  const bytes = avail(mnt) - free;
  if (bytes > 0) fs.writeFileSync(fill, Buffer.alloc(bytes));
  expect(avail(mnt)).toBe(Math.max(0, free));
  return { clone, freeUp: () => fs.rmSync(fill, { force: true }) };
}

/** `git fsck` finds nothing wrong. */
function expectIntact(dir: string): void {
  const r = spawnSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: dir, encoding: 'utf8' });
  expect({ dir, status: r.status, stderr: r.stderr }).toEqual({ dir, status: 0, stderr: '' });
}

/** Files a colleague's commit adds on origin: the local fast-forward then writes new files too (2 pages each). */
function pushFiles(origin: string, count: number): void {
  const work = path.join(tmpdir('colleague'), 'w');
  git(path.dirname(work), 'clone', '-q', origin, work);
  fs.mkdirSync(path.join(work, 'extra'));
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(work, 'extra', `file-${i}.txt`), `${'x'.repeat(6000)}\n${i}\n`);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'extra files');
  git(work, 'push', '-q', 'origin', 'main');
}

interface Scenario {
  readonly name: string;
  readonly push: boolean;
  /** A colleague's commit on origin that adds files (the clone does not have it). */
  readonly extraFiles: number;
  /** Whether origin already runs the tag (then release has nothing to do but fast-forward). */
  readonly released: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'release (local): two files changed', push: false, extraFiles: 0, released: false },
  { name: 'release --push onto a remote that moved: new files as well', push: true, extraFiles: 2, released: false },
  { name: 'release --push with nothing to do, the clone behind the remote', push: true, extraFiles: 2, released: true },
];

function releaseArgs(clone: string, push: boolean): string[] {
  return ['release', '--gitops-dir', clone, '--env', 'dev', '--tag', TAG, '--service', 'frontend', '--app', FIXTURE_APP, ...(push ? ['--push'] : [])];
}

/** What one free-space value did. */
interface Outcome {
  readonly free: number;
  readonly code: number | null;
  readonly moved: boolean;
  readonly recovery: string;
}

describeWithTmpfs('a full disk during the local fast-forward: the message tells what moved, and its way out works', () => {
  /** Run the release with `free` bytes left on the clone's disk; check what it says against what it did, and its way out. */
  async function sweepPoint(s: Scenario, template: string, free: number): Promise<Outcome> {
    {
      const origin = path.join(tmpdir('origin'), 'origin.git');
      git(path.dirname(origin), 'clone', '-q', '--bare', template, origin);
      const { clone, freeUp } = cloneOnTmpfs(origin, free, c => {
        // the clone was made before the release and the colleague's commit landed
        const behind = (s.extraFiles > 0 ? 1 : 0) + (s.released ? 1 : 0);
        if (behind > 0) {
          git(c, 'reset', '-q', '--hard', `HEAD~${behind}`);
          git(c, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
        }
      });
      const old = head(clone);
      const r = await spawnCli(releaseArgs(clone, s.push));
      const expectedEnd = () => (s.push ? head(origin, 'main') : r.code === 0 ? head(clone) : undefined);
      if (r.code === 0) {
        expect(r.stderr).not.toMatch(/cdk8s-gitops release:/);
        expect(head(clone)).not.toBe(old);
        if (s.push) expect(head(clone)).toBe(head(origin, 'main'));
        expect(dirty(clone)).toBe('');
        expect(fs.existsSync(path.join(clone, '.git', MARKER))).toBe(false);
        expectIntact(clone);
        return { free, code: 0, moved: false, recovery: '' };
      }
      const message = r.stderr;
      const originMoved = s.push && !s.released && git(origin, 'log', '-1', '--format=%s', 'main').trim() === `dev: deploy ${TAG}`;
      expect({ free, code: r.code }).toEqual({ free, code: originMoved ? 3 : 1 });
      expect(head(clone)).toBe(old); // the branch never moves when the fast-forward fails
      const marker = fs.existsSync(path.join(clone, '.git', MARKER));
      const moved = /was left between|stopped halfway/.test(message);
      if (!moved) {
        // nothing moved (before the fast-forward: e.g. the clone's lock could not be written; or in it, and it says so)
        if (/fast-forward|read-tree|update-ref/.test(message)) expect({ free, message }).toEqual({ free, message: expect.stringMatching(/[Nn]othing was changed in |local main was not updated/) });
        expect({ free, dirty: dirty(clone), marker }).toEqual({ free, dirty: '', marker: false });
      } else {
        // something moved: the record is kept, and the message says what is where
        expect({ free, marker }).toEqual({ free, marker: true });
        expect(dirty(clone)).not.toBe('');
        expect(message).toMatch(/main is at the old commit [0-9a-f]{12}, the index is at (the old commit|the new commit|neither commit)/);
        const state = /the index is at (the old commit|the new commit|neither commit)/.exec(message)![1];
        const to = head(clone, `${/was left between [0-9a-f]{12} and ([0-9a-f]{12})/.exec(message)![1]}`);
        const indexAt = (rev: string) => spawnSync('git', ['--no-optional-locks', 'diff', '--cached', '--quiet', rev, '--'], { cwd: clone }).status === 0;
        expect({ free, state }).toEqual({ free, state: indexAt(to) ? 'the new commit' : indexAt(old) ? 'the old commit' : 'neither commit' });
      }
      // the way out the message names, once space is freed
      freeUp();
      const commands = [...message.matchAll(/`(git -C [^`]+)`/g)].map(m => m[1]);
      const rerunFirst = /run the command again: it finishes the move|so does running release again/.test(message);
      const useGit = commands.length > 0 && (!rerunFirst || (free / PAGE) % 2 === 1);
      let recovery = 'run again';
      if (useGit) {
        recovery = commands[0];
        const sh = spawnSync('sh', ['-c', commands[0]], { encoding: 'utf8' });
        expect({ free, command: commands[0], status: sh.status, stderr: sh.stderr }).toEqual({ free, command: commands[0], status: 0, stderr: '' });
      } else if (moved || r.code === 3) {
        expect({ free, message }).toEqual({ free, message: expect.stringMatching(/run the command again|running release again/) });
      }
      const again: SpawnResult = await spawnCli(releaseArgs(clone, s.push));
      expect({ free, recovery, code: again.code, stderr: again.stderr }).toEqual({ free, recovery, code: 0, stderr: expect.not.stringMatching(/cdk8s-gitops release:/) });
      const end = expectedEnd() ?? head(clone);
      expect(head(clone)).toBe(end);
      expect(git(clone, 'log', '-3', '--format=%s').split('\n')).toContain(`dev: deploy ${TAG}`);
      expect(dirty(clone)).toBe('');
      expect(fs.existsSync(path.join(clone, '.git', MARKER))).toBe(false);
      expectIntact(clone);
      return { free, code: r.code, moved, recovery };
    }
  }

  test.each(SCENARIOS.map(s => [s.name, s] as const))('%s', async (_name, s) => {
    // free space values page by page, a few at a time, up to the first that is enough
    const { origin: template } = seedRepo(createApp);
    if (s.released) {
      const prep = path.join(tmpdir('prep'), 'w');
      git(path.dirname(prep), 'clone', '-q', template, prep);
      expect((await spawnCli(releaseArgs(prep, true))).code).toBe(0);
    }
    if (s.extraFiles > 0) pushFiles(template, s.extraFiles);
    const outcomes: Outcome[] = [];
    for (let base = 0; !outcomes.some(o => o.code === 0); base += BATCH * PAGE) {
      outcomes.push(...await Promise.all(Array.from({ length: BATCH }, (_, i) => sweepPoint(s, template, base + i * PAGE))));
    }
    outcomes.splice(outcomes.findIndex(o => o.code === 0) + 1);
    // the sweep went across the step: it failed with nothing moved, failed halfway, then succeeded
    // eslint-disable-next-line no-console
    console.log(`${s.name}:\n${outcomes.map(o => `  free ${o.free}: exit ${o.code}${o.moved ? ', halfway' : ''}${o.recovery ? `; recovered by: ${o.recovery}` : ''}`).join('\n')}`);
    expect(outcomes.some(o => o.moved)).toBe(true);
    expect(outcomes.some(o => o.code !== 0 && !o.moved)).toBe(true);
  }, 120_000);
});
