import { ConfigError } from './errors';

/** The host rules of Istio's Gateway and VirtualService hosts, defined once. */

/** Throw unless `host` is `*`, a DNS name or a `*.`-prefixed wildcard name. */
export function checkHost(path: string, field: string, host: string): string {
  const name = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (typeof host !== 'string' || (host !== '*' && !name.test(host))) {
    throw new ConfigError(path, field, host, 'is not a valid host: "*", a DNS name ("app.example.com") or a wildcard name ("*.example.com")');
  }
  return host;
}

/** Whether `host` (possibly `*.x`) lies within `pattern` (`*`, `*.suffix` or an exact name). */
export function hostWithin(host: string, pattern: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.startsWith('*.') ? host.slice(1).endsWith(suffix) : host.endsWith(suffix) && host.length > suffix.length;
  }
  return false;
}
