import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { ClusterDestination } from '../model/environment';
import type { Environment } from '../model/environment';
import { ConfigError } from '../core/errors';
import { RepositoryChart } from '../model/repository-chart';
import { checkDnsLabel } from '../core/names';

/**
 * Props of an ArgoCdChart.
 */
export interface ArgoCdChartProps {
  /** URL of the GitOps repository Argo CD reads (exact; it becomes the projects' only sourceRepo). */
  readonly repoURL: string;
  /**
   * Branch, tag or commit Argo CD follows.
   * @default 'main'
   */
  readonly targetRevision?: string;
  /**
   * Cluster API server the applications deploy to.
   * @default 'https://kubernetes.default.svc'
   */
  readonly server?: string;
  /**
   * Namespace Argo CD runs in (holds Applications and AppProjects).
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Repository folder of this chart.
   * @default 'argocd'
   */
  readonly path?: string;
}

const ARGOCD_CHART = Symbol.for('cdk8s-gitops.ArgoCdChart');

/**
 * The Argo CD folder of the repository: AppProjects and Applications.
 */
export class ArgoCdChart extends RepositoryChart {
  /** Whether `x` is an ArgoCdChart (works across copies of this module). */
  public static isArgoCdChart(x: unknown): x is ArgoCdChart {
    return x !== null && typeof x === 'object' && ARGOCD_CHART in (x as object);
  }

  /**
   * The ArgoCdChart a construct is defined in.
   * @throws ConfigError naming the construct and the chart found, when its chart is another kind
   */
  public static of(c: IConstruct): ArgoCdChart {
    const chart = Chart.of(c);
    if (!ArgoCdChart.isArgoCdChart(chart)) {
      throw new ConfigError(c.node.path, 'scope', chart.node.path || chart.constructor.name, `is a ${chart.constructor.name}, not an ArgoCdChart: define Argo CD objects in the chart of the repository's Argo CD folder (new ArgoCdChart(app, 'argocd', { repoURL }))`);
    }
    return chart;
  }

  /** Repository URL. */
  public readonly repoURL: string;
  /** Revision followed. */
  public readonly targetRevision: string;
  /** Destination cluster. */
  public readonly server: string;
  /** Argo CD's namespace. */
  public readonly argoNamespace: string;

  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    const namespace = props.namespace ?? 'argocd';
    super(scope, id, { path: props.path ?? 'argocd', namespace });
    const path = this.node.path;
    if (typeof props.repoURL !== 'string' || !/^(https:\/\/|ssh:\/\/|git@|file:\/\/)\S+$/.test(props.repoURL) || props.repoURL.includes('*')) {
      throw new ConfigError(path, 'repoURL', props.repoURL, 'must be an exact git URL (https://, ssh://, git@ or file://), without wildcards');
    }
    this.repoURL = props.repoURL;
    this.targetRevision = props.targetRevision ?? 'main';
    this.server = props.server ?? 'https://kubernetes.default.svc';
    this.argoNamespace = checkDnsLabel(path, 'namespace', namespace);
    Object.defineProperty(this, ARGOCD_CHART, { value: true });
  }
}

/** The cluster the charts of `environment` (a cluster's view of it, or an environment without clusters) deploy to: the cluster's destination, else the Argo CD chart's server. */
export function destinationOf(chart: ArgoCdChart, environment: Environment): ClusterDestination {
  return environment.cluster?.destination ?? { server: chart.server };
}
