/**
 * Names that every JavaScript object inherits (`constructor`, `__proto__`, `toString`,
 * `hasOwnProperty`, ...) as the names a user gives (issue 19): services, versions,
 * environments, clusters, weights keys, gate settings, header names, config keys, release-file
 * entries. Each is either a name like any other (found only where it was given) or refused with
 * a message naming it: never found in `Object.prototype`, never dropped, never written onto it.
 * Property tests (fast-check) over those names; the CLI end to end: test/faults/prototype-name-faults.test.ts.
 */
import * as fc from 'fast-check';
import { Environment } from '../src/model/environment';
import { parseGateFlag } from '../src/gate/gate-settings';
import { unknownReleaseEntries } from '../src/gitops/release-entries';
import { completeSplit, parseWeights } from '../src/gitops/shift-flow';
import { adopt, release, rotate, shifted } from './gitops/on-release-files';
import { HttpMatch } from '../src/mesh/http-match';
import { parseReleaseFile, ReleaseState } from '../src/release/release';
import { ReleaseRegistry } from '../src/release/release-registry';
import { validateManifests } from '../src/validate';
import { makeApp } from './gitops/fixture-app';

/** Every name Object.prototype has (constructor, __proto__, toString, hasOwnProperty, valueOf, ...). */
export const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
/** The ones that are DNS-1123 labels too (so pass every name check): `constructor`. */
const LABELS = PROTOTYPE_NAMES.filter(n => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n));
const name = fc.constantFrom(...PROTOTYPE_NAMES);
const labelName = fc.constantFrom(...LABELS);
const params = { numRuns: 60 };

/** Object.prototype is as it was (nothing was written onto it). */
function expectPrototypeIntact(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES);
  expect(Object.getOwnPropertyNames(Object).sort()).toEqual(OBJECT_STATICS);
}
const OBJECT_STATICS = Object.getOwnPropertyNames(Object).sort();

function releaseFile(body: string): string {
  return `apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\n${body}`;
}

test('LABELS holds constructor: the prototype name every name check lets through', () => {
  expect(LABELS).toEqual(['constructor']);
  expect(PROTOTYPE_NAMES).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf']));
});

describe('release files', () => {
  test('a prototype name as a service, version, weights or cluster key is refused naming the field, or kept as an entry of its own', () => {
    fc.assert(fc.property(name, n => {
      const texts: Array<[string, string]> = [
        [`services:\n  ${n}: t1\n`, `services.${n}`],
        [`services:\n  backend:\n    ${n}: t1\n`, `services.backend.${n}`],
        [`services:\n  backend:\n    v1: t1\n    v2: t2\nweights:\n  ${n}:\n    v1: 100\n`, `weights.${n}`],
        [`services:\n  backend:\n    v1: t1\n    v2: t2\nweights:\n  backend:\n    ${n}: 100\n`, `weights.backend.${n}`],
        [`services:\n  backend:\n    v1: t1\n    v2: t2\nclusters:\n  ${n}:\n    services:\n      backend:\n        v1: t3\n`, `clusters.${n}`],
        [`services:\n  backend:\n    v1: t1\n    v2: t2\nclusters:\n  eu:\n    services:\n      ${n}: t3\n`, `clusters.eu.services.${n}`],
        [`services:\n  backend:\n    v1: t1\n    v2: t2\nclusters:\n  eu:\n    services:\n      backend:\n        ${n}: t3\n`, `clusters.eu.services.backend.${n}`],
      ];
      for (const [body, field] of texts) {
        let state: ReleaseState | undefined;
        let message = '';
        try { state = parseReleaseFile(releaseFile(body), { environment: 'dev' }); } catch (e: any) { message = e.message; }
        if (state === undefined) {
          expect(message).toContain(`${field}:`);
        } else {
          // accepted (a DNS label in a place of services): it is there, as given, as an own entry
          expect(LABELS).toContain(n);
          expect(JSON.stringify(state)).toContain(`"${n}":`);
        }
      }
      expectPrototypeIntact();
    }), params);
  });

  test('entries named constructor that the program lacks are reported as unknown, with the right reason', () => {
    const known: ReleaseState = { environment: 'dev', services: { backend: { v1: 'a', v2: 'b' }, frontend: 'c' } };
    fc.assert(fc.property(labelName, n => {
      const stored: ReleaseState = { environment: 'dev', services: { [n]: 't1', backend: { v1: 'a', [n]: 'x' } }, weights: { [n]: { v1: 100 } } };
      const found = unknownReleaseEntries(stored, known);
      expect(found.map(f => [f.field, f.problem.split(' (')[0].split(';')[0]])).toEqual([
        ['services.backend.constructor', 'unknown version of backend'],
        ['services.constructor', 'unknown service'],
        ['weights.constructor', 'a split of a service the program does not run'],
      ]);
      const clusters = { eu: { services: known.services } };
      const inCluster = unknownReleaseEntries({ ...known, clusters: { [n]: { services: { frontend: 'd' } }, eu: { services: { [n]: 'e' } } } }, known, clusters);
      expect(inCluster.map(f => [f.field, f.problem.split(';')[0]])).toEqual([
        ['clusters.constructor', 'unknown cluster'],
        ['clusters.eu.services.constructor', 'is not a service the program runs in cluster eu'],
      ]);
    }), params);
  });
});

describe('release commands, as functions', () => {
  const state: ReleaseState = { environment: 'dev', services: { backend: { v1: 'a', v2: 'b' }, frontend: 'c' }, weights: { backend: { v1: 90, v2: 10 } } };

  test('rotate: a prototype name as --service is refused (not a silent no-op)', () => {
    fc.assert(fc.property(name, n => {
      expect(() => rotate(state, 't9', [n])).toThrow(`--service: ${JSON.stringify(n)} is not a service of environment "dev" (services: backend, frontend)`);
    }), params);
  });

  test('rotate and adopt in a state with clusters: a service named constructor the cluster lacks is not found in it', () => {
    fc.assert(fc.property(labelName, n => {
      const s: ReleaseState = { environment: 'prod', services: { [n]: 'a', backend: 'b' }, clusters: { eu: { services: { backend: 'c' } } } };
      const r = rotate(s, 't9', [n], { clusters: ['eu'] });
      expect(r.rotated).toEqual([n]);
      expect(release(r.state).runs('eu').services).toEqual({ [n]: 't9', backend: 'c' });
      expect(r.reset).toEqual([]);
      const adopted = adopt({ environment: 'prod', services: { backend: 'x' } }, s);
      expect(adopted.services).toEqual({ backend: 'b' });
      expect(release(s).view(n).toFile()).toEqual({ environment: `prod/${n}`, services: s.services });
      expectPrototypeIntact();
    }), params);
  });

  test('--weights: a prototype name as a version is refused as one, never "given twice"', () => {
    fc.assert(fc.property(name, n => {
      let message = '';
      try {
        const w = parseWeights(`${n}=20`);
        // a version-shaped name: parsed as its own key; then the split names a version backend does not have
        expect(Object.keys(w)).toEqual([n]);
        completeSplit('backend', ['v1', 'v2'], w);
      } catch (e: any) { message = e.message; }
      expect(message).not.toMatch(/twice/);
      expect(message).toContain(n);
      expect(() => shifted(state, [n], { v2: 20 })).toThrow(`--service: ${JSON.stringify(n)}`);
    }), params);
  });

  test('--gate: a prototype name as a setting is an unknown setting', () => {
    fc.assert(fc.property(name, n => {
      expect(() => parseGateFlag(`prometheus=http://p:9090,${n}=1`)).toThrow(`--gate ${n}: unknown setting (allowed: `);
    }), params);
  });
});

describe('constructs', () => {
  test('a service and a version named constructor: their tags come from the release state or the fallback, never from Object.prototype', () => {
    fc.assert(fc.property(labelName, fc.boolean(), (n, released) => {
      // released: the state pins v2 only, so version `constructor` must take the fallback
      const releases: Record<string, ReleaseState> = released ? { dev: { environment: 'dev', services: { [n]: { v2: 't-2' } } } } : {};
      const app = makeApp({ releases }, [{ name: n, versions: [n, 'v2'] }]);
      const images = [...app.files()].filter(([f]) => f.startsWith('dev/')).flatMap(([, text]) => [...String(text).matchAll(/image: (\S+)/g)].map(m => m[1])).sort();
      expect(images).toEqual([`registry.example/${n}:1.0.0`, `registry.example/${n}:${released ? 't-2' : '1.0.0'}`]);
      expect(app.releaseState('dev').services).toEqual({ [n]: { [n]: '1.0.0', v2: released ? 't-2' : '1.0.0' } });
      expectPrototypeIntact();
    }), { numRuns: 6 });
  });

  test('a cluster named constructor: the registry keeps its tags as an entry of its own, nothing written onto Object', () => {
    fc.assert(fc.property(labelName, n => {
      const registry = new ReleaseRegistry({});
      // the first cluster by name (ab) gives the environment's tag; the one named constructor differs, so it has an entry
      for (const [cluster, fallback] of [[n, 'b'], ['ab', 'a']]) {
        registry.bind({ environment: 'prod', cluster, service: 'backend', version: 'v1', fallback, render: t => `r/backend:${t}` });
      }
      const state = registry._releaseOf('prod').toFile();
      expect(state.services).toEqual({ backend: { v1: 'a' } });
      expect(state.clusters).toEqual({ [n]: { services: { backend: { v1: 'b' } } } });
      expect(registry._releaseOf('prod', [n]).runs(n).services).toEqual({ backend: { v1: 'b' } });
      expectPrototypeIntact();
    }), params);
  });

  test('an app named constructor takes the namespace its environment gives it or the default, never a function', () => {
    fc.assert(fc.property(name, n => {
      const env = new Environment({ name: 'dev' });
      expect(env.namespaceOf(n)).toBe(`${n}-dev`);
      const mapped = new Environment({ name: 'dev', namespaces: { [n]: 'mine' } });
      expect(mapped.namespaceOf(n)).toBe('mine');
    }), params);
  });

  test('header conditions named like prototype keys combine (each once), and twice is still refused', () => {
    fc.assert(fc.property(name, n => {
      if (!/^[a-z0-9-]+$/.test(n)) {
        expect(() => HttpMatch.headerExact(n, 'a')).toThrow(`header.name: ${JSON.stringify(n)} must be a lower-case HTTP header name`);
        return;
      }
      for (const both of [HttpMatch.headerExact(n, 'a').and(HttpMatch.headerExact('x-other', 'b')), HttpMatch.headerExact('x-other', 'b').and(HttpMatch.headerExact(n, 'a'))]) {
        expect(Object.keys(both.toJson().headers ?? {}).sort()).toEqual([n, 'x-other'].sort());
      }
      expect(() => HttpMatch.headerExact(n, 'a').and(HttpMatch.headerExact(n, 'b'))).toThrow(/sets a header condition twice/);
      expectPrototypeIntact();
    }), params);
  });

  test('a configMapKeyRef to a missing key named like a prototype key is reported', () => {
    fc.assert(fc.property(name, n => {
      const manifests = [
        { path: 'dev/a/cm.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data: { other: 'x' } } },
        {
          path: 'dev/a/pod.yaml',
          object: {
            apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
            spec: { containers: [{ name: 'c', image: 'r/i:1', env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'cm', key: n } } }] }] },
          },
        },
      ];
      const { findings } = validateManifests(manifests);
      expect(findings.map(f => f.message).join('\n')).toContain(`has no key ${JSON.stringify(n)}`);
    }), { numRuns: 20 });
  });
});
