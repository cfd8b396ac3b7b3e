import * as fc from 'fast-check';
import { InputError } from '../../src/core/errors';
import { compareVersions } from '../../src/core/compare';
import { canarySplit, describeChanges, describeWeightChanges, formatSplit, newestTag } from '../../src/gitops/rotation';
import { adopt, changesBetween, headlineTag, rotate, weightChangesBetween } from './on-release-files';

const dev = { environment: 'dev', services: { backend: { v1: 'a', v2: 'b' }, monitor: { v1: 'a', v2: 'b' }, frontend: 'b' } };

describe('A/B rotation', () => {
  test('v1 takes the tag v2 had, v2 takes the new tag, a service without versions takes it', () => {
    const r = rotate(dev, 'c');
    expect(r.state).toEqual({ environment: 'dev', services: { backend: { v1: 'b', v2: 'c' }, monitor: { v1: 'b', v2: 'c' }, frontend: 'c' } });
    expect(r.rotated).toEqual(['backend', 'frontend', 'monitor']);
    expect(r.unchanged).toEqual([]);
  });

  test('only the named services rotate', () => {
    const r = rotate(dev, 'c', ['backend']);
    expect(r.state.services).toEqual({ ...dev.services, backend: { v1: 'b', v2: 'c' } });
    expect(dev.services.backend).toEqual({ v1: 'a', v2: 'b' });
  });

  test('releasing the tag that already runs changes nothing', () => {
    const r = rotate(dev, 'b');
    expect(r.rotated).toEqual([]);
    expect(r.unchanged).toEqual(['backend', 'frontend', 'monitor']);
    expect(r.state.services).toEqual(dev.services);
  });

  test('more than two versions shift by one, in natural version order', () => {
    const r = rotate({ environment: 'dev', services: { x: { v10: 'c', v2: 'b', v1: 'a' } } }, 'd');
    expect(r.state.services.x).toEqual({ v1: 'b', v2: 'c', v10: 'd' });
    expect(compareVersions('v2', 'v10')).toBeLessThan(0);
  });

  test('an unknown service is a usage error naming the flag and the known services', () => {
    expect(() => rotate(dev, 'c', ['nope'])).toThrow(InputError);
    expect(() => rotate(dev, 'c', ['nope'])).toThrow('--service: "nope" is not a service of environment "dev" (services: backend, frontend, monitor)');
  });

  test('property: after rotation the newest version runs the tag and the old newest moves down one', () => {
    const tag = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(fc.property(tag, tag, tag, (v1, v2, t) => {
      const r = rotate({ environment: 'e', services: { s: { v1, v2 } } }, t);
      const s = r.state.services.s as Record<string, string>;
      expect(newestTag(s)).toBe(t);
      expect(s.v1).toBe(v2 === t ? v1 : v2);
      // Rotating again with the same tag is a no-op.
      expect(rotate(r.state, t).rotated).toEqual([]);
    }));
  });
});

describe('release helpers', () => {
  test('adopt takes the source tags of shared services only', () => {
    const prod = { environment: 'prod', services: { backend: { v1: 'x', v2: 'y' }, only: 'z' } };
    expect(adopt(prod, dev)).toEqual({ environment: 'prod', services: { backend: { v1: 'a', v2: 'b' }, only: 'z' } });
  });

  test('headline tag is the tag most newest versions run', () => {
    expect(headlineTag(dev)).toBe('b');
    expect(headlineTag({ environment: 'e', services: {} })).toBeUndefined();
  });

  test('changes are listed per service and version', () => {
    const next = rotate(dev, 'c', ['backend', 'frontend']).state;
    expect(describeChanges(changesBetween(dev, next))).toEqual([
      'backend v1: a -> b',
      'backend v2: b -> c',
      'frontend: b -> c',
    ]);
  });
});

describe('release states with cluster entries', () => {
  const prod = {
    environment: 'prod',
    services: { api: { v1: 'a', v2: 'b' }, web: 'b' },
    clusters: { eu: { services: { api: { v2: 'c' }, web: 'c' } } },
  };

  test('rotate: the environment and every cluster with entries rotate their own tags; entries left equal go', () => {
    const r = rotate(prod, 'd');
    expect(r.state).toEqual({
      environment: 'prod',
      services: { api: { v1: 'b', v2: 'd' }, web: 'd' },
      clusters: { eu: { services: { api: { v1: 'c' } } } },
    });
    expect(r.rotated).toEqual(['api', 'web']);
    // eu already runs c: it stays; the environment takes c: only eu's v1 (what it ran before c) still differs
    expect(rotate(prod, 'c').state).toEqual({ environment: 'prod', services: { api: { v1: 'b', v2: 'c' }, web: 'c' }, clusters: { eu: { services: { api: { v1: 'a' } } } } });
  });

  test('adopt: every cluster of the target takes the source\'s tags (a source without clusters: its environment\'s)', () => {
    expect(adopt(prod, { environment: 'dev', services: { api: { v1: 'x', v2: 'y' } } })).toEqual({
      environment: 'prod', services: { api: { v1: 'x', v2: 'y' }, web: 'b' }, clusters: { eu: { services: { web: 'c' } } },
    });
    // a rollback adopts the earlier state of the same environment: its cluster entries return
    const earlier = { environment: 'prod', services: { api: { v1: 'a', v2: 'a' }, web: 'a' }, clusters: { us: { services: { web: 'z' } } } };
    expect(adopt(prod, earlier)).toEqual(earlier);
  });

  test('changesBetween: the environment\'s changes, then each cluster\'s that are not the environment\'s', () => {
    const after = rotate(prod, 'd').state;
    expect(changesBetween(prod, after)).toEqual([
      { service: 'api', version: 'v1', from: 'a', to: 'b' },
      { service: 'api', version: 'v2', from: 'b', to: 'd' },
      { service: 'web', from: 'b', to: 'd' },
      { cluster: 'eu', service: 'api', version: 'v1', from: 'a', to: 'c' },
      { cluster: 'eu', service: 'api', version: 'v2', from: 'c', to: 'd' },
      { cluster: 'eu', service: 'web', from: 'c', to: 'd' },
    ]);
    expect(describeChanges(changesBetween(prod, after)).slice(3)).toEqual(['[eu] api v1: a -> c', '[eu] api v2: c -> d', '[eu] web: c -> d']);
  });
});

describe('pinned splits in rotation, adoption and change lists', () => {
  const pinned = { ...dev, weights: { backend: { v1: 90, v2: 10 }, monitor: { v1: 50, v2: 50 } } };

  test('a release removes the split of each service it rotates (back to the program\'s) and keeps the others', () => {
    const r = rotate(pinned, 'c', ['backend']);
    expect(r.state.weights).toEqual({ monitor: { v1: 50, v2: 50 } });
    expect(rotate(pinned, 'c').state).not.toHaveProperty('weights');
  });

  test('releasing the tag a canary runs completes it: the split is removed, the tags stay; as a canary again, nothing changes', () => {
    const r = rotate(pinned, 'b', ['backend']);
    expect(r).toMatchObject({ rotated: [], unchanged: ['backend'], reset: ['backend'] });
    expect(r.state).toEqual({ ...dev, weights: { monitor: { v1: 50, v2: 50 } } });
    expect(rotate(pinned, 'b', ['backend'], { canary: true })).toMatchObject({ rotated: [], reset: [], state: pinned });
    expect(rotate(dev, 'b').reset).toEqual([]);
  });

  test('a canary release gives the newest version the tag at 0%, the others keep 100%', () => {
    const r = rotate(pinned, 'c', ['backend'], { canary: true });
    expect(r.state.services.backend).toEqual({ v1: 'b', v2: 'c' });
    expect(r.state.weights).toEqual({ backend: { v1: 100, v2: 0 }, monitor: { v1: 50, v2: 50 } });
    expect(canarySplit(['v1', 'v2', 'v3'])).toEqual({ v1: 50, v2: 50, v3: 0 });
    expect(canarySplit(['v1', 'v2', 'v3', 'v10'])).toEqual({ v1: 33, v2: 33, v3: 34, v10: 0 });
  });

  test('a canary needs two or more versions: a service without versions is refused, naming it', () => {
    expect(() => rotate(dev, 'c', ['frontend'], { canary: true })).toThrow(InputError);
    expect(() => rotate(dev, 'c', ['frontend'], { canary: true })).toThrow('--canary: "frontend" has no versions: a canary takes the newest of two or more versions');
    expect(() => rotate(dev, 'c', undefined, { canary: true })).toThrow('"frontend" has no versions');
    expect(() => rotate({ environment: 'dev', services: { x: { v1: 'a' } } }, 'c', ['x'], { canary: true })).toThrow('"x" has one version');
  });

  test('adopt keeps the target\'s splits unless told to adopt them (rollback, promote --with-weights)', () => {
    const target = { ...dev, weights: { backend: { v1: 100, v2: 0 } } };
    const source = { environment: 'x', services: { backend: { v1: 'q', v2: 'r' }, monitor: { v1: 's', v2: 't' } }, weights: { monitor: { v1: 10, v2: 90 } } };
    expect(adopt(target, source).weights).toEqual({ backend: { v1: 100, v2: 0 } });
    expect(adopt(target, source, { weights: true }).weights).toEqual({ monitor: { v1: 10, v2: 90 } });
    expect(adopt(target, { environment: 'x', services: {} }, { weights: true }).weights).toEqual({ backend: { v1: 100, v2: 0 } });
    expect(adopt(dev, { ...dev, weights: {} }, { weights: true })).not.toHaveProperty('weights');
  });

  test('split changes are listed per service, oldest version first', () => {
    const after = { ...dev, weights: { backend: { v1: 80, v2: 20 }, monitor: { v1: 50, v2: 50 } } };
    const changes = weightChangesBetween({ ...dev, weights: { backend: { v2: 10, v1: 90 }, monitor: { v1: 50, v2: 50 }, x: { v1: 100 } } }, after);
    expect(changes).toEqual([{ service: 'backend', from: { v2: 10, v1: 90 }, to: { v1: 80, v2: 20 } }, { service: 'x', from: { v1: 100 } }]);
    expect(describeWeightChanges(changes)).toEqual(['backend split: v1=90% v2=10% -> v1=80% v2=20%', "x split: v1=100% -> the program's split"]);
    expect(formatSplit({ v10: 0, v2: 50, v1: 50 })).toBe('v1=50% v2=50% v10=0%');
  });
});

describe('pinned splits per cluster in rotation, adoption and change lists', () => {
  const api = { v1: 'a', v2: 'b' };
  const clusters = ['eu', 'us', 'ap'];

  test('a canary of the whole environment pins the canary split in every cluster; a cluster that already runs the tag keeps the program\'s split', () => {
    // eu was released ahead (its canary completed): it runs b at the program's split
    const prod = { environment: 'prod', services: { api }, clusters: { eu: { services: { api: { v1: 'x', v2: 'c' } } } } };
    const r = rotate(prod, 'c', ['api'], { canary: true, clusters });
    expect(r.state).toEqual({
      environment: 'prod',
      services: { api: { v1: 'b', v2: 'c' } },
      // an entry cannot say "the program's split": the environment pins none, every other cluster pins the canary split
      clusters: { ap: { weights: { api: { v1: 100, v2: 0 } } }, eu: { services: { api: { v1: 'x' } } }, us: { weights: { api: { v1: 100, v2: 0 } } } },
    });
    // without eu ahead: one split for the environment, no entries
    expect(rotate({ environment: 'prod', services: { api } }, 'c', ['api'], { canary: true, clusters }).state)
      .toEqual({ environment: 'prod', services: { api: { v1: 'b', v2: 'c' } }, weights: { api: { v1: 100, v2: 0 } } });
  });

  test('a normal release removes the split of each named service in the environment and in every cluster', () => {
    const prod = { environment: 'prod', services: { api }, weights: { api: { v1: 100, v2: 0 } }, clusters: { eu: { weights: { api: { v1: 50, v2: 50 } } } } };
    const r = rotate(prod, 'b', ['api'], { clusters });
    expect(r).toMatchObject({ rotated: [], unchanged: ['api'], reset: ['api'] });
    expect(r.state).toEqual({ environment: 'prod', services: { api } });
  });

  test('adopt with splits: each cluster takes the split the same cluster of the source takes (rollback of a shift in one cluster)', () => {
    const before = { environment: 'prod', services: { api }, weights: { api: { v1: 100, v2: 0 } } };
    const shifted = { ...before, clusters: { eu: { weights: { api: { v1: 90, v2: 10 } } } } };
    expect(adopt(shifted, before, { weights: true })).toEqual(before);
    expect(adopt(before, shifted, { weights: true })).toEqual(shifted);
    // without splits adopted, the target keeps its own (per cluster too)
    expect(adopt(shifted, { environment: 'dev', services: { api: { v1: 'q', v2: 'r' } } })).toEqual({ ...shifted, services: { api: { v1: 'q', v2: 'r' } } });
  });

  test('split changes: the environment\'s, then each cluster\'s that are not the environment\'s', () => {
    const before = { environment: 'prod', services: { api }, weights: { api: { v1: 100, v2: 0 } } };
    const after = { ...before, clusters: { eu: { weights: { api: { v1: 90, v2: 10 } } } } };
    expect(weightChangesBetween(before, after)).toEqual([{ cluster: 'eu', service: 'api', from: { v1: 100, v2: 0 }, to: { v1: 90, v2: 10 } }]);
    expect(describeWeightChanges(weightChangesBetween(before, after))).toEqual(['[eu] api split: v1=100% v2=0% -> v1=90% v2=10%']);
    // the environment's change reaches eu too: listed once, for the environment
    const all = { ...before, weights: { api: { v1: 50, v2: 50 } } };
    expect(weightChangesBetween(after, all)).toEqual([
      { service: 'api', from: { v1: 100, v2: 0 }, to: { v1: 50, v2: 50 } },
      { cluster: 'eu', service: 'api', from: { v1: 90, v2: 10 }, to: { v1: 50, v2: 50 } },
    ]);
  });
});
