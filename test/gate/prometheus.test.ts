import * as fc from 'fast-check';
import { apiUrl, instantQuery, parseSampleValue, PrometheusError, queryInstant } from '../../src/gate/prometheus';
import { apiError, FakeAnswer, FakePrometheus, freePort, redirect, scalar, startFakePrometheus, vector, withWarnings } from './fake-prometheus';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
const params = { numRuns: Number(process.env.FC_RUNS ?? 500), ...(SEED !== undefined ? { seed: SEED } : {}) };

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
    expect(await ask({ body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] } } })).toMatch(/answered a sample that is not a \[time, "number"\] pair as Prometheus writes it: \[1,"abc"\]$/);
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

describe('instantQuery: the sample time, warnings, headers and redirects', () => {
  test('the sample\'s time and the answer\'s warnings', async () => {
    answers = { q: withWarnings({ body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1767225600.5, '3'] }] } } }, 'partial') };
    expect(await instantQuery(fake.url, 'q')).toEqual({ value: 3, time: 1767225600.5, warnings: ['partial'] });
    answers = { q: vector() };
    expect(await instantQuery(fake.url, 'q')).toEqual({ warnings: [] });
  });

  test('sends the headers it is given', async () => {
    answers = { q: vector('1') };
    fake.headers.length = 0;
    await instantQuery(fake.url, 'q', { headers: { authorization: 'Bearer t0k' } });
    expect(fake.headers[0]).toMatchObject({ authorization: 'Bearer t0k', accept: 'application/json' });
  });

  test('a redirect to another origin is refused, naming where to (without credentials); one within the origin is followed', async () => {
    const other = await startFakePrometheus(() => vector('1'));
    try {
      other.headers.length = 0;
      answers = { q: redirect(`${other.url.replace('http://', 'http://user:pw@')}/api/v1/query?query=q&token=abc`) };
      expect(await ask(answers.q, { headers: { authorization: 'Bearer t0k' } })).toBe(`error: Prometheus at ${fake.url} redirected the query to ${other.url}/api/v1/query (HTTP 302), another origin than ${fake.url}: refused, the answer must come from the Prometheus named; give its final URL`);
      expect(other.headers).toEqual([]);
      answers = { q: redirect(`${fake.url.replace('127.0.0.1', 'localhost')}/api/v1/query?query=q`, 307) };
      expect(await ask(answers.q)).toMatch(/redirected the query to http:\/\/localhost:\d+\/api\/v1\/query \(HTTP 307\), another origin/);
    } finally {
      await other.close();
    }
    const prefixed = await startFakePrometheus(q => (q === 'q' ? redirect('/p/api/v1/query?query=moved', 301) : vector('7')), '/p');
    let redirects = 0;
    const loop = await startFakePrometheus(() => { redirects++; return redirect('/api/v1/query?query=again'); });
    try {
      expect(await queryInstant(prefixed.url, 'q')).toBe(7);
      expect(prefixed.queries).toEqual(['q', 'moved']);
      await expect(queryInstant(loop.url, 'q')).rejects.toThrow(`Prometheus at ${loop.url} redirected the query more than 5 times (last to ${loop.url}/api/v1/query)`);
      expect(redirects).toBe(6);
    } finally {
      await prefixed.close();
      await loop.close();
    }
  });
});

describe('parseSampleValue', () => {
  test('what Prometheus writes, and nothing else', () => {
    expect(parseSampleValue('0.25')).toBe(0.25);
    expect(parseSampleValue('-1')).toBe(-1);
    expect(parseSampleValue('1e-3')).toBe(0.001);
    expect(parseSampleValue('1.5E+06')).toBe(1.5e6);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    for (const bad of ['0x64', '0X64', '0b1', '0o7', 'Infinity', '-Infinity', 'inf', 'nan', '+1', '1_000', ' 1', '1 ', '', '.', '-', '1e', 'e1', '1,5', '١', 1, null, undefined, ['1']]) {
      expect(parseSampleValue(bad)).toBeUndefined();
    }
  });

  test('property: every finite float, written as a decimal or with an exponent, reads back to itself', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), v => {
      // String() writes a decimal (`0.25`, `-1`) or, far from 1, an exponent (`1e+21`, `5e-324`)
      return parseSampleValue(String(v)) === v && parseSampleValue(v.toExponential()) === v;
    }), params);
  });

  test('property: a text is read only if it matches Prometheus\' grammar, and then as Number reads it', () => {
    const grammar = /^(NaN|[+-]Inf|-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)$/;
    const text = fc.oneof(fc.string(), fc.stringMatching(/^[-+]?(0x)?[0-9a-fA-F._]{0,6}([eE][-+]?[0-9]{0,3})?$/), fc.constantFrom('Infinity', '+Inf', '-Inf', 'NaN', '0x64', ' 5', '5\n'));
    fc.assert(fc.property(text, t => {
      const v = parseSampleValue(t);
      if (!grammar.test(t)) return v === undefined;
      return Object.is(v, t === 'NaN' ? NaN : t === '+Inf' ? Infinity : t === '-Inf' ? -Infinity : Number(t));
    }), params);
  });
});
