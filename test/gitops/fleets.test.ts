/**
 * An environment across several clusters, end to end with real git: a change staged cluster by
 * cluster (`--cluster`) touches only that cluster's folder and the release file, records the
 * cluster's tags in the release state and collapses them once every cluster runs them; a change
 * without `--cluster` reaches every cluster; `status` shows a column per cluster.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Lazy } from 'cdk8s';
import { AppChart, Environment, GitOpsApp, GitOpsAppProps, RepositoryChart, WebService } from '../../src';
import { release } from '../../src/gitops/release-flow';
import { createApp, FLEET_TAG } from './fixture-app-fleet';
import { changedFiles, cleanup, cli, commitTrailers as trailers, git, isolateGit, read, releaseState, seedRepo, sharedClone, snapshot } from './helpers';

const APP = path.join(__dirname, 'fixture-app-fleet.ts');
const T1 = 'sha-1111111';
const T2 = 'sha-2222222';

beforeAll(isolateGit);
afterAll(cleanup);

const clone = () => sharedClone(createApp);
const prod = (dir: string, rev?: string) => releaseState(dir, 'prod', rev);
const image = (dir: string, folder: string, deployment: string) => /image: (\S+)/.exec(read(dir, `${folder}/shop/deployment-${deployment}.yaml`))![1];

async function run(...argv: string[]) {
  return cli(...argv, '--app', APP);
}

describe('release --cluster', () => {
  test('stages a tag in one cluster: only its folder and the release file change, the state records the cluster\'s tags', async () => {
    const dir = clone();
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`prod/prod-eu: deploy ${T1}`);
    expect(r.stdout).toContain(`  [prod-eu] api v2: ${FLEET_TAG} -> ${T1}\n`);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe(`prod/prod-eu: deploy ${T1}`);
    expect(trailers(dir)).toContain('Cluster: prod-eu');

    const files = changedFiles(dir);
    expect(files).toContain('prod/release.yaml');
    expect(files).toContain('prod/prod-eu/shop/deployment-api-v2.yaml');
    expect(files.every(f => f === 'prod/release.yaml' || f.startsWith('prod/prod-eu/'))).toBe(true);
    expect(image(dir, 'prod/prod-eu', 'api-v2')).toBe(`registry.example/api:${T1}`);
    expect(image(dir, 'prod/prod-us', 'api-v2')).toBe(`registry.example/api:${FLEET_TAG}`);

    // the environment's tags stay; the cluster's entries are what differs (api v1 took v2's tag, which is the environment's);
    // canary runs in prod-eu only: the environment's tag of it is prod-eu's
    expect(prod(dir)).toEqual({
      environment: 'prod',
      services: { api: { v1: FLEET_TAG, v2: FLEET_TAG }, canary: T1, web: FLEET_TAG },
      clusters: { 'prod-eu': { services: { api: { v2: T1 }, web: T1 } } },
    });
    expect(read(dir, 'prod/release.yaml')).toContain('clusters:\n  prod-eu:\n    services:\n      api:\n        v2: sha-1111111\n      web: sha-1111111\n');
  });

  test('once every cluster runs the tags, the cluster entries collapse into the environment\'s', async () => {
    const dir = clone();
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1)).toMatchObject({ code: 0 });
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-us', '--tag', T1, '-o', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ env: 'prod', cluster: 'prod-us', committed: true, message: `prod/prod-us: deploy ${T1}` });
    expect(out.changes).toContainEqual({ service: 'api', version: 'v2', from: FLEET_TAG, to: T1, cluster: null });
    expect(changedFiles(dir).every(f => f === 'prod/release.yaml' || f.startsWith('prod/prod-us/'))).toBe(true);
    expect(prod(dir)).toEqual({ environment: 'prod', services: { api: { v1: FLEET_TAG, v2: T1 }, canary: T1, web: T1 } });
    expect(read(dir, 'prod/release.yaml')).not.toContain('clusters');
  });

  test('a release without --cluster reaches every cluster, each rotating its own tags; entries it makes equal go', async () => {
    const dir = clone();
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1)).toMatchObject({ code: 0 });
    // T1 again: prod-eu already runs it (unchanged), prod-us rotates to it: nothing left that differs
    const same = await run('release', '--gitops-dir', dir, '--env', 'prod', '--tag', T1);
    expect(same.code).toBe(0);
    expect(prod(dir)).toEqual({ environment: 'prod', services: { api: { v1: FLEET_TAG, v2: T1 }, canary: T1, web: T1 } });
    expect(changedFiles(dir).every(f => f === 'prod/release.yaml' || f.startsWith('prod/prod-us/'))).toBe(true);

    // a staged cluster, then a new tag for the environment: prod-eu's v1 keeps the tag it ran before (A/B rotation per cluster)
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T2)).toMatchObject({ code: 0 });
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--tag', 'sha-3333333');
    expect(r.code).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe('prod: deploy sha-3333333');
    expect(trailers(dir).some(t => t.startsWith('Cluster:'))).toBe(false);
    expect(prod(dir)).toEqual({
      environment: 'prod',
      services: { api: { v1: T1, v2: 'sha-3333333' }, canary: 'sha-3333333', web: 'sha-3333333' },
      clusters: { 'prod-eu': { services: { api: { v1: T2 } } } },
    });
    expect(r.stdout).toContain(`  [prod-eu] api v1: ${T1} -> ${T2}\n`);
    expect(image(dir, 'prod/prod-eu', 'api-v1')).toBe(`registry.example/api:${T2}`);
    expect(image(dir, 'prod/prod-us', 'api-v1')).toBe(`registry.example/api:${T1}`);
  });

  test('--cluster must name a cluster of the environment: usage errors, nothing changes', async () => {
    const dir = clone();
    const before = snapshot(dir);
    const unknown = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eux', '--tag', T1);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('--cluster: "prod-eux" is not a cluster of environment "prod" (did you mean "prod-eu"?); its clusters: prod-eu, prod-us');
    const single = await run('release', '--gitops-dir', dir, '--env', 'dev', '--cluster', 'prod-eu', '--tag', T1);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain('--cluster: "prod-eu": environment "dev" runs in one cluster (its Environment lists no clusters): leave --cluster out');
    const bad = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'Prod_EU', '--tag', T1);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cluster: "Prod_EU" is not a cluster name (a DNS-1123 label such as prod-eu)');
    const blank = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', ' ', '--tag', T1);
    expect(blank.code).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });

  test('--service in a cluster: only services that cluster runs', async () => {
    const dir = clone();
    const us = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-us', '--tag', T1, '--service', 'canary');
    expect(us.code).toBe(2);
    expect(us.stderr).toContain('--service: "canary" is not a service of environment "prod/prod-us" (services: api, web)');
    const eu = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1, '--service', 'canary');
    expect(eu.code).toBe(0);
    expect(changedFiles(dir).sort()).toEqual(['prod/prod-eu/shop/deployment-canary.yaml', 'prod/release.yaml']);
  });
});

describe('rollback and promote --cluster', () => {
  test('rollback --cluster restores what that cluster ran before; rollback of the environment restores every cluster', async () => {
    const dir = clone();
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1)).toMatchObject({ code: 0 });
    const staged = prod(dir);
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-us', '--tag', T1)).toMatchObject({ code: 0 });
    const everywhere = prod(dir);

    // prod-us goes back to what it ran before its release; prod-eu keeps T1
    const us = await run('rollback', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-us');
    expect(us).toMatchObject({ code: 0, stderr: '' });
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe(`prod/prod-us: rollback to ${FLEET_TAG} (was ${T1})`);
    expect(trailers(dir)).toEqual(expect.arrayContaining(['Cluster: prod-us', expect.stringMatching(/^Rollback-To: [0-9a-f]{40}$/)]));
    expect(changedFiles(dir).every(f => f === 'prod/release.yaml' || f.startsWith('prod/prod-us/'))).toBe(true);
    expect(image(dir, 'prod/prod-us', 'api-v2')).toBe(`registry.example/api:${FLEET_TAG}`);
    expect(image(dir, 'prod/prod-eu', 'api-v2')).toBe(`registry.example/api:${T1}`);
    expect(prod(dir)).toEqual({
      environment: 'prod',
      services: { api: { v1: FLEET_TAG, v2: T1 }, canary: T1, web: T1 },
      clusters: { 'prod-us': { services: { api: { v2: FLEET_TAG }, web: FLEET_TAG } } },
    });

    // the environment as a whole: back to the release before (every cluster at T1), then further back (prod-eu staged: its entries return)
    expect(await run('rollback', '--gitops-dir', dir, '--env', 'prod')).toMatchObject({ code: 0 });
    expect(prod(dir)).toEqual(everywhere);
    expect(changedFiles(dir).filter(f => f !== 'prod/release.yaml').every(f => f.startsWith('prod/prod-us/'))).toBe(true);
    expect(await run('rollback', '--gitops-dir', dir, '--env', 'prod')).toMatchObject({ code: 0 });
    expect(prod(dir)).toEqual(staged);
    expect(image(dir, 'prod/prod-us', 'api-v2')).toBe(`registry.example/api:${FLEET_TAG}`);
    expect(image(dir, 'prod/prod-eu', 'api-v2')).toBe(`registry.example/api:${T1}`);
  });

  test('promote --cluster gives one cluster of the target the release, on a branch of its own', async () => {
    const dir = clone();
    expect(await run('release', '--gitops-dir', dir, '--env', 'dev', '--tag', T1)).toMatchObject({ code: 0 });
    const r = await run('promote', '--gitops-dir', dir, '--from', 'dev', '--to', 'prod', '--cluster', 'prod-us', '-o', 'json');
    expect(r.code).toBe(0);
    const pr = JSON.parse(r.stdout);
    expect(pr).toMatchObject({ branch: `promote-prod-us-${T1}`, cluster: 'prod-us', title: `Promote to prod/prod-us: ${T1}`, created: true });
    expect(pr.body).toContain(`cdk8s-gitops promote --from dev --to prod --cluster prod-us`);
    expect(git(dir, 'log', '-1', '--format=%s', pr.branch).trim()).toBe(`prod/prod-us: deploy ${T1}`);
    expect(changedFiles(dir, `HEAD..${pr.branch}`).every(f => f === 'prod/release.yaml' || f.startsWith('prod/prod-us/'))).toBe(true);
    expect(prod(dir, pr.branch).clusters).toEqual({ 'prod-us': { services: { api: { v2: T1 }, web: T1 } } });
    // the current branch is untouched
    expect(read(dir, 'prod/release.yaml')).not.toContain('clusters');
  });

  test('promote without --cluster gives every cluster the release: staged entries of shared services go', async () => {
    const dir = clone();
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T2)).toMatchObject({ code: 0 });
    expect(await run('release', '--gitops-dir', dir, '--env', 'dev', '--tag', T1)).toMatchObject({ code: 0 });
    const r = await run('promote', '--gitops-dir', dir, '--from', 'dev', '--to', 'prod', '-o', 'json');
    expect(r.code).toBe(0);
    const pr = JSON.parse(r.stdout);
    expect(pr.branch).toBe(`promote-${T1}`);
    // canary is prod's own (dev does not run it): it keeps its tag
    expect(prod(dir, pr.branch)).toEqual({ environment: 'prod', services: { api: { v1: FLEET_TAG, v2: T1 }, canary: T2, web: T1 } });
  });
});

describe('status with clusters', () => {
  test('a column per cluster, rows differing between clusters marked; JSON lists the clusters', async () => {
    const dir = clone();
    expect(await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1)).toMatchObject({ code: 0 });
    const text = await cli('status', '--gitops-dir', dir);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^ +SERVICE +VERSION +DEV +PROD\/PROD-EU +PROD\/PROD-US$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\*  api +v2 +${FLEET_TAG} +${T1} +${FLEET_TAG}$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^   api +v1 +${FLEET_TAG} +${FLEET_TAG} +${FLEET_TAG}$`)));
    expect(lines).toContain('* 3 of 4 differ between environments (at ' + git(dir, 'rev-parse', 'HEAD').trim().slice(0, 12) + ')');
    const json = JSON.parse((await cli('status', '--gitops-dir', dir, '-o', 'json')).stdout);
    expect(json.environments.map((e: any) => [e.name, e.clusters?.map((c: any) => c.name) ?? null])).toEqual([['dev', null], ['prod', ['prod-eu', 'prod-us']]]);
    expect(json.environments[1].clusters[0].services.api).toEqual({ v1: FLEET_TAG, v2: T1 });
    expect(json.services.find((s: any) => s.service === 'api' && s.version === 'v2')).toEqual({
      service: 'api', version: 'v2', tags: { dev: FLEET_TAG, prod: FLEET_TAG }, clusters: { prod: { 'prod-eu': T1, 'prod-us': FLEET_TAG } }, weights: null, clusterWeights: null, same: false,
    });
    expect(json.environments[1].lastRelease.subject).toBe(`prod/prod-eu: deploy ${T1}`);
  });
});

describe('release state never vanishes silently: cluster entries', () => {
  test('an entry of a cluster the program does not have, or of a service it does not run there, is refused', async () => {
    const dir = clone();
    const file = path.join(dir, 'prod/release.yaml');
    fs.appendFileSync(file, 'clusters:\n  prod-ap:\n    services:\n      web: sha-9999999\n  prod-us:\n    services:\n      canary: sha-9999999\n');
    git(dir, 'commit', '-qam', 'hand edit');
    const before = snapshot(dir);
    const r = await run('release', '--gitops-dir', dir, '--env', 'prod', '--cluster', 'prod-eu', '--tag', T1);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('prod/release.yaml at ');
    expect(r.stderr).toContain(': clusters.prod-ap: unknown cluster (did you mean "prod-eu"?); the clusters of prod: prod-eu, prod-us');
    expect(r.stderr).toContain(': clusters.prod-us.services.canary: is not a service the program runs in cluster prod-us');
    expect(snapshot(dir)).toEqual(before);
    const synth = await run('synth', '--gitops-dir', dir);
    expect(synth.code).toBe(1);
    expect(synth.stderr).toContain('clusters.prod-ap: unknown cluster');
  });
});

describe('a change staged in one cluster', () => {
  /** prod in two clusters, plus a file outside the clusters' folders that shows prod-eu's tag. */
  function leaky(props: GitOpsAppProps): GitOpsApp {
    const app = new GitOpsApp(props);
    const env = new Environment({ name: 'prod', clusters: [{ name: 'prod-eu' }, { name: 'prod-us' }] });
    app.addEnvironment(env, view => {
      const chart = new AppChart(app, `shop-${view.cluster!.name}`, { environment: view, app: 'shop' });
      const web = new WebService(chart, 'web', { name: 'web', image: 'registry.example/web', tag: FLEET_TAG });
      if (view.cluster!.name !== 'prod-eu') return;
      const shared = new RepositoryChart(app, 'summary', { path: 'prod/summary', namespace: 'ops' });
      new ApiObject(shared, 'tags', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tags' }, data: { web: Lazy.any({ produce: () => web.versions[0].image }) } });
    });
    return app;
  }

  test('is refused when it would change a file outside that cluster\'s folder', async () => {
    const { clone: dir } = seedRepo(leaky);
    const before = snapshot(dir);
    await expect(release({ dir, env: 'prod', cluster: 'prod-eu', tag: T1, createApp: leaky, validate: false }))
      .rejects.toThrow(/--cluster prod-eu: the change would also change 1 file\(s\) outside prod\/prod-eu\/ \(prod\/summary\/configmap-tags\.yaml\); a change staged in one cluster changes only that cluster's folder and the release file/);
    expect(snapshot(dir)).toEqual(before);
  });
});
