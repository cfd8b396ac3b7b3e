import { AppChart } from '../app-chart';
import { checkDnsLabel } from '../names';
import { WebService } from '../service/web-service';

/**
 * A workload identity allowed by an AuthorizationPolicy, derived from ServiceAccounts
 * (never typed as a string, so it cannot name the wrong namespace).
 */
export class Principal {
  /** The ServiceAccount of a service. */
  public static fromService(service: WebService): Principal {
    return new Principal(() => service.principal);
  }

  /** A ServiceAccount of the policy's own namespace. */
  public static fromServiceAccount(name: string): Principal {
    return new Principal((chart) => chart.principalOf(checkDnsLabel(chart.node.path, 'Principal.fromServiceAccount', name)));
  }

  /** The environment's Istio ingress gateway. */
  public static ingressGateway(): Principal {
    return new Principal((chart) => chart.environment.gatewayPrincipal);
  }

  private constructor(private readonly producer: (chart: AppChart) => string) {}

  /** The principal string (`<trust-domain>/ns/<namespace>/sa/<name>`) as seen from `chart`. */
  public resolve(chart: AppChart): string {
    return this.producer(chart);
  }
}
