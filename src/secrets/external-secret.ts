import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { IExternalSecretSpec } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecretSpec';
import type { IExternalSecretData } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecretData';
import { formatArgoDuration } from '../core/duration';
import { ConfigError } from '../core/errors';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsSubdomain, checkSecretKey } from '../core/names';
import { DataFrom } from './data-from';
import { SecretStoreRef } from './secret-store-ref';

/** What the operator does with the target Secret (`spec.target.creationPolicy`). */
export enum CreationPolicy {
  /** Create the Secret, owned by the ExternalSecret (deleted with it). */
  OWNER = 'Owner',
  /** Create the Secret, not owned: it outlives the ExternalSecret. */
  ORPHAN = 'Orphan',
  /** Merge the keys into a Secret that must already exist. */
  MERGE = 'Merge',
  /** Neither create nor update a Secret: nothing in the namespace can use its keys. */
  NONE = 'None',
}

/** Where one key's value comes from in the provider (`spec.data[].remoteRef`). */
export interface RemoteRef {
  /** Key (name or path) of the remote secret. */
  readonly key: string;
  /**
   * Property of the remote secret (a field of its JSON value).
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * Version of the remote secret.
   * @default - the provider's current version
   */
  readonly version?: string;
}

/** Props of an ExternalSecret. */
export interface ExternalSecretProps {
  /** Name of the ExternalSecret (a DNS-1123 subdomain). */
  readonly name: string;
  /** The store it reads from: `SecretStoreRef.clusterSecretStore(name)` or `.secretStore(name)`. */
  readonly store: SecretStoreRef;
  /**
   * How often the operator reads the provider again.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
  /**
   * Keys of the target Secret, each from one remote value: `{ DATABASE_PASSWORD: { key: 'flask/db', property: 'password' } }`.
   * @default - none (then `dataFrom` must be set)
   */
  readonly data?: Record<string, RemoteRef>;
  /**
   * Sources of many keys at once (`DataFrom.extract`, `DataFrom.find`).
   * @default - none (then `data` must be set)
   */
  readonly dataFrom?: DataFrom[];
  /**
   * Name of the Secret the operator writes.
   * @default - the ExternalSecret's name
   */
  readonly targetName?: string;
  /**
   * What the operator does with the target Secret.
   * @default CreationPolicy.OWNER
   */
  readonly creationPolicy?: CreationPolicy;
}

/**
 * An External Secrets Operator ExternalSecret (`external-secrets.io/v1`): the operator reads
 * the values from a SecretStore and writes them into a Secret in the namespace at runtime,
 * so no secret value is ever committed to the GitOps repository. Refer to its keys with
 * `EnvValue.fromExternalSecret(es, key)` (the Secret name and key are derived, and a key it
 * does not produce is refused) or mount them all with WebService's `secretEnv`.
 */
export class ExternalSecret extends Construct {
  /** Name of the ExternalSecret. */
  public readonly name: string;
  /** Name of the Secret the operator writes. */
  public readonly targetName: string;
  /** The store it reads from. */
  public readonly store: SecretStoreRef;
  /** What the operator does with the target Secret. */
  public readonly creationPolicy: CreationPolicy;
  private readonly dataKeys: readonly string[];
  private readonly sources: readonly DataFrom[];

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    const path = this.node.path;
    this.name = checkDnsSubdomain(path, 'name', props.name);
    this.targetName = checkDnsSubdomain(path, 'targetName', props.targetName ?? this.name);
    if (!(props.store instanceof SecretStoreRef)) {
      throw new ConfigError(path, 'store', props.store, 'must be a SecretStoreRef (SecretStoreRef.clusterSecretStore(name) or SecretStoreRef.secretStore(name))');
    }
    this.store = props.store;
    this.creationPolicy = props.creationPolicy ?? CreationPolicy.OWNER;
    if (!Object.values(CreationPolicy).includes(this.creationPolicy)) {
      throw new ConfigError(path, 'creationPolicy', this.creationPolicy, `is not one of ${Object.values(CreationPolicy).join(', ')}`);
    }
    const refreshInterval = formatArgoDuration(path, 'refreshInterval', props.refreshInterval ?? Duration.hours(1));

    const data: IExternalSecretData[] = Object.entries(props.data ?? {}).map(([secretKey, ref]) => {
      const field = `data.${secretKey}`;
      checkSecretKey(path, field, secretKey);
      if (typeof ref?.key !== 'string' || ref.key === '') throw new ConfigError(path, `${field}.key`, ref?.key, 'must be a non-empty remote secret key');
      for (const opt of ['property', 'version'] as const) {
        if (ref[opt] !== undefined && (typeof ref[opt] !== 'string' || ref[opt] === '')) {
          throw new ConfigError(path, `${field}.${opt}`, ref[opt], 'must be a non-empty string when set');
        }
      }
      return { secretKey, remoteRef: { key: ref.key, property: ref.property, version: ref.version } };
    });
    this.dataKeys = data.map(d => d.secretKey);
    this.sources = [...(props.dataFrom ?? [])];
    this.sources.forEach((s, i) => {
      if (!(s instanceof DataFrom)) throw new ConfigError(path, `dataFrom[${i}]`, s, 'must be a DataFrom (DataFrom.extract(...) or DataFrom.find(...))');
    });
    if (data.length === 0 && this.sources.length === 0) {
      throw new ConfigError(path, 'data', props.data, 'must map at least one key, or dataFrom must list a source: an ExternalSecret without either produces an empty Secret');
    }

    const spec: IExternalSecretSpec = {
      refreshInterval,
      secretStoreRef: this.store.toJson(),
      target: { name: this.targetName, creationPolicy: this.creationPolicy },
      data: data.length > 0 ? data : undefined,
      dataFrom: this.sources.length > 0 ? this.sources.map(s => s.toJson()) : undefined,
    };
    new ManifestObject(this, 'Resource', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: this.name },
      spec,
    });
  }

  /** Keys mapped one by one in `data` (a copy). */
  public get keys(): string[] {
    return [...this.dataKeys];
  }

  /** The `dataFrom` sources (a copy). */
  public get dataFrom(): DataFrom[] {
    return [...this.sources];
  }

  /**
   * Every key a pod may refer to: the `data` keys and the keys declared on `dataFrom`
   * sources (a copy, sorted).
   */
  public get knownKeys(): string[] {
    return [...new Set([...this.dataKeys, ...this.sources.flatMap(s => s.keys)])].sort();
  }
}

/**
 * Check that pods can use `es` (its operator writes a Secret) and, when `key` is given, that
 * it produces `key`; `path` and `field` name the referring construct and field in errors.
 * Returns the name of the Secret the operator writes.
 */
export function checkExternalSecretUse(es: ExternalSecret, path: string, field: string, key?: string): string {
  if (es.creationPolicy === CreationPolicy.NONE) {
    throw new ConfigError(path, field, es.node.path, 'is an ExternalSecret with creationPolicy None: the operator writes no Secret, so no pod can use its keys');
  }
  if (key !== undefined && !es.knownKeys.includes(key)) {
    const runtime = es.dataFrom.length > 0
      ? '; its dataFrom keys are known only at runtime: declare the ones you use with DataFrom.extract(key, { keys: [...] }) or DataFrom.find({ ..., keys: [...] })'
      : '';
    throw new ConfigError(path, field, key, `is not a key of ExternalSecret ${es.node.path} (Secret ${JSON.stringify(es.targetName)}): its keys are ${JSON.stringify(es.knownKeys)}${runtime}`);
  }
  return es.targetName;
}
