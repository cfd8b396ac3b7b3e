import { AppChart } from '../../src/model/app-chart';
import { Environment } from '../../src/model/environment';
import { GitOpsApp } from '../../src/app/gitops-app';

describe('Environment', () => {
  test('typed data with defaults', () => {
    const env = new Environment({ name: 'dev' });
    expect(env.replicas).toBe(1);
    expect(env.hosts).toEqual(['*']);
    expect(env.gatewaySelector).toEqual({ istio: 'ingressgateway' });
    expect(env.gatewayPrincipal).toBe('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
    expect(env.automatedSync).toBe(true);
    expect(env.namespaceOf('shop')).toBe('shop-dev');
    expect(new Environment({ name: 'prod', namespaces: { shop: 'store' } }).namespaceOf('shop')).toBe('store');
  });

  test('getters return copies', () => {
    const env = new Environment({ name: 'dev', hosts: ['a.example.com'], weights: { v1: 100 } });
    env.hosts.push('x');
    env.weights!.v1 = 0;
    expect(env.hosts).toEqual(['a.example.com']);
    expect(env.weights).toEqual({ v1: 100 });
  });

  test.each<[any, string]>([
    [{ name: 'Dev' }, '[environments/Dev] name: "Dev" is not a DNS-1123 label'],
    [{ name: 'dev', replicas: -1 }, '[environments/dev] replicas: -1 must be an integer >= 0'],
    [{ name: 'dev', hosts: ['no spaces allowed'] }, 'hosts[0]: "no spaces allowed" is not a valid host'],
    [{ name: 'dev', namespaces: { shop: 'Shop_NS' } }, 'namespaces.shop: "Shop_NS" is not a DNS-1123 label'],
  ])('bad input %#', (props, message) => {
    expect(() => new Environment(props)).toThrow(message);
  });

  test('AppChart refuses a bad app name or namespace', () => {
    const env = new Environment({ name: 'dev' });
    expect(() => new AppChart(new GitOpsApp(), 'c', { environment: env, app: 'My App' })).toThrow('[c] app: "My App" is not a DNS-1123 label');
    expect(() => new AppChart(new GitOpsApp(), 'c', { environment: env, app: 'shop', namespace: 'a'.repeat(64) })).toThrow('[c] namespace:');
  });
});
