/**
 * The prebuilt schema bundle (`npm run build` writes `lib/schemas/validators.js`): written by
 * writeSchemaBundle, used by the loader only for the package versions it was built from, and
 * never needed (a missing, broken or foreign bundle or code cache falls back to the modules).
 * Each case loads the validation modules afresh (jest.isolateModules): the loader keeps what
 * it has loaded for the life of the process.
 */
import { isAscii } from 'buffer';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '../../src/manifest';
import { createApp } from '../../src/main';
import { tempDir } from '../temp-dir';
import { goodPlatform, obj } from './fixtures';

type Modules = typeof import('../../src/validate/schema-modules');
type Validate = typeof import('../../src/validate');

/** The validation modules loaded afresh, using the bundle at `bundle` (none: a path that does not exist). */
function fresh(bundle: string): { modules: Modules; validate: Validate; used: { loaded: boolean; cacheRejected?: boolean } } {
  let out: any;
  jest.isolateModules(() => {
    const modules: Modules = require('../../src/validate/schema-modules');
    const used = modules.useSchemaBundle(bundle);
    out = { modules, used, validate: require('../../src/validate') };
  });
  return out;
}

const REGISTER = path.join(__dirname, '..', 'gitops', 'ts-register.js');

const referenceKinds = (): [string, string][] =>
  [...new Set(createApp().manifests().map(m => `${m.object.apiVersion} ${m.object.kind}`))].sort().map(k => k.split(' ') as [string, string]);

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
    summary = require('../../src/validate/schema-bundle').writeSchemaBundle(bundle, referenceKinds());
  });
  expect(summary.modules).toBeGreaterThan(100);
  expect(Object.keys(summary.packages).sort()).toEqual(['@kubernetes-models/apimachinery', '@kubernetes-models/argo-cd', '@kubernetes-models/istio', 'kubernetes-models']);
});

test('validation with the bundle finds exactly what it finds with the modules themselves', () => {
  const without = fresh(path.join(dir, 'none.js'));
  expect(without.used.loaded).toBe(false);
  const expected = findings(without.validate, sample());
  expect(expected.length).toBeGreaterThanOrEqual(3);
  const withBundle = fresh(bundle);
  expect(withBundle.used).toEqual({ loaded: true, cacheRejected: undefined });
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

test('a bundle is read as Latin-1 only when it is ASCII (as written): other text still decodes as UTF-8', () => {
  expect(isAscii(fs.readFileSync(bundle))).toBe(true);
  const accented = path.join(dir, 'accented.js');
  const poison = 'Object.assign(function () { return false; }, { errors: [{ instancePath: "", schemaPath: "#/poison", keyword: "type", params: { type: "vergiftet-äöü" } }] })';
  fs.writeFileSync(accented, fs.readFileSync(bundle, 'utf8').replace(/__exports\.validate=__wrap\([A-Za-z0-9_$]+\);/g, `__exports.validate=__wrap(${poison});`));
  expect(isAscii(fs.readFileSync(accented))).toBe(false);
  const messages = fresh(accented).validate.validateManifests(createApp().manifests()).findings.map(f => f.message).join('\n');
  expect(messages).toContain('vergiftet-äöü');
});

test('a missing or broken bundle is no bundle; a code cache V8 rejects costs only time', () => {
  const broken = path.join(dir, 'broken.js');
  fs.writeFileSync(broken, 'exports.modules = {');
  const b = fresh(broken);
  expect(b.used.loaded).toBe(false);
  expect(findings(b.validate, sample())).toEqual(findings(fresh(path.join(dir, 'none.js')).validate, sample()));

  // a code cache made by one process is accepted by the next (each a plain `node`, as synth runs)
  const withCache = path.join(dir, 'cached.js');
  fs.copyFileSync(bundle, withCache);
  const loader = path.join(__dirname, '..', '..', 'src', 'validate', 'schema-modules.ts');
  const node = (code: string) => {
    const r = spawnSync(process.execPath, ['-r', REGISTER, '-e', code], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  expect(node(`const m = require(${JSON.stringify(loader)}); const used = m.useSchemaBundle(${JSON.stringify(withCache)});
    m.loadSchemaModule(require('path').join(m.packageDir('kubernetes-models'), '_schemas', 'IoK8sApiAppsV1Deployment.js'));
    require('fs').writeFileSync(m.codeCacheFile(${JSON.stringify(withCache)}), m.schemaBundleCodeCache()); console.log(JSON.stringify(used));`))
    .toEqual({ loaded: true });
  expect(node(`console.log(JSON.stringify(require(${JSON.stringify(loader)}).useSchemaBundle(${JSON.stringify(withCache)})))`))
    .toEqual({ loaded: true, cacheRejected: false });

  // (another source text: V8 would reuse its in-process compilation of the same text instead)
  const withGarbage = path.join(dir, 'garbage.js');
  fs.writeFileSync(withGarbage, `${fs.readFileSync(bundle, 'utf8')}// another text\n`);
  fs.writeFileSync(path.join(dir, 'garbage.cache'), Buffer.alloc(4096, 7));
  const garbage = fresh(withGarbage);
  expect(garbage.used).toEqual({ loaded: true, cacheRejected: true });
  expect(findings(garbage.validate, sample())).toEqual(findings(fresh(path.join(dir, 'none.js')).validate, sample()));
});
