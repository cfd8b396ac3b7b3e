import { ReleaseState } from '../../src/release/release';
import { Releases } from '../../src/release/releases';

const prod: ReleaseState = {
  environment: 'prod',
  services: { api: { v1: '1.0.0', v2: '2.0.0' }, web: '1.0.0' },
  weights: { api: { v1: 90, v2: 10 } },
  clusters: { eu: { services: { api: { v2: '2.1.0' }, web: '1.1.0' }, weights: { api: { v1: 50, v2: 50 } } }, us: { weights: { api: { v1: 100, v2: 0 } } } },
};

describe('Releases: the release state of every environment, one value per deployment target', () => {
  test('a cluster with entries runs them over the environment\'s; a cluster without entries, and the environment, run the environment\'s', () => {
    const r = Releases.of({ prod });
    expect(r.tagOf({ environment: 'prod', cluster: 'eu' }, 'api', 'v2')).toBe('2.1.0');
    expect(r.tagOf({ environment: 'prod', cluster: 'eu' }, 'api', 'v1')).toBe('1.0.0');
    expect(r.tagOf({ environment: 'prod', cluster: 'eu' }, 'web')).toBe('1.1.0');
    expect(r.tagOf({ environment: 'prod', cluster: 'us' }, 'web')).toBe('1.0.0');
    expect(r.tagOf({ environment: 'prod', cluster: 'ap' }, 'api', 'v2')).toBe('2.0.0');
    expect(r.tagOf({ environment: 'prod' }, 'api', 'v2')).toBe('2.0.0');
    expect(r.splitOf({ environment: 'prod', cluster: 'eu' }, 'api')).toEqual({ v1: 50, v2: 50 });
    expect(r.splitOf({ environment: 'prod', cluster: 'us' }, 'api')).toEqual({ v1: 100, v2: 0 });
    expect(r.splitOf({ environment: 'prod', cluster: 'ap' }, 'api')).toEqual({ v1: 90, v2: 10 });
    expect(r.splitOf({ environment: 'prod' }, 'api')).toEqual({ v1: 90, v2: 10 });
  });

  test('nothing pinned: undefined, never a tag of another form (one tag asked as a version, versions asked as one tag)', () => {
    const r = Releases.of({ prod });
    expect(r.tagOf({ environment: 'dev' }, 'api', 'v1')).toBeUndefined();
    expect(r.tagOf({ environment: 'prod' }, 'cache')).toBeUndefined();
    expect(r.tagOf({ environment: 'prod' }, 'api')).toBeUndefined();
    expect(r.tagOf({ environment: 'prod' }, 'web', 'v1')).toBeUndefined();
    expect(r.tagOf({ environment: 'prod' }, 'api', 'v3')).toBeUndefined();
    expect(r.splitOf({ environment: 'prod' }, 'web')).toBeUndefined();
    expect(Releases.none().environments).toEqual([]);
    expect(Releases.none().tagOf({ environment: 'prod' }, 'web')).toBeUndefined();
  });

  test('names every object has (constructor, toString) are looked up as names, never found on the prototype', () => {
    const r = Releases.of({ prod: { environment: 'prod', services: { constructor: '1.0.0', api: { constructor: '2.0.0' } } } });
    expect(r.tagOf({ environment: 'prod' }, 'constructor')).toBe('1.0.0');
    expect(r.tagOf({ environment: 'prod' }, 'api', 'constructor')).toBe('2.0.0');
    expect(r.tagOf({ environment: 'prod' }, 'toString')).toBeUndefined();
    expect(r.tagOf({ environment: 'constructor' }, 'api', 'v1')).toBeUndefined();
    expect(r.tagOf({ environment: 'prod', cluster: 'constructor' }, 'constructor')).toBe('1.0.0');
    expect(r.releaseOf('constructor')).toBeUndefined();
  });

  test('immutable: the states are copied when the value is made and frozen; with() makes a new value, this one unchanged', () => {
    const given: ReleaseState = structuredClone(prod);
    const r = Releases.of({ prod: given });
    (given.services as Record<string, unknown>).web = '9.9.9';
    expect(r.tagOf({ environment: 'prod' }, 'web')).toBe('1.0.0');
    const release = r.releaseOf('prod')!;
    expect(release.toFile()).toEqual(prod);
    expect(Object.isFrozen(release) && Object.isFrozen(release.runs().services) && Object.isFrozen(release.runs('eu').services) && Object.isFrozen(release.runs('eu').weights)).toBe(true);
    expect(Reflect.set(release.runs().services, 'web', 'x')).toBe(false);
    // a split handed out is a copy
    r.splitOf({ environment: 'prod' }, 'api')!.v1 = 0;
    expect(r.splitOf({ environment: 'prod' }, 'api')).toEqual({ v1: 90, v2: 10 });

    const next = r.with('dev', { environment: 'dev', services: { web: '2.0.0' } });
    expect(next.environments).toEqual(['dev', 'prod']);
    expect(next.tagOf({ environment: 'dev' }, 'web')).toBe('2.0.0');
    expect(r.environments).toEqual(['prod']);
    expect(r.tagOf({ environment: 'dev' }, 'web')).toBeUndefined();
  });
  test('environments and the record in code-unit order, whatever order they were given in; with() holds the new state', () => {
    const dev: ReleaseState = { environment: 'dev', services: { web: '0.9.0' } };
    const r = Releases.of({ prod, dev });
    expect(r.environments).toEqual(['dev', 'prod']);
    expect(r.environments).toEqual(['dev', 'prod']);
    const next = r.with('dev', { environment: 'dev', services: { web: '1.0.0' } });
    expect(next.tagOf({ environment: 'dev' }, 'web')).toBe('1.0.0');
    expect(next.tagOf({ environment: 'prod', cluster: 'eu' }, 'web')).toBe('1.1.0');
    expect(r.tagOf({ environment: 'dev' }, 'web')).toBe('0.9.0');
  });

  test('an environment without a state has no split; a cluster named "undefined" is a cluster, not the environment', () => {
    const staged: ReleaseState = { environment: 'prod', services: { web: '1.0.0' }, clusters: { undefined: { services: { web: '2.0.0' } } } };
    const r = Releases.of({ prod: staged });
    expect(r.splitOf({ environment: 'dev' }, 'api')).toBeUndefined();
    expect(r.tagOf({ environment: 'prod' }, 'web')).toBe('1.0.0');
    expect(r.tagOf({ environment: 'prod', cluster: 'undefined' }, 'web')).toBe('2.0.0');
    // a version called "undefined" is a version: asking for the service's one tag finds none
    const odd = Releases.of({ prod: { environment: 'prod', services: { api: { undefined: '3.0.0' } } } });
    expect(odd.tagOf({ environment: 'prod' }, 'api')).toBeUndefined();
    expect(odd.tagOf({ environment: 'prod' }, 'api', 'undefined')).toBe('3.0.0');
  });
});
