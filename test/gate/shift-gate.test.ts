/**
 * `shift --gate` against a real Prometheus scraping a real instrumented Flask app (labelled as
 * the pods of the canary fixture's backend in prod: app=backend, namespace=shop-prod): v1
 * healthy, v2 (the canary) answering 25% of requests with 500. The gate judges the canary before
 * the step: refused, nothing is committed and its checks are printed; passed, the step is
 * committed with the verdict as a trailer. Skipped, like the gate's own end-to-end test, where
 * the programs are missing (CI installs them, and fails instead: see real-prometheus.ts).
 */
import * as path from 'path';
import { createApp } from '../gitops/fixture-app-canary';
import { createApp as createFleetApp } from '../gitops/fixture-app-canary-fleet';
import { cleanup, git, isolateGit, read, seedRepo, snapshot, spawnCli } from '../gitops/helpers';
import { FakePrometheus, redirect, startFakePrometheus, vector } from './fake-prometheus';
import { describeWithPrometheus, Stack, startStack, waitForScrapes } from './real-prometheus';

const APP = path.join(__dirname, '..', 'gitops', 'fixture-app-canary.ts');
const FLEET_APP = path.join(__dirname, '..', 'gitops', 'fixture-app-canary-fleet.ts');

const VERSIONS = [
  { name: 'v1', errorRatio: 0, latency: 0.002, rps: 10 },
  { name: 'v2', errorRatio: 0.25, latency: 0.002, rps: 10 },
];

describeWithPrometheus('shift --gate against a real Prometheus', tools => {
  let stack: Stack | undefined;
  const step = (clone: string, gate: string, ...more: string[]) => spawnCli([
    'shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--weights', 'v2=10', '--app', APP,
    '--gate', `prometheus=${stack!.prometheus},window=1m,min-requests=5${gate}`, ...more,
  ]);

  beforeAll(async () => {
    isolateGit();
    stack = await startStack(tools, 'backend', 'shop-prod', VERSIONS);
    await waitForScrapes(stack, VERSIONS.length);
  }, 45_000);
  afterAll(async () => {
    await stack?.stop();
    cleanup();
  }, 15_000);

  test('refuses the step when the canary fails its gate: exit 1, nothing committed, the checks printed', async () => {
    const { clone } = seedRepo(createApp);
    const before = snapshot(clone);
    const r = await step(clone, '');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fail +error-ratio +error ratio 0\.\d+ exceeds the maximum 0\.01$/m);
    // the canary (v2) was judged, in the namespace the program runs backend in
    expect(r.stdout).toContain('app_requests_total{app="backend",version="v2",namespace="shop-prod"');
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('gate refused: backend v2 in shop-prod over the last 1m (error-ratio: fail)');
    expect(r.stderr).toContain('cdk8s-gitops shift: gate refused: backend v2 in shop-prod over the last 1m (error-ratio: fail): the traffic step was not committed');
    expect(snapshot(clone)).toEqual(before);

    const json = await step(clone, '', '-o', 'json');
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ env: 'prod', committed: false, commit: null, gates: [{ service: 'backend', version: 'v2', namespace: 'shop-prod', passed: false }] });
    expect(out.gates[0].checks.map((c: any) => [c.name, c.status])).toEqual([['requests', 'pass'], ['error-ratio', 'fail'], ['latency', 'pass']]);
    expect(snapshot(clone)).toEqual(before);
  });

  test('commits the step when the canary passes, with the verdict as a trailer', async () => {
    const { clone } = seedRepo(createApp);
    const r = await step(clone, ',max-error-ratio=0.5');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('gate passed: backend v2 in shop-prod over the last 1m');
    expect(r.stdout).toContain('prod: shift backend v2=10%');
    expect(read(clone, 'prod/release.yaml')).toContain('weights:\n  backend:\n    v1: 90\n    v2: 10\n');
    const trailers = git(clone, 'log', '-1', '--format=%(trailers:key=Cdk8s-gitops-gate,valueonly)').trim();
    expect(trailers).toBe(`gate passed: backend v2 in shop-prod over the last 1m (${stack!.prometheus})`);
  });

  test('with --cluster: judges the canary where the cluster runs it and commits the cluster\'s step', async () => {
    const { clone } = seedRepo(createFleetApp);
    const r = await spawnCli([
      'shift', '--gitops-dir', clone, '--env', 'prod', '--cluster', 'prod-eu', '--service', 'backend', '--weights', 'v2=10', '--app', FLEET_APP,
      '--gate', `prometheus=${stack!.prometheus},window=1m,min-requests=5,max-error-ratio=0.5`,
    ]);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('gate passed: backend v2 in shop-prod over the last 1m');
    expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe('prod/prod-eu: shift backend v2=10%');
    expect(git(clone, 'log', '-1', '--format=%(trailers:key=Cluster,valueonly)').trim()).toBe('prod-eu');
    expect(git(clone, 'log', '-1', '--format=%(trailers:key=Cdk8s-gitops-gate,valueonly)').trim()).toContain('gate passed: backend v2 in shop-prod');
    expect(read(clone, 'prod/release.yaml')).toContain('clusters:\n  prod-eu:\n    weights:\n      backend:\n        v1: 90\n        v2: 10\n');
  });
});

describe('shift --gate against a Prometheus that redirects elsewhere', () => {
  let elsewhere: FakePrometheus | undefined;
  let named: FakePrometheus | undefined;
  beforeAll(async () => {
    isolateGit();
    // elsewhere would pass the canary; the Prometheus named in --gate only redirects there
    elsewhere = await startFakePrometheus(q => (q.startsWith('histogram_quantile') ? vector('0.01') : q.includes('status=~') ? vector('0') : vector('500')));
    named = await startFakePrometheus(q => redirect(`${elsewhere!.url}/api/v1/query?query=${encodeURIComponent(q)}`));
  });
  afterAll(async () => {
    await elsewhere?.close();
    await named?.close();
    cleanup();
  });

  test('refuses the step: the verdict would not be of the Prometheus the trailer names; nothing committed', async () => {
    const { clone } = seedRepo(createApp);
    const before = snapshot(clone);
    const r = await spawnCli(['shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--weights', 'v2=10', '--app', APP, '--gate', `prometheus=${named!.url}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^error +requests +Prometheus at ${named!.url} redirected the query to ${elsewhere!.url}/api/v1/query \\(HTTP 302\\), another origin`, 'm'));
    expect(r.stderr).toContain('gate refused: backend v2 in shop-prod over the last 5m (requests: error, error-ratio: error, latency: error): the traffic step was not committed');
    expect(elsewhere!.queries).toEqual([]);
    expect(snapshot(clone)).toEqual(before);
  });
});
