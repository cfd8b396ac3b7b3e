/**
 * A client of Prometheus' HTTP API for one thing: an instant query (`GET /api/v1/query`) whose
 * answer is one number, with Node's global `fetch` and a timeout.
 */
import { CdkGitOpsError } from '../core/errors';
import { redactUrl } from '../core/redact';

/** The query could not be answered: Prometheus unreachable or slow, an HTTP error, a Prometheus error, or an answer that is not one number. */
export class PrometheusError extends CdkGitOpsError {
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
  /**
   * Headers sent with the query (an `Authorization` header, a tenant header). They are sent
   * to the base URL's origin only: a redirect elsewhere is refused.
   * @default - none
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What an instant query answered: its number, when the sample was taken, and whether the data is partial. */
export interface InstantAnswer {
  /** The number (a scalar, or the value of a one-series vector; possibly NaN or +-Infinity); absent for an empty vector. */
  readonly value?: number;
  /** The sample's time, in seconds since 1970 (Prometheus' evaluation time); absent for an empty vector. */
  readonly time?: number;
  /** The warnings of the answer: Prometheus answered from partial data (a failed remote read, a query limit). */
  readonly warnings: readonly string[];
}

/** Redirects followed within the base URL's origin before giving up. */
const MAX_REDIRECTS = 5;

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
 * {@link instantQuery} gives the sample's time and the answer's warnings too.
 */
export async function queryInstant(base: string, query: string, options: InstantQueryOptions = {}): Promise<number | undefined> {
  return (await instantQuery(base, query, options)).value;
}

/**
 * Run an instant query at Prometheus' current time: its number, the sample's time and the
 * answer's warnings. Redirects are followed within the base URL's origin only (at most
 * {@link MAX_REDIRECTS}); one to another scheme, host or port is refused, so the answer
 * always comes from the Prometheus the caller names. Throws a {@link PrometheusError} for an
 * answer that is not the API's, not one number, or a sample value Prometheus never writes.
 */
export async function instantQuery(base: string, query: string, options: InstantQueryOptions = {}): Promise<InstantAnswer> {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const url = apiUrl(base, '/api/v1/query');
  url.searchParams.set('query', query);
  const where = `Prometheus at ${base}`;
  let response: Response;
  let text: string;
  try {
    const signal = AbortSignal.timeout(timeoutSeconds * 1000);
    let target = url;
    for (let redirects = 0; ; redirects++) {
      response = await fetch(target, { headers: { ...options.headers, accept: 'application/json' }, redirect: 'manual', signal });
      const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
      if (location === null) break;
      await response.body?.cancel();
      const next = new URL(location, target);
      if (next.origin !== url.origin) {
        throw new PrometheusError(`${where} redirected the query to ${redactUrl(next.href)} (HTTP ${response.status}), another origin than ${url.origin}: refused, the answer must come from the Prometheus named; give its final URL`);
      }
      if (redirects >= MAX_REDIRECTS) throw new PrometheusError(`${where} redirected the query more than ${MAX_REDIRECTS} times (last to ${redactUrl(next.href)})`);
      target = next;
    }
    text = await response.text();
  } catch (e: any) {
    if (e instanceof PrometheusError) throw e;
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
  const warnings = Array.isArray(body.warnings) ? body.warnings.map((w: unknown) => (typeof w === 'string' ? w : JSON.stringify(w))) : [];
  if (body.warnings !== undefined && !Array.isArray(body.warnings)) warnings.push(`warnings that are not a list: ${snippet(JSON.stringify(body.warnings))}`);
  const { resultType, result } = body.data;
  if (resultType === 'scalar') return { ...sample(result, where), warnings };
  if (resultType !== 'vector') {
    throw new PrometheusError(`the query gave a ${resultType ?? 'missing'} result, not a scalar or an instant vector: ${query}`);
  }
  if (!Array.isArray(result)) throw new PrometheusError(`${where} answered a vector without a result list`);
  if (result.length === 0) return { warnings };
  if (result.length > 1) {
    const series = result.slice(0, 3).map((s: any) => labelSet(s?.metric)).join(', ');
    throw new PrometheusError(`the query gave ${result.length} series (${series}${result.length > 3 ? ', ...' : ''}), not one; aggregate them, e.g. with sum(...): ${query}`);
  }
  return { ...sample(result[0]?.value, where), warnings };
}

/** A float as Prometheus' JSON API writes it (Go's decimal notation, an exponent from other implementations), or NaN, +Inf, -Inf. */
const SAMPLE_VALUE = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * The number of a sample value as Prometheus' API writes it: a decimal (`0.25`, `-1`, `1e-3`),
 * `NaN`, `+Inf` or `-Inf`; `undefined` for anything else, including what JavaScript's `Number`
 * would read but Prometheus never writes (`0x64`, `Infinity`, `1_000`, ` 1`, `""`).
 */
export function parseSampleValue(text: unknown): number | undefined {
  switch (text) {
    case 'NaN': return NaN;
    case '+Inf': return Infinity;
    case '-Inf': return -Infinity;
  }
  if (typeof text !== 'string' || !SAMPLE_VALUE.test(text)) return undefined;
  return Number(text);
}

/** The time and number of a `[time, "value"]` sample. */
function sample(s: unknown, where: string): { value: number; time: number } {
  const [time, text] = Array.isArray(s) && s.length === 2 ? s : [undefined, undefined];
  const value = parseSampleValue(text);
  if (typeof time !== 'number' || !Number.isFinite(time) || value === undefined) {
    throw new PrometheusError(`${where} answered a sample that is not a [time, "number"] pair as Prometheus writes it: ${clip(JSON.stringify(s) ?? String(s))}`);
  }
  return { value, time };
}

function labelSet(metric: unknown): string {
  const labels = typeof metric === 'object' && metric !== null ? Object.entries(metric as Record<string, unknown>) : [];
  return `{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') return '(empty body)';
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}...` : line);
}
