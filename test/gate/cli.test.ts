/** `cdk8s-gitops gate` as a separate process (test/gitops/cli.js) against the fake Prometheus: output and exit codes. */
import { spawnCli } from '../gitops/helpers';
import { apiError, FakeAnswer, FakePrometheus, freePort, startFakePrometheus, vector } from './fake-prometheus';

let answers: { requests: FakeAnswer; errors: FakeAnswer; latency: FakeAnswer };
let fake: FakePrometheus;
beforeAll(async () => {
  fake = await startFakePrometheus(q => q.startsWith('histogram_quantile') ? answers.latency : q.includes('status=~') ? answers.errors : answers.requests);
});
afterAll(() => fake.close());

const flags = () => ['gate', '--prometheus', fake.url, '--service', 'demo', '--version', 'v2'];

test('exit 0 when the gate passes: a line per check, then the verdict', async () => {
  answers = { requests: vector('57.5'), errors: vector('0'), latency: vector('0.0495') };
  const r = await spawnCli([...flags(), '--namespace', 'shop', '--window', '10m']);
  expect(r).toEqual({
    code: 0,
    signal: null,
    stderr: '',
    stdout: [
      'pass     requests     57.5 requests in the last 10m (minimum 1)',
      'pass     error-ratio  error ratio 0 (maximum 0.01)',
      'pass     latency      p99 latency 0.0495 s (maximum 0.5 s)',
      'gate passed: demo v2 in shop over the last 10m',
      '',
    ].join('\n'),
  });
});

test('exit 1 when refused (threshold, no data), with the query of each check that did not pass; -o json', async () => {
  answers = { requests: vector('3'), errors: vector('0.2'), latency: vector() };
  const text = await spawnCli([...flags(), '--min-requests', '2', '--max-latency', '300ms', '--quantile', '0.9']);
  expect(text.code).toBe(1);
  expect(text.stderr).toBe('');
  expect(text.stdout).toBe([
    'pass     requests     3 requests in the last 5m (minimum 2)',
    'fail     error-ratio  error ratio 0.2 exceeds the maximum 0.01',
    '         query: (sum(rate(app_requests_total{app="demo",version="v2",status=~"5.."}[5m])) or vector(0)) / sum(rate(app_requests_total{app="demo",version="v2"}[5m]))',
    'no-data  latency      no data: the query matched no series (no requests of demo v2 in the last 5m?)',
    '         query: histogram_quantile(0.9, sum by (le) (rate(app_request_duration_seconds_bucket{app="demo",version="v2"}[5m])))',
    'gate refused: demo v2 over the last 5m (error-ratio: fail, latency: no-data)',
    '',
  ].join('\n'));

  answers.latency = vector('+Inf');
  const json = await spawnCli([...flags(), '-o', 'json', '--max-error-ratio', '0.25', '--error-ratio-query', 'sum(rate(app_errors_total{{selector}}[{window}])) / sum(rate(app_requests_total{{selector}}[{window}]))']);
  expect(json.code).toBe(1);
  const result = JSON.parse(json.stdout);
  expect(result).toMatchObject({ passed: false, prometheus: fake.url, service: 'demo', version: 'v2', window: '5m' });
  expect(result).not.toHaveProperty('namespace');
  expect(result.checks).toEqual([
    expect.objectContaining({ name: 'requests', status: 'pass', passed: true, value: 3, threshold: 1 }),
    // the custom query has no status=~ matcher: the fake answers it as the requests query (3), no ratio
    expect.objectContaining({ name: 'error-ratio', status: 'no-data', value: 3, threshold: 0.25, query: 'sum(rate(app_errors_total{app="demo",version="v2"}[5m])) / sum(rate(app_requests_total{app="demo",version="v2"}[5m]))' }),
    expect.objectContaining({ name: 'latency', status: 'no-data', value: '+Inf', threshold: 0.5 }),
  ]);
});

test('--token-env: the token of an environment variable reaches Prometheus, and never the output', async () => {
  answers = { requests: vector('10'), errors: vector('0'), latency: vector('0.1') };
  fake.headers.length = 0;
  const r = await spawnCli([...flags(), '--token-env', 'PROM_TOKEN', '--header-env', 'PROM_TENANT', '-o', 'json'], { env: { PROM_TOKEN: 'tok-3f9a', PROM_TENANT: 'X-Scope-OrgID: shop' } });
  expect(r.code).toBe(0);
  expect(fake.headers.map(h => [h.authorization, h['x-scope-orgid']])).toEqual(Array(3).fill(['Bearer tok-3f9a', 'shop']));
  expect(r.stdout + r.stderr).not.toMatch(/tok-3f9a|PROM_/);
  const unset = await spawnCli([...flags(), '--basic-auth-env', 'PROM_UNSET_VARIABLE'], { env: { PROM_UNSET_VARIABLE: '' } });
  expect(unset).toMatchObject({ code: 2, stdout: '' });
  expect(unset.stderr).toContain('cdk8s-gitops gate: --basic-auth-env: the environment variable PROM_UNSET_VARIABLE is not set or empty');
});

test('what Prometheus answers is printed with its control characters escaped', async () => {
  answers = { requests: vector('10'), errors: apiError(400, 'bad_data', 'evil \u001b]0;pwned\u0007 \u009b31m text'), latency: vector('0.1') };
  const text = await spawnCli(flags());
  expect(text.code).toBe(1);
  expect(text.stdout).toContain('refused the query (HTTP 400, bad_data): evil \\x1b]0;pwned\\x07 \\x9b31m text');
  expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  const json = await spawnCli([...flags(), '-o', 'json']);
  expect(json.stdout).not.toMatch(/[\u007f-\u009f\u001b]/);
  expect(JSON.parse(json.stdout).checks[1].reason).toContain('evil \u001b]0;pwned\u0007 \u009b31m text');
});

test('exit 1 when Prometheus is unreachable', async () => {
  const port = await freePort();
  const r = await spawnCli(['gate', '--prometheus', `http://127.0.0.1:${port}`, '--service', 'demo', '--version', 'v2', '-o', 'json']);
  expect(r.code).toBe(1);
  const result = JSON.parse(r.stdout);
  expect(result.passed).toBe(false);
  expect(result.checks.map((c: any) => [c.status, c.reason])).toEqual(Array(3).fill(['error', `cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED`]));
});

test('exit 2 for usage errors, naming the flag, without querying Prometheus', async () => {
  fake.queries.length = 0;
  const cases: Array<[string[], string]> = [
    [['gate', '--service', 'demo', '--version', 'v2'], '--prometheus is required'],
    [['gate', '--prometheus', fake.url, '--version', 'v2'], '--service is required'],
    [['gate', '--prometheus', fake.url, '--service', 'demo', '--version', ''], '--version: "" is blank; give a value'],
    [[...flags(), '--namespace', ''], '--namespace: "" is blank; give a value'],
    [[...flags(), '--max-error-ratio', '5%'], '--max-error-ratio: "5%" must be a number from 0 to 1'],
    [[...flags(), '--window', '5min'], '--window: "5min" must be a Prometheus duration'],
    [[...flags(), '--latency-query', 'x{windw}'], '--latency-query: unknown placeholder {windw}'],
    [[...flags(), '--requests-query', 'x{ns="{namespace}"}'], '--requests-query: "x{ns=\\"{namespace}\\"}" uses {namespace} but no namespace was given'],
    [[...flags(), '-o', 'yaml'], '-o/--output: "yaml" is not one of text, json'], // as every command's -o
    [[...flags(), '--max-latency'], "Option '--max-latency <value>' argument missing"],
    [[...flags(), '--bogus'], "Unknown option '--bogus'"],
    [['gate', '--prometheus', 'prometheus:9090', '--service', 'demo', '--version', 'v2'], '--prometheus: "prometheus:9090" must be the http:// or https:// base URL of Prometheus'],
  ];
  const results = await Promise.all(cases.map(([argv]) => spawnCli(argv)));
  results.forEach((r, i) => {
    expect({ argv: cases[i][0], code: r.code, stdout: r.stdout }).toEqual({ argv: cases[i][0], code: 2, stdout: '' });
    expect(r.stderr).toContain(`cdk8s-gitops gate: ${cases[i][1]}`);
  });
  expect(fake.queries).toEqual([]);
});

test('--help', async () => {
  const r = await spawnCli(['gate', '--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: cdk8s-gitops gate --prometheus URL --service NAME --version V/);
  expect(r.stdout).toContain('app_requests_total');
  expect((await spawnCli(['--help'])).stdout).toMatch(/^ {2}gate {7}Judge a version by its Prometheus metrics/m);
});
