import { Gateway } from '../../src/mesh/gateway';
import { find, testChart } from '../util';

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
