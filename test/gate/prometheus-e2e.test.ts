/**
 * The gate against a real Prometheus scraping a real instrumented Flask app (every second),
 * both on loopback, started and stopped here. Skipped, with a warning saying how to install
 * them, where the `prometheus` binary or Python's flask and prometheus_client are missing;
 * .ci/run installs them and sets CDK8S_GITOPS_PROMETHEUS_TESTS=required, so CI fails instead.
 */
import { evaluateGate, GateOptions, GateResult } from '../../src/gate/gate';
import { spawnCli } from '../gitops/helpers';
import { describeWithPrometheus, Stack, startStack, waitForScrapes } from './real-prometheus';

const VERSIONS = [
  { name: 'v1', errorRatio: 0, latency: 0.002, rps: 10 }, // healthy
  { name: 'v2', errorRatio: 0.25, latency: 0.002, rps: 10 }, // every 4th request a 500
  { name: 'v3', errorRatio: 0, latency: 0.6, rps: 4 }, // slow: 600 ms a request
  { name: 'v4', errorRatio: 0, latency: 0, rps: 0 }, // deployed, no traffic
];

describeWithPrometheus('gate against a real Prometheus', tools => {
  let stack: Stack | undefined;
  const gate = (version: string, more: Partial<GateOptions> = {}): Promise<GateResult> => evaluateGate({
    prometheus: stack!.prometheus, service: 'demo', version, window: '1m', minRequests: 5, ...more,
  });
  const byName = (r: GateResult) => Object.fromEntries(r.checks.map(c => [c.name, c]));

  beforeAll(async () => {
    stack = await startStack(tools, 'demo', 'shop', VERSIONS);
    await waitForScrapes(stack, VERSIONS.length);
  }, 45_000);
  afterAll(() => stack?.stop(), 15_000);

  test('passes the healthy version: requests, no errors, low latency', async () => {
    const r = await gate('v1', { namespace: 'shop' });
    expect(r.passed).toBe(true);
    const c = byName(r);
    expect(c.requests).toMatchObject({ status: 'pass' });
    expect(c.requests.value).toBeGreaterThanOrEqual(5);
    expect(c['error-ratio']).toMatchObject({ status: 'pass', value: 0 });
    expect(c.latency.status).toBe('pass');
    expect(c.latency.value).toBeLessThan(0.25);
    expect(c.latency.query).toContain('app_request_duration_seconds_bucket{app="demo",version="v1",namespace="shop"}[1m]');
  });

  test('refuses the version that answers 25% of requests with 500', async () => {
    const r = await gate('v2');
    expect(r.passed).toBe(false);
    const c = byName(r);
    expect(c.requests.status).toBe('pass');
    expect(c['error-ratio'].status).toBe('fail');
    expect(c['error-ratio'].value).toBeGreaterThan(0.1);
    expect(c['error-ratio'].value).toBeLessThan(0.4);
    expect(c['error-ratio'].reason).toMatch(/^error ratio 0\.\d+ exceeds the maximum 0\.01$/);
    expect(c.latency.status).toBe('pass');
    // the same version passes with a threshold above its error ratio
    expect((await gate('v2', { maxErrorRatio: 0.5 })).passed).toBe(true);
  });

  test('refuses the slow version on latency at the quantile', async () => {
    const r = await gate('v3', { quantile: 0.9 });
    const c = byName(r);
    expect(r.passed).toBe(false);
    expect(c['error-ratio']).toMatchObject({ status: 'pass', value: 0 });
    expect(c.latency.status).toBe('fail');
    expect(c.latency.value).toBeGreaterThan(0.5);
    expect(c.latency.reason).toMatch(/^p90 latency 0\.\d+ s exceeds the maximum 0\.5 s$/);
  });

  test('refuses with "no data" a version without requests, another namespace, escaped label values, too few requests', async () => {
    for (const r of [await gate('v4'), await gate('v1', { namespace: 'other' }), await gate('v1', { namespace: 'x"y\\z\n' })]) {
      expect(r.passed).toBe(false);
      // every check ran (a badly escaped value would be a Prometheus parse error, status "error")
      expect(r.checks.map(c => c.status)).toEqual(['no-data', 'no-data', 'no-data']);
      expect(r.checks.every(c => c.value === undefined && c.reason.startsWith('no data: '))).toBe(true);
    }
    // traffic, but less than the minimum
    expect(byName(await gate('v1', { minRequests: 1_000_000 })).requests).toMatchObject({ status: 'no-data', reason: expect.stringMatching(/^too little data: \d+(\.\d+)? requests in the last 1m, fewer than the minimum 1000000$/) });
  });

  test('takes a custom error query (the seed app\'s app_errors_total)', async () => {
    const errorRatioQuery = 'sum(rate(app_errors_total{{selector}}[{window}])) / sum(rate(app_requests_total{app="{service}",version="{version}"}[{window}]))';
    const bad = byName(await gate('v2', { errorRatioQuery }))['error-ratio'];
    expect(bad.query).toBe('sum(rate(app_errors_total{app="demo",version="v2"}[1m])) / sum(rate(app_requests_total{app="demo",version="v2"}[1m]))');
    expect(bad.status).toBe('fail');
    expect(bad.value).toBeGreaterThan(0.1);
    // v1 never had an error: no app_errors_total series, so this query has no data (the default query counts that as 0)
    expect(byName(await gate('v1', { errorRatioQuery }))['error-ratio'].status).toBe('no-data');
  });

  test('queries Prometheus refuses or that are not one number are errors, never passes', async () => {
    const r = byName(await gate('v2', {
      requestsQuery: 'sum(increase(app_requests_total{{selector}}[{window}])', // a parenthesis short
      errorRatioQuery: 'app_requests_total{{selector}}', // two series: status 200 and 500
      latencyQuery: 'app_request_duration_seconds_count{{selector}}[{window}]', // a range vector
    }));
    expect(r.requests.status).toBe('error');
    expect(r.requests.reason).toMatch(/refused the query \(HTTP 400, bad_data\): .*parse error/);
    expect(r['error-ratio'].status).toBe('error');
    expect(r['error-ratio'].reason).toMatch(/^the query gave 2 series \(\{.*status="200".*\}, \{.*status="500".*\}\), not one; aggregate them/);
    expect(r.latency).toMatchObject({ status: 'error', passed: false, reason: expect.stringMatching(/^the query gave a matrix result, not a scalar or an instant vector/) });
  });

  test('the CLI: exit 0 for the healthy version, 1 with the checks as JSON for the failing one', async () => {
    const flags = ['gate', '--prometheus', stack!.prometheus, '--service', 'demo', '--window', '1m', '--max-latency', '500ms', '--min-requests', '5'];
    const [ok, refused] = await Promise.all([spawnCli([...flags, '--version', 'v1']), spawnCli([...flags, '--version', 'v2', '-o', 'json'])]);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^pass +requests +\d+(\.\d+)? requests in the last 1m \(minimum 5\)$/m);
    expect(ok.stdout.trimEnd().split('\n').pop()).toBe('gate passed: demo v1 over the last 1m');
    expect(refused).toMatchObject({ code: 1, stderr: '' });
    const json = JSON.parse(refused.stdout);
    expect(json).toMatchObject({ passed: false, service: 'demo', version: 'v2', window: '1m', prometheus: stack!.prometheus });
    expect(json.checks.map((c: any) => [c.name, c.status])).toEqual([['requests', 'pass'], ['error-ratio', 'fail'], ['latency', 'pass']]);
  });
});
