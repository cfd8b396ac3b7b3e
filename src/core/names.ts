import { ConfigError } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** What a DNS-1123 label is, for messages. */
export const DNS_LABEL_RULE = 'at most 63 characters, lower case alphanumerics or "-", starting and ending with an alphanumeric';
/** What a DNS-1123 subdomain is, for messages. */
export const DNS_SUBDOMAIN_RULE = 'at most 253 characters, dot-separated lower case alphanumerics or "-", each part starting and ending with an alphanumeric';
/** What a DNS-1035 label is, for messages. */
export const DNS_1035_LABEL_RULE = 'at most 63 characters, lower case alphanumerics or "-", starting with a letter and ending with an alphanumeric';
/** What a label value is, for messages. */
export const LABEL_VALUE_RULE = 'at most 63 characters, alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric (or empty)';
/** What a label (or annotation) key is, for messages. */
export const LABEL_KEY_RULE = 'an optional DNS-1123 subdomain prefix and "/", then at most 63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';

/** Whether `value` is a DNS-1123 label: at most 63 characters, lower case alphanumerics or "-", alphanumeric at both ends. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Whether `value` is a DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels (the names of most objects). */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** Whether `value` is a DNS-1035 label: a DNS-1123 label starting with a letter (Service names). */
export function isDnsLabel1035(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1035_LABEL.test(value);
}

/** Whether `value` is a label value: at most 63 characters, alphanumerics, "-", "_" or ".", alphanumeric at both ends; empty is allowed. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/**
 * Whether `value` is a label (or annotation) key, a Kubernetes "qualified name": an optional
 * DNS-1123 subdomain prefix and `/`, then a non-empty name of at most 63 alphanumerics, "-",
 * "_" or ".", alphanumeric at both ends.
 */
export function isLabelKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const slash = value.indexOf('/');
  const name = value.slice(slash + 1);
  return name !== '' && name.length <= 63 && LABEL_VALUE.test(name)
    && (slash < 0 || isDnsSubdomain(value.slice(0, slash)));
}

/** Throw unless `value` is a DNS-1123 label (Namespace, Deployment-name-as-label, version names). */
export function checkDnsLabel(path: string, field: string, value: string): string {
  if (!isDnsLabel(value)) {
    throw new ConfigError(path, field, value, `is not a DNS-1123 label: ${DNS_LABEL_RULE} (e.g. "backend-v1")`);
  }
  return value;
}

/** Throw unless `value` is a DNS-1123 subdomain (names of most objects). */
export function checkDnsSubdomain(path: string, field: string, value: string): string {
  if (!isDnsSubdomain(value)) {
    throw new ConfigError(path, field, value, `is not a DNS-1123 subdomain: ${DNS_SUBDOMAIN_RULE} (e.g. "backend-config")`);
  }
  return value;
}

/** Throw unless `value` is a DNS-1035 label (Service names: must start with a letter). */
export function checkDnsLabel1035(path: string, field: string, value: string): string {
  if (!isDnsLabel1035(value)) {
    throw new ConfigError(path, field, value, `is not a DNS-1035 label (required for Service names): ${DNS_1035_LABEL_RULE} (e.g. "backend")`);
  }
  return value;
}

/** Throw unless `value` is a port number 1-65535. */
export function checkPort(path: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(path, field, value, 'is not a valid port number: must be an integer from 1 to 65535');
  }
  return value;
}

/** Throw unless `value` is an IANA service name (container and Service port names). */
export function checkPortName(path: string, field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 15 || !IANA_SVC_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    throw new ConfigError(path, field, value, 'is not a valid port name (IANA service name): at most 15 characters, lower case alphanumerics or "-", at least one letter, no "--", starting and ending with an alphanumeric (e.g. "http", "tcp-redis")');
  }
  return value;
}

/** Throw unless `value` is a valid environment variable name. */
export function checkEnvVarName(path: string, field: string, value: string): string {
  if (typeof value !== 'string' || !ENV_VAR_NAME.test(value)) {
    throw new ConfigError(path, field, value, 'is not a valid environment variable name: letters, digits, "_", "-" or ".", not starting with a digit');
  }
  return value;
}

/** Throw unless `value` is a label value (at most 63 characters, alphanumerics, "-", "_", "."). */
export function checkLabelValue(path: string, field: string, value: string): string {
  if (!isLabelValue(value)) {
    throw new ConfigError(path, field, value, 'is not a valid label value: at most 63 characters, alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric');
  }
  return value;
}

/** Throw unless `value` is a label (or annotation) key: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters. */
export function checkLabelKey(path: string, field: string, value: string): string {
  if (!isLabelKey(value)) {
    throw new ConfigError(path, field, value, `is not a valid label key: ${LABEL_KEY_RULE} (e.g. "release", "app.kubernetes.io/name")`);
  }
  return value;
}

/** Throw unless `value` is a valid key of a Secret's (or ConfigMap's) data: at most 253 alphanumerics, "-", "_" or ".". */
export function checkSecretKey(path: string, field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !SECRET_KEY.test(value)) {
    throw new ConfigError(path, field, value, 'is not a valid Secret key: at most 253 alphanumerics, "-", "_" or "." (e.g. "DATABASE_PASSWORD")');
  }
  return value;
}

/** Throw unless `value` is an integer within [min, max]. */
export function checkInteger(path: string, field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(path, field, value, max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`);
  }
  return value;
}
