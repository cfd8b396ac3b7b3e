import { ConfigError } from '../../src/core/errors';
import { Resources } from '../../src/model/resources';

describe('Resources', () => {
  test('defaults, overrides and a base merge, written canonically', () => {
    expect(Resources.ofAt('a', 'resources', undefined).toJson()).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    expect(Resources.ofAt('a', 'resources', { cpu: { limit: 1 }, memory: { request: '0.125Gi' } }, { cpu: { request: '0.25' } }).toJson()).toEqual({
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
  });

  test('the same settings give the same result each time, and a copy the caller may change', () => {
    const first = Resources.ofAt('a', 'resources', { cpu: { request: '0.2' } });
    const json = first.toJson();
    json.requests.cpu = 'changed';
    expect(Resources.ofAt('b', 'resources', { cpu: { request: '200m' } }).toJson().requests.cpu).toBe('200m');
    expect(Resources.ofAt('c', 'resources', { cpu: { request: '0.2' } }).toJson()).toEqual(first.toJson());
    expect(first.toJson().requests.cpu).toBe('200m');
    // a number and the string of it are different raw values, with the same canonical form
    expect(Resources.ofAt('d', 'resources', { cpu: { request: 0.2 } }).toJson()).toEqual(first.toJson());
  });

  test('a bad setting fails with the path and field of each construct that uses it', () => {
    const bad = { cpu: { request: '2', limit: '1' } };
    expect(() => Resources.ofAt('app/one', 'resources', bad)).toThrow(ConfigError);
    expect(() => Resources.ofAt('app/one', 'resources', bad)).toThrow(/app\/one.*resources\.cpu\.request/);
    expect(() => Resources.ofAt('app/two', 'sidecar.resources', bad)).toThrow(/app\/two.*sidecar\.resources\.cpu\.request/);
    expect(() => Resources.ofAt('app/three', 'resources', { memory: { limit: 'lots' } })).toThrow(/app\/three.*resources\.memory\.limit/);
    expect(() => Resources.ofAt('app/four', 'resources', { memory: { request: 0, limit: 0 } })).toThrow(/app\/four.*resources\.memory\.limit.*must be greater than 0/);
  });

  test('Resources.of(props, base): the user-facing factory, its errors naming the field', () => {
    expect(Resources.of().toJson()).toEqual(Resources.ofAt('a', 'resources', undefined).toJson());
    expect(Resources.of({ cpu: { limit: 1 } }, { cpu: { request: '0.25' } }).toJson()).toEqual({
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
    expect(() => Resources.of({ cpu: { request: '2', limit: '1' } })).toThrow('[Resources.of] resources.cpu.request: "2" exceeds resources.cpu.limit "1": a request must be <= its limit');
  });
});
