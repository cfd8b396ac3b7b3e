import { IConstruct } from 'constructs';
import { ConfigError } from '../core/errors';
import { checkDnsLabel, checkDnsLabel1035, checkPort } from '../core/names';
import { placementOf } from '../model/placement';

/** Label carrying the version name (Istio's convention; DestinationRule subsets select it). */
export const VERSION_LABEL = 'version';

/**
 * A service in the mesh, as routing (VirtualService, DestinationRule) and policies
 * (AuthorizationPolicy, Principal, NetworkPolicy) need it. `WebService` implements it; a team
 * can implement it for a service built another way (with cdk8s-plus, a Helm chart, by hand),
 * or use {@link MeshService.fromAttributes}.
 */
export interface IMeshService {
  /** Name of its Kubernetes Service (a DNS-1035 label). */
  readonly name: string;
  /** Namespace of the Service and its pods. */
  readonly namespace: string;
  /** The Service port routes send traffic to. */
  readonly port: number;
  /**
   * Its versions, each a DestinationRule subset whose pods carry the label
   * `version: <name>`; empty for a service without versions.
   */
  readonly versionNames: string[];
  /** Labels selecting every pod of the service (all versions). */
  readonly selectorLabels: Record<string, string>;
  /**
   * ServiceAccount its pods run as: their mesh identity, which AuthorizationPolicies allow.
   * @default - none: the service cannot be named as a caller (`Principal.fromService`)
   */
  readonly serviceAccountName?: string;
}

/** Props of {@link MeshService.fromAttributes}. */
export interface MeshServiceAttributes {
  /** Name of the Kubernetes Service (a DNS-1035 label). */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The Service port. */
  readonly port: number;
  /**
   * Version names (pods labelled `version: <name>`).
   * @default - no versions
   */
  readonly versions?: string[];
  /**
   * Labels selecting its pods.
   * @default { app: <name> }
   */
  readonly selectorLabels?: Record<string, string>;
  /**
   * ServiceAccount of its pods.
   * @default - none
   */
  readonly serviceAccountName?: string;
}

/**
 * A mesh service defined by its attributes: routes and policies to a service this program
 * does not build with `WebService`.
 */
export class MeshService implements IMeshService {
  /** A service known by its attributes (checked: names, port, unique versions). */
  public static fromAttributes(attributes: MeshServiceAttributes): IMeshService {
    return new MeshService(attributes);
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly port: number;
  public readonly serviceAccountName?: string;
  private readonly _versions: string[];
  private readonly _selector: Record<string, string>;

  private constructor(a: MeshServiceAttributes) {
    const path = `MeshService(${JSON.stringify(a?.name)})`;
    this.name = checkDnsLabel1035(path, 'name', a.name);
    this.namespace = checkDnsLabel(path, 'namespace', a.namespace);
    this.port = checkPort(path, 'port', a.port);
    this._versions = [...(a.versions ?? [])];
    this._versions.forEach((v, i) => checkDnsLabel(path, `versions[${i}]`, v));
    if (new Set(this._versions).size !== this._versions.length) throw new ConfigError(path, 'versions', a.versions, 'must not repeat a version');
    this._selector = { ...(a.selectorLabels ?? { app: this.name }) };
    if (Object.keys(this._selector).length === 0) throw new ConfigError(path, 'selectorLabels', a.selectorLabels, 'must hold at least one label: an empty selector selects every pod');
    this.serviceAccountName = a.serviceAccountName === undefined ? undefined : checkDnsLabel(path, 'serviceAccountName', a.serviceAccountName);
  }

  public get versionNames(): string[] {
    return [...this._versions];
  }

  public get selectorLabels(): Record<string, string> {
    return { ...this._selector };
  }
}

/** The host a route or rule in `namespace` names `service` by: its short name in its own namespace, else its cluster-local FQDN. */
export function hostOf(service: IMeshService, namespace: string): string {
  return service.namespace === namespace ? service.name : `${service.name}.${service.namespace}.svc.cluster.local`;
}

/**
 * Throw unless `service` is in the namespace of `scope` (a construct that must stand beside the
 * service's pods: a ServiceMonitor, an objective, a dashboard); `what` names it in the message.
 * @internal
 */
export function checkServiceBeside(scope: IConstruct, service: IMeshService, what: string, why = ''): void {
  const namespace = placementOf(scope).namespace;
  if (service.namespace !== namespace) {
    throw new ConfigError(scope.node.path, 'service', `${service.namespace}/${service.name}`,
      `is not in the ${what}'s namespace ${JSON.stringify(namespace)}: define the ${what} in the service's chart${why}`);
  }
}
