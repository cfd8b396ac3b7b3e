import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { ConfigError } from '../core/errors';

/** The UID of Istio's sidecar proxy: a workload must never run as it (its traffic would bypass the proxy). */
export const ISTIO_PROXY_UID = 1337;
/** Lowest UID/GID a workload may use: above any host user, so a container escape lands on no real account. */
export const MIN_UID = 10000;
/** The default UID and GID of every container. */
export const DEFAULT_UID = 10001;

/**
 * Check a UID or GID: an integer >= 10000, never 0 (root) nor 1337 (Istio's proxy).
 */
export function checkUid(path: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < MIN_UID || value === ISTIO_PROXY_UID || value > 2147483647) {
    const why = value === 0 ? 'is root' : value === ISTIO_PROXY_UID ? "is Istio's sidecar UID" : 'is out of range';
    throw new ConfigError(path, field, value, `${why}: must be an integer from ${MIN_UID} to 2147483647 (never 0 or ${ISTIO_PROXY_UID})`);
  }
  return value;
}

/** Pod-level security context meeting Pod Security Standards "restricted". @internal */
export function podSecurityContext(uid: number, gid: number): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context meeting Pod Security Standards "restricted". @internal */
export function containerSecurityContext(uid: number, gid: number): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
