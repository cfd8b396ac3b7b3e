import { Duration } from 'cdk8s';
import { ConfigError } from './errors';

/**
 * Durations are cdk8s `Duration`s in every construct; these write them in the syntax each API
 * reads. Both refuse durations that are not a positive whole number of milliseconds.
 */

/** The milliseconds of a Duration; throws a ConfigError unless a positive whole number. */
export function wholeMilliseconds(path: string, field: string, d: Duration): number {
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new ConfigError(path, field, `${ms}ms`, 'must be a positive whole number of milliseconds');
  }
  return ms;
}

/** Write a Duration as Istio/protobuf expects: whole seconds as `30s`, else milliseconds as `250ms`. */
export function formatDuration(path: string, field: string, d: Duration): string {
  const ms = wholeMilliseconds(path, field, d);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Write a Duration as Go's `time.ParseDuration` reads it (Argo CD): in the largest whole unit of h, m, s or ms. */
export function formatArgoDuration(path: string, field: string, d: Duration): string {
  const ms = wholeMilliseconds(path, field, d);
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Write a Duration as a Prometheus range (`5m`, `1h`, `30d`): in the largest whole unit of d, h, m, s or ms. */
export function formatPrometheusDuration(path: string, field: string, d: Duration): string {
  const ms = wholeMilliseconds(path, field, d);
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
