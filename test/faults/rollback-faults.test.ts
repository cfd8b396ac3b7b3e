/**
 * A `rollback --push` killed (SIGKILL) after its push landed, before it updated the local
 * branch: `status --remote` shows what origin runs, a rerun finds the landed rollback and does
 * nothing (instead of going one release further back), and the subject names what it
 * restores. Real CLI, real git, local bare origins, no network.
 */
import { spawnSync } from 'child_process';
import { createApp } from '../gitops/fixture-app';
import { cleanup, cli, cloneOf, FIXTURE_APP, git, isolateGit, releaseState, seedRepo, spawnCli } from '../gitops/helpers';

const T1 = 'sha-1111111';
const T2 = 'sha-2222222';
const T3 = 'sha-3333333';
const T4 = 'sha-4444444';

beforeAll(isolateGit);
afterAll(cleanup);

const head = (dir: string, rev = 'HEAD') => git(dir, 'rev-parse', rev).trim();
const subject = (dir: string, rev = 'HEAD') => git(dir, 'log', '-1', '--format=%s', rev).trim();
const body = (dir: string, rev = 'HEAD') => git(dir, 'log', '-1', '--format=%B', rev);

async function release(dir: string, tag: string): Promise<string> {
  const r = await cli('release', '--gitops-dir', dir, '--env', 'dev', '--tag', tag, '--app', FIXTURE_APP, '--push');
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return head(dir);
}

const rollbackArgs = (clone: string, ...more: string[]) => ['rollback', '--gitops-dir', clone, '--env', 'dev', '--app', FIXTURE_APP, '--push', ...more];

function expectIntact(dir: string): void {
  const r = spawnSync('git', ['fsck', '--no-progress', '--no-dangling'], { cwd: dir, encoding: 'utf8' });
  expect({ dir, status: r.status, stderr: r.stderr }).toEqual({ dir, status: 0, stderr: '' });
}

/** origin and a clone that released T1, T2, T3 into dev (pushed); the commit of each. */
async function threeReleases(): Promise<{ origin: string; clone: string; r1: string; r2: string; r3: string }> {
  const { origin, clone } = seedRepo(createApp);
  const r1 = await release(clone, T1);
  const r2 = await release(clone, T2);
  const r3 = await release(clone, T3);
  return { origin, clone, r1, r2, r3 };
}

describe('rollback --push killed after the push landed', () => {
  test.concurrent.each(['release:pushed', 'release:tracking-updated'])('killed at %s: status --remote shows the rollback, a rerun does nothing, a further rollback still goes back', async point => {
    const { origin, clone, r1, r2, r3 } = await threeReleases();
    const killed = await spawnCli(rollbackArgs(clone), { env: { CDK8S_GITOPS_FAULT_POINT: point } });
    expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expectIntact(clone);
    expectIntact(origin);

    // origin has the rollback: its subject names what it restores and what ran; its trailers what it restored and what it undid
    const landed = head(origin, 'main');
    expect(head(origin, 'main~1')).toBe(r3);
    expect(subject(origin, 'main')).toBe(`dev: rollback to ${T2} (was ${T3})`);
    expect(body(origin, 'main')).toMatch(new RegExp(`^Rollback-To: ${r2}\nRollback-Of: ${r3}$`, 'm'));
    expect(releaseState(origin, 'dev', 'main').services).toEqual(releaseState(clone, 'dev', r2).services);
    // the clone is still at the release it rolled back
    expect(head(clone)).toBe(r3);

    // status reads the local branch; status --remote what origin runs, and says the clone is behind
    const local = await cli('status', '--gitops-dir', clone, '-o', 'json');
    expect(JSON.parse(local.stdout).environments.find((e: any) => e.name === 'dev').services.frontend).toBe(T3);
    const remote = await cli('status', '--gitops-dir', clone, '--remote', 'origin');
    expect(remote.code).toBe(0);
    expect(remote.stdout).toMatch(new RegExp(`^\\*? +frontend +- +${T2} `, 'm'));
    expect(remote.stdout).toContain(`dev: rollback to ${T2} (was ${T3})`);
    expect(remote.stdout).toMatch(new RegExp(`\nread origin/main \\(fetched now\\); local main \\(${r3.slice(0, 12)}\\) is 1 commit behind: \`git pull --ff-only\` updates it\n$`));
    const remoteJson = JSON.parse((await cli('status', '--gitops-dir', clone, '--remote', 'origin', '-o', 'json')).stdout);
    expect(remoteJson).toMatchObject({ commit: landed, remote: { name: 'origin', branch: 'main', local: r3, behind: 1, ahead: 0 } });

    // the rerun finds the landed rollback: no commit, the clone fast-forwarded to it
    const again = await spawnCli(rollbackArgs(clone));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`dev: the remote already has this rollback, ${landed.slice(0, 12)} "dev: rollback to ${T2} (was ${T3})" (an earlier run pushed it and stopped before it updated the local branch): nothing to roll back (no commit)\n`);
    expect(again.stderr).toMatch(/main was behind origin\/main .*: fast-forwarded it to [0-9a-f]{12}/);
    expect(head(origin, 'main')).toBe(landed);
    expect(head(clone)).toBe(landed);
    expect(git(clone, 'status', '--porcelain')).toBe('');
    const json = await spawnCli(rollbackArgs(clone, '-o', 'json'));
    // now the clone is up to date: a rollback is a deliberate one and goes one release further back
    expect(JSON.parse(json.stdout)).toMatchObject({ committed: true, message: `dev: rollback to ${T1} (was ${T2})`, restoredFrom: r1, pushed: true, alreadyLanded: null });
    expect(head(origin, 'main')).toBe(head(clone));
    expect(body(clone)).toMatch(new RegExp(`^Rollback-Of: ${landed}$`, 'm'));
  });

  test('a rollback of a release made after the local branch is not taken for this one', async () => {
    const { origin, clone, r2, r3 } = await threeReleases();
    // meanwhile, from another clone: T4 released and rolled back (to T3)
    const other = cloneOf(origin);
    await release(other, T4);
    expect((await cli(...rollbackArgs(other))).code).toBe(0);
    expect(subject(origin, 'main')).toBe(`dev: rollback to ${T3} (was ${T4})`);

    // this clone (at T3, behind) rolls back: origin runs T3 again, so T3 is undone, to T2
    const r = await cli(...rollbackArgs(clone, '-o', 'json'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ committed: true, message: `dev: rollback to ${T2} (was ${T3})`, restoredFrom: r2, alreadyLanded: null });
    expect(releaseState(origin, 'dev', 'main').services).toEqual(releaseState(clone, 'dev', r2).services);
    expect(r3).toBe(head(clone, 'main~3'));
  });
});

describe('status --remote', () => {
  test('usage errors: with --rev, an unknown remote, a detached HEAD', async () => {
    const { clone } = seedRepo(createApp);
    const withRev = await cli('status', '--gitops-dir', clone, '--remote', 'origin', '--rev', 'HEAD');
    expect(withRev).toMatchObject({ code: 2, stdout: '' });
    expect(withRev.stderr).toContain('--remote and --rev are exclusive');
    const unknown = await cli('status', '--gitops-dir', clone, '--remote', 'upstream');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--remote: "upstream" is not a remote of');
    git(clone, 'checkout', '-q', '--detach');
    const detached = await cli('status', '--gitops-dir', clone, '--remote', 'origin');
    expect(detached.code).toBe(2);
    expect(detached.stderr).toContain('--remote: HEAD of');
  });

  test('an up-to-date clone says so; a clone ahead says it is not pushed', async () => {
    const { clone } = seedRepo(createApp);
    expect((await cli('status', '--gitops-dir', clone, '--remote', 'origin')).stdout).toMatch(/\nread origin\/main \(fetched now\); local main is at the same commit\n$/);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', T1, '--app', FIXTURE_APP);
    expect(r.code).toBe(0);
    const ahead = await cli('status', '--gitops-dir', clone, '--remote', 'origin');
    expect(ahead.stdout).toMatch(/\nread origin\/main \(fetched now\); local main \([0-9a-f]{12}\) is 1 commit ahead \(not pushed\)\n$/);
    // what origin runs: not the unpushed release
    expect(ahead.stdout).not.toContain(T1);
  });
});
