import { ConfigError } from '../core/errors';
import { checkHost } from '../core/host';
import { checkDnsLabel, checkInteger } from '../core/names';
import { ResourcesProps } from './resources';
import { own } from '../core/own';

/**
 * Props of an Environment: everything that differs between dev, prod, ...
 */
export interface EnvironmentProps {
  /** Environment name (DNS-1123 label), e.g. `dev`. It is the repository folder of the environment. */
  readonly name: string;
  /**
   * Namespace of each app in this environment (app name -> namespace).
   * @default - `<app>-<environment>` for every app
   */
  readonly namespaces?: Record<string, string>;
  /**
   * Replicas per workload (version) unless a workload sets its own.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Default cpu and memory requests and limits of every container.
   * @default - see `Resources.DEFAULTS` (cpu 100m/500m, memory 128Mi/256Mi)
   */
  readonly resources?: ResourcesProps;
  /**
   * Hosts the ingress Gateway and VirtualServices answer for.
   * @default ['*']
   */
  readonly hosts?: string[];
  /**
   * Labels selecting the Istio ingress gateway pods of this environment.
   * @default { istio: 'ingressgateway' }
   */
  readonly gatewaySelector?: Record<string, string>;
  /**
   * ServiceAccount of the ingress gateway (for AuthorizationPolicy principals).
   * @default 'istio-ingressgateway-service-account'
   */
  readonly gatewayServiceAccount?: string;
  /**
   * Namespace of the ingress gateway.
   * @default 'istio-system'
   */
  readonly gatewayNamespace?: string;
  /**
   * Istio trust domain used in principals.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Default traffic split between versions (version name -> percent, summing to 100),
   * used by routes that split without weights of their own.
   * @default - equal split, remainder to the last version
   */
  readonly weights?: Record<string, number>;
  /**
   * Whether Argo CD syncs automatically (prune and self-heal). Manual environments change
   * only through reviewed promotion pull requests.
   * @default true
   */
  readonly automatedSync?: boolean;
  /**
   * The clusters the environment runs in, each with its Argo CD destination and overrides. With
   * clusters, every chart of the environment is built once per cluster (with the cluster's view of
   * the environment) and written to `<environment>/<cluster>/<app>`; the release state stays per
   * environment, with per-cluster entries for changes staged cluster by cluster.
   * @default - one cluster: the Argo CD chart's `server`, folders `<environment>/<app>`
   */
  readonly clusters?: ClusterProps[];
}

/**
 * An environment (dev, prod, ...) as typed, checked data.
 */
export class Environment {
  /** Environment name, e.g. `dev`. */
  public readonly name: string;
  /** Replicas per workload. */
  public readonly replicas: number;
  /** Default container resources. */
  public readonly resources: ResourcesProps | undefined;
  /** Gateway selector labels. */
  public readonly gatewaySelector: Readonly<Record<string, string>>;
  /** Ingress gateway ServiceAccount. */
  public readonly gatewayServiceAccount: string;
  /** Ingress gateway namespace. */
  public readonly gatewayNamespace: string;
  /** Istio trust domain. */
  public readonly trustDomain: string;
  /** Whether Argo CD syncs automatically. */
  public readonly automatedSync: boolean;
  private readonly _namespaces: Readonly<Record<string, string>>;
  private readonly _hosts: string[];
  private readonly _weights: Readonly<Record<string, number>> | undefined;
  private readonly _clusters: readonly Cluster[];
  private readonly _cluster: Cluster | undefined;

  constructor(props: EnvironmentProps);
  /** @internal the view of `cluster` (see {@link Cluster.environment}) */
  constructor(props: EnvironmentProps, cluster: Cluster);
  constructor(props: EnvironmentProps, cluster?: Cluster) {
    const path = cluster === undefined ? `environments/${props.name}` : `environments/${props.name}/clusters/${cluster.name}`;
    this.name = checkDnsLabel(path, 'name', props.name);
    this.replicas = checkInteger(path, 'replicas', props.replicas ?? 1, 0);
    this._namespaces = { ...(props.namespaces ?? {}) };
    for (const [app, ns] of Object.entries(this._namespaces)) checkDnsLabel(path, `namespaces.${app}`, ns);
    this.resources = props.resources;
    this._hosts = [...(props.hosts ?? ['*'])];
    if (this._hosts.length === 0) throw new ConfigError(path, 'hosts', props.hosts, 'must list at least one host');
    this._hosts.forEach((h, i) => checkHost(path, `hosts[${i}]`, h));
    this.gatewaySelector = { ...(props.gatewaySelector ?? { istio: 'ingressgateway' }) };
    this.gatewayServiceAccount = props.gatewayServiceAccount ?? 'istio-ingressgateway-service-account';
    this.gatewayNamespace = checkDnsLabel(path, 'gatewayNamespace', props.gatewayNamespace ?? 'istio-system');
    this.trustDomain = props.trustDomain ?? 'cluster.local';
    this.automatedSync = props.automatedSync ?? true;
    this._weights = props.weights ? { ...props.weights } : undefined;
    this._cluster = cluster;
    this._clusters = cluster === undefined ? Cluster._all(props, (view, c) => new Environment(view, c)) : [];
  }

  /** The clusters the environment runs in (a copy; empty: one cluster, the Argo CD chart's). On a cluster's view: none. */
  public get clusters(): Cluster[] {
    return [...this._clusters];
  }

  /** On the view of one cluster (what a builder of a multi-cluster environment gets): that cluster. */
  public get cluster(): Cluster | undefined {
    return this._cluster;
  }

  /** The repository folder of this environment, or of this view's cluster: `dev`, `prod/prod-eu`. */
  public get folder(): string {
    return this._cluster?.folder ?? this.name;
  }

  /** The namespace of `app` in this environment. */
  public namespaceOf(app: string): string {
    return own(this._namespaces, app) ?? `${app}-${this.name}`;
  }

  /** Hosts served in this environment (a copy). */
  public get hosts(): string[] {
    return [...this._hosts];
  }

  /** Default weights per version, if set (a copy). */
  public get weights(): Record<string, number> | undefined {
    return this._weights ? { ...this._weights } : undefined;
  }

  /** The Istio principal of the ingress gateway. */
  public get gatewayPrincipal(): string {
    return principalOf(this, this.gatewayNamespace, this.gatewayServiceAccount);
  }
}

/** The Istio principal (SPIFFE identity without scheme) of a ServiceAccount, as seen from `environment`. */
export function principalOf(environment: Environment, namespace: string, serviceAccountName: string): string {
  return `${environment.trustDomain}/ns/${namespace}/sa/${serviceAccountName}`;
}

/**
 * Props of one cluster of an environment: where Argo CD deploys it, and what differs there.
 * Anything not set is the environment's.
 */
export interface ClusterProps {
  /**
   * Cluster name (DNS-1123 label), unique in the environment: its repository folder is
   * `<environment>/<cluster>`, and `--cluster NAME` stages a change in it. E.g. `prod-eu`.
   */
  readonly name: string;
  /**
   * API server URL Argo CD deploys this cluster's applications to (the destination `server`).
   * Give this or `destinationName`, not both.
   * @default - none: the destination is the cluster Argo CD knows by `destinationName`
   */
  readonly server?: string;
  /**
   * Name of the cluster as registered in Argo CD (the destination `name`).
   * @default - the cluster's `name`, when no `server` is given
   */
  readonly destinationName?: string;
  /**
   * Replicas per workload in this cluster.
   * @default - the environment's replicas
   */
  readonly replicas?: number;
  /**
   * Default cpu and memory requests and limits of every container in this cluster.
   * @default - the environment's resources
   */
  readonly resources?: ResourcesProps;
  /**
   * Hosts the ingress Gateway and VirtualServices answer for in this cluster.
   * @default - the environment's hosts
   */
  readonly hosts?: string[];
  /**
   * Labels selecting the Istio ingress gateway pods of this cluster.
   * @default - the environment's gateway selector
   */
  readonly gatewaySelector?: Record<string, string>;
  /**
   * ServiceAccount of the ingress gateway of this cluster (for AuthorizationPolicy principals).
   * @default - the environment's gateway service account
   */
  readonly gatewayServiceAccount?: string;
}

/** The cluster of an Argo CD destination: its API server, or its name in Argo CD (one of them). */
export interface ClusterDestination {
  /** API server URL. @default - none: the cluster is given by name */
  readonly server?: string;
  /** Name of the cluster as registered in Argo CD. @default - none: the cluster is given by server */
  readonly name?: string;
}

/**
 * An Argo CD destination URL: https, no spaces, no glob characters (`* ? [ ] { } \ !`): the
 * AppProject destination made from it is a glob, which must match the server and nothing else.
 */
const SERVER = /^https:\/\/[^\s*!?[\]{}\\]+$/;

/** An Argo CD cluster name: no spaces, no glob characters. */
const DESTINATION_NAME = /^[^\s*!?[\]{}\\]+$/;

/**
 * One cluster of an environment (see `EnvironmentProps.clusters`): its name, its Argo CD
 * destination and the cluster-scoped view of the environment its charts are built with.
 */
export class Cluster {
  /**
   * Create the clusters of an environment (its `clusters` prop, checked). Internal: an
   * Environment creates its clusters.
   * @internal
   */
  public static _all(props: EnvironmentProps, view: (props: EnvironmentProps, cluster: Cluster) => Environment): Cluster[] {
    const seen = new Set<string>();
    return (props.clusters ?? []).map((c, i) => {
      const path = `environments/${props.name}/clusters[${i}]`;
      const name = checkDnsLabel(path, 'name', c?.name);
      if (seen.has(name)) throw new ConfigError(path, 'name', name, `is already a cluster of environment ${JSON.stringify(props.name)}: cluster names are unique in an environment`);
      seen.add(name);
      return new Cluster(props, c, `environments/${props.name}/clusters/${name}`, view);
    });
  }

  /** Cluster name, e.g. `prod-eu`. */
  public readonly name: string;
  /** The name of the environment the cluster belongs to. */
  public readonly environmentName: string;
  /** API server URL of the Argo CD destination, when the destination is given by server. */
  public readonly server: string | undefined;
  /** Argo CD cluster name of the destination, when the destination is given by name. */
  public readonly destinationName: string | undefined;
  /** The environment as this cluster sees it: its overrides applied, `cluster` set to this cluster. */
  public readonly environment: Environment;

  private constructor(env: EnvironmentProps, props: ClusterProps, path: string, view: (props: EnvironmentProps, cluster: Cluster) => Environment) {
    this.name = props.name;
    this.environmentName = env.name;
    if (props.server !== undefined && props.destinationName !== undefined) {
      throw new ConfigError(path, 'server', props.server, `and destinationName ${JSON.stringify(props.destinationName)} are both set: an Argo CD destination is a server or a cluster name, give one`);
    }
    if (props.server !== undefined && (typeof props.server !== 'string' || !SERVER.test(props.server))) {
      throw new ConfigError(path, 'server', props.server, 'must be the https:// URL of the cluster\'s API server, without spaces or glob characters (e.g. "https://prod-eu.k8s.example.com")');
    }
    const destinationName = props.server === undefined ? props.destinationName ?? props.name : undefined;
    if (destinationName !== undefined && (typeof destinationName !== 'string' || !DESTINATION_NAME.test(destinationName))) {
      throw new ConfigError(path, 'destinationName', destinationName, 'must be the name of a cluster registered in Argo CD, without spaces or glob characters');
    }
    this.server = props.server;
    this.destinationName = destinationName;
    this.environment = view({
      ...env,
      clusters: undefined,
      replicas: props.replicas ?? env.replicas,
      resources: props.resources ?? env.resources,
      hosts: props.hosts ?? env.hosts,
      gatewaySelector: props.gatewaySelector ?? env.gatewaySelector,
      gatewayServiceAccount: props.gatewayServiceAccount ?? env.gatewayServiceAccount,
    }, this);
  }

  /** The repository folder of the cluster: `<environment>/<cluster>`. */
  public get folder(): string {
    return `${this.environmentName}/${this.name}`;
  }

  /** The Argo CD destination of the cluster (without namespace): `{ server }` or `{ name }`. */
  public get destination(): ClusterDestination {
    return this.server !== undefined ? { server: this.server } : { name: this.destinationName };
  }
}
