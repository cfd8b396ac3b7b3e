import { ConfigError } from '../core/errors';
import { checkDnsSubdomain } from '../core/names';
import { checkExternalSecretUse, ExternalSecret } from '../secrets/external-secret';

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

  /**
   * A key of the Secret an ExternalSecret makes: the Secret's name and the key are derived
   * from the construct, never typed. Throws when the ExternalSecret does not produce `key`
   * (its `data` keys and the keys declared on its `dataFrom` sources) or writes no Secret
   * (creationPolicy None). A WebService refuses it when the ExternalSecret is in another
   * namespace.
   */
  public static fromExternalSecret(externalSecret: ExternalSecret, key: string): EnvValue {
    const name = checkExternalSecretUse(externalSecret, 'EnvValue', 'fromExternalSecret.key', key);
    return new EnvValue({ valueFrom: { secretKeyRef: { name, key } } }, externalSecret);
  }

  /** A field of the pod, e.g. `metadata.name`, `status.podIP`. */
  public static fromFieldPath(fieldPath: string): EnvValue {
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  private constructor(private readonly json: Record<string, any>, private readonly source?: ExternalSecret) {}

  /** The ExternalSecret the value comes from, if any. */
  public get externalSecret(): ExternalSecret | undefined {
    return this.source;
  }

  /** The env var entry for `name`. */
  public toJson(name: string): Record<string, any> {
    return { name, ...structuredClone(this.json) };
  }
}
