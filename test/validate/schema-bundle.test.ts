/**
 * The prebuilt schema bundle (`npm run build` writes `lib/schemas/validators.js`): written by
 * writeSchemaBundle, used by the loader only for the package versions it was built from, and
 * never needed (a missing, broken or foreign bundle falls back to the modules).
 * Each case loads the validation modules afresh (jest.isolateModules): the loader keeps what
 * it has loaded for the life of the process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '../../src/core/manifest';
import { BUNDLED_KINDS } from '../../src/validate/schema-bundle';
import { everyConstruct } from '../fixtures/every-construct';
import { tempDir } from '../temp-dir';
import { goodPlatform, obj } from './fixtures';

type Modules = typeof import('../../src/validate/schema-modules');
type Validate = typeof import('../../src/validate');

/** The validation modules loaded afresh, using the bundle at `bundle` (none: a path that does not exist). */
function fresh(bundle: string): { modules: Modules; validate: Validate; used: { loaded: boolean } } {
  let out: any;
  jest.isolateModules(() => {
    const modules: Modules = require('../../src/validate/schema-modules');
    const used = modules.useSchemaBundle(bundle);
    out = { modules, used, validate: require('../../src/validate') };
  });
  return out;
}

const createApp = everyConstruct;
const kindsOf = (ms: Manifest[]): string[] => [...new Set(ms.map(m => `${m.object.apiVersion} ${m.object.kind}`))].sort();

test('BUNDLED_KINDS are exactly the kinds the constructs render', () => {
  expect(BUNDLED_KINDS.map(([a, k]) => `${a} ${k}`).sort()).toEqual(kindsOf(everyConstruct().manifests()));
  expect(Object.isFrozen(BUNDLED_KINDS) && Object.isFrozen(BUNDLED_KINDS[0])).toBe(true);
});

/** The reference output plus objects with schema errors (a misspelt field, a wrong type, a missing required field). */
function sample(): Manifest[] {
  const ms = [...createApp().manifests(), ...goodPlatform()];
  const d = obj(ms, 'Deployment', 'backend-v1');
  d.spec.template.spec.containers[0].imagePulPolicy = 'Always';
  d.spec.replicas = 'two';
  delete obj(ms, 'VirtualService', 'frontend').spec.http[0].route[0].destination.host;
  return ms;
}

const findings = (v: Validate, ms: Manifest[]) => v.validateManifests(ms).findings.map(f => `${f.file} ${f.rule} ${f.field} ${f.message}`);

let dir: string;
let bundle: string;
beforeAll(() => {
  dir = tempDir('schema-bundle');
  bundle = path.join(dir, 'validators.js');
  let summary: any;
  jest.isolateModules(() => {
    require('../../src/validate/schema-modules').useSchemaBundle(path.join(dir, 'none.js'));
    summary = require('../../src/validate/schema-bundle').writeSchemaBundle(bundle, BUNDLED_KINDS);
  });
  expect(summary.modules).toBeGreaterThan(100);
  expect(Object.keys(summary.packages).sort()).toEqual([
    '@kubernetes-models/apimachinery', '@kubernetes-models/argo-cd', '@kubernetes-models/external-secrets', '@kubernetes-models/istio',
    '@kubernetes-models/prometheus-operator', 'kubernetes-models',
  ]);
});

test('validation with the bundle finds exactly what it finds with the modules themselves', () => {
  const without = fresh(path.join(dir, 'none.js'));
  expect(without.used.loaded).toBe(false);
  const expected = findings(without.validate, sample());
  expect(expected.length).toBeGreaterThanOrEqual(3);
  const withBundle = fresh(bundle);
  expect(withBundle.used).toEqual({ loaded: true });
  expect(findings(withBundle.validate, sample())).toEqual(expected);
  expect(findings(withBundle.validate, createApp().manifests())).toEqual([]);
});

test('the bundle is used, and only for the package versions it was built from', () => {
  // poison every bundled module: each validate fails with a recognizable error
  const poisoned = path.join(dir, 'poisoned.js');
  const text = fs.readFileSync(bundle, 'utf8');
  const poison = 'Object.assign(function () { return false; }, { errors: [{ instancePath: "", schemaPath: "#/poison", keyword: "type", params: { type: "poisoned" } }] })';
  fs.writeFileSync(poisoned, text.replace(/__exports\.validate=__wrap\([A-Za-z0-9_$]+\);/g, `__exports.validate=__wrap(${poison});`));
  const all = fresh(poisoned);
  const ms = createApp().manifests();
  const rejected = (v: Validate) => new Set(v.validateManifests(ms).findings.filter(f => f.message.includes('poisoned')).map(f => f.kind));
  expect([...rejected(all.validate)].sort()).toEqual([...new Set(ms.map(m => m.object.kind))].sort());

  // the same bundle claiming other versions of kubernetes-models and of the apimachinery
  // package its kinds import: those kinds come from the modules
  const foreign = path.join(dir, 'foreign.js');
  let other = fs.readFileSync(poisoned, 'utf8');
  for (const pkg of ['kubernetes-models', '@kubernetes-models/apimachinery']) {
    const version = JSON.parse(fs.readFileSync(path.join(all.modules.packageDir(pkg)!, 'package.json'), 'utf8')).version;
    expect(other).toContain(`"${pkg}":"${version}"`);
    other = other.replace(`"${pkg}":"${version}"`, `"${pkg}":"0.0.0-other"`);
  }
  fs.writeFileSync(foreign, other);
  const some = rejected(fresh(foreign).validate);
  expect(some.has('Deployment')).toBe(false);
  expect(some.has('ConfigMap')).toBe(false);
  expect(some.has('VirtualService')).toBe(true); // Istio's package version still matches
});

test('a missing or broken bundle is no bundle', () => {
  const broken = path.join(dir, 'broken.js');
  fs.writeFileSync(broken, 'exports.modules = {');
  const b = fresh(broken);
  expect(b.used.loaded).toBe(false);
  expect(findings(b.validate, sample())).toEqual(findings(fresh(path.join(dir, 'none.js')).validate, sample()));
  expect(fresh(path.join(dir, 'missing.js')).used.loaded).toBe(false);
});
