import { spawnSync } from 'child_process';
import * as path from 'path';
import { stringify } from 'yaml';
import { yamlModule } from '../src/yaml-module';

const REGISTER = path.join(__dirname, 'gitops', 'ts-register.js');
const SRC = path.join(__dirname, '..', 'src');

/** Run `code` in a fresh node process (TypeScript sources through the test register); its JSON output. */
function node(code: string): any {
  const r = spawnSync(process.execPath, ['-r', REGISTER, '-e', code], { encoding: 'utf8', cwd: path.join(__dirname, '..') });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** How many modules of cdk8s's `yaml` a process has loaded, other than its entry file (the stand-in). */
const CDK8S_YAML_FILES = `Object.keys(require.cache).filter(f => f.includes(${JSON.stringify(`${path.sep}cdk8s${path.sep}node_modules${path.sep}yaml${path.sep}dist${path.sep}`)})
  && !f.endsWith(${JSON.stringify(`${path.sep}dist${path.sep}index.js`)})).length`;

describe('yamlModule', () => {
  test('is a working yaml module', () => {
    expect(yamlModule().stringify({ a: 'yes' }, { version: '1.1' })).toBe(stringify({ a: 'yes' }, { version: '1.1' }));
  });
});

describe("cdk8s's own yaml", () => {
  test('is not loaded by synthesizing the reference app; cdk8s still reads and writes YAML through it', () => {
    const out = node(`
      const ym = require(${JSON.stringify(path.join(SRC, 'index.ts'))}) && require(${JSON.stringify(path.join(SRC, 'yaml-module.ts'))});
      const { createApp } = require(${JSON.stringify(path.join(SRC, 'main.ts'))});
      const app = createApp();
      const files = app.files(app.manifests());
      const afterSynth = { loaded: ym.cdk8sYamlLoaded(), files: ${CDK8S_YAML_FILES}, yamlFiles: files.size };
      const cdk8s = require('cdk8s');
      const written = cdk8s.Yaml.stringify({ a: 'yes', b: [1] });
      const file = require('path').join(require('os').tmpdir(), 'cdk8s-gitops-yaml-module-' + process.pid + '.yaml');
      require('fs').writeFileSync(file, 'a: 1\\n---\\nb: [x]\\n');
      const read = cdk8s.Yaml.load(file);
      require('fs').rmSync(file);
      const app2 = new cdk8s.App();
      new cdk8s.ApiObject(new cdk8s.Chart(app2, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
      console.log(JSON.stringify({ afterSynth, written, read, synthYaml: app2.synthYaml(), after: { loaded: ym.cdk8sYamlLoaded(), files: ${CDK8S_YAML_FILES} > 10 } }));
    `);
    expect(out.afterSynth).toEqual({ loaded: false, files: 0, yamlFiles: expect.any(Number) });
    expect(out.afterSynth.yamlFiles).toBeGreaterThan(50);
    // the stand-in forwards to the real module, loaded on first use
    expect(out.written).toBe("a: \"yes\"\nb:\n  - 1\n");
    expect(out.read).toEqual([{ a: 1 }, { b: ['x'] }]);
    expect(out.synthYaml).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    expect(out.after).toEqual({ loaded: true, files: true });
  });

  test('is left alone when cdk8s was loaded first', () => {
    const out = node(`
      require('cdk8s');
      const ym = require(${JSON.stringify(path.join(SRC, 'yaml-module.ts'))});
      console.log(JSON.stringify({ installed: ym.deferCdk8sYaml(), loaded: ym.cdk8sYamlLoaded(), files: ${CDK8S_YAML_FILES} > 10 }));
    `);
    expect(out).toEqual({ installed: false, loaded: true, files: true });
  });

  test('the stand-in answers key listing and `in` as the real module does', () => {
    const out = node(`
      const ym = require(${JSON.stringify(path.join(SRC, 'yaml-module.ts'))});
      const cdk8sDir = require('path').dirname(require.resolve('cdk8s/package.json'));
      const standIn = require(require.resolve('yaml', { paths: [cdk8sDir] }));
      const before = ym.cdk8sYamlLoaded();
      const keys = Object.keys(standIn).sort();
      const real = require(require.resolve('yaml', { paths: [cdk8sDir] }));
      // what TypeScript's interop helpers make of it: import * as Y / import Y from
      const star = standIn.__esModule ? standIn : null;
      const byDefault = (standIn.__esModule ? standIn : { default: standIn }).default;
      console.log(JSON.stringify({ before, keys, realKeys: Object.keys(real).sort(), has: 'parseDocument' in standIn, same: standIn.stringify === real.stringify, replaced: real !== standIn,
        star: star.stringify({ a: 1 }), byDefault: byDefault.stringify({ a: 1 }) }));
    `);
    expect(out.before).toBe(false);
    expect(out.keys).toEqual(out.realKeys);
    expect(out.keys).toContain('stringify');
    expect(out).toMatchObject({ has: true, same: true, replaced: true, star: 'a: 1\n', byDefault: 'a: 1\n' });
  });
});
