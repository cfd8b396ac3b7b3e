import { InputError } from '../gitops/errors';
import { formatValue } from '../errors';

/**
 * Where and how strictly a gate judges a version: Prometheus, the window and the thresholds.
 * Every field is also a key of the `--gate` flag value (see {@link parseGateFlag}) and a flag of
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
}

/** {@link GateSettings} with every default applied. */
export type ResolvedGateSettings = Required<GateSettings>;

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
  const problem = (option: keyof GateSettings, value: unknown, allowed: string) => new InputError(`${name(option, KEYS[option])}: ${typeof value === 'number' ? String(value) : formatValue(value)} ${allowed}`);
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
  return { prometheus, window, ...numbers };
}

/**
 * Settings from flag texts by key (`prometheus`, `window`, `max-error-ratio`, `max-latency`,
 * `quantile`, `min-requests`, `timeout`; an undefined text takes the default), checked. Errors
 * name each setting as `name(key)` gives it, e.g. `--max-error-ratio`.
 */
export function parseGateSettings(texts: Readonly<Record<string, string | undefined>>, name: (key: string) => string): ResolvedGateSettings {
  for (const key of Object.keys(texts)) {
    if (!GATE_SETTING_KEYS.includes(key)) throw new InputError(`${name(key)}: unknown setting (allowed: ${GATE_SETTING_KEYS.join(', ')})`);
  }
  const settings: Record<string, string | number | undefined> = { prometheus: texts.prometheus, window: texts.window };
  for (const [option, spec] of Object.entries(NUMBERS) as Array<[NumberSetting, typeof NUMBERS[NumberSetting]]>) {
    const text = texts[KEYS[option]];
    if (text === undefined) continue;
    const value = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : spec.seconds ? durationSeconds(text) : undefined;
    if (value === undefined) throw new InputError(`${name(KEYS[option])}: ${JSON.stringify(text)} ${spec.allowed}`);
    settings[option] = value;
  }
  if (settings.prometheus === undefined) throw new InputError(`${name('prometheus')} is required: the base URL of Prometheus, such as http://prometheus:9090`);
  return resolveGateSettings(settings as unknown as GateSettings, (_, key) => name(key));
}

/**
 * Parse the value of a `--gate` flag: comma-separated `key=value` settings, e.g.
 * `prometheus=http://prometheus:9090,window=10m,max-error-ratio=0.02,max-latency=300ms`.
 * `prometheus` is required; the other keys are `window`, `max-error-ratio`, `max-latency`,
 * `quantile`, `min-requests` and `timeout` (each with its default when absent). Errors name
 * the flag and the key (`--gate max-error-ratio: ...`).
 */
export function parseGateFlag(value: string, flag = '--gate'): ResolvedGateSettings {
  const texts: Record<string, string> = Object.create(null); // a key is the user's: `constructor` or `__proto__` is a key like any other
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq).trim();
    if (eq <= 0 || key === '') {
      throw new InputError(`${flag}: ${JSON.stringify(item)} in ${JSON.stringify(value)} is not key=value (e.g. prometheus=http://prometheus:9090,window=5m,max-error-ratio=0.01)`);
    }
    if (key in texts) throw new InputError(`${flag}: ${JSON.stringify(key)} is given twice in ${JSON.stringify(value)}`);
    texts[key] = item.slice(eq + 1).trim();
  }
  return parseGateSettings(texts, key => `${flag} ${key}`);
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
