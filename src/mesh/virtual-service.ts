import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkHost, hostWithin } from '../core/host';
import { ConfigError } from '../core/errors';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel, checkInteger } from '../core/names';
import { Placement, placementOf } from '../model/placement';
import { ReleaseRegistry } from '../release/release-registry';
import { DestinationRule } from './destination-rule';
import { formatDuration } from '../core/duration';
import { Gateway } from './gateway';
import { HttpMatch } from './http-match';
import type { HttpRoute, HttpRouteDestination, VirtualServiceSpec } from './istio-types';
import { hostOf } from './mesh-service';
import { RouteTarget } from './route-target';

/** Retries of a route. */
export interface RetryProps {
  /** @default 2 */
  readonly attempts?: number;
  /** @default Duration.seconds(2) */
  readonly perTryTimeout?: Duration;
  /** Envoy retry conditions. @default 'gateway-error,connect-failure,refused-stream' */
  readonly retryOn?: string;
}

/** Request behaviour shared by matched and default routes. */
export interface RouteOptions {
  /** Whole-request timeout. @default - Istio's default (none) */
  readonly timeout?: Duration;
  /** @default - Istio's default retries */
  readonly retries?: RetryProps;
}

/** A matched HTTP route: the first route whose match holds takes the request. */
export interface HttpRouteProps extends RouteOptions {
  /** Route name (shows in Envoy stats). @default - none */
  readonly name?: string;
  /** Conditions; the route applies when any one of them holds. At least one. */
  readonly match: HttpMatch[];
  /** Where matching requests go. */
  readonly to: RouteTarget;
}

/** The route for requests no match took. */
export interface DefaultRouteProps extends RouteOptions {
  /** Where the remaining requests go. */
  readonly to: RouteTarget;
}

/**
 * Props of a VirtualService.
 */
export interface VirtualServiceProps {
  /** VirtualService name (DNS-1123 label). */
  readonly name: string;
  /**
   * Gateways the routes bind to.
   * @default - none: routes apply inside the mesh (`mesh`)
   */
  readonly gateways?: Gateway[];
  /**
   * Hosts the routes answer for.
   * @default - the gateways' hosts, or the default route's service name inside the mesh
   */
  readonly hosts?: string[];
  /** Matched routes, in order. @default - none (add with addRoute) */
  readonly routes?: HttpRouteProps[];
  /**
   * The catch-all route, always written after every matched route.
   * @default - none: unmatched requests get 404
   */
  readonly defaultRoute?: DefaultRouteProps;
}

/**
 * An Istio VirtualService (networking.istio.io/v1) with ordered HTTP routes: matched routes
 * first, in the order given, then the default route. Versions and weights are checked
 * against the destination services; a route that can never match is an error.
 */
export class VirtualService extends Construct {
  /** Its name. */
  public readonly name: string;
  private readonly routes: Array<{ props: HttpRouteProps; field: string }> = [];
  private readonly defaultRoute?: DefaultRouteProps;
  private readonly gateways: Gateway[];
  private readonly hosts: string[];
  private readonly matchKeys = new Map<string, string>();
  private readonly placement: Placement;
  /** The release state, for routes that use a service's default split (inside an AppChart of a GitOpsApp). */
  private readonly releases?: ReleaseRegistry;

  constructor(scope: Construct, id: string, props: VirtualServiceProps) {
    super(scope, id);
    const path = this.node.path;
    this.placement = placementOf(this);
    this.releases = this.placement.appChart ? ReleaseRegistry.of(this) : undefined;
    this.name = checkDnsLabel(path, 'name', props.name);
    this.gateways = [...(props.gateways ?? [])];
    this.defaultRoute = props.defaultRoute;
    const hosts = props.hosts
      ?? (this.gateways.length > 0 ? [...new Set(this.gateways.flatMap(g => g.hosts))] : props.defaultRoute ? [hostOf(props.defaultRoute.to.service, this.placement.namespace)] : undefined);
    if (!hosts || hosts.length === 0) throw new ConfigError(path, 'hosts', props.hosts, 'must list at least one host (or give gateways or a defaultRoute)');
    hosts.forEach((h, i) => checkHost(path, `hosts[${i}]`, h));
    this.hosts = hosts;
    for (const g of this.gateways) {
      for (const h of hosts) {
        if (!g.hosts.some(gh => hostWithin(h, gh))) {
          throw new ConfigError(path, 'hosts', h, `is not served by gateway "${g.name}" (hosts ${JSON.stringify(g.hosts)}): each host must fall within the gateway's hosts`);
        }
      }
    }
    (props.routes ?? []).forEach(r => this.addRoute(r));
    if (props.defaultRoute) this.resolveTarget(props.defaultRoute.to, 'defaultRoute.to');

    new ManifestObject(this, 'Resource', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: this.name },
      spec: {
        hosts: [...this.hosts],
        gateways: this.gateways.length > 0 ? this.gateways.map(g => g.name) : undefined,
        // rendered at synth, so addRoute() works after construction
        http: Lazy.any({ produce: (): HttpRoute[] => this.renderRoutes(this.placement.environment.weights) }),
      } satisfies VirtualServiceSpec,
    });
  }

  /** Add a matched route after the existing ones (and before the default route). */
  public addRoute(route: HttpRouteProps): void {
    const path = this.node.path;
    const field = `routes[${this.routes.length}]`;
    if (!route || !Array.isArray(route.match) || route.match.length === 0) {
      throw new ConfigError(path, `${field}.match`, route?.match, 'must list at least one HttpMatch (use defaultRoute for the catch-all)');
    }
    route.match.forEach((m, i) => {
      if (m.isCatchAll) {
        throw new ConfigError(path, `${field}.match[${i}]`, m.toJson(), 'matches every request, so every later route would be unreachable: use defaultRoute for the catch-all');
      }
      const earlier = this.matchKeys.get(m.key);
      if (earlier !== undefined) {
        throw new ConfigError(path, `${field}.match[${i}]`, m.toJson(), `duplicates ${earlier}: the later route could never match`);
      }
      this.matchKeys.set(m.key, `${field}.match[${i}]`);
    });
    this.resolveTarget(route.to, `${field}.to`);
    this.routes.push({ props: route, field });
  }

  private resolveTarget(target: RouteTarget, field: string): void {
    target.resolve(this.node.path, field, this.placement.environment.weights);
    if (target.usesDefaultSplit && this.releases) {
      const { name: environment, cluster } = this.placement.environment;
      this.releases.bindSplit({ environment, cluster: cluster?.name, service: target.service.name, namespace: target.service.namespace, path: `${this.node.path}/${field}` });
    }
    if (target.usesSubsets) {
      this.node.addValidation({
        validate: () => {
          return DestinationRule.existsFor(target.service, this.placement.chart) ? [] : [`${field}: routes to subsets of service "${target.service.name}", which has no DestinationRule: add new DestinationRule(..., { service })`];
        },
      });
    }
  }

  private renderRoutes(defaultWeights?: Record<string, number>): HttpRoute[] {
    const path = this.node.path;
    const out: HttpRoute[] = this.routes.map(({ props, field }) => ({
      name: props.name,
      match: props.match.map(m => m.toJson()),
      route: this.destinations(props.to, `${field}.to`, defaultWeights),
      ...this.options(props, field),
    }));
    if (this.defaultRoute) {
      out.push({ route: this.destinations(this.defaultRoute.to, 'defaultRoute.to', defaultWeights), ...this.options(this.defaultRoute, 'defaultRoute') });
    }
    if (out.length === 0) throw new ConfigError(path, 'routes', [], 'is empty and there is no defaultRoute: a VirtualService needs at least one route');
    return out;
  }

  private destinations(target: RouteTarget, field: string, defaultWeights?: Record<string, number>): HttpRouteDestination[] {
    // the split the release state pins now (it may change after construction)
    const { name: environment, cluster } = this.placement.environment;
    const released = target.usesDefaultSplit ? this.releases?.weightsOf(environment, target.service.name, cluster?.name) : undefined;
    const resolved = target.resolve(this.node.path, field, defaultWeights, released);
    return resolved.map(d => ({
      destination: { host: hostOf(d.service, this.placement.namespace), port: { number: d.service.port }, subset: d.version },
      weight: resolved.length > 1 ? d.weight : undefined,
    }));
  }

  private options(o: RouteOptions, field: string): Pick<HttpRoute, 'timeout' | 'retries'> {
    const path = this.node.path;
    return {
      timeout: o.timeout ? formatDuration(path, `${field}.timeout`, o.timeout) : undefined,
      retries: o.retries ? {
        attempts: checkInteger(path, `${field}.retries.attempts`, o.retries.attempts ?? 2, 0, 10),
        perTryTimeout: formatDuration(path, `${field}.retries.perTryTimeout`, o.retries.perTryTimeout ?? Duration.seconds(2)),
        retryOn: o.retries.retryOn ?? 'gateway-error,connect-failure,refused-stream',
      } : undefined,
    };
  }
}
