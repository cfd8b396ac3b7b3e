import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CLONE_LOCK, CloneLock } from '../../src/git/clone-lock';
import { GitOpsError } from '../../src/core/errors';
import { Git } from '../../src/git/git';
import { cleanup, git, isolateGit, tmpdir } from '../gitops/helpers';

beforeAll(isolateGit);
afterAll(cleanup);

function clone(): { dir: string; g: Git; lock: string } {
  const dir = tmpdir('lock');
  git(dir, 'init', '-q');
  return { dir, g: Git.open(dir), lock: path.join(dir, '.git', CLONE_LOCK) };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

test('holds pid, host and start time while held; a second taker is refused naming the holder; release removes it', () => {
  const { dir, g, lock } = clone();
  const held = CloneLock.acquire(g, dir);
  const holder = JSON.parse(fs.readFileSync(lock, 'utf8'));
  expect(holder).toEqual({ pid: process.pid, host: os.hostname(), started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(() => CloneLock.acquire(g, dir)).toThrow(GitOpsError);
  expect(() => CloneLock.acquire(g, dir)).toThrow(`${dir}: another cdk8s-gitops command (pid ${process.pid} on ${os.hostname()}, started ${holder.started}) is changing this clone: `
    + `wait for it to finish, then run the command again (if no such process runs, remove its lock: rm '${lock}')`);
  held.release();
  expect(fs.existsSync(lock)).toBe(false);
  expect(fs.readdirSync(path.join(dir, '.git')).filter(f => f.startsWith('cdk8s'))).toEqual([]);
  CloneLock.acquire(g, dir).release();
});

test('the lock of a process that no longer runs is taken over, and the taker says so', () => {
  const { dir, g, lock } = clone();
  const pid = deadPid();
  fs.writeFileSync(lock, `${JSON.stringify({ pid, host: os.hostname(), started: '2024-01-01T00:00:00.000Z' })}\n`);
  const logs: string[] = [];
  const held = CloneLock.acquire(g, dir, l => logs.push(l));
  expect(logs).toEqual([`removed the lock of an earlier cdk8s-gitops command that no longer runs (pid ${pid}, started 2024-01-01T00:00:00.000Z)`]);
  expect(JSON.parse(fs.readFileSync(lock, 'utf8')).pid).toBe(process.pid);
  held.release();
});

test('a lock of another host, or one that names no command, is never removed', () => {
  const { dir, g, lock } = clone();
  const other = `${JSON.stringify({ pid: deadPid(), host: 'build-agent-7', started: '2024-01-01T00:00:00.000Z' })}\n`;
  fs.writeFileSync(lock, other);
  expect(() => CloneLock.acquire(g, dir)).toThrow(/another cdk8s-gitops command \(pid \d+ on build-agent-7, started 2024-01-01T00:00:00.000Z\) is changing this clone/);
  expect(fs.readFileSync(lock, 'utf8')).toBe(other);
  fs.writeFileSync(lock, 'not ours\n');
  expect(() => CloneLock.acquire(g, dir)).toThrow(`${dir}: the lock ${lock} exists but does not name a cdk8s-gitops command: if no cdk8s-gitops command runs in this clone, remove it (rm '${lock}')`);
  expect(fs.readFileSync(lock, 'utf8')).toBe('not ours\n');
});

test('release leaves a lock that is no longer this command\'s alone', () => {
  const { dir, g, lock } = clone();
  const held = CloneLock.acquire(g, dir);
  fs.writeFileSync(lock, 'someone else\'s\n');
  held.release();
  expect(fs.readFileSync(lock, 'utf8')).toBe('someone else\'s\n');
});
