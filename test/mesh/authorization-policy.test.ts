import { AuthorizationPolicy, HttpMethod } from '../../src/mesh/authorization-policy';
import { Principal } from '../../src/mesh/principal';
import { WebService } from '../../src/service/web-service';
import { find, testChart } from '../util';

function setup() {
  const t = testChart({ gatewayServiceAccount: 'istio-ingressgateway-dev-service-account' }, { namespace: 'demo-dev' });
  const backend = new WebService(t.chart, 'backend', { name: 'backend', image: 'ghcr.io/org/backend', tag: '1' });
  const frontend = new WebService(t.chart, 'frontend', { name: 'frontend', image: 'ghcr.io/org/frontend', tag: '1' });
  return { ...t, backend, frontend };
}


describe('AuthorizationPolicy', () => {
  test('default deny is an ALLOW policy that matches nothing', () => {
    const t = testChart();
    AuthorizationPolicy.denyAll(t.chart, 'deny');
    expect(find(t.app, 'AuthorizationPolicy', 'deny-all').spec).toEqual({ action: 'ALLOW' });
  });

  test('principals are derived from ServiceAccounts in the chart namespace, and the ingress gateway', () => {
    const { app, chart, backend, frontend } = setup();
    new AuthorizationPolicy(chart, 'p', {
      name: 'frontend-to-backend',
      target: backend,
      allow: [{ from: [Principal.fromService(frontend), Principal.ingressGateway(), Principal.fromServiceAccount('smoke-test-sa')], methods: [HttpMethod.GET, HttpMethod.POST], paths: ['/api/users', '/api/users/*'] }],
    });
    expect(find(app, 'AuthorizationPolicy', 'frontend-to-backend').spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { app: 'backend' } },
      rules: [{
        from: [{ source: { principals: [
          'cluster.local/ns/demo-dev/sa/frontend-sa',
          'cluster.local/ns/istio-system/sa/istio-ingressgateway-dev-service-account',
          'cluster.local/ns/demo-dev/sa/smoke-test-sa',
        ] } }],
        to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/users', '/api/users/*'] } }],
      }],
    });
  });

  test('a TCP rule has ports and no HTTP operation fields', () => {
    const { app, chart, backend, frontend } = setup();
    new AuthorizationPolicy(chart, 'p', { name: 'tcp', target: backend, allow: [{ from: [Principal.fromService(frontend)], ports: [6379] }] });
    expect(find(app, 'AuthorizationPolicy', 'tcp').spec.rules[0].to).toEqual([{ operation: { ports: ['6379'] } }]);
  });

  test.each<[string, any, string]>([
    ['no rules', [], 'allow: [] must list at least one rule'],
    ['an empty source', [{ from: [] }], 'allow[0].from: [] must list at least one Principal: an empty source would allow everyone'],
    ['a bad method', [{ from: [Principal.ingressGateway()], methods: ['FETCH'] }], 'allow[0].methods[0]: "FETCH" is not an HTTP method'],
    ['a bad path', [{ from: [Principal.ingressGateway()], paths: ['/a/*/b'] }], 'allow[0].paths[0]: "/a/*/b" must be an absolute path'],
  ])('bad input: %s', (_, allow, message) => {
    const { chart, backend } = setup();
    expect(() => new AuthorizationPolicy(chart, 'p', { name: 'p', target: backend, allow })).toThrow(`[shop-dev/p] ${message}`);
  });
});
