/**
 * A client of Prometheus' HTTP API for one thing: an instant query (`GET /api/v1/query`) whose
 * answer is one number, with Node's global `fetch` and a timeout.
 */

/** The query could not be answered: Prometheus unreachable or slow, an HTTP error, a Prometheus error, or an answer that is not one number. */
export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** Options of {@link queryInstant}. */
export interface InstantQueryOptions {
  /**
   * Seconds to wait for the answer.
   * @default 10
   */
  readonly timeoutSeconds?: number;
}

/**
 * The URL of an API path under a Prometheus base URL (its path prefix, such as `/prometheus`
 * behind a proxy, is kept). Internal: not in the declarations, whose types need no Node.js
 * globals (a project on cdk8s's stock tsconfig, lib es2016, compiles against them).
 * @internal
 */
export function apiUrl(base: string, apiPath: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${apiPath}`;
  return url;
}

/**
 * Run an instant query at Prometheus' current time. Returns the number it evaluates to (a
 * scalar, or the value of a one-series vector; possibly NaN or +-Infinity), or `undefined`
 * for an empty vector (no series matched). Throws a {@link PrometheusError} otherwise.
 */
export async function queryInstant(base: string, query: string, options: InstantQueryOptions = {}): Promise<number | undefined> {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const url = apiUrl(base, '/api/v1/query');
  url.searchParams.set('query', query);
  const where = `Prometheus at ${base}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    text = await response.text();
  } catch (e: any) {
    if (e?.name === 'TimeoutError') throw new PrometheusError(`${where} did not answer within ${timeoutSeconds} s`);
    const cause = e?.cause;
    throw new PrometheusError(`cannot reach ${where}: ${cause?.code ?? cause?.message ?? e?.message ?? e}`);
  }
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body?.status === 'error') {
    throw new PrometheusError(`${where} refused the query (HTTP ${response.status}, ${body.errorType ?? 'error'}): ${body.error ?? 'no message'}`);
  }
  if (!response.ok) {
    throw new PrometheusError(`${where} answered HTTP ${response.status} ${response.statusText}: ${snippet(text)}`);
  }
  if (body?.status !== 'success' || typeof body.data !== 'object' || body.data === null) {
    throw new PrometheusError(`${where} did not answer as the Prometheus API does (${url.pathname} gave ${snippet(text)}); is the URL Prometheus' base URL?`);
  }
  const { resultType, result } = body.data;
  if (resultType === 'scalar') return sampleValue(result, where);
  if (resultType !== 'vector') {
    throw new PrometheusError(`the query gave a ${resultType ?? 'missing'} result, not a scalar or an instant vector: ${query}`);
  }
  if (!Array.isArray(result)) throw new PrometheusError(`${where} answered a vector without a result list`);
  if (result.length === 0) return undefined;
  if (result.length > 1) {
    const series = result.slice(0, 3).map((s: any) => labelSet(s?.metric)).join(', ');
    throw new PrometheusError(`the query gave ${result.length} series (${series}${result.length > 3 ? ', ...' : ''}), not one; aggregate them, e.g. with sum(...): ${query}`);
  }
  return sampleValue(result[0]?.value, where);
}

/** The number of a `[time, "value"]` sample; Prometheus writes NaN and infinities as `NaN`, `+Inf`, `-Inf`. */
function sampleValue(sample: unknown, where: string): number {
  const text = Array.isArray(sample) ? sample[1] : undefined;
  switch (text) {
    case 'NaN': return NaN;
    case '+Inf': return Infinity;
    case '-Inf': return -Infinity;
  }
  const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
  if (Number.isNaN(value)) throw new PrometheusError(`${where} answered a sample that is not a number: ${JSON.stringify(sample)}`);
  return value;
}

function labelSet(metric: unknown): string {
  const labels = typeof metric === 'object' && metric !== null ? Object.entries(metric as Record<string, unknown>) : [];
  return `{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return '(empty body)';
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}...` : line);
}
