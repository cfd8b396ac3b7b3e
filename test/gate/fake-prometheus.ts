/**
 * A tiny HTTP server on 127.0.0.1 that answers `GET /api/v1/query` in the format of
 * Prometheus' HTTP API, with answers the test chooses per query: for the error cases a real
 * Prometheus cannot be made to produce on demand (HTTP 500, NaN, a matrix, a stuck server).
 */
import * as http from 'http';
import { AddressInfo } from 'net';

/** What the server answers to one query: a raw HTTP answer, or `hang` (never answer). */
export type FakeAnswer = { status?: number; body: unknown; headers?: Record<string, string> } | 'hang';

export interface FakePrometheus {
  /** Base URL, `http://127.0.0.1:PORT` plus the path prefix. */
  readonly url: string;
  /** The `query` parameter of each request received, in order, and the paths asked for. */
  readonly queries: string[];
  readonly paths: string[];
  /** The headers of each request received, in order (names in lower case). */
  readonly headers: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Now, as Prometheus writes an evaluation time: seconds since 1970, to the millisecond. */
export function now(): number {
  return Math.round(Date.now()) / 1000;
}

/** The API's answer for a one-series instant vector (or none: an empty vector), sampled now (or at `time`). */
export function vector(...values: string[]): FakeAnswer {
  return sampledVector(now(), ...values);
}

/** The same, sampled at `time` (seconds since 1970). */
export function sampledVector(time: number, ...values: string[]): FakeAnswer {
  return { body: { status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: i === 0 ? {} : { pod: `p${i}` }, value: [time, v] })) } } };
}

/** The API's answer for a scalar, sampled now. */
export function scalar(value: string): FakeAnswer {
  return { body: { status: 'success', data: { resultType: 'scalar', result: [now(), value] } } };
}

/** An answer with `warnings`, as Prometheus gives one from partial data. */
export function withWarnings(answer: FakeAnswer, ...warnings: string[]): FakeAnswer {
  if (answer === 'hang' || typeof answer.body !== 'object') return answer;
  return { ...answer, body: { ...answer.body as object, warnings } };
}

/** A redirect to `location`. */
export function redirect(location: string, status = 302): FakeAnswer {
  return { status, body: '', headers: { location } };
}

/** The API's error answer, as Prometheus gives it for a query it cannot parse or run. */
export function apiError(status: number, errorType: string, error: string): FakeAnswer {
  return { status, body: { status: 'error', errorType, error } };
}

/**
 * Start the server. `answer` picks the answer of each query (by what it measures, e.g.
 * `q.includes('histogram_quantile')`); `prefix` serves the API under a path prefix.
 */
export async function startFakePrometheus(answer: (query: string) => FakeAnswer, prefix = ''): Promise<FakePrometheus> {
  const queries: string[] = [];
  const paths: string[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    paths.push(url.pathname);
    headers.push(req.headers);
    if (url.pathname !== `${prefix}/api/v1/query`) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    queries.push(query);
    const a = answer(query);
    if (a === 'hang') return;
    res.writeHead(a.status ?? 200, { 'content-type': typeof a.body === 'string' ? 'text/html' : 'application/json', ...a.headers });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    queries,
    paths,
    headers,
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A loopback port nothing listens on now (bound, then released): unreachable for a client, free for a server. */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}
