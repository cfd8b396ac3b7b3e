import { parseReleaseFile } from '../../src/gitops/release-file';
import { rotate } from '../../src/gitops/rotation';
import { createApp } from './fixture-app-many';
import { cleanup, cloneOf, FIXTURE_APP_MANY, git, isolateGit, seedRepo, spawnCli } from './helpers';

beforeAll(isolateGit);
afterAll(cleanup);

jest.setTimeout(60_000);

test('8 concurrent releases (6 different services, one service twice) against one bare origin all land, in order', async () => {
  const { origin } = seedRepo(createApp);
  const start = git(origin, 'rev-parse', 'main').trim();
  const jobs = [
    ...Array.from({ length: 6 }, (_, i) => ({ service: `s${i + 1}`, tag: `sha-${String(i + 1).repeat(7)}` })),
    { service: 'backend', tag: 'sha-aaaaaaa' },
    { service: 'backend', tag: 'sha-bbbbbbb' },
  ];
  const clones = jobs.map(() => cloneOf(origin));
  const t0 = Date.now();
  const results = await Promise.all(jobs.map((job, i) => spawnCli([
    'release', '--gitops-dir', clones[i], '--env', 'dev', '--tag', job.tag, '--service', job.service, '--push', '--app', FIXTURE_APP_MANY,
  ])));
  const elapsed = Date.now() - t0;
  for (const r of results) expect(r).toMatchObject({ code: 0 });
  const retried = results.filter(r => r.stderr.includes('push rejected')).length;
  expect(retried).toBeGreaterThan(0); // the race really happened

  // Linear history of exactly one release commit per process, each touching only dev/.
  const commits = git(origin, 'rev-list', '--reverse', '--first-parent', `${start}..main`).trim().split('\n');
  expect(commits).toHaveLength(jobs.length);
  expect(git(origin, 'rev-list', '--merges', `${start}..main`).trim()).toBe('');
  // Replaying the commits in the order they landed: each one is exactly the rotation of its own service on top of the previous state.
  const stateAt = (rev: string) => parseReleaseFile(git(origin, 'show', `${rev}:dev/release.yaml`), { environment: 'dev' });
  let state = stateAt(start);
  const landed: string[] = [];
  for (const c of commits) {
    const subject = git(origin, 'log', '-1', '--format=%s', c).trim();
    const job = jobs.find(j => subject === `dev: deploy ${j.tag}`)!;
    expect(job).toBeDefined();
    landed.push(job.tag);
    expect(git(origin, 'diff', '--name-only', `${c}~1`, c).trim().split('\n').every(f => f.startsWith('dev/'))).toBe(true);
    state = rotate(state, job.tag, [job.service]).state;
    expect(stateAt(c)).toEqual(state);
  }
  expect(new Set(landed).size).toBe(jobs.length);
  const final = stateAt('main').services;
  for (const job of jobs.slice(0, 6)) expect(final[job.service]).toBe(job.tag);
  const backendOrder = landed.filter(t => t === 'sha-aaaaaaa' || t === 'sha-bbbbbbb');
  expect(final.backend).toEqual({ v1: backendOrder[0], v2: backendOrder[1] });
  // Every clone ends clean, on the tip it pushed or behind it.
  for (const dir of clones) expect(git(dir, 'status', '--porcelain')).toBe('');
  // eslint-disable-next-line no-console
  console.log(`${jobs.length} concurrent releases landed in ${elapsed} ms; ${retried} process(es) retried; attempts: ${results.map(r => /after (\d+) attempts/.exec(r.stdout)?.[1] ?? 1).join(" ")}`);
});
