import { Duration } from 'cdk8s';
import { ConfigError } from '../errors';

/** Write a Duration as Istio/protobuf expects: whole seconds as `30s`, else milliseconds as `250ms`. */
export function formatDuration(path: string, field: string, d: Duration): string {
  const ms = d.toMilliseconds();
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new ConfigError(path, field, `${ms}ms`, 'must be a positive whole number of milliseconds');
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
