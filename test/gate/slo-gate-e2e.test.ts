/**
 * The gate that takes its thresholds from a ServiceLevelObjective (`gate --slo`, `shift --gate
 * slo`), against a real Prometheus scraping a real instrumented Flask app labelled as the pods
 * of the SLO fixture's backend and monitor in prod (app=backend|monitor, namespace=shop-prod).
 * backend's objective (99.9 % without a 5xx, 99 % within 1 s) is stricter than the gate's
 * default error ratio (0.01): its v2 answers 0.5 % of requests with a 500, which the default
 * passes and the objective (0.001) refuses. The share of 500s is exact (every 200th request),
 * not a matter of timing, so a loaded machine does not change the verdicts. Skipped, like the gate's other end-to-end tests, where the programs are
 * missing (CI installs them, and fails instead: see real-prometheus.ts). The refusals before
 * any query run against a server that records the queries it gets.
 */
import * as path from 'path';
import { createApp } from '../gitops/fixture-app-canary-slo';
import { DEFAULT_QUERIES } from '../../src/gate/gate';
import { queryInstant } from '../../src/gate/prometheus';
import { renderQuery, SELECTOR_LABELS } from '../../src/gate/promql';
import { cleanup, git, isolateGit, read, seedRepo, snapshot, spawnCli } from '../gitops/helpers';
import { FakePrometheus, startFakePrometheus, vector } from './fake-prometheus';
import { describeWithPrometheus, Stack, startStacks, waitForScrapes } from './real-prometheus';

const APP = path.join(__dirname, '..', 'gitops', 'fixture-app-canary-slo.ts');

const BACKEND = [
  { name: 'v1', errorRatio: 0, latency: 0.002, rps: 10 }, // healthy
  { name: 'v2', errorRatio: 0.005, latency: 0.002, rps: 20 }, // within the default error ratio, over the objective's
  { name: 'v3', errorRatio: 0.25, latency: 0.002, rps: 10 }, // burning its budget: every 4th request a 500
];
const MONITOR = [
  { name: 'v1', errorRatio: 0, latency: 0.002, rps: 10 },
  { name: 'v2', errorRatio: 0, latency: 0.002, rps: 10 },
];

const BACKEND_OBJECTIVE = 'thresholds from the objective shop-prod/backend-slo: max-error-ratio 0.001, max-latency 1, quantile 0.99';

/**
 * Resolve once Prometheus sees backend v2's error ratio over 1m between 0.002 and 0.008 (its
 * 0.5 %, clear of both thresholds): a 500 series starts with its first error, which rate()
 * cannot count, so the ratio needs a few errors in the window first. Reject after 90 s.
 */
async function waitForErrorRatio(stack: Stack): Promise<void> {
  const query = renderQuery(DEFAULT_QUERIES.errorRatio, { service: 'backend', version: 'v2', namespace: 'shop-prod', window: '1m', quantile: 0.99, labels: SELECTOR_LABELS });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ratio = await queryInstant(stack.prometheus, query);
    if (ratio !== undefined && ratio > 0.002 && ratio < 0.008) return;
    if (Date.now() > deadline) throw new Error(`backend v2's error ratio is ${ratio} after 90 s, not between 0.002 and 0.008`);
    await new Promise(r => setTimeout(r, 500));
  }
}

describeWithPrometheus('the gate of a ServiceLevelObjective against a real Prometheus', tools => {
  let stack: Stack | undefined;
  const gate = (...more: string[]) => spawnCli(['gate', '--prometheus', stack!.prometheus, '--window', '1m', '--min-requests', '5', ...more]);
  const slo = (service: string, version: string, ...more: string[]) => gate('--slo', service, '--env', 'prod', '--app', APP, '--version', version, ...more);
  const step = (clone: string, service: string, gateValue: string, ...more: string[]) => spawnCli([
    'shift', '--gitops-dir', clone, '--env', 'prod', '--service', service, '--weights', 'v2=10', '--app', APP,
    '--gate', `${gateValue}prometheus=${stack!.prometheus},window=1m,min-requests=5`, ...more,
  ]);

  beforeAll(async () => {
    isolateGit();
    stack = await startStacks(tools, [
      { service: 'backend', namespace: 'shop-prod', versions: BACKEND },
      { service: 'monitor', namespace: 'shop-prod', versions: MONITOR },
    ]);
    await waitForScrapes(stack, BACKEND.length + MONITOR.length);
    await waitForErrorRatio(stack);
  }, 150_000);
  afterAll(async () => {
    await stack?.stop();
    cleanup();
  }, 15_000);

  test('gate --slo passes the healthy version with the objective\'s thresholds, and says where they came from', async () => {
    const r = await slo('backend', 'v1');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(BACKEND_OBJECTIVE);
    expect(lines[2]).toBe('pass     error-ratio  error ratio 0 (maximum 0.001)');
    expect(lines[3]).toMatch(/^pass {5}latency {6}p99 latency 0\.\d+ s \(maximum 1 s\)$/);
    expect(lines.pop()).toBe('gate passed: backend v1 in shop-prod over the last 1m');
  });

  test('gate --slo refuses the version burning its error budget, at the objective\'s maximum', async () => {
    const r = await slo('backend', 'v3');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fail +error-ratio +error ratio 0\.\d+ exceeds the maximum 0\.001$/m);
    // the objective's queries, in the namespace of its service
    expect(r.stdout).toContain('app_requests_total{app="backend",namespace="shop-prod",version="v3",status=~"5.."}[1m]');
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('gate refused: backend v3 in shop-prod over the last 1m (error-ratio: fail)');
  });

  test('the objective decides: a version the default thresholds pass fails the objective\'s error ratio', async () => {
    // the gate's default (an error ratio up to 0.01) passes v2's 0.5 % of 500s
    const defaults = await gate('--service', 'backend', '--namespace', 'shop-prod', '--version', 'v2');
    expect(defaults.stdout).toMatch(/^pass +error-ratio +error ratio 0\.00\d+ \(maximum 0\.01\)$/m);
    expect(defaults.code).toBe(0);
    // the objective's (99.9 % without a 5xx) refuses them
    const r = await slo('backend', 'v2', '-o', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      passed: false, service: 'backend', version: 'v2', namespace: 'shop-prod', window: '1m',
      objective: { path: 'shop-prod/backend-slo', sets: { 'max-error-ratio': 0.001, 'max-latency': 1, 'quantile': 0.99 } },
    });
    expect(out.checks.map((c: any) => [c.name, c.status, c.threshold])).toEqual([['requests', 'pass', 5], ['error-ratio', 'fail', 0.001], ['latency', 'pass', 1]]);
    expect(out.checks[1].value).toBeGreaterThan(0.001);
    expect(out.checks[1].value).toBeLessThanOrEqual(0.01);
  });

  test('an objective without latency leaves the latency thresholds to the flags', async () => {
    const r = await slo('monitor', 'v2', '--max-latency', '1s', '--quantile', '0.9');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toBe('thresholds from the objective shop-prod/monitor-slo: max-error-ratio 0.005');
    expect(r.stdout).toContain('pass     error-ratio  error ratio 0 (maximum 0.005)');
    expect(r.stdout).toMatch(/^pass +latency +p90 latency 0\.\d+ s \(maximum 1 s\)$/m);
  });

  test('shift --gate slo stops at the first step when the canary fails its objective\'s gate: exit 1, nothing committed', async () => {
    const { clone } = seedRepo(createApp);
    const before = snapshot(clone);
    const r = await step(clone, 'backend', 'slo,');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(BACKEND_OBJECTIVE);
    expect(r.stdout).toMatch(/^fail +error-ratio +error ratio 0\.00\d+ exceeds the maximum 0\.001$/m);
    expect(lines.pop()).toBe('gate refused: backend v2 in shop-prod over the last 1m (error-ratio: fail)');
    expect(r.stderr).toContain('cdk8s-gitops shift: gate refused: backend v2 in shop-prod over the last 1m (error-ratio: fail): the traffic step was not committed');
    expect(snapshot(clone)).toEqual(before);

    const json = await step(clone, 'backend', 'slo,', '-o', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      committed: false, commit: null,
      gates: [{ service: 'backend', version: 'v2', namespace: 'shop-prod', passed: false, objective: { path: 'shop-prod/backend-slo' } }],
    });
    expect(snapshot(clone)).toEqual(before);

    // the same step with the gate's default thresholds would have gone through
    const defaults = await step(clone, 'backend', '');
    expect(defaults).toMatchObject({ code: 0 });
    expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe('prod: shift backend v2=10%');
  });

  test('shift --gate slo commits the step of a canary its objective passes, naming the objective in the trailer', async () => {
    const { clone } = seedRepo(createApp);
    const r = await step(clone, 'monitor', 'slo,max-latency=1s,');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout.split('\n')[0]).toBe('thresholds from the objective shop-prod/monitor-slo: max-error-ratio 0.005');
    expect(r.stdout).toContain('gate passed: monitor v2 in shop-prod over the last 1m');
    expect(read(clone, 'prod/release.yaml')).toContain('weights:\n  monitor:\n    v1: 90\n    v2: 10\n');
    const trailer = git(clone, 'log', '-1', '--format=%(trailers:key=Cdk8s-gitops-gate,valueonly)').trim();
    expect(trailer).toBe(`gate passed: monitor v2 in shop-prod over the last 1m (${stack!.prometheus}, objective shop-prod/monitor-slo)`);
  });
});

describe('the gate of a ServiceLevelObjective: usage errors before any query', () => {
  let fake: FakePrometheus | undefined;
  beforeAll(async () => {
    isolateGit();
    // it would pass anything: a refusal here is the command's, not the gate's
    fake = await startFakePrometheus(q => (q.startsWith('histogram_quantile') ? vector('0.01') : q.includes('status=~') ? vector('0') : vector('500')));
  });
  afterAll(async () => {
    await fake?.close();
    cleanup();
  });
  beforeEach(() => {
    fake!.queries.length = 0;
  });
  const slo = (...more: string[]) => spawnCli(['gate', '--prometheus', fake!.url, '--app', APP, '--version', 'v2', ...(more.includes('--env') ? [] : ['--env', 'prod']), ...more]);

  test('gate --slo refuses a flag the objective sets (exit 2, naming the flag, the value and the objective) and allows the others', async () => {
    const cases: Array<[string[], string]> = [
      [['--slo', 'backend', '--max-error-ratio', '0.05'], '--max-error-ratio: 0.05: the objective shop-prod/backend-slo sets the largest error ratio, 0.001 (availability 99.9 %); one definition drives alerts and promotion: change the objective, or leave --slo out to give the thresholds yourself'],
      [['--slo', 'backend', '--max-latency', '2s'], '--max-latency: 2: the objective shop-prod/backend-slo sets the largest latency, 1 s (latency: 99 % within 1000 ms)'],
      [['--slo', 'backend', '--quantile', '0.9'], '--quantile: 0.9: the objective shop-prod/backend-slo sets the quantile, 0.99 (latency: 99 % within 1000 ms)'],
      [['--slo', 'monitor', '--metrics', 'istio'], '--metrics: "istio": the objective shop-prod/monitor-slo sets the queries, on its metrics'],
      [['--slo', 'backend', '--service', 'backend'], '--service "backend": not with --slo: --slo "backend" names the service'],
      [['--slo', 'backend', '--namespace', 'shop-prod'], '--namespace "shop-prod": not with --slo: the objective\'s service runs in its namespace'],
      [['--slo', 'backend', '--latency-query', 'up'], '--latency-query "up": not with --slo: the objective\'s metrics give the queries'],
      [['--slo', 'backend', '--env', 'staging'], '--env: "staging" is not an environment of the app (environments: dev, prod)'],
      [['--slo', 'backend', '--cluster', 'prod-eu'], '--cluster: "prod-eu": environment "prod" runs in one cluster'],
      [['--service', 'backend', '--env', 'prod'], '--env "prod" goes only with --slo SERVICE'],
    ];
    const results = await Promise.all(cases.map(([argv]) => slo(...argv)));
    results.forEach((r, i) => {
      expect({ argv: cases[i][0], code: r.code, stdout: r.stdout }).toEqual({ argv: cases[i][0], code: 2, stdout: '' });
      expect(r.stderr).toContain(`cdk8s-gitops gate: ${cases[i][1]}`);
    });
    expect(fake!.queries).toEqual([]);
    // what the objective does not set passes: the window, the minimum of requests, the timeout
    const allowed = await slo('--slo', 'backend', '--window', '10m', '--min-requests', '3', '--timeout', '5');
    expect(allowed).toMatchObject({ code: 0, stderr: '' });
    expect(fake!.queries).toHaveLength(3);
    expect(fake!.queries.every(q => q.includes('[10m]'))).toBe(true);
  });

  test('gate --slo of a service without an objective: exit 2 naming it, the environment and the services that have one', async () => {
    const typo = await slo('--slo', 'bakend');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('cdk8s-gitops gate: --slo: "bakend" has no ServiceLevelObjective in environment "prod" (did you mean "backend"?); services with one: backend, monitor\n');
    const none = await slo('--slo', 'stock', '-o', 'json');
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout).error).toMatchObject({ exitCode: 2, message: '--slo: "stock" has no ServiceLevelObjective in environment "prod"; services with one: backend, monitor' });
    expect(fake!.queries).toEqual([]);
  });

  test('shift --gate slo refuses a setting the objective sets, a service without an objective and slo=VALUE: exit 2, nothing committed', async () => {
    const { clone } = seedRepo(createApp);
    const before = snapshot(clone);
    const shift = (service: string, gate: string) => spawnCli(['shift', '--gitops-dir', clone, '--env', 'prod', '--service', service, '--weights', 'v2=10', '--app', APP, '--gate', gate]);
    const cases: Array<[string, string, string]> = [
      ['backend', `slo,prometheus=${fake!.url},max-error-ratio=0.05`, '--gate max-error-ratio: 0.05: the objective shop-prod/backend-slo sets the largest error ratio, 0.001 (availability 99.9 %); one definition drives alerts and promotion: change the objective, or leave slo out of --gate to give the thresholds yourself'],
      ['backend', `prometheus=${fake!.url},slo,quantile=0.9`, '--gate quantile: 0.9: the objective shop-prod/backend-slo sets the quantile, 0.99'],
      ['monitor', `slo,prometheus=${fake!.url},metrics=istio`, '--gate metrics: "istio": the objective shop-prod/monitor-slo sets the queries'],
      ['stock', `slo,prometheus=${fake!.url}`, '--service (with --gate slo): "stock" has no ServiceLevelObjective in environment "prod"; services with one: backend, monitor'],
      ['backend', `slo=backend,prometheus=${fake!.url}`, '--gate slo="backend": slo takes no value'],
      ['backend', 'slo', '--gate prometheus is required'],
      ['backend', `slo,slo,prometheus=${fake!.url}`, '--gate: "slo" is given twice'],
    ];
    for (const [service, gate, message] of cases) {
      const r = await shift(service, gate);
      expect({ gate, code: r.code }).toEqual({ gate, code: 2 });
      expect(r.stderr).toContain(`cdk8s-gitops shift: ${message}`);
    }
    expect(fake!.queries).toEqual([]);
    expect(snapshot(clone)).toEqual(before);
  });
});
