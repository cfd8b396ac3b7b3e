import { Duration } from 'cdk8s';
import { DestinationRule } from '../../src/mesh/destination-rule';
import { WebService } from '../../src/service/web-service';
import { find, testChart } from '../util';

describe('DestinationRule', () => {
  test('subsets are derived from the service versions, with a traffic policy', () => {
    const t = testChart();
    const svc = new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api', tag: '1', versions: [{ name: 'v1' }, { name: 'v2' }, { name: 'canary' }] });
    new DestinationRule(t.chart, 'dr', { service: svc, trafficPolicy: { connectTimeout: Duration.millis(500) } });
    const dr = find(t.app, 'DestinationRule', 'api-destinationrule');
    expect(dr.apiVersion).toBe('networking.istio.io/v1');
    expect(dr.spec.host).toBe('api');
    expect(dr.spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }, { name: 'canary', labels: { version: 'canary' } },
    ]);
    expect(dr.spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 100, connectTimeout: '500ms' }, http: { http1MaxPendingRequests: 100, maxRequestsPerConnection: 20 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 25 },
    });
  });

  test('a service without versions has no subsets (never an empty list)', () => {
    const t = testChart();
    const svc = new WebService(t.chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1' });
    new DestinationRule(t.chart, 'dr', { service: svc, name: 'web' });
    expect(find(t.app, 'DestinationRule', 'web').spec.subsets).toBeUndefined();
  });

  test('bad traffic policy values are refused', () => {
    const t = testChart();
    const svc = new WebService(t.chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1' });
    expect(() => new DestinationRule(t.chart, 'dr', { service: svc, trafficPolicy: { maxEjectionPercent: 150 } }))
      .toThrow('[shop-dev/dr] trafficPolicy.maxEjectionPercent: 150 must be an integer from 0 to 100');
  });
});
