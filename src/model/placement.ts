import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AppChart } from './app-chart';
import { Environment } from './environment';

/** The namespace of objects in a chart that sets none (Kubernetes' own default). */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Where a construct is, as the constructs need it: the namespace of its chart and the
 * environment whose defaults apply. Inside an AppChart those are the chart's; in any other
 * cdk8s chart the chart's namespace (else `default`) and an environment with every default
 * (`DEFAULT_ENVIRONMENT`).
 */
export interface Placement {
  /** The nearest chart. */
  readonly chart: Chart;
  /** The AppChart, when the nearest chart is one. */
  readonly appChart?: AppChart;
  /** Namespace of the construct's objects. */
  readonly namespace: string;
  /** The environment whose defaults apply. */
  readonly environment: Environment;
}

/** The environment a construct outside an AppChart uses: every default of `EnvironmentProps`. */
export const DEFAULT_ENVIRONMENT: Environment = new Environment({ name: 'default' });

/** Where `c` is (see {@link Placement}). */
export function placementOf(c: IConstruct): Placement {
  const chart = Chart.of(c);
  if (AppChart.isAppChart(chart)) return { chart, appChart: chart, namespace: chart.namespace, environment: chart.environment };
  return { chart, namespace: chart.namespace ?? DEFAULT_NAMESPACE, environment: DEFAULT_ENVIRONMENT };
}
