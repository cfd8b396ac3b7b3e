import { evaluateGate, GateOptions, GateResult, gateSummary } from '../../src/gate/gate';
import { apiError, FakeAnswer, FakePrometheus, freePort, now, sampledVector, startFakePrometheus, vector, withWarnings } from './fake-prometheus';

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
    answers.latency = vector('0.3');
    r = await gate({ maxLatency: 0.25, quantile: 0.95, window: '10m' });
    expect(statuses(r)).toEqual(['requests=pass', 'error-ratio=pass', 'latency=fail']);
    expect(r.checks[2]).toMatchObject({ value: 0.3, threshold: 0.25, reason: 'p95 latency 0.3 s exceeds the maximum 0.25 s' });
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
    await expect(gate({ prometheus: 'localhost:9090' })).rejects.toMatchObject({ exitCode: 2 }); // a usage error
    expect(fake.queries).toEqual([]);
  });
});

describe('evaluateGate on a hostile or broken Prometheus: only true values are evidence', () => {
  /** The status and reason of each check, for answers that pass everywhere but `answer` for `check`. */
  async function judged(check: keyof typeof answers, answer: FakeAnswer, more: Partial<GateOptions> = {}) {
    answers[check] = answer;
    const r = await gate(more);
    expect(r.passed).toBe(false);
    return r.checks[['requests', 'errors', 'latency'].indexOf(check)];
  }

  test('infinite, negative and out-of-range values are no data, naming the value', async () => {
    expect(await judged('requests', vector('+Inf'))).toMatchObject({ status: 'no-data', value: Infinity, reason: 'no data: requests +Inf is no evidence, a number of requests is finite and at least 0' });
    expect(await judged('requests', vector('-3'))).toMatchObject({ status: 'no-data', value: -3, reason: 'no data: requests -3 is no evidence, a number of requests is finite and at least 0' });
    expect(await judged('errors', vector('-Inf'))).toMatchObject({ status: 'no-data', value: -Infinity, reason: 'no data: error ratio -Inf is no evidence, an error ratio is a share of the requests, from 0 to 1' });
    expect(await judged('errors', vector('-5'))).toMatchObject({ status: 'no-data', reason: 'no data: error ratio -5 is no evidence, an error ratio is a share of the requests, from 0 to 1' });
    expect(await judged('errors', vector('1.5'), { maxErrorRatio: 1 })).toMatchObject({ status: 'no-data', value: 1.5 });
    expect(await judged('latency', vector('-Inf'))).toMatchObject({ status: 'no-data', reason: 'no data: p99 latency -Inf is no evidence, a latency is a finite number of seconds, at least 0' });
    expect(await judged('latency', vector('-1'))).toMatchObject({ status: 'no-data', value: -1 });
    expect(await judged('latency', vector('+Inf'))).toMatchObject({ status: 'no-data', value: Infinity });
  });

  test('values Prometheus never writes are an error, quoting the sample', async () => {
    for (const text of ['0x64', 'Infinity', '-Infinity', 'inf', '1_000', ' 1', '1 ', '', '0b1', '1e', '+1']) {
      const check = await judged('requests', vector(text));
      expect(check.status).toBe('error');
      expect(check.reason).toMatch(new RegExp(`answered a sample that is not a \\[time, "number"\\] pair as Prometheus writes it: \\[\\d+\\.?\\d*,${JSON.stringify(text).replace(/[+.*?^$()[\]{}|\\]/g, '\\$&')}\\]$`));
      expect(check).not.toHaveProperty('value');
    }
    const check = await judged('errors', { body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: ['now', '0'] }] } } });
    expect(check).toMatchObject({ status: 'error' });
  });

  test('a sample older than the window (or later than now by more) is stale: no data', async () => {
    expect(await judged('requests', sampledVector(0, '120'))).toMatchObject({ status: 'no-data', value: 120, reason: 'no data: stale, the sample (requests 120) is from 1970-01-01T00:00:00.000Z, older than the window 5m' });
    expect(await judged('errors', sampledVector(now() - 301, '0'))).toMatchObject({ status: 'no-data', reason: expect.stringMatching(/^no data: stale, the sample \(error ratio 0\) is from .*, older than the window 5m$/) });
    expect(await judged('latency', sampledVector(now() + 3600, '0.1'), { window: '10m' })).toMatchObject({ status: 'no-data', reason: expect.stringMatching(/later than now by more than the window 10m$/) });
    expect(await judged('latency', sampledVector(1e300, '0.1'))).toMatchObject({ status: 'no-data', reason: expect.stringContaining('is from 1e+300 s after 1970') });
    answers = { requests: sampledVector(now() - 60, '120'), errors: vector('0'), latency: vector('0.1') };
    expect((await gate()).passed).toBe(true);
  });

  test('an answer with warnings is partial data: no data, with the warnings', async () => {
    const check = await judged('requests', withWarnings(vector('120'), 'remote read: store eu-1 unreachable', 'query limit hit'));
    expect(check).toMatchObject({ status: 'no-data', value: 120, reason: 'no data: partial data, Prometheus answered requests 120 with warnings: remote read: store eu-1 unreachable; query limit hit' });
    expect(await judged('errors', withWarnings(vector(), 'partial'))).toMatchObject({ status: 'no-data', reason: 'no data: partial data, Prometheus answered with warnings: partial' });
    expect(await judged('latency', { body: { status: 'success', warnings: 'yes', data: { resultType: 'vector', result: [] } } })).toMatchObject({ status: 'no-data', reason: expect.stringContaining('warnings that are not a list: "\\"yes\\""') });
    // infos (Prometheus 3's annotations of a full answer) are no warnings
    answers.latency = { body: { status: 'success', infos: ['PromQL info: metric might not be a counter'], data: { resultType: 'vector', result: [{ metric: {}, value: [now(), '0.1'] }] } } };
    expect((await gate()).checks[2].status).toBe('pass');
  });

  test('no data never passes, whatever the thresholds', async () => {
    answers = { requests: vector('+Inf'), errors: vector('-Inf'), latency: vector('-1') };
    const r = await gate({ maxErrorRatio: 1, maxLatency: 1e9, minRequests: 1 });
    expect(statuses(r)).toEqual(['requests=no-data', 'error-ratio=no-data', 'latency=no-data']);
    expect(gateSummary(r)).toBe('gate refused: demo v2 over the last 5m (requests: no-data, error-ratio: no-data, latency: no-data)');
  });
});

describe('evaluateGate with Istio\'s standard metrics and credentials', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['GATE_TEST_TOKEN', 'GATE_TEST_BASIC', 'GATE_TEST_HEADER']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  test('metrics: istio queries istio_requests_total and istio_request_duration_milliseconds by destination labels', async () => {
    let istio: FakePrometheus | undefined;
    try {
      istio = await startFakePrometheus(q => q.startsWith('histogram_quantile') ? vector('0.12') : q.includes('response_code=~') ? vector('0') : vector('40'));
      const r = await evaluateGate({ prometheus: istio.url, service: 'demo', version: 'v2', namespace: 'shop', metrics: 'istio' });
      expect(r.passed).toBe(true);
      expect(r.checks.map(c => c.query)).toEqual([
        'sum(increase(istio_requests_total{reporter="destination",destination_app="demo",destination_version="v2",destination_workload_namespace="shop"}[5m]))',
        '(sum(rate(istio_requests_total{reporter="destination",destination_app="demo",destination_version="v2",destination_workload_namespace="shop",response_code=~"5.."}[5m])) or vector(0)) / sum(rate(istio_requests_total{reporter="destination",destination_app="demo",destination_version="v2",destination_workload_namespace="shop"}[5m]))',
        'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_app="demo",destination_version="v2",destination_workload_namespace="shop"}[5m]))) / 1000',
      ]);
      expect([...istio.queries].sort()).toEqual([...r.checks.map(c => c.query)].sort());
    } finally {
      await istio?.close();
    }
  });

  test('a bearer token, basic authentication and a header from environment variables reach Prometheus, and nothing of them the result', async () => {
    process.env.GATE_TEST_TOKEN = 's3cr3t-t0ken';
    process.env.GATE_TEST_BASIC = 'gate:pa ss:word';
    process.env.GATE_TEST_HEADER = 'X-Scope-OrgID: team-a';
    fake.headers.length = 0;
    let r = await gate({ tokenEnv: 'GATE_TEST_TOKEN', headerEnv: 'GATE_TEST_HEADER' });
    expect(r.passed).toBe(true);
    expect(fake.headers.map(h => [h.authorization, h['x-scope-orgid']])).toEqual(Array(3).fill(['Bearer s3cr3t-t0ken', 'team-a']));
    expect(JSON.stringify(r)).not.toMatch(/s3cr3t|team-a|GATE_TEST/);
    fake.headers.length = 0;
    r = await gate({ basicAuthEnv: 'GATE_TEST_BASIC' });
    expect(fake.headers.map(h => h.authorization)).toEqual(Array(3).fill(`Basic ${Buffer.from('gate:pa ss:word').toString('base64')}`));
    expect(JSON.stringify(r)).not.toMatch(/pa ss/);
  });

  test('credentials that cannot be sent are refused before any query, naming the variable, never its value', async () => {
    fake.queries.length = 0;
    delete process.env.GATE_TEST_TOKEN;
    await expect(gate({ tokenEnv: 'GATE_TEST_TOKEN' })).rejects.toThrow('tokenEnv: the environment variable GATE_TEST_TOKEN is not set or empty');
    process.env.GATE_TEST_TOKEN = 'abc\r\nX-Evil: 1';
    await expect(gate({ tokenEnv: 'GATE_TEST_TOKEN' })).rejects.toThrow('tokenEnv: the environment variable GATE_TEST_TOKEN holds a control character (a newline?), which no header may');
    process.env.GATE_TEST_BASIC = 'justatoken';
    await expect(gate({ basicAuthEnv: 'GATE_TEST_BASIC' })).rejects.toThrow('basicAuthEnv: the environment variable GATE_TEST_BASIC must hold user:password (its value is not shown)');
    process.env.GATE_TEST_HEADER = 'no header here';
    await expect(gate({ headerEnv: 'GATE_TEST_HEADER' })).rejects.toThrow(/^headerEnv: the environment variable GATE_TEST_HEADER must hold one header as Name: value/);
    process.env.GATE_TEST_TOKEN = 't';
    process.env.GATE_TEST_HEADER = 'Authorization: Basic eA==';
    await expect(gate({ tokenEnv: 'GATE_TEST_TOKEN', headerEnv: 'GATE_TEST_HEADER' })).rejects.toThrow('headerEnv: the environment variable GATE_TEST_HEADER sets the Authorization header, which tokenEnv sets already');
    await expect(gate({ tokenEnv: 'GATE_TEST_TOKEN', basicAuthEnv: 'GATE_TEST_BASIC' })).rejects.toThrow('basicAuthEnv: not with tokenEnv');
    await expect(gate({ tokenEnv: 'Bearer abc' })).rejects.toThrow('tokenEnv: "Bearer abc" must be the name of an environment variable');
    expect(fake.queries).toEqual([]);
  });
});
