/**
 * `npm run import -- --offline DIR` finds each CRD of cdk8s.yaml in DIR, or refuses (exit 2)
 * before running cdk8s import, leaving imports/ as it is. (Regenerating imports/ byte for byte
 * from the upstream CRD files was checked by hand: it needs those files, which tests do not have.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../temp-dir';
import { snapshotTree } from '../tree-snapshot';

const ROOT = path.join(__dirname, '..', '..');
const importTool = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'tools', 'import.js'), ...args], { encoding: 'utf8' });

test('a folder without a copy of a CRD is refused, naming the URL and the file names it looked for', () => {
  const before = snapshotTree(path.join(ROOT, 'imports'));
  const dir = tempDir('crds');
  fs.writeFileSync(path.join(dir, 'unrelated.yaml'), 'kind: Nothing\n');
  const r = importTool('--offline', dir);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(`--offline ${dir}: no file for https://raw.githubusercontent.com/istio/istio/1.30.3/manifests/charts/base/files/crd-all.gen.yaml; `
    + 'expected exactly one named crd-all.gen.yaml or *-crd-all.gen.yaml naming 1.30.3');
  expect(snapshotTree(path.join(ROOT, 'imports'))).toEqual(before);
});

test('a copy of another release does not count; two of the same release are ambiguous', () => {
  const dir = tempDir('crds-two');
  fs.writeFileSync(path.join(dir, 'istio-1.29.0-crd-all.gen.yaml'), '');
  expect(importTool('--offline', dir).stderr).toContain('no file for https://raw.githubusercontent.com/istio/istio/1.30.3/');
  for (const f of ['a-1.30.3-crd-all.gen.yaml', 'b-1.30.3-crd-all.gen.yaml']) fs.writeFileSync(path.join(dir, f), '');
  const r = importTool('--offline', dir);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('2 files (a-1.30.3-crd-all.gen.yaml, b-1.30.3-crd-all.gen.yaml)');
});

test('usage errors: --offline without a folder, an unknown argument', () => {
  expect(importTool('--offline').stderr).toContain('--offline needs a folder');
  const r = importTool('--later');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('unknown argument "--later"');
});
