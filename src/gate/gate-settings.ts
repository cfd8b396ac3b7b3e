import { formatValue, InputError } from '../core/errors';
import { hasControl, redactUrl } from '../core/redact';

/**
 * Where and how strictly a gate judges a version: Prometheus, the window and the thresholds.
 * Every field is also a key of the `--gate` flag value (see `parseGateFlag`) and a flag of
 * `cdk8s-gitops gate`.
 */
export interface GateSettings {
  /**
   * Base URL of Prometheus (`http://prometheus.monitoring:9090`; a path prefix such as
   * `/prometheus` behind a proxy is kept). Key `prometheus`.
   */
  readonly prometheus: string;
  /**
   * Window the metrics are taken over, a Prometheus duration (`30s`, `5m`, `1h30m`). Key `window`.
   * @default '5m'
   */
  readonly window?: string;
  /**
   * Largest share of requests answered with a 5xx status that passes (0.01 = 1%). Key `max-error-ratio`.
   * @default 0.01
   */
  readonly maxErrorRatio?: number;
  /**
   * Largest request latency at {@link quantile}, in seconds, that passes. Key `max-latency`.
   * @default 0.5
   */
  readonly maxLatency?: number;
  /**
   * Quantile of the latency check (0.99 = the 99th percentile). Key `quantile`.
   * @default 0.99
   */
  readonly quantile?: number;
  /**
   * Fewest requests of the version in the window that count as data; fewer is a refusal. Key `min-requests`.
   * @default 1
   */
  readonly minRequests?: number;
  /**
   * Seconds to wait for each answer of Prometheus. Key `timeout`.
   * @default 10
   */
  readonly timeoutSeconds?: number;
  /**
   * Which metrics the default queries read: `app`, the reference app's `app_requests_total` and
   * `app_request_duration_seconds` (labels `app`, `version`, `namespace`); `istio`, the
   * standard metrics of Istio's sidecars and gateways, `istio_requests_total` and
   * `istio_request_duration_milliseconds` as the destination reports them (labels
   * `destination_app`, `destination_version`, `destination_workload_namespace`,
   * `response_code`). Key `metrics`.
   * @default 'app'
   */
  readonly metrics?: GateMetrics;
  /**
   * Name of an environment variable holding a bearer token, sent as `Authorization: Bearer
   * <token>`. The token itself is never a flag (argv is visible to every process on the
   * machine) and never printed or committed. Key `token-env`.
   * @default - no token
   */
  readonly tokenEnv?: string;
  /**
   * Name of an environment variable holding `user:password` for HTTP basic authentication
   * (`Authorization: Basic ...`); not with {@link tokenEnv}. Key `basic-auth-env`.
   * @default - no basic authentication
   */
  readonly basicAuthEnv?: string;
  /**
   * Name of an environment variable holding one more header as `Name: value`, e.g.
   * `X-Scope-OrgID: team-a` for a multi-tenant Prometheus (Mimir, Cortex, Thanos). Key `header-env`.
   * @default - no extra header
   */
  readonly headerEnv?: string;
}

/** The metrics the default queries of a gate read: the reference app's (`app`) or Istio's standard ones (`istio`). */
export type GateMetrics = 'app' | 'istio';

/** The settings that name an environment variable (of the credentials); absent unless given. */
type EnvSetting = 'tokenEnv' | 'basicAuthEnv' | 'headerEnv';

/** {@link GateSettings} with every default applied. */
export type ResolvedGateSettings = Required<Omit<GateSettings, EnvSetting>> & Pick<GateSettings, EnvSetting>;

type NumberSetting = 'maxErrorRatio' | 'maxLatency' | 'quantile' | 'minRequests' | 'timeoutSeconds';

/** Each setting's flag key; the numbers with their default, their range and whether a duration may give them. */
const KEYS: Record<keyof GateSettings, string> = {
  prometheus: 'prometheus',
  window: 'window',
  maxErrorRatio: 'max-error-ratio',
  maxLatency: 'max-latency',
  quantile: 'quantile',
  minRequests: 'min-requests',
  timeoutSeconds: 'timeout',
  metrics: 'metrics',
  tokenEnv: 'token-env',
  basicAuthEnv: 'basic-auth-env',
  headerEnv: 'header-env',
};
/** The keys of the settings, as flags of `gate` (`--max-error-ratio`) and keys of `--gate` (`max-error-ratio=`). */
export const GATE_SETTING_KEYS: readonly string[] = Object.values(KEYS);
const NUMBERS: Record<NumberSetting, { default: number; valid(v: number): boolean; allowed: string; seconds?: true }> = {
  maxErrorRatio: { default: 0.01, valid: v => v >= 0 && v <= 1, allowed: 'must be a number from 0 to 1 (0.01 = 1% of requests)' },
  maxLatency: { default: 0.5, valid: v => v > 0 && v < Infinity, allowed: 'must be a number of seconds greater than 0, or a duration such as 500ms', seconds: true },
  quantile: { default: 0.99, valid: v => v > 0 && v < 1, allowed: 'must be a number between 0 and 1, exclusive (0.99 = the 99th percentile)' },
  minRequests: { default: 1, valid: v => Number.isInteger(v) && v >= 1 && v <= Number.MAX_SAFE_INTEGER, allowed: 'must be a whole number of at least 1' },
  timeoutSeconds: { default: 10, valid: v => v > 0 && v <= 600, allowed: 'must be a number of seconds from 0 to 600 (not 0), or a duration such as 30s', seconds: true },
};
const DEFAULT_WINDOW = '5m';
const METRICS: readonly GateMetrics[] = ['app', 'istio'];
const ENV_SETTINGS: readonly EnvSetting[] = ['tokenEnv', 'basicAuthEnv', 'headerEnv'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_ALLOWED = 'must be the name of an environment variable (letters, digits, _), such as PROMETHEUS_TOKEN: the value is read from there, never given on the command line';
const WINDOW_ALLOWED = 'must be a Prometheus duration greater than 0, such as 30s, 5m or 1h30m';
const URL_ALLOWED = 'must be the http:// or https:// base URL of Prometheus, such as http://prometheus:9090, without credentials, query or fragment';

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];

/** The seconds of a Prometheus duration (`1h30m`, `500ms`: units y, w, d, h, m, s, ms, largest first), or undefined if `text` is not one. */
export function durationSeconds(text: string): number | undefined {
  const m = text === '' ? null : DURATION.exec(text);
  if (!m) return undefined;
  return m.slice(1).reduce((sum, n, i) => sum + (n === undefined ? 0 : Number(n) * UNIT_SECONDS[i]), 0);
}

/**
 * Check settings and apply their defaults. An {@link InputError} names the setting as `name`
 * gives it (the option name by default; the CLI passes its flag names), its value and what is allowed.
 */
export function resolveGateSettings(settings: GateSettings, name: (option: keyof GateSettings, key: string) => string = option => option): ResolvedGateSettings {
  const problem = (option: keyof GateSettings, value: unknown, allowed: string) => new InputError(`${name(option, KEYS[option])}: ${typeof value === 'number' ? String(value) : formatValue(option === 'prometheus' && typeof value === 'string' ? redactUrl(value) : value)} ${allowed}`);
  const prometheus = settings.prometheus;
  if (typeof prometheus !== 'string' || !isPrometheusUrl(prometheus)) throw problem('prometheus', prometheus, URL_ALLOWED);
  const window = settings.window ?? DEFAULT_WINDOW;
  if (typeof window !== 'string' || !((durationSeconds(window) ?? 0) > 0)) throw problem('window', window, WINDOW_ALLOWED);
  const numbers = {} as Record<NumberSetting, number>;
  for (const [option, spec] of Object.entries(NUMBERS) as Array<[NumberSetting, typeof NUMBERS[NumberSetting]]>) {
    const value = settings[option] ?? spec.default;
    if (typeof value !== 'number' || !spec.valid(value)) throw problem(option, value, spec.allowed);
    numbers[option] = value;
  }
  const metrics = settings.metrics ?? 'app';
  if (!METRICS.includes(metrics)) throw problem('metrics', metrics, `must be one of ${METRICS.join(', ')} (the metrics the default queries read)`);
  const envs: Partial<Record<EnvSetting, string>> = {};
  for (const option of ENV_SETTINGS) {
    const value = settings[option];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !ENV_NAME.test(value)) throw problem(option, value, ENV_ALLOWED);
    envs[option] = value;
  }
  if (envs.tokenEnv !== undefined && envs.basicAuthEnv !== undefined) {
    throw new InputError(`${name('basicAuthEnv', KEYS.basicAuthEnv)}: not with ${name('tokenEnv', KEYS.tokenEnv)}: both are the Authorization header; give one`);
  }
  return { prometheus, window, ...numbers, metrics, ...envs };
}

/**
 * The headers of the gate's queries, from the environment variables the settings name: a
 * bearer token (`tokenEnv`), basic authentication (`basicAuthEnv`, `user:password`) and one
 * more header (`headerEnv`, `Name: value`). An {@link InputError} names the setting and the
 * variable, never its value.
 */
export function gateHeaders(settings: Pick<GateSettings, EnvSetting>, env: Readonly<Record<string, string | undefined>> = process.env, name: (option: keyof GateSettings, key: string) => string = option => option): Record<string, string> {
  const headers: Record<string, string> = {};
  const read = (option: EnvSetting): string | undefined => {
    const variable = settings[option];
    if (variable === undefined) return undefined;
    const value = env[variable];
    const refuse = (why: string) => new InputError(`${name(option, KEYS[option])}: the environment variable ${variable} ${why}`);
    if (value === undefined || value.trim() === '') throw refuse('is not set or empty');
    if (hasControl(value)) throw refuse('holds a control character (a newline?), which no header may');
    return value.trim();
  };
  const token = read('tokenEnv');
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const basic = read('basicAuthEnv');
  if (basic !== undefined) {
    if (!basic.includes(':')) throw new InputError(`${name('basicAuthEnv', KEYS.basicAuthEnv)}: the environment variable ${settings.basicAuthEnv} must hold user:password (its value is not shown)`);
    headers.authorization = `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`;
  }
  const header = read('headerEnv');
  if (header !== undefined) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(header);
    if (!m || m[2] === '') throw new InputError(`${name('headerEnv', KEYS.headerEnv)}: the environment variable ${settings.headerEnv} must hold one header as Name: value, such as X-Scope-OrgID: team-a (its value is not shown)`);
    const key = m[1].toLowerCase();
    if (key === 'accept' || (key === 'authorization' && headers.authorization !== undefined)) {
      throw new InputError(`${name('headerEnv', KEYS.headerEnv)}: the environment variable ${settings.headerEnv} sets the ${m[1]} header, which ${key === 'accept' ? 'the gate sets itself' : `${name(settings.tokenEnv !== undefined ? 'tokenEnv' : 'basicAuthEnv', KEYS[settings.tokenEnv !== undefined ? 'tokenEnv' : 'basicAuthEnv'])} sets already`}`);
    }
    headers[key] = m[2];
  }
  return headers;
}

/**
 * Settings from flag texts by key (`prometheus`, `window`, `max-error-ratio`, `max-latency`,
 * `quantile`, `min-requests`, `timeout`, `metrics`, `token-env`, `basic-auth-env`, `header-env`;
 * an undefined text takes the default), checked. Errors
 * name each setting as `name(key)` gives it, e.g. `--max-error-ratio`.
 */
export function parseGateSettings(texts: Readonly<Record<string, string | undefined>>, name: (key: string) => string): ResolvedGateSettings {
  return resolveGateSettings(readGateSettings(texts, name), (_, key) => name(key));
}

/**
 * The settings the flag texts give, and only those (no defaults applied): numbers and durations
 * read, unknown keys and a missing `prometheus` refused, the values not yet checked against
 * what is allowed (pass the result to {@link resolveGateSettings} for that). For a caller that
 * must tell a setting given from a default, such as a gate whose thresholds an objective sets.
 */
export function readGateSettings(texts: Readonly<Record<string, string | undefined>>, name: (key: string) => string): GateSettings {
  for (const key of Object.keys(texts)) {
    if (!GATE_SETTING_KEYS.includes(key)) throw new InputError(`${name(key)}: unknown setting (allowed: ${GATE_SETTING_KEYS.join(', ')})`);
  }
  const settings: Record<string, string | number | undefined> = {};
  for (const option of ['prometheus', 'window', 'metrics', ...ENV_SETTINGS] as const) {
    const text = texts[KEYS[option]];
    if (text !== undefined) settings[option] = text;
  }
  for (const [option, spec] of Object.entries(NUMBERS) as Array<[NumberSetting, typeof NUMBERS[NumberSetting]]>) {
    const text = texts[KEYS[option]];
    if (text === undefined) continue;
    const value = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : spec.seconds ? durationSeconds(text) : undefined;
    if (value === undefined) throw new InputError(`${name(KEYS[option])}: ${JSON.stringify(text)} ${spec.allowed}`);
    settings[option] = value;
  }
  if (settings.prometheus === undefined) throw new InputError(`${name('prometheus')} is required: the base URL of Prometheus, such as http://prometheus:9090`);
  return settings as unknown as GateSettings;
}

/**
 * Parse the value of a `--gate` flag: comma-separated `key=value` settings, e.g.
 * `prometheus=http://prometheus:9090,window=10m,max-error-ratio=0.02,max-latency=300ms`.
 * `prometheus` is required; the other keys are `window`, `max-error-ratio`, `max-latency`,
 * `quantile`, `min-requests`, `timeout`, `metrics` (`app` or `istio`) and the names of the
 * environment variables of the credentials, `token-env`, `basic-auth-env` and `header-env`
 * (each with its default when absent). Errors name
 * the flag and the key (`--gate max-error-ratio: ...`).
 */
export function parseGateFlag(value: string, flag = '--gate'): ResolvedGateSettings {
  return parseGateSettings(splitGateFlag(value, flag).texts, key => `${flag} ${key}`);
}

/**
 * The items of a `--gate` value: the text of each `key=value` by key, and the items of `words`
 * given as a bare word (`slo` in `slo,prometheus=...`), in the order given. Nothing is checked
 * but the form: an item neither `key=value` nor one of `words`, and a key or word given twice,
 * are errors naming `flag` and the value (credentials of a URL in it redacted).
 */
export function splitGateFlag(value: string, flag: string, words: readonly string[] = []): { texts: Record<string, string>; words: string[] } {
  const texts: Record<string, string> = Object.create(null); // a key is the user's: `constructor` or `__proto__` is a key like any other
  const given: string[] = [];
  for (const item of value.split(',')) {
    const word = item.trim();
    if (words.includes(word)) {
      if (given.includes(word)) throw new InputError(`${flag}: ${JSON.stringify(word)} is given twice in ${JSON.stringify(redactUrl(value))}`);
      given.push(word);
      continue;
    }
    const eq = item.indexOf('=');
    const key = item.slice(0, eq).trim();
    if (eq <= 0 || key === '') {
      throw new InputError(`${flag}: ${JSON.stringify(redactUrl(item))} in ${JSON.stringify(redactUrl(value))} is not key=value (e.g. prometheus=http://prometheus:9090,window=5m,max-error-ratio=0.01)`);
    }
    if (key in texts) throw new InputError(`${flag}: ${JSON.stringify(key)} is given twice in ${JSON.stringify(redactUrl(value))}`);
    texts[key] = item.slice(eq + 1).trim();
  }
  return { texts, words: given };
}

function isPrometheusUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && url.search === '' && url.hash === '' && !text.includes('?') && !text.includes('#');
}
