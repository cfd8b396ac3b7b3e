/**
 * Progressive delivery cluster by cluster, end to end with real git and the program in
 * fixture-app-canary-fleet.ts (prod in prod-eu and prod-us, real VirtualServices with header
 * routes): a canary staged in one cluster (`release --canary --cluster`), its traffic steps
 * (`shift --cluster`) confined to that cluster's weight lines and the release file, `status`
 * per cluster, `rollback --cluster`, completing the canary there, and the changes of the whole
 * environment that reach every cluster's split.
 */
import * as path from 'path';
import { parse } from 'yaml';
import { shift } from '../../src/gitops/shift-flow';
import { createApp, DEFAULT_TAG } from './fixture-app-canary-fleet';
import { changedFiles, changedLines, cleanup, cli, commitTrailers as trailers, git, isolateGit, read, releaseState, sharedClone, snapshot } from './helpers';

const APP = path.join(__dirname, 'fixture-app-canary-fleet.ts');
const T1 = 'sha-1111111';
/** What prod runs before any release: every service at the default tag. */
const BOTH = { v1: DEFAULT_TAG, v2: DEFAULT_TAG };
const SHOP = { backend: BOTH, frontend: DEFAULT_TAG, legacy: BOTH, search: BOTH, stock: BOTH };

beforeAll(isolateGit);
afterAll(cleanup);

const clone = () => sharedClone(createApp);

const run = (...argv: string[]) => cli(...argv, '--app', APP);
const prod = (dir: string) => releaseState(dir, 'prod');
/** The default route's split of a VirtualService of a cluster, as `v1=90 v2=10`. */
const split = (dir: string, cluster: string, service = 'backend') =>
  parse(read(dir, `prod/${cluster}/shop/virtualservice-${service}.yaml`)).spec.http.at(-1).route.map((r: any) => `${r.destination.subset}=${r.weight}`).join(' ');
const subject = (dir: string) => git(dir, 'log', '-1', '--format=%s').trim();

/** A clone where prod-eu runs backend's canary T1 at 0% (release --canary --cluster prod-eu). */
async function canaryInEu(): Promise<string> {
  const dir = clone();
  const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--tag', T1, '--canary');
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return dir;
}

describe('a canary staged in one cluster', () => {
  test('release --canary --cluster: the cluster\'s tags and split as its entries; only its folder and the release file change', async () => {
    const dir = clone();
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=90 v2=10', 'v1=90 v2=10']);
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--tag', T1, '--canary', '-o', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ env: 'prod', cluster: 'prod-eu', committed: true, message: `prod/prod-eu: canary ${T1}` });
    expect(out.weights).toEqual([{ cluster: 'prod-eu', service: 'backend', from: null, to: { v1: 100, v2: 0 } }]);
    expect(subject(dir)).toBe(`prod/prod-eu: canary ${T1}`);
    expect(trailers(dir)).toContain('Cluster: prod-eu');
    expect(prod(dir)).toEqual({
      environment: 'prod',
      services: { ...SHOP, backend: { v1: DEFAULT_TAG, v2: DEFAULT_TAG } },
      clusters: { 'prod-eu': { services: { backend: { v2: T1 } }, weights: { backend: { v1: 100, v2: 0 } } } },
    });
    expect(read(dir, 'prod/release.yaml')).toContain(`clusters:\n  prod-eu:\n    services:\n      backend:\n        v2: ${T1}\n    weights:\n      backend:\n        v1: 100\n        v2: 0\n`);
    expect(changedFiles(dir)).toEqual(['prod/prod-eu/shop/deployment-backend-v2.yaml', 'prod/prod-eu/shop/virtualservice-backend.yaml', 'prod/release.yaml']);
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=100 v2=0', 'v1=90 v2=10']);
  });

  test('shift --cluster: only that cluster\'s weight lines and the release file change; Cluster trailer; -o json names the cluster', async () => {
    const dir = await canaryInEu();
    const r = await run('shift', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--weights', 'v2=10', '-o', 'json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ env: 'prod', cluster: 'prod-eu', weights: { v2: 10 }, committed: true, message: 'prod/prod-eu: shift backend v2=10%' });
    expect(out.changes).toEqual([{ cluster: 'prod-eu', service: 'backend', from: { v1: 100, v2: 0 }, to: { v1: 90, v2: 10 } }]);
    expect(out.changedFiles).toEqual(['prod/prod-eu/shop/virtualservice-backend.yaml', 'prod/release.yaml']);
    expect(subject(dir)).toBe('prod/prod-eu: shift backend v2=10%');
    expect(trailers(dir)).toContain('Cluster: prod-eu');
    expect(changedFiles(dir)).toEqual(['prod/prod-eu/shop/virtualservice-backend.yaml', 'prod/release.yaml']);
    // weight lines only: the route's and the cluster's split in release.yaml
    expect(changedLines(dir).every(l => /^[-+] +(weight|v[12]): \d+$/.test(l))).toBe(true);
    expect(prod(dir).clusters).toEqual({ 'prod-eu': { services: { backend: { v2: T1 } }, weights: { backend: { v1: 90, v2: 10 } } } });
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=90 v2=10', 'v1=90 v2=10']);
    // the same step again: nothing to do
    const again = await run('shift', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--weights', 'v2=10');
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toBe('prod/prod-eu: the split of backend already holds: nothing to shift (no commit)\n');
  });

  test('status shows each cluster\'s split in its column; -o json per cluster', async () => {
    const dir = await canaryInEu();
    expect((await run('shift', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--weights', 'v2=10')).code).toBe(0);
    const text = (await cli('status', '--gitops-dir', dir)).stdout;
    const row = (version: string) => text.split('\n').find(l => / backend +v/.test(l) && l.includes(` ${version} `))!.trim().split(/ {2,}/);
    expect(row('v1')).toEqual(['backend', 'v1', DEFAULT_TAG, `${DEFAULT_TAG} 90%`, DEFAULT_TAG]);
    expect(row('v2')).toEqual(['*', 'backend', 'v2', DEFAULT_TAG, `${T1} 10%`, DEFAULT_TAG]);
    const json = JSON.parse((await cli('status', '--gitops-dir', dir, '-o', 'json')).stdout);
    const prodStatus = json.environments.find((e: any) => e.name === 'prod');
    expect(prodStatus.weights).toBeNull();
    expect(prodStatus.clusters).toEqual([
      { name: 'prod-eu', services: expect.objectContaining({ backend: { v1: DEFAULT_TAG, v2: T1 } }), weights: { backend: { v1: 90, v2: 10 } } },
      { name: 'prod-us', services: expect.objectContaining({ backend: { v1: DEFAULT_TAG, v2: DEFAULT_TAG } }), weights: null },
    ]);
    expect(json.services.find((s: any) => s.service === 'backend' && s.version === 'v2')).toMatchObject({
      weights: null, clusterWeights: { prod: { 'prod-eu': 10, 'prod-us': null } }, clusters: { prod: { 'prod-eu': T1, 'prod-us': DEFAULT_TAG } },
    });
    expect(json.services.find((s: any) => s.service === 'legacy' && s.version === 'v2').clusterWeights).toBeNull();
  });

  test('rollback --cluster restores the cluster\'s previous split (a shift is a release here)', async () => {
    const dir = await canaryInEu();
    expect((await run('shift', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--weights', 'v2=50')).code).toBe(0);
    const canary = prod(dir);
    expect(canary.clusters!['prod-eu'].weights).toEqual({ backend: { v1: 50, v2: 50 } });
    const r = await run('rollback', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '-o', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ env: 'prod', cluster: 'prod-eu', committed: true, message: `prod/prod-eu: rollback to ${DEFAULT_TAG}: backend split v1=100% v2=0% (was v1=50% v2=50%)` });
    expect(out.weights).toEqual([{ cluster: 'prod-eu', service: 'backend', from: { v1: 50, v2: 50 }, to: { v1: 100, v2: 0 } }]);
    expect(prod(dir).clusters).toEqual({ 'prod-eu': { services: { backend: { v2: T1 } }, weights: { backend: { v1: 100, v2: 0 } } } });
    expect(changedFiles(dir)).toEqual(['prod/prod-eu/shop/virtualservice-backend.yaml', 'prod/release.yaml']);
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=100 v2=0', 'v1=90 v2=10']);
    // once more: the release before the canary, the program's split again
    expect((await run('rollback', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu')).code).toBe(0);
    expect(prod(dir)).not.toHaveProperty('clusters');
    expect(split(dir, 'prod-eu')).toBe('v1=90 v2=10');
  });

  test('a normal release --cluster of the canary\'s tag completes it there: the cluster\'s split goes, its tags stay', async () => {
    const dir = await canaryInEu();
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--tag', T1);
    expect(r.code).toBe(0);
    expect(subject(dir)).toBe(`prod/prod-eu: deploy ${T1}`);
    expect(prod(dir).clusters).toEqual({ 'prod-eu': { services: { backend: { v2: T1 } } } });
    expect(changedFiles(dir)).toEqual(['prod/prod-eu/shop/virtualservice-backend.yaml', 'prod/release.yaml']);
    expect(split(dir, 'prod-eu')).toBe('v1=90 v2=10');
  });

  test('refused, nothing changed: a service the cluster does not run, a route with weights in code, a cluster of none', async () => {
    const dir = await canaryInEu();
    const before = snapshot(dir);
    for (const [env, cluster, service, code, message] of [
      ['prod', 'prod-us', 'search', 2, '--service: "search" is not a service of environment "prod/prod-us"'],
      ['prod', 'prod-us', 'legacy', 1, "no route of the program in prod/prod-us sends legacy's traffic by the service's default split"],
      ['prod', 'prod-ap', 'backend', 2, '--cluster: "prod-ap" is not a cluster of environment "prod"'],
      ['dev', 'prod-eu', 'backend', 2, 'environment "dev" runs in one cluster'],
    ] as const) {
      const r = await run('shift', '--gitops-dir', dir, '--env', env, '--cluster', cluster, '--service', service, '--weights', 'v2=10');
      expect({ cluster, service, code: r.code, stderr: r.stderr }).toEqual({ cluster, service, code, stderr: expect.stringContaining(message) });
    }
    expect(snapshot(dir)).toEqual(before);
  });

  test('shift --cluster of a service one cluster runs: its split is the environment\'s (no cluster has another)', async () => {
    const dir = clone();
    const r = await shift({ dir, env: 'prod', cluster: 'prod-eu', services: ['search'], weights: { v2: 30 }, createApp });
    expect(r).toMatchObject({ committed: true, message: 'prod/prod-eu: shift search v2=30%' });
    expect(prod(dir).weights).toEqual({ search: { v1: 70, v2: 30 } });
    expect(prod(dir)).not.toHaveProperty('clusters');
    expect(changedFiles(dir)).toEqual(['prod/prod-eu/shop/virtualservice-search.yaml', 'prod/release.yaml']);
  });
});

describe('the canary in one cluster, then in the next', () => {
  test('once every cluster completed it, the release file has neither splits nor cluster entries', async () => {
    const dir = await canaryInEu();
    const step = async (...argv: string[]) => expect((await run(...argv, '--gitops-dir', dir, '--env', 'prod', '--service', 'backend')).code).toBe(0);
    await step('shift', '--cluster', 'prod-eu', '--weights', 'v2=50');
    await step('release', '--cluster', 'prod-eu', '--tag', T1);
    await step('release', '--cluster', 'prod-us', '--tag', T1, '--canary');
    // both clusters run T1: the tags are the environment's; prod-us's canary split is its entry
    expect(prod(dir)).toEqual({ environment: 'prod', services: { ...SHOP, backend: { v1: DEFAULT_TAG, v2: T1 } }, clusters: { 'prod-us': { weights: { backend: { v1: 100, v2: 0 } } } } });
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=90 v2=10', 'v1=100 v2=0']);
    await step('shift', '--cluster', 'prod-us', '--weights', 'v2=50');
    await step('release', '--cluster', 'prod-us', '--tag', T1);
    expect(prod(dir)).toEqual({ environment: 'prod', services: { ...SHOP, backend: { v1: DEFAULT_TAG, v2: T1 } } });
    expect(read(dir, 'prod/release.yaml')).not.toMatch(/weights|clusters/);
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=90 v2=10', 'v1=90 v2=10']);
    expect(git(dir, 'log', '--format=%s', '-6').trim().split('\n').reverse()).toEqual([
      `prod/prod-eu: canary ${T1}`, 'prod/prod-eu: shift backend v2=50%', `prod/prod-eu: deploy ${T1}`,
      `prod/prod-us: canary ${T1}`, 'prod/prod-us: shift backend v2=50%', `prod/prod-us: deploy ${T1}`,
    ]);
  });
});

describe('changes of the whole environment reach every cluster\'s split', () => {
  test('a canary of the whole environment: a cluster that already completed it keeps the program\'s split, the others take the canary split', async () => {
    const dir = await canaryInEu();
    expect((await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--tag', T1)).code).toBe(0);
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--service', 'backend', '--tag', T1, '--canary');
    expect(r.code).toBe(0);
    expect(subject(dir)).toBe(`prod: canary ${T1}`);
    // every cluster runs T1 now: the tags collapse; prod-us pins the canary split, prod-eu none (so the environment pins none)
    expect(prod(dir)).toEqual({
      environment: 'prod',
      services: { ...SHOP, backend: { v1: DEFAULT_TAG, v2: T1 } },
      clusters: { 'prod-us': { weights: { backend: { v1: 100, v2: 0 } } } },
    });
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=90 v2=10', 'v1=100 v2=0']);
    expect(changedFiles(dir)).toEqual(['prod/prod-us/shop/deployment-backend-v2.yaml', 'prod/prod-us/shop/virtualservice-backend.yaml', 'prod/release.yaml']);
  });

  test('shift without --cluster pins the environment\'s split and drops the clusters\' own', async () => {
    const dir = await canaryInEu();
    const r = await run('shift', '--gitops-dir', dir, '--env', 'prod', '--service', 'backend', '--weights', 'v2=50', '-o', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cluster: null, message: 'prod: shift backend v2=50%' });
    expect(prod(dir).weights).toEqual({ backend: { v1: 50, v2: 50 } });
    expect(prod(dir).clusters).toEqual({ 'prod-eu': { services: { backend: { v2: T1 } } } });
    expect([split(dir, 'prod-eu'), split(dir, 'prod-us')]).toEqual(['v1=50 v2=50', 'v1=50 v2=50']);
    expect(trailers(dir).some(t => t.startsWith('Cluster:'))).toBe(false);
  });

  test('promote --with-weights copies the source environment\'s splits: to every cluster, or with --cluster to that one', async () => {
    const dir = await canaryInEu();
    expect((await run('shift', '--gitops-dir', dir, '--env', 'dev', '--service', 'backend', '--weights', 'v2=30')).code).toBe(0);
    const one = await run('promote', '--gitops-dir', dir, '--from', 'dev', '--to', 'prod', '--cluster', 'prod-us', '--with-weights', '-o', 'json');
    expect(one.code).toBe(0);
    const promoted = JSON.parse(one.stdout);
    expect(promoted).toMatchObject({ cluster: 'prod-us', created: true });
    expect(promoted.weights).toEqual([{ cluster: 'prod-us', service: 'backend', from: null, to: { v1: 70, v2: 30 } }]);
    expect(releaseState(dir, 'prod', promoted.branch).clusters).toEqual({
      'prod-eu': { services: { backend: { v2: T1 } }, weights: { backend: { v1: 100, v2: 0 } } },
      'prod-us': { weights: { backend: { v1: 70, v2: 30 } } },
    });
    expect(changedFiles(dir, `HEAD..${promoted.branch}`)).toEqual(['prod/prod-us/shop/virtualservice-backend.yaml', 'prod/release.yaml']);

    const all = JSON.parse((await run('promote', '--gitops-dir', dir, '--from', 'dev', '--to', 'prod', '--with-weights', '-o', 'json')).stdout);
    const state = releaseState(dir, 'prod', all.branch);
    // every cluster takes dev's tags and split of backend: prod-eu's entries for it go
    expect(state.weights).toEqual({ backend: { v1: 70, v2: 30 } });
    expect(state).not.toHaveProperty('clusters');
  });
});
