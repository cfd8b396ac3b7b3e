import { principalOf } from '../model/environment';
import { ConfigError } from '../core/errors';
import { checkDnsLabel } from '../core/names';
import { Placement } from '../model/placement';
import { IMeshService } from './mesh-service';

/**
 * A workload identity allowed by an AuthorizationPolicy, derived from ServiceAccounts
 * (never typed as a string, so it cannot name the wrong namespace).
 */
export class Principal {
  /** The ServiceAccount of a service (its namespace, the policy's trust domain). */
  public static fromService(service: IMeshService): Principal {
    return new Principal((at, path) => {
      if (service.serviceAccountName === undefined) {
        throw new ConfigError(path, 'Principal.fromService', service.name, 'has no serviceAccountName: a service without its own ServiceAccount cannot be allowed by identity');
      }
      return principalOf(at.environment, service.namespace, service.serviceAccountName);
    });
  }

  /** A ServiceAccount of the policy's own namespace. */
  public static fromServiceAccount(name: string): Principal {
    return new Principal((at, path) => principalOf(at.environment, at.namespace, checkDnsLabel(path, 'Principal.fromServiceAccount', name)));
  }

  /** The environment's Istio ingress gateway. */
  public static ingressGateway(): Principal {
    return new Principal(at => at.environment.gatewayPrincipal);
  }

  private constructor(private readonly producer: (at: Placement, path: string) => string) {}

  /**
   * The principal string (`<trust-domain>/ns/<namespace>/sa/<name>`) as seen from a policy
   * placed at `at`; `path` names the policy in errors.
   */
  public resolve(at: Placement, path: string): string {
    return this.producer(at, path);
  }
}
