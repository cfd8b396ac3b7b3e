import * as fc from 'fast-check';
import { clusterLabel, differingServices, EnvironmentRelease, sameSplit } from '../../src/release/environment-release';
import { parseReleaseFile, ReleaseState, renderRelease } from '../../src/release/release';

const prod: ReleaseState = {
  environment: 'prod',
  services: { api: { v1: '1.0.0', v2: '1.1.0' }, web: '2.0.0' },
  weights: { api: { v1: 90, v2: 10 } },
  clusters: { eu: { services: { api: { v2: '1.2.0' } }, weights: { api: { v1: 50, v2: 50 } } }, us: { services: { web: '2.1.0' } } },
};

describe('EnvironmentRelease: what an environment and each of its clusters run, whole', () => {
  test('fromFile: a cluster runs the environment\'s tags and splits with its entries over them (a versioned entry lists only the versions that differ)', () => {
    const r = EnvironmentRelease.fromFile(prod);
    expect(r.environment).toBe('prod');
    expect(r.clusters).toEqual(['eu', 'us']);
    expect(r.runs()).toEqual({ services: prod.services, weights: prod.weights });
    expect(r.runs('eu')).toEqual({ services: { api: { v1: '1.0.0', v2: '1.2.0' }, web: '2.0.0' }, weights: { api: { v1: 50, v2: 50 } } });
    expect(r.runs('us')).toEqual({ services: { api: { v1: '1.0.0', v2: '1.1.0' }, web: '2.1.0' }, weights: { api: { v1: 90, v2: 10 } } });
    // a cluster without entries runs the environment's
    expect(r.runs('asia')).toEqual(r.runs());
  });

  test('toFile is the release file again: the entries that differ, keys sorted, nothing empty', () => {
    expect(EnvironmentRelease.fromFile(prod).toFile()).toEqual(prod);
    const r = EnvironmentRelease.of('prod', { services: { web: '1', api: { v2: 'b', v1: 'a' } }, weights: {} }, { us: { services: { web: '1', api: { v1: 'a', v2: 'b' } }, weights: {} } });
    const file = r.toFile();
    expect(file).toEqual({ environment: 'prod', services: { api: { v1: 'a', v2: 'b' }, web: '1' } });
    expect(Object.keys(file.services)).toEqual(['api', 'web']);
    expect(Object.keys(file.services.api)).toEqual(['v1', 'v2']);
  });

  test('a release file read and written back is the same text (files with cluster entries generated at random)', () => {
    const tag = fc.constantFrom('1.0.0', '1.1.0', '2.0.0');
    const file = fc.record({
      api: fc.record({ v1: tag, v2: tag }),
      web: tag,
      eu: fc.record({ api: fc.option(fc.record({ v2: tag }), { nil: undefined }), web: fc.option(tag, { nil: undefined }) }),
    }).map(({ api, web, eu }): ReleaseState => {
      const services = { ...(eu.api && eu.api.v2 !== api.v2 ? { api: eu.api } : {}), ...(eu.web !== undefined && eu.web !== web ? { web: eu.web } : {}) };
      return { environment: 'prod', services: { api, web }, ...(Object.keys(services).length > 0 ? { clusters: { eu: { services } } } : {}) };
    });
    fc.assert(fc.property(file, state => {
      const text = renderRelease(state);
      expect(renderRelease(EnvironmentRelease.fromFile(parseReleaseFile(text)).toFile())).toBe(text);
    }));
  });

  test('map changes the environment and every cluster that runs something of its own or is named; a cluster that ends up running the environment\'s has no entry', () => {
    const r = EnvironmentRelease.fromFile(prod);
    const seen: Array<string | undefined> = [];
    const next = r.map((runs, cluster) => {
      seen.push(cluster);
      return { services: { ...runs.services, web: '3.0.0' }, weights: runs.weights };
    }, ['asia']);
    expect(seen).toEqual([undefined, 'asia', 'eu', 'us']);
    expect(next.runs('us').services.web).toBe('3.0.0');
    expect(next.toFile().clusters).toEqual({ eu: prod.clusters!.eu });
    // this one is unchanged
    expect(r.toFile()).toEqual(prod);
  });

  test('withCluster stages what one cluster runs; the others keep theirs', () => {
    const r = EnvironmentRelease.fromFile(prod);
    const next = r.withCluster('asia', { services: { ...r.runs().services, web: '9.0.0' }, weights: r.runs().weights }, ['asia', 'eu', 'us']);
    expect(next.toFile()).toEqual({ ...prod, clusters: { ...prod.clusters, asia: { services: { web: '9.0.0' } } } });
    expect(next.runs('eu')).toEqual(r.runs('eu'));
  });

  test('a cluster running a versioned service without a pinned split unpins the environment\'s (entries for the clusters that take one); a cluster that does not run it changes nothing', () => {
    const api = { v1: 'a', v2: 'b' };
    const split = { v1: 90, v2: 10 };
    const takes = { services: { api }, weights: { api: split } };
    const unpinned = EnvironmentRelease.of('prod', takes, { eu: takes, us: { services: { api }, weights: {} } }).toFile();
    expect(unpinned).toEqual({ environment: 'prod', services: { api }, clusters: { eu: { weights: { api: split } } } });
    // read back, each cluster runs what it ran
    const back = EnvironmentRelease.fromFile(unpinned);
    expect(back.runs('eu').weights).toEqual({ api: split });
    expect(back.runs('us').weights).toEqual({});
    const elsewhere = EnvironmentRelease.of('prod', takes, { eu: takes, us: { services: { web: '1' }, weights: {} } }).toFile();
    expect(elsewhere).toEqual({ environment: 'prod', services: { api }, weights: { api: split }, clusters: { us: { services: { web: '1' } } } });
  });

  test('view: what one cluster runs as a release of its own, named env/cluster', () => {
    const view = EnvironmentRelease.fromFile(prod).view('eu');
    expect(view.environment).toBe('prod/eu');
    expect(view.clusters).toEqual([]);
    expect(view.toFile()).toEqual({ environment: 'prod/eu', services: { api: { v1: '1.0.0', v2: '1.2.0' }, web: '2.0.0' }, weights: { api: { v1: 50, v2: 50 } } });
    const whole = EnvironmentRelease.fromFile(prod);
    expect(whole.view()).toBe(whole);
  });

  test('equals: the same release file, whatever order the keys were given in', () => {
    const a = EnvironmentRelease.of('dev', { services: { b: '1', a: { v2: 'y', v1: 'x' } }, weights: { a: { v2: 10, v1: 90 } } });
    const b = EnvironmentRelease.of('dev', { services: { a: { v1: 'x', v2: 'y' }, b: '1' }, weights: { a: { v1: 90, v2: 10 } } });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(EnvironmentRelease.of('dev', { services: { a: { v1: 'x', v2: 'y' }, b: '2' }, weights: {} }))).toBe(false);
    expect(a.equals(EnvironmentRelease.of('dev', { services: { a: { v1: 'x', v2: 'y' }, b: '1' }, weights: {} }))).toBe(false);
  });

  test('immutable: frozen copies; the objects given are neither kept nor frozen', () => {
    const services: Record<string, string> = { web: '1' };
    const r = EnvironmentRelease.of('dev', { services, weights: {} });
    services.web = '2';
    expect(r.runs().services.web).toBe('1');
    expect(Object.isFrozen(services)).toBe(false);
    expect(Object.isFrozen(r) && Object.isFrozen(r.runs()) && Object.isFrozen(r.runs().services)).toBe(true);
    expect(Reflect.set(r.runs().services, 'web', '3')).toBe(false);
  });

  test('names every object has (constructor, __proto__) are names', () => {
    const r = EnvironmentRelease.fromFile(parseReleaseFile('apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\nservices:\n  constructor: "1"\n'));
    expect(r.runs().services).toEqual({ constructor: '1' });
    expect(r.runs('constructor')).toBe(r.runs());
    expect(r.toFile().services).toEqual({ constructor: '1' });
  });

  test('clusters are sorted whatever order they are given in; map goes through them in that order', () => {
    const runs = { services: { web: '1' }, weights: {} };
    const given = EnvironmentRelease.of('prod', runs, { us: { services: { web: '2' }, weights: {} }, eu: { services: { web: '3' }, weights: {} } });
    expect(given.clusters).toEqual(['eu', 'us']);
    const read = EnvironmentRelease.fromFile({ environment: 'prod', services: { web: '1' }, clusters: { us: { services: { web: '2' } }, eu: { services: { web: '3' } } } });
    expect(read.clusters).toEqual(['eu', 'us']);
    expect(Object.keys(read.toFile().clusters!)).toEqual(['eu', 'us']);
    const seen: Array<string | undefined> = [];
    given.map((now, cluster) => {
      seen.push(cluster);
      return now;
    }, ['zz', 'ap']);
    expect(seen).toEqual([undefined, 'ap', 'eu', 'us', 'zz']);
  });

  test('a cluster of a file without splits takes none; without entries of its own the environment\'s tags', () => {
    const r = EnvironmentRelease.fromFile({ environment: 'prod', services: { api: { v1: 'a', v2: 'b' } }, clusters: { eu: { weights: { api: { v1: 100, v2: 0 } } } } });
    expect(r.runs()).toEqual({ services: { api: { v1: 'a', v2: 'b' } }, weights: {} });
    expect(r.runs('eu')).toEqual({ services: { api: { v1: 'a', v2: 'b' } }, weights: { api: { v1: 100, v2: 0 } } });
    expect(r.toFile()).toEqual({ environment: 'prod', services: { api: { v1: 'a', v2: 'b' } }, clusters: { eu: { weights: { api: { v1: 100, v2: 0 } } } } });
  });

  test('a cluster entry in another form than the environment\'s service replaces it (one tag for versions, versions for one tag)', () => {
    const r = EnvironmentRelease.fromFile({ environment: 'prod', services: { api: { v1: 'a' }, web: '1' }, clusters: { eu: { services: { api: '2', web: { v1: '3' } } } } });
    expect(r.runs('eu').services).toEqual({ api: '2', web: { v1: '3' } });
    const back = EnvironmentRelease.of('prod', { services: { api: { v1: 'a' }, web: '1' }, weights: {} }, { eu: { services: { api: '2', web: { v1: '3' } }, weights: {} } });
    expect(back.toFile().clusters).toEqual({ eu: { services: { api: '2', web: { v1: '3' } } } });
  });

  test('differingServices: what differs, keys and versions sorted, as copies', () => {
    const versions = { v2: 'y', v1: 'x' };
    const out = differingServices({ web: '2', api: versions, db: '1', new: { v2: 'n', v1: 'm' } }, { web: '1', api: { v1: 'x', v2: 'z' }, db: '1' });
    expect(out).toEqual({ api: { v2: 'y' }, new: { v1: 'm', v2: 'n' }, web: '2' });
    expect(Object.keys(out)).toEqual(['api', 'new', 'web']);
    const whole = differingServices({ api: versions }, {});
    expect(whole).toEqual({ api: { v1: 'x', v2: 'y' } });
    expect(whole.api).not.toBe(versions);
    expect(differingServices({ api: { v1: 'x' } }, { api: { v1: 'x' } })).toEqual({});
    expect(Object.keys(differingServices({ api: { v3: 'c', v1: 'a', v2: 'b' } }, { api: { v1: 'x', v2: 'y', v3: 'z' } }).api)).toEqual(['v1', 'v2', 'v3']);
  });

  test('sameSplit: the same versions and percents in any order; none pinned is only the same as none', () => {
    expect(sameSplit({ v1: 90, v2: 10 }, { v2: 10, v1: 90 })).toBe(true);
    expect(sameSplit({ v1: 90, v2: 10 }, { v1: 10, v2: 90 })).toBe(false);
    expect(sameSplit({ v1: 90, v2: 10 }, { v1: 90, v2: 0 })).toBe(false); // one version the same is not enough
    expect(sameSplit({ v1: 100 }, { v1: 100, v2: 0 })).toBe(false);
    expect(sameSplit({ v1: 100, v2: 0 }, { v1: 100 })).toBe(false);
    expect(sameSplit(undefined, undefined)).toBe(true);
    expect(sameSplit(undefined, {})).toBe(false);
    expect(sameSplit({}, undefined)).toBe(false);
    expect(sameSplit({ constructor: 100 }, {})).toBe(false);
  });

  test('clusterLabel: env/cluster, the environment alone without a cluster', () => {
    expect(clusterLabel('prod', 'eu')).toBe('prod/eu');
    expect(clusterLabel('prod', undefined)).toBe('prod');
  });

  test('what a release holds is frozen all the way down, versions and splits included', () => {
    const r = EnvironmentRelease.fromFile(prod);
    for (const runs of [r.runs(), r.runs('eu')]) {
      expect(Object.isFrozen(runs.services.api) && Object.isFrozen(runs.weights) && Object.isFrozen(runs.weights.api)).toBe(true);
    }
    expect(Object.isFrozen(prod.services.api)).toBe(false);
  });
});
