/**
 * The shop of fixture-app-canary.ts (dev and prod, an AppChart `shop` in namespace
 * `shop-<env>`, prod's default weights 90/10) with service-level objectives, for the gate that
 * takes its thresholds from them (`gate --slo`, `shift --gate slo`):
 *
 * - backend: 99.9 % of requests without a 5xx and 99 % within 1 s: its gate passes an error
 *   ratio up to 0.001, ten times stricter than the gate's default (0.01), and a p99 latency up
 *   to 1 s;
 * - monitor: 99.5 % of requests without a 5xx (an error ratio up to 0.005), no latency objective (the latency thresholds stay
 *   the gate's settings);
 * - legacy, stock, frontend: no objective.
 *
 * `createApp` is what `--app` loads.
 */
import { Duration } from 'cdk8s';
import { AppChart } from '../../src/model/app-chart';
import { Environment } from '../../src/model/environment';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { ServiceLevelObjective } from '../../src/monitoring/service-level-objective';
import { WebService } from '../../src/service/web-service';
import { addShop } from './fixture-app-canary';

/** The objectives of the shop's backend and monitor in `chart` (after {@link addShop}). */
export function addObjectives(chart: AppChart): void {
  const service = (name: string) => chart.node.findChild(name) as WebService;
  new ServiceLevelObjective(chart, 'backend-slo', { service: service('backend'), availability: 99.9, latency: { threshold: Duration.seconds(1), target: 99 } });
  new ServiceLevelObjective(chart, 'monitor-slo', { service: service('monitor'), availability: 99.5 });
}

/** The program entry point `--app` loads. */
export function createApp(props: GitOpsAppProps = {}): GitOpsApp {
  const app = new GitOpsApp(props);
  for (const env of [new Environment({ name: 'dev' }), new Environment({ name: 'prod', replicas: 2, weights: { v1: 90, v2: 10 } })]) {
    app.addEnvironment(env, () => {
      const chart = new AppChart(app, `shop-${env.name}`, { environment: env, app: 'shop' });
      addShop(chart, ['monitor']);
      addObjectives(chart);
    });
  }
  return app;
}
