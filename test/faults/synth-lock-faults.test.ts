/**
 * Fault suite: `synth --gitops-dir` and the commands that commit (`release`) in one clone. synth
 * reads the release files, renders for seconds, then writes; a release landing in between
 * would be silently reverted in the working tree (HEAD has the release, the files synth's
 * rendering of the old release file). Both take the clone's lock (`.git/cdk8s-gitops.lock`):
 * synth waits a bounded time for it or exits 1 naming the holder; release refuses at once while
 * synth holds it. Real CLI processes, real git, local bare origins, no network.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCK_WAIT_MS } from '../../src/cli/synth';
import { CloneLock } from '../../src/git/clone-lock';
import { Git } from '../../src/git/git';
import { createApp } from '../gitops/fixture-app';
import { cleanup, FIXTURE_APP, git, gitState, isolateGit, releaseState, seedRepo, spawnCli } from '../gitops/helpers';

const PAUSED_APP = path.join(__dirname, 'fixture-app-paused.ts');
const TAG = 'sha-7654321';

beforeAll(isolateGit);
afterAll(cleanup);
// the four cases run concurrently, one of them waits the full bound: room on a loaded machine
jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Wait (up to 20 s) until `file` exists; its content. */
async function appears(file: string): Promise<string> {
  for (let i = 0; i < 800 && !fs.existsSync(file); i++) await sleep(25);
  return fs.readFileSync(file, 'utf8');
}

/**
 * What `git status` lists besides the ownership record (a release commit leaves the record as
 * it was, so the next synth brings it up to date: that change is synth's own and expected).
 */
function changedBesidesRecord(dir: string): string[] {
  return git(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(l => l !== '' && l !== ' M .cdk8s-gitops-files');
}

const synth = (clone: string, app = FIXTURE_APP, env: NodeJS.ProcessEnv = {}, onStderr?: (stderr: string) => void) => spawnCli(['synth', '--app', app, '--gitops-dir', clone], { timeout: 40_000, env, onStderr });
const release = (clone: string, push = false) => spawnCli(['release', '--gitops-dir', clone, '--env', 'dev', '--tag', TAG, '--service', 'frontend', '--app', FIXTURE_APP, ...(push ? ['--push'] : [])], { timeout: 40_000 });

describe('synth --gitops-dir takes the clone lock of the release commands', () => {
  test.concurrent('while another command holds the lock, synth waits, saying for whom; it runs once the lock is given up', async () => {
    const { clone } = seedRepo(createApp);
    const held = CloneLock.acquire(Git.open(clone), clone);
    const holder = JSON.parse(fs.readFileSync(path.join(clone, '.git', 'cdk8s-gitops.lock'), 'utf8'));
    let releasedAt = 0;
    const run = synth(clone).then(r => ({ ...r, endedAt: Date.now() }));
    await sleep(1500);
    releasedAt = Date.now();
    held.release();
    const r = await run;
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.stderr).toBe(`synth: another cdk8s-gitops command (pid ${process.pid} on ${os.hostname()}, started ${holder.started}) is changing ${clone}: waiting up to ${LOCK_WAIT_MS / 1000} s for it to finish\n`);
    expect(r.endedAt).toBeGreaterThanOrEqual(releasedAt);
    expect(fs.existsSync(path.join(clone, '.git', 'cdk8s-gitops.lock'))).toBe(false);
  });

  test.concurrent(`held longer than ${LOCK_WAIT_MS / 1000} s, synth exits 1 naming the holder (pid, host, start) and changes nothing`, async () => {
    const { clone } = seedRepo(createApp);
    // a program change is waiting to be synthesized: without the lock it would be written
    fs.rmSync(path.join(clone, 'dev', 'demo', 'deployment-frontend.yaml'));
    git(clone, 'commit', '-q', '-am', 'a file synth writes is missing');
    const held = CloneLock.acquire(Git.open(clone), clone);
    const lock = path.join(clone, '.git', 'cdk8s-gitops.lock');
    const holder = JSON.parse(fs.readFileSync(lock, 'utf8'));
    const before = gitState(clone);
    const started = Date.now();
    try {
      const r = await synth(clone);
      expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_WAIT_MS);
      expect(r).toMatchObject({ code: 1, signal: null, stdout: '' });
      expect(r.stderr).toBe(`synth: another cdk8s-gitops command (pid ${process.pid} on ${os.hostname()}, started ${holder.started}) is changing ${clone}: waiting up to ${LOCK_WAIT_MS / 1000} s for it to finish\n`
        + `cdk8s-gitops synth: ${clone}: another cdk8s-gitops command (pid ${process.pid} on ${os.hostname()}, started ${holder.started}) is changing this clone: `
        + `synth waited ${LOCK_WAIT_MS / 1000} s for it; let it finish, then run synth again (if no such process runs, remove its lock: rm '${lock}')\n`);
      expect(gitState(clone)).toEqual(before);
      expect(fs.readFileSync(lock, 'utf8')).toBe(`${JSON.stringify(holder)}\n`);
    } finally {
      held.release();
    }
  });

  test.concurrent('a release while synth runs (between reading the release files and writing) is refused naming synth; no release is reverted', async () => {
    const { clone } = seedRepo(createApp);
    const marker = path.join(path.dirname(clone), 'synth-paused');
    const old = gitState(clone);
    const running = synth(clone, PAUSED_APP, { FIXTURE_PAUSE_MARKER: marker });
    const pid = Number(await appears(marker)); // synth has read dev/release.yaml and holds the lock
    const during = await release(clone);
    fs.writeFileSync(`${marker}.go`, '');
    const s = await running;
    // first what matters most: the working tree holds what HEAD holds (no release reverted)
    expect(changedBesidesRecord(clone)).toEqual([]);
    expect(s).toMatchObject({ code: 0, stderr: '' });
    expect(during.code).toBe(1);
    expect(during.stderr).toMatch(new RegExp(`^cdk8s-gitops release: ${clone}: another cdk8s-gitops command \\(pid ${pid} on ${os.hostname()}, started [-0-9T:.Z]+\\) is changing this clone: wait for it to finish`));
    // the working tree holds what HEAD holds: nothing reverted, nothing to commit
    expect(gitState(clone)).toEqual(old);
    // the release, run again, lands; the next synth keeps it
    const after = await release(clone);
    expect(after.code).toBe(0);
    expect(releaseState(clone, 'dev').services.frontend).toBe(TAG);
    expect(await synth(clone)).toMatchObject({ code: 0, stderr: '' });
    expect(changedBesidesRecord(clone)).toEqual([]);
    expect(releaseState(clone, 'dev').services.frontend).toBe(TAG);
  });

  test.concurrent('synth started while a real release --push is pushing waits for it, then renders the new release: nothing reverted', async () => {
    const { origin, clone } = seedRepo(createApp);
    // the origin's pre-receive hook holds the push until the test lets it go
    const marker = path.join(path.dirname(origin), 'pushing');
    fs.writeFileSync(path.join(origin, 'hooks', 'pre-receive'), `#!/bin/sh\n: > '${marker}'\nwhile [ ! -f '${marker}.go' ]; do sleep 0.05; done\n`, { mode: 0o755 });
    const releasing = release(clone, true);
    await appears(marker); // release holds the lock, its push waits
    // the push goes on once synth says it waits for the release (however long its start takes)
    let saidWaiting!: () => void;
    const waiting = new Promise<void>(resolve => { saidWaiting = resolve; });
    const synthesizing = synth(clone, FIXTURE_APP, {}, stderr => { if (stderr.includes('waiting up to')) saidWaiting(); });
    await Promise.race([waiting, synthesizing]);
    fs.writeFileSync(`${marker}.go`, '');
    const [r, s] = await Promise.all([releasing, synthesizing]);
    expect(r.code).toBe(0);
    const waited = `^synth: another cdk8s-gitops command \\(pid \\d+ on ${os.hostname()}, started [-0-9T:.Z]+\\) is changing ${clone}: waiting up to ${LOCK_WAIT_MS / 1000} s for it to finish\\n`;
    // synth waited for the release and rendered after it; on a machine so loaded that the
    // release took longer than the bound, synth gave up instead, naming it: never in between
    if (s.code === 0) expect(s.stderr).toMatch(new RegExp(`${waited}$`));
    else expect(s).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`${waited}cdk8s-gitops synth: .* synth waited ${LOCK_WAIT_MS / 1000} s for it`)) });
    expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe(`dev: deploy ${TAG}`);
    expect(releaseState(clone, 'dev').services.frontend).toBe(TAG);
    expect(changedBesidesRecord(clone)).toEqual([]);
  });
});
