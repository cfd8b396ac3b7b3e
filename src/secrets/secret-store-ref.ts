import type { ISecretStoreRef } from '@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStoreRef';
import { checkDnsSubdomain } from '../core/names';

/**
 * The SecretStore or ClusterSecretStore an ExternalSecret reads from (External Secrets
 * Operator). The store itself (provider, credentials) belongs to the platform, not to the
 * app's GitOps folder.
 */
export class SecretStoreRef {
  /** A SecretStore in the ExternalSecret's own namespace. */
  public static secretStore(name: string): SecretStoreRef {
    return new SecretStoreRef('SecretStore', checkDnsSubdomain('SecretStoreRef', 'secretStore.name', name));
  }

  /** A cluster-wide ClusterSecretStore (it decides which namespaces may use it). */
  public static clusterSecretStore(name: string): SecretStoreRef {
    return new SecretStoreRef('ClusterSecretStore', checkDnsSubdomain('SecretStoreRef', 'clusterSecretStore.name', name));
  }

  private constructor(
    /** `SecretStore` or `ClusterSecretStore`. */
    public readonly kind: 'SecretStore' | 'ClusterSecretStore',
    /** Name of the store. */
    public readonly name: string,
  ) {}

  /**
   * The `spec.secretStoreRef` of an ExternalSecret.
   * @internal
   */
  public toJson(): ISecretStoreRef {
    return { kind: this.kind, name: this.name };
  }
}
