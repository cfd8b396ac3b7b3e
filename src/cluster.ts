import { ConfigError } from './errors';
import type { Environment, EnvironmentProps } from './environment';
import { checkDnsLabel } from './names';
import { ResourcesProps } from './service/resources';

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
