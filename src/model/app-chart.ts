import { Chart, JsonPatch } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Environment, principalOf } from './environment';
import { RepositoryChart } from './repository-chart';
import { ManifestObject } from '../core/manifest-object';
import { ConfigError } from '../core/errors';
import { checkDnsLabel } from '../core/names';

/** Marks an AppChart (a symbol, so a second copy of this module recognizes it too). */
const APP_CHART = Symbol.for('cdk8s-gitops.AppChart');

/** Label that makes Istio inject its sidecar into a namespace's pods. */
export const ISTIO_INJECTION_LABEL = 'istio-injection';

/**
 * Props of an AppChart.
 */
export interface AppChartProps {
  /**
   * The environment this chart renders: for an environment with clusters, the view of one of
   * them (what `GitOpsApp.addEnvironment` passes its builder, or `Cluster.environment`).
   */
  readonly environment: Environment;
  /**
   * Name of the application (DNS-1123 label): its repository folder is `<environment>/<app>`
   * (`<environment>/<cluster>/<app>` in a cluster of a multi-cluster environment).
   */
  readonly app: string;
  /**
   * Namespace of every object of the chart, created by the chart (sync wave -1).
   * @default - the environment's namespace for the app (`<app>-<environment>` unless set)
   */
  readonly namespace?: string;
  /**
   * Enforce Pod Security Standards "restricted" on the namespace (admission rejects other
   * pods). Needs Istio installed with istio-cni (the sidecar's init container otherwise
   * needs NET_ADMIN). When false the namespace still warns and audits at "restricted".
   * @default false
   */
  readonly enforcePodSecurity?: boolean;
  /**
   * Label the namespace for Istio sidecar injection.
   * @default true
   */
  readonly istioInjection?: boolean;
}

/**
 * One application in one environment (one cluster of it): a repository folder
 * `<environment>/<app>` (or `<environment>/<cluster>/<app>`), a namespace, and the objects in
 * it. Argo CD syncs it as one Application (or one Application an ApplicationSet generates).
 */
export class AppChart extends RepositoryChart {
  /** The AppChart a construct is defined in. */
  public static of(c: IConstruct): AppChart {
    const chart: Chart = Chart.of(c);
    if (!AppChart.isAppChart(chart)) {
      throw new Error(`[${c.node.path}] must be defined inside an AppChart (found ${chart.constructor.name})`);
    }
    return chart;
  }

  /** Whether `x` is an AppChart. (`instanceof` is not usable: cdk8s's Chart answers it for any chart.) */
  public static isAppChart(x: unknown): x is AppChart {
    return x !== null && typeof x === 'object' && APP_CHART in (x as object);
  }

  /** The environment. */
  public readonly environment: Environment;
  /** Application name. */
  public readonly app: string;
  /** The namespace every object lives in. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: AppChartProps) {
    const path = scope.node.path ? `${scope.node.path}/${id}` : id;
    const app = checkDnsLabel(path, 'app', props.app);
    const namespace = checkDnsLabel(path, 'namespace', props.namespace ?? props.environment.namespaceOf(props.app));
    const clusters = props.environment.clusters.map(c => c.name);
    if (clusters.length > 0) {
      throw new ConfigError(path, 'environment', props.environment.name, `runs in clusters ${clusters.join(', ')}: build the chart with one cluster's view of it `
        + '(the builder GitOpsApp.addEnvironment calls gets each in turn; or environment.clusters[i].environment)');
    }
    super(scope, id, { path: `${props.environment.folder}/${app}`, namespace });
    this.environment = props.environment;
    this.app = app;
    this.namespace = namespace;
    Object.defineProperty(this, APP_CHART, { value: true });

    const level = 'restricted';
    const ns = new ManifestObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          ...((props.istioInjection ?? true) ? { [ISTIO_INJECTION_LABEL]: 'enabled' } : {}),
          ...((props.enforcePodSecurity ?? false) ? { 'pod-security.kubernetes.io/enforce': level } : {}),
          'pod-security.kubernetes.io/audit': level,
          'pod-security.kubernetes.io/warn': level,
        },
        // The namespace must exist before anything is applied into it.
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      },
    });
    // a Namespace is cluster-scoped: drop the chart's default namespace from it
    ns.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }

  /** Principal (SPIFFE identity without scheme) of a ServiceAccount of this chart's namespace. */
  public principalOf(serviceAccountName: string): string {
    return principalOf(this.environment, this.namespace, serviceAccountName);
  }
}
