/**
 * Which objective a gate reads (requireObjective), what it sets (gateObjective) and the settings
 * given beside it that are refused (refuseObjectiveSettings), on the SLO fixture (dev and prod in
 * one cluster each) and on the fleet (prod in prod-eu and prod-us). The gate's thresholds and
 * queries themselves (objectiveGate) are tested with the objective, in
 * test/monitoring/service-level-objective.test.ts.
 */
import { Duration } from 'cdk8s';
import { GateSettings } from '../../src/gate/gate-settings';
import { gateObjective, objectivesIn, refuseObjectiveSettings, requireObjective } from '../../src/gate/slo-gate';
import { ServiceLevelObjective } from '../../src/monitoring/service-level-objective';
import { Environment } from '../../src/model/environment';
import { WebService } from '../../src/service/web-service';
import { addShop } from '../gitops/fixture-app-canary';
import { createApp } from '../gitops/fixture-app-canary-slo';
import { makeFleetApp } from '../gitops/fixture-app-fleet';

function built(env: string) {
  const app = createApp();
  app._build([env]);
  return app;
}

describe('requireObjective', () => {
  test('the objective of a service in an environment; only that environment\'s', () => {
    const app = built('prod');
    expect(requireObjective(app, 'prod', [], 'backend', undefined, '--slo').node.path).toBe('shop-prod/backend-slo');
    expect(objectivesIn(app, 'prod').map(o => o.node.path)).toEqual(['shop-prod/backend-slo', 'shop-prod/monitor-slo']);
    // dev was not built: nothing of it is read
    expect(objectivesIn(app, 'dev')).toEqual([]);
  });

  test('no objective: an error naming the flag, the service, the environment and the services that have one', () => {
    const app = built('prod');
    expect(() => requireObjective(app, 'prod', [], 'monitr', undefined, '--slo'))
      .toThrow('--slo: "monitr" has no ServiceLevelObjective in environment "prod" (did you mean "monitor"?); services with one: backend, monitor');
    expect(() => requireObjective(app, 'prod', [], 'stock', undefined, '--service'))
      .toThrow(/^--service: "stock" has no ServiceLevelObjective in environment "prod"; services with one: backend, monitor$/);
    const bare = makeFleetApp({}, chart => addShop(chart, []));
    bare._build(['dev']);
    expect(() => requireObjective(bare, 'dev', [], 'backend', undefined, '--slo')).toThrow('--slo: "backend" has no ServiceLevelObjective in environment "dev"; services with one: none');
  });

  test('two objectives of the service in one place: refused, naming both', () => {
    const app = makeFleetApp({}, chart => {
      addShop(chart, []);
      const backend = chart.node.findChild('backend') as WebService;
      new ServiceLevelObjective(chart, 'slo-a', { service: backend, availability: 99.9 });
      new ServiceLevelObjective(chart, 'slo-b', { service: backend, availability: 99, name: 'backend-slo-b' });
    });
    app._build(['dev']);
    expect(() => requireObjective(app, 'dev', [], 'backend', undefined, '--slo'))
      .toThrow('--slo: "backend" has 2 ServiceLevelObjectives in environment "dev" (shop-dev/slo-a, shop-dev/slo-b): the gate reads one; keep one objective per service in a place');
  });

  describe('in an environment with clusters', () => {
    const CLUSTERS = ['prod-eu', 'prod-us'];
    const fleet = (availability: (env: Environment) => number | undefined) => {
      const app = makeFleetApp({}, (chart, env) => {
        addShop(chart, []);
        const a = availability(env);
        if (a !== undefined) new ServiceLevelObjective(chart, 'backend-slo', { service: chart.node.findChild('backend') as WebService, availability: a, latency: { threshold: Duration.millis(500), target: 99 } });
      });
      app._build(['prod']);
      return app;
    };

    test('with --cluster, the cluster\'s objective; without, the first cluster\'s when every cluster has one alike', () => {
      const differ = fleet(env => (env.cluster?.name === 'prod-eu' ? 99.9 : 99));
      expect(requireObjective(differ, 'prod', CLUSTERS, 'backend', 'prod-us', '--slo').node.path).toBe('shop-prod-us/backend-slo');
      expect(gateObjective(requireObjective(differ, 'prod', CLUSTERS, 'backend', 'prod-us', '--slo')).sets['max-error-ratio']).toBe(0.01);
      const alike = fleet(() => 99.9);
      expect(requireObjective(alike, 'prod', CLUSTERS, 'backend', undefined, '--slo').node.path).toBe('shop-prod-eu/backend-slo');
    });

    test('without --cluster, objectives that differ between the clusters or are missing in one are refused', () => {
      expect(() => requireObjective(fleet(env => (env.cluster?.name === 'prod-eu' ? 99.9 : 99)), 'prod', CLUSTERS, 'backend', undefined, '--slo'))
        .toThrow('--slo: the ServiceLevelObjectives of "backend" in the clusters of environment "prod" give different gates (shop-prod-eu/backend-slo, shop-prod-us/backend-slo): give --cluster to judge the canary of one cluster by its own objective');
      const euOnly = fleet(env => (env.cluster?.name === 'prod-eu' ? 99.9 : undefined));
      expect(() => requireObjective(euOnly, 'prod', CLUSTERS, 'backend', undefined, '--slo'))
        .toThrow('--slo: "backend" has no ServiceLevelObjective in cluster prod-us of environment "prod", only in prod-eu: give --cluster to judge the canary of one cluster');
      expect(requireObjective(euOnly, 'prod', CLUSTERS, 'backend', 'prod-eu', '--slo').node.path).toBe('shop-prod-eu/backend-slo');
      expect(() => requireObjective(euOnly, 'prod', CLUSTERS, 'backend', 'prod-us', '--slo'))
        .toThrow('--slo: "backend" has no ServiceLevelObjective in environment "prod" (cluster "prod-us"); services with one: none');
    });
  });
});

describe('gateObjective', () => {
  test('the path and the thresholds the objective sets, by their --gate key', () => {
    const app = built('prod');
    expect(gateObjective(requireObjective(app, 'prod', [], 'backend', undefined, '--slo'))).toEqual({
      path: 'shop-prod/backend-slo', sets: { 'max-error-ratio': 0.001, 'max-latency': 1, 'quantile': 0.99 },
    });
    // no latency objective: no latency thresholds
    expect(gateObjective(requireObjective(app, 'prod', [], 'monitor', undefined, '--slo'))).toEqual({ path: 'shop-prod/monitor-slo', sets: { 'max-error-ratio': 0.005 } });
  });
});

describe('refuseObjectiveSettings', () => {
  const app = built('prod');
  const backend = requireObjective(app, 'prod', [], 'backend', undefined, '--slo');
  const monitor = requireObjective(app, 'prod', [], 'monitor', undefined, '--slo');
  const refuse = (slo: ServiceLevelObjective, given: Partial<GateSettings>) => () => refuseObjectiveSettings(slo, given, key => `--gate ${key}`, 'leave slo out');

  test('a threshold the objective sets, and metrics (the objective\'s queries), are refused with the objective\'s value', () => {
    expect(refuse(backend, { maxErrorRatio: 0.05 })).toThrow('--gate max-error-ratio: 0.05: the objective shop-prod/backend-slo sets the largest error ratio, 0.001 (availability 99.9 %); one definition drives alerts and promotion: change the objective, or leave slo out');
    expect(refuse(backend, { maxLatency: 2 })).toThrow('--gate max-latency: 2: the objective shop-prod/backend-slo sets the largest latency, 1 s (latency: 99 % within 1000 ms)');
    expect(refuse(backend, { quantile: 0.9 })).toThrow('--gate quantile: 0.9: the objective shop-prod/backend-slo sets the quantile, 0.99');
    expect(refuse(monitor, { metrics: 'app' })).toThrow('--gate metrics: "app": the objective shop-prod/monitor-slo sets the queries, on its metrics');
  });

  test('what the objective does not set passes', () => {
    expect(refuse(backend, { prometheus: 'http://p', window: '10m', minRequests: 100, timeoutSeconds: 5, tokenEnv: 'T', headerEnv: 'H' })).not.toThrow();
    // an objective without latency leaves max-latency and quantile to the settings
    expect(refuse(monitor, { prometheus: 'http://p', maxLatency: 1, quantile: 0.9 })).not.toThrow();
    expect(refuse(monitor, { maxErrorRatio: 0.01 })).toThrow('--gate max-error-ratio: 0.01: the objective shop-prod/monitor-slo sets the largest error ratio, 0.005 (availability 99.5 %)');
  });
});
