import { ConfigError } from '../errors';
import { checkDnsSubdomain } from '../names';

/**
 * The value of a container environment variable: a literal, a Secret key or a pod field.
 */
export class EnvValue {
  /** A literal value. Never put secrets here: use `fromSecret`. */
  public static fromValue(value: string): EnvValue {
    if (typeof value !== 'string') throw new ConfigError('EnvValue', 'fromValue.value', value, 'must be a string');
    return new EnvValue({ value });
  }

  /** A key of a Secret in the same namespace. */
  public static fromSecret(secretName: string, key: string): EnvValue {
    checkDnsSubdomain('EnvValue', 'fromSecret.secretName', secretName);
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secretName, key } } });
  }

  /** A field of the pod, e.g. `metadata.name`, `status.podIP`. */
  public static fromFieldPath(fieldPath: string): EnvValue {
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  private constructor(private readonly json: Record<string, any>) {}

  /** The env var entry for `name`. */
  public toJson(name: string): Record<string, any> {
    return { name, ...structuredClone(this.json) };
  }
}
