import { Construct } from 'constructs';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel } from '../core/names';
import type { PeerAuthenticationSpec } from './istio-types';

/** Mutual TLS mode. */
export enum MtlsMode {
  /** Only mutual TLS connections are accepted. */
  STRICT = 'STRICT',
  /** Plain text and mutual TLS are accepted (migration only). */
  PERMISSIVE = 'PERMISSIVE',
}

/**
 * Props of a PeerAuthentication.
 */
export interface PeerAuthenticationProps {
  /** @default 'default' */
  readonly name?: string;
  /** @default MtlsMode.STRICT */
  readonly mode?: MtlsMode;
}

/**
 * Namespace-wide mutual TLS (security.istio.io/v1 PeerAuthentication), STRICT by default.
 */
export class PeerAuthentication extends Construct {
  constructor(scope: Construct, id: string, props: PeerAuthenticationProps = {}) {
    super(scope, id);
    new ManifestObject(this, 'Resource', {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: checkDnsLabel(this.node.path, 'name', props.name ?? 'default') },
      spec: { mtls: { mode: props.mode ?? MtlsMode.STRICT } } satisfies PeerAuthenticationSpec,
    });
  }
}
