import { AuthorizationPolicy, HttpMethod } from '../../src/mesh/authorization-policy';
import { Gateway } from '../../src/mesh/gateway';
import { MtlsMode, PeerAuthentication } from '../../src/mesh/peer-authentication';
import { Principal } from '../../src/mesh/principal';
import { WebService } from '../../src/service/web-service';
import { find, testChart } from '../util';

function setup() {
  const t = testChart({ gatewayServiceAccount: 'istio-ingressgateway-dev-service-account' }, { namespace: 'demo-dev' });
  const backend = new WebService(t.chart, 'backend', { name: 'backend', image: 'ghcr.io/org/backend', tag: '1' });
  const frontend = new WebService(t.chart, 'frontend', { name: 'frontend', image: 'ghcr.io/org/frontend', tag: '1' });
  return { ...t, backend, frontend };
}

describe('PeerAuthentication', () => {
  test('STRICT mTLS by default', () => {
    const t = testChart();
    new PeerAuthentication(t.chart, 'mtls');
    const pa = find(t.app, 'PeerAuthentication', 'default');
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
    const t2 = testChart();
    new PeerAuthentication(t2.chart, 'mtls', { name: 'mtls', mode: MtlsMode.PERMISSIVE });
    expect(find(t2.app, 'PeerAuthentication', 'mtls').spec.mtls.mode).toBe('PERMISSIVE');
  });
});

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

describe('Gateway', () => {
  test('HTTP gateway on the environment hosts and selector', () => {
    const t = testChart({ hosts: ['shop.example.com'], gatewaySelector: { istio: 'ingressgateway-dev' } });
    new Gateway(t.chart, 'gw', { name: 'shop' });
    expect(find(t.app, 'Gateway', 'shop').spec).toEqual({
      selector: { istio: 'ingressgateway-dev' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }],
    });
  });

  test('TLS terminates on 443 and redirects HTTP', () => {
    const t = testChart();
    new Gateway(t.chart, 'gw', { name: 'shop', hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' } });
    const servers = find(t.app, 'Gateway', 'shop').spec.servers;
    expect(servers[0]).toMatchObject({ port: { number: 443, protocol: 'HTTPS' }, tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } });
    expect(servers[1]).toMatchObject({ port: { number: 80 }, tls: { httpsRedirect: true } });
  });

  test.each<[any, string]>([
    [{ name: 'gw', hosts: ['bad host'] }, 'hosts[0]: "bad host" is not a valid host'],
    [{ name: 'gw', hosts: [] }, 'hosts: [] must list at least one host'],
    [{ name: 'gw', tls: { credentialName: 'Bad_Secret' } }, 'tls.credentialName: "Bad_Secret" is not a DNS-1123 subdomain'],
  ])('bad input %#', (props, message) => {
    const t = testChart();
    expect(() => new Gateway(t.chart, 'gw', props)).toThrow(message);
  });
});
