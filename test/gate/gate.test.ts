import { evaluateGate, GateOptions, GateResult, gateSummary } from '../../src/gate/gate';
import { apiError, FakeAnswer, FakePrometheus, freePort, startFakePrometheus, vector } from './fake-prometheus';

/** Answers by check: what the fake Prometheus gives the requests, error-ratio and latency queries. */
let answers: { requests: FakeAnswer; errors: FakeAnswer; latency: FakeAnswer };
let fake: FakePrometheus;
beforeAll(async () => {
  fake = await startFakePrometheus(q => q.startsWith('histogram_quantile') ? answers.latency : q.includes('status=~') ? answers.errors : answers.requests);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.queries.length = 0;
  answers = { requests: vector('120'), errors: vector('0.002'), latency: vector('0.180') };
});

const gate = (more: Partial<GateOptions> = {}) => evaluateGate({ prometheus: fake.url, service: 'demo', version: 'v2', ...more });
const statuses = (r: GateResult) => r.checks.map(c => `${c.name}=${c.status}`);

describe('evaluateGate', () => {
  test('passes when there are enough requests and errors and latency are within their maximums', async () => {
    const r = await gate({ namespace: 'shop' });
    expect(r).toEqual({
      passed: true,
      prometheus: fake.url,
      service: 'demo',
      version: 'v2',
      namespace: 'shop',
      window: '5m',
      checks: [{
        name: 'requests',
        query: 'sum(increase(app_requests_total{app="demo",version="v2",namespace="shop"}[5m]))',
        value: 120,
        threshold: 1,
        status: 'pass',
        passed: true,
        reason: '120 requests in the last 5m (minimum 1)',
      }, {
        name: 'error-ratio',
        query: '(sum(rate(app_requests_total{app="demo",version="v2",namespace="shop",status=~"5.."}[5m])) or vector(0)) / sum(rate(app_requests_total{app="demo",version="v2",namespace="shop"}[5m]))',
        value: 0.002,
        threshold: 0.01,
        status: 'pass',
        passed: true,
        reason: 'error ratio 0.002 (maximum 0.01)',
      }, {
        name: 'latency',
        query: 'histogram_quantile(0.99, sum by (le) (rate(app_request_duration_seconds_bucket{app="demo",version="v2",namespace="shop"}[5m])))',
        value: 0.18,
        threshold: 0.5,
        status: 'pass',
        passed: true,
        reason: 'p99 latency 0.18 s (maximum 0.5 s)',
      }],
    });
    expect(fake.queries.sort()).toEqual(r.checks.map(c => c.query).sort());
    expect(gateSummary(r)).toBe('gate passed: demo v2 in shop over the last 5m');
  });

  test('refuses a threshold exceeded; the value at a threshold passes', async () => {
    answers.errors = vector('0.0312');
    answers.latency = vector('0.5');
    let r = await gate();
    expect(r.passed).toBe(false);
    expect(statuses(r)).toEqual(['requests=pass', 'error-ratio=fail', 'latency=pass']);
    expect(r.checks[1]).toMatchObject({ value: 0.0312, threshold: 0.01, passed: false, reason: 'error ratio 0.0312 exceeds the maximum 0.01' });
    expect(r).not.toHaveProperty('namespace');
    expect(gateSummary(r)).toBe('gate refused: demo v2 over the last 5m (error-ratio: fail)');

    answers.errors = vector('0');
    answers.latency = vector('+Inf'); // the quantile is above the highest histogram bucket
    r = await gate({ maxLatency: 0.25, quantile: 0.95, window: '10m' });
    expect(statuses(r)).toEqual(['requests=pass', 'error-ratio=pass', 'latency=fail']);
    expect(r.checks[2]).toMatchObject({ value: Infinity, threshold: 0.25, reason: 'p95 latency +Inf s exceeds the maximum 0.25 s' });
    expect(r.checks[2].query).toBe('histogram_quantile(0.95, sum by (le) (rate(app_request_duration_seconds_bucket{app="demo",version="v2"}[10m])))');
  });

  test('no data is a refusal: empty vectors, NaN (0/0), fewer requests than the minimum', async () => {
    answers = { requests: vector(), errors: vector(), latency: vector() };
    let r = await gate();
    expect(r.passed).toBe(false);
    expect(statuses(r)).toEqual(['requests=no-data', 'error-ratio=no-data', 'latency=no-data']);
    expect(r.checks[0].reason).toBe('no data: the query matched no series (no requests of demo v2 in the last 5m?)');
    expect(r.checks.some(c => 'value' in c)).toBe(false);

    answers = { requests: vector('0'), errors: vector('NaN'), latency: vector('NaN') };
    r = await gate({ minRequests: 10 });
    expect(statuses(r)).toEqual(['requests=no-data', 'error-ratio=no-data', 'latency=no-data']);
    expect(r.checks[0]).toMatchObject({ value: 0, passed: false, reason: 'too little data: 0 requests in the last 5m, fewer than the minimum 10' });
    expect(r.checks[1].reason).toBe('no data: the query gave NaN (no requests of demo v2 in the last 5m?)');
    expect(gateSummary(r)).toBe('gate refused: demo v2 over the last 5m (requests: no-data, error-ratio: no-data, latency: no-data)');

    answers = { requests: vector('9.6'), errors: vector('0'), latency: vector('0.01') };
    expect(statuses(await gate({ minRequests: 10 }))).toEqual(['requests=no-data', 'error-ratio=pass', 'latency=pass']);
  });

  test('a Prometheus that cannot answer refuses, with the reason in each check', async () => {
    answers.errors = apiError(400, 'bad_data', 'parse error');
    answers.latency = { status: 500, body: 'boom' };
    let r = await gate();
    expect(statuses(r)).toEqual(['requests=pass', 'error-ratio=error', 'latency=error']);
    expect(r.checks[1].reason).toBe(`Prometheus at ${fake.url} refused the query (HTTP 400, bad_data): parse error`);
    expect(r.checks[2].reason).toBe(`Prometheus at ${fake.url} answered HTTP 500 Internal Server Error: "boom"`);

    const port = await freePort();
    r = await gate({ prometheus: `http://127.0.0.1:${port}` });
    expect(r.passed).toBe(false);
    expect(r.checks.map(c => c.reason)).toEqual(Array(3).fill(`cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED`));
  });

  test('custom queries with placeholders', async () => {
    const r = await gate({
      namespace: 'shop',
      window: '2m',
      requestsQuery: 'sum(increase(http_requests_total{service="{service}",ns="{namespace}"}[{window}]))',
      errorRatioQuery: 'sum(rate(app_errors_total{{selector}}[{window}])) / sum(rate(app_requests_total{{selector}}[{window}]))',
      latencyQuery: 'histogram_quantile({quantile}, sum by (le) (rate(lat_bucket{{selector},version!="{version}-old"}[{window}])))',
    });
    expect(r.checks.map(c => c.query)).toEqual([
      'sum(increase(http_requests_total{service="demo",ns="shop"}[2m]))',
      'sum(rate(app_errors_total{app="demo",version="v2",namespace="shop"}[2m])) / sum(rate(app_requests_total{app="demo",version="v2",namespace="shop"}[2m]))',
      'histogram_quantile(0.99, sum by (le) (rate(lat_bucket{app="demo",version="v2",namespace="shop",version!="v2-old"}[2m])))',
    ]);
  });

  test('bad options throw before any query', async () => {
    await expect(gate({ maxErrorRatio: -0.1 })).rejects.toThrow('maxErrorRatio: -0.1 must be a number from 0 to 1');
    await expect(gate({ version: '' })).rejects.toThrow('version: "" must be a non-empty label value');
    await expect(gate({ service: ' ' })).rejects.toThrow('service: " " must be a non-empty label value');
    await expect(gate({ namespace: '' })).rejects.toThrow('namespace: "" must be a non-empty label value');
    await expect(gate({ latencyQuery: 'x{nope}' })).rejects.toThrow('latencyQuery: unknown placeholder {nope}');
    await expect(gate({ requestsQuery: 'x{ns="{namespace}"}' })).rejects.toThrow('requestsQuery: "x{ns=\\"{namespace}\\"}" uses {namespace} but no namespace was given');
    await expect(gate({ prometheus: 'localhost:9090' })).rejects.toThrow('prometheus: "localhost:9090" must be the http:// or https:// base URL');
    await expect(gate({ prometheus: 'localhost:9090' })).rejects.toMatchObject({ name: 'UsageError' });
    expect(fake.queries).toEqual([]);
  });
});
