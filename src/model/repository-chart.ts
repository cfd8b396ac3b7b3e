import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';

const REPOSITORY_CHART = Symbol.for('cdk8s-gitops.RepositoryChart');

/** A repository folder: lower case DNS labels separated by `/`, relative to the repository root. */
const FOLDER = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)*$/;

/**
 * Props of a chart that owns one folder of the GitOps repository.
 */
export interface RepositoryChartProps extends ChartProps {
  /**
   * Folder of the repository this chart's objects are written to, `/`-separated, relative
   * to the repository root (e.g. `dev/ab-testing`, `argocd`).
   */
  readonly path: string;
}

/**
 * A chart that owns one folder of the GitOps repository: each of its objects is written to
 * `<path>/<kind>-<name>.yaml`.
 */
export class RepositoryChart extends Chart {
  /** Whether `x` is a RepositoryChart (works across copies of this module). */
  public static isRepositoryChart(x: unknown): x is RepositoryChart {
    return x !== null && typeof x === 'object' && REPOSITORY_CHART in (x as object);
  }

  /** Folder of the repository this chart writes to. */
  public readonly path: string;

  constructor(scope: Construct, id: string, props: RepositoryChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    if (typeof props.path !== 'string' || !FOLDER.test(props.path)) {
      throw new ConfigError(this.node.path, 'path', props.path, 'must be a relative folder of lower case DNS labels separated by "/"');
    }
    this.path = props.path;
    Object.defineProperty(this, REPOSITORY_CHART, { value: true });
  }
}
