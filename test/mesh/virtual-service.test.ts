import { Duration } from 'cdk8s';
import { DestinationRule } from '../../src/mesh/destination-rule';
import { Gateway } from '../../src/mesh/gateway';
import { HttpMatch } from '../../src/mesh/http-match';
import { RouteTarget } from '../../src/mesh/route-target';
import { VirtualService } from '../../src/mesh/virtual-service';
import { WebService } from '../../src/service/web-service';
import { find, testChart } from '../util';

function setup(env = {}) {
  const t = testChart(env);
  const api = new WebService(t.chart, 'api', { name: 'api', image: 'ghcr.io/org/api', tag: '1', port: 8080, versions: [{ name: 'v1' }, { name: 'v2' }] });
  const web = new WebService(t.chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1' });
  new DestinationRule(t.chart, 'api-dr', { service: api });
  const gw = new Gateway(t.chart, 'gw', { name: 'gw', hosts: ['shop.example.com'] });
  return { ...t, api, web, gw };
}

describe('VirtualService', () => {
  test('ordered matched routes (prefix, header, cookie) then the weighted default route', () => {
    const { app, chart, api, gw } = setup();
    const vs = new VirtualService(chart, 'vs', {
      name: 'shop',
      gateways: [gw],
      routes: [
        { name: 'beta', match: [HttpMatch.headerExact('x-version', 'v2'), HttpMatch.cookie('version', 'v2')], to: RouteTarget.version(api, 'v2') },
      ],
      defaultRoute: { to: RouteTarget.split(api, { v1: 90, v2: 10 }), timeout: Duration.seconds(5), retries: { attempts: 3 } },
    });
    vs.addRoute({ match: [HttpMatch.uriPrefix('/v1/').and(HttpMatch.headerRegex('x-user', '^qa-.*'))], to: RouteTarget.version(api, 'v1') });
    const spec = find(app, 'VirtualService', 'shop').spec;
    expect(spec.hosts).toEqual(['shop.example.com']);
    expect(spec.gateways).toEqual(['gw']);
    expect(spec.http.map((r: any) => r.name ?? (r.match ? 'matched' : 'default'))).toEqual(['beta', 'matched', 'default']);
    expect(spec.http[0].match).toEqual([
      { headers: { 'x-version': { exact: 'v2' } } },
      { headers: { cookie: { regex: '^(.*?;\\s*)?(version=v2)(;.*)?$' } } },
    ]);
    expect(spec.http[1].match).toEqual([{ uri: { prefix: '/v1/' }, headers: { 'x-user': { regex: '^qa-.*' } } }]);
    expect(spec.http[0].route).toEqual([{ destination: { host: 'api', port: { number: 8080 }, subset: 'v2' } }]);
    expect(spec.http[2]).toEqual({
      route: [
        { destination: { host: 'api', port: { number: 8080 }, subset: 'v1' }, weight: 90 },
        { destination: { host: 'api', port: { number: 8080 }, subset: 'v2' }, weight: 10 },
      ],
      timeout: '5s',
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,refused-stream' },
    });
  });

  test('cookie regex matches only that cookie', () => {
    const cookie = HttpMatch.cookie('version', 'v2').toJson().headers?.cookie;
    expect(cookie).toEqual({ regex: expect.any(String) });
    const re = new RegExp((cookie as { regex: string }).regex);
    expect(re.test('version=v2')).toBe(true);
    expect(re.test('a=1; version=v2; b=2')).toBe(true);
    expect(re.test('myversion=v2')).toBe(false);
    expect(re.test('version=v22')).toBe(false);
  });

  test('split without weights uses the environment weights, else an equal split', () => {
    const a = setup({ weights: { v1: 80, v2: 20 } });
    new VirtualService(a.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.split(a.api) } });
    expect(find(a.app, 'VirtualService', 'vs').spec.http[0].route.map((r: any) => r.weight)).toEqual([80, 20]);
    expect(find(a.app, 'VirtualService', 'vs').spec.hosts).toEqual(['api']);
    const b = setup();
    new VirtualService(b.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.split(b.api) } });
    expect(find(b.app, 'VirtualService', 'vs').spec.http[0].route.map((r: any) => r.weight)).toEqual([50, 50]);
  });

  test('a service without versions is routed without subsets or weights', () => {
    const { app, chart, web, gw } = setup();
    new VirtualService(chart, 'vs', { name: 'vs', gateways: [gw], routes: [{ match: [HttpMatch.uriPrefix('/app')], to: RouteTarget.service(web) }] });
    expect(find(app, 'VirtualService', 'vs').spec.http[0].route).toEqual([{ destination: { host: 'web', port: { number: 5000 } } }]);
  });


  const bad: Array<[string, (s: ReturnType<typeof setup>) => void, string]> = [
    ['route to an unknown version', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', routes: [{ match: [HttpMatch.uriPrefix('/x')], to: RouteTarget.version(s.api, 'v3') }], hosts: ['api'] }),
      '[shop-dev/vs] routes[0].to.version: "v3" is not a version of service "api": one of "v1", "v2"'],
    ['weights not summing to 100', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.split(s.api, { v1: 50, v2: 40 }) } }),
      'defaultRoute.to.weights: {"v1":50,"v2":40} weights sum to 90: they must sum to 100'],
    ['weight above 100', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.split(s.api, { v1: 120, v2: -20 }) } }),
      'defaultRoute.to.weights.v1: 120 is not a valid weight: an integer from 0 to 100'],
    ['weight for an unknown version', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.split(s.api, { v1: 50, v9: 50 }) } }),
      'defaultRoute.to.weights.v9: "v9" is not a version of service "api"'],
    ['version route to a service without versions', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.version(s.web, 'v1') } }),
      'defaultRoute.to.version: "v1" routes to a version of service "web", which has no versions'],
    ['a catch-all before other routes', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', hosts: ['api'], routes: [{ match: [HttpMatch.uriPrefix('/')], to: RouteTarget.service(s.web) }] }),
      'routes[0].match[0]: {"uri":{"prefix":"/"}} matches every request, so every later route would be unreachable: use defaultRoute'],
    ['a duplicated match', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', hosts: ['api'], routes: [
      { match: [HttpMatch.uriPrefix('/a')], to: RouteTarget.service(s.web) }, { match: [HttpMatch.uriPrefix('/a')], to: RouteTarget.service(s.api) }] }),
    'routes[1].match[0]: {"uri":{"prefix":"/a"}} duplicates routes[0].match[0]'],
    ['a host outside the gateway', (s) => new VirtualService(s.chart, 'vs', { name: 'vs', gateways: [s.gw], hosts: ['other.example.com'], defaultRoute: { to: RouteTarget.service(s.web) } }),
      'hosts: "other.example.com" is not served by gateway "gw"'],
    ['a bad name', (s) => new VirtualService(s.chart, 'vs', { name: 'Shop', defaultRoute: { to: RouteTarget.service(s.web) } }),
      'name: "Shop" is not a DNS-1123 label'],
  ];
  test.each(bad)('bad input: %s', (_, build, message) => {
    const s = setup();
    expect(() => build(s)).toThrow(message);
  });

  test('routing to subsets of a service without DestinationRule fails validation at synth', () => {
    const t = testChart();
    const svc = new WebService(t.chart, 'x', { name: 'x', image: 'ghcr.io/org/x', tag: '1', versions: [{ name: 'v1' }] });
    new VirtualService(t.chart, 'vs', { name: 'vs', defaultRoute: { to: RouteTarget.version(svc, 'v1') } });
    expect(() => t.app.manifests()).toThrow('[shop-dev/vs] defaultRoute.to: routes to subsets of service "x", which has no DestinationRule');
  });
});

describe('HttpMatch bad input', () => {
  test.each([
    [() => HttpMatch.uriPrefix('api'), 'uriPrefix: "api" must be an absolute URI path'],
    [() => HttpMatch.headerExact('X Version', 'a'), 'header.name: "X Version" must be a lower-case HTTP header name'],
    [() => HttpMatch.uriRegex('('), 'uriRegex: "(" is not a valid regular expression'],
    [() => HttpMatch.cookie('a;b', 'x'), 'cookie.name: "a;b" is not a cookie name'],
    [() => HttpMatch.uriPrefix('/a').and(HttpMatch.uriExact('/b')), 'sets a second URI condition'],
  ])('%#', (f, message) => {
    expect(f).toThrow(message);
  });
});
