import { apiUrl, PrometheusError, queryInstant } from '../../src/gate/prometheus';
import { apiError, FakeAnswer, FakePrometheus, freePort, scalar, startFakePrometheus, vector } from './fake-prometheus';

let fake: FakePrometheus;
let answers: Record<string, FakeAnswer>;
beforeAll(async () => {
  fake = await startFakePrometheus(q => answers[q]);
});
afterAll(() => fake.close());

/** queryInstant's value, or the message of its PrometheusError. */
async function ask(answer: FakeAnswer, options = {}): Promise<number | undefined | string> {
  answers = { q: answer };
  try {
    return await queryInstant(fake.url, 'q', options);
  } catch (e) {
    if (e instanceof PrometheusError) return `error: ${e.message}`;
    throw e;
  }
}

describe('queryInstant', () => {
  test('the number of a one-series vector or a scalar; undefined for an empty vector', async () => {
    expect(await ask(vector('0.25'))).toBe(0.25);
    expect(await ask(vector('1e-3'))).toBe(0.001);
    expect(await ask(scalar('42'))).toBe(42);
    expect(await ask(vector())).toBeUndefined();
  });

  test('NaN and infinities as Prometheus writes them', async () => {
    expect(await ask(vector('NaN'))).toBeNaN();
    expect(await ask(vector('+Inf'))).toBe(Infinity);
    expect(await ask(scalar('-Inf'))).toBe(-Infinity);
  });

  test('sends the query to /api/v1/query, URL-encoded, under the base URL\'s path prefix', async () => {
    const prefixed = await startFakePrometheus(() => vector('1'), '/prometheus');
    try {
      const query = 'sum(rate(x{a="b c",d=~"5.."}[5m])) / 2 + 1';
      expect(await queryInstant(`${prefixed.url}/`, query)).toBe(1);
      expect(prefixed.paths).toEqual(['/prometheus/api/v1/query']);
      expect(prefixed.queries).toEqual([query]);
    } finally {
      await prefixed.close();
    }
    expect(apiUrl('http://p:9090/a//', '/api/v1/query').href).toBe('http://p:9090/a/api/v1/query');
  });

  test('Prometheus errors: status "error", HTTP errors, answers that are not the API\'s', async () => {
    expect(await ask(apiError(400, 'bad_data', 'invalid parameter "query": 1:5: parse error: unexpected "}"'))).toBe(
      `error: Prometheus at ${fake.url} refused the query (HTTP 400, bad_data): invalid parameter "query": 1:5: parse error: unexpected "}"`);
    expect(await ask(apiError(422, 'execution', 'expanding series: too many samples'))).toMatch(/refused the query \(HTTP 422, execution\): expanding series/);
    expect(await ask({ status: 500, body: 'internal\nerror' })).toBe(`error: Prometheus at ${fake.url} answered HTTP 500 Internal Server Error: "internal error"`);
    expect(await ask({ status: 503, body: '' })).toBe(`error: Prometheus at ${fake.url} answered HTTP 503 Service Unavailable: (empty body)`);
    expect(await ask({ body: '<html>Grafana</html>' })).toBe(`error: Prometheus at ${fake.url} did not answer as the Prometheus API does (/api/v1/query gave "<html>Grafana</html>"); is the URL Prometheus' base URL?`);
    expect(await ask({ body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] } } })).toMatch(/answered a sample that is not a number: \[1,"abc"\]$/);
  });

  test('results that are not one number', async () => {
    expect(await ask({ body: { status: 'success', data: { resultType: 'matrix', result: [] } } })).toBe('error: the query gave a matrix result, not a scalar or an instant vector: q');
    expect(await ask({ body: { status: 'success', data: { resultType: 'string', result: [1, 'x'] } } })).toMatch(/gave a string result/);
    expect(await ask(vector('1', '2', '3', '4'))).toBe('error: the query gave 4 series ({}, {pod="p1"}, {pod="p2"}, ...), not one; aggregate them, e.g. with sum(...): q');
  });

  test('unreachable and too slow', async () => {
    const port = await freePort();
    await expect(queryInstant(`http://127.0.0.1:${port}`, 'up')).rejects.toThrow(`cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED`);
    const started = Date.now();
    expect(await ask('hang', { timeoutSeconds: 0.3 })).toBe(`error: Prometheus at ${fake.url} did not answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
