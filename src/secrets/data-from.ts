import type { IExternalSecretDataFromRemoteRef } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecretDataFromRemoteRef';
import { ConfigError } from '../core/errors';
import { checkSecretKey } from '../core/names';

/** Options of {@link DataFrom.extract}. */
export interface ExtractOptions {
  /**
   * A property of the remote secret holding the JSON object to extract.
   * @default - the whole remote secret
   */
  readonly property?: string;
  /**
   * Version of the remote secret.
   * @default - the provider's current version
   */
  readonly version?: string;
  /**
   * The keys the extracted object is expected to hold. They are known only when the
   * operator runs: declaring them lets `EnvValue.fromExternalSecret` and `envFrom` refer to
   * them (they are not rendered; a key missing at runtime leaves the pod unable to start).
   * @default - none: no key of this source can be referred to by name
   */
  readonly keys?: string[];
}

/** Options of {@link DataFrom.find}. */
export interface FindOptions {
  /**
   * Only secrets under this path of the provider.
   * @default - the whole store
   */
  readonly path?: string;
  /**
   * Only secrets whose name matches this regular expression (RE2).
   * @default - any name (then `tags` must be set)
   */
  readonly nameRegexp?: string;
  /**
   * Only secrets carrying all these tags.
   * @default - any tags (then `nameRegexp` must be set)
   */
  readonly tags?: Record<string, string>;
  /**
   * The keys the found secrets are expected to produce (each found secret's name is a key).
   * Known only when the operator runs; see {@link ExtractOptions.keys}.
   * @default - none
   */
  readonly keys?: string[];
}

/**
 * A `dataFrom` source of an ExternalSecret: many keys at once, whose names the provider
 * decides at runtime.
 */
export class DataFrom {
  /** Every key of one remote secret holding a JSON object (`dataFrom[].extract`). */
  public static extract(key: string, options: ExtractOptions = {}): DataFrom {
    const where = 'DataFrom';
    if (typeof key !== 'string' || key === '') throw new ConfigError(where, 'extract.key', key, 'must be a non-empty remote secret key');
    return new DataFrom({
      extract: { key, property: options.property, version: options.version },
    }, checkKeys(where, 'extract.keys', options.keys));
  }

  /** Every remote secret matching a name pattern and/or tags, one key per secret (`dataFrom[].find`). */
  public static find(options: FindOptions): DataFrom {
    const where = 'DataFrom';
    const tags = Object.entries(options?.tags ?? {});
    if (options?.nameRegexp === undefined && tags.length === 0) {
      throw new ConfigError(where, 'find', options, 'must set nameRegexp or tags: without them it would copy every secret of the store');
    }
    if (options.nameRegexp !== undefined) {
      try {
        new RegExp(options.nameRegexp);
      } catch (e: any) {
        throw new ConfigError(where, 'find.nameRegexp', options.nameRegexp, `is not a regular expression: ${e.message}`);
      }
    }
    return new DataFrom({
      find: {
        path: options.path,
        name: options.nameRegexp !== undefined ? { regexp: options.nameRegexp } : undefined,
        tags: tags.length > 0 ? Object.fromEntries(tags) : undefined,
      },
    }, checkKeys(where, 'find.keys', options.keys));
  }

  private constructor(private readonly json: IExternalSecretDataFromRemoteRef, private readonly declaredKeys: readonly string[]) {}

  /** The keys declared as expected from this source (a copy). */
  public get keys(): string[] {
    return [...this.declaredKeys];
  }

  /**
   * The `spec.dataFrom[]` entry.
   * @internal
   */
  public toJson(): IExternalSecretDataFromRemoteRef {
    return structuredClone(this.json);
  }
}

function checkKeys(where: string, field: string, keys: readonly string[] | undefined): string[] {
  const out = [...(keys ?? [])];
  out.forEach((k, i) => checkSecretKey(where, `${field}[${i}]`, k));
  return out;
}
