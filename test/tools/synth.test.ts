/**
 * The fast synth path (`npm run synth`, cdk8s.yaml's app: tools/synth.js): stat-based staleness,
 * one esbuild transpile per changed source, orphaned outputs removed, the schema bundle rebuilt
 * only when stale, and the same output as the compiled (tsc) path.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { withoutEnginesNote } from '../gitops/helpers';
import { ensureBuilt } from '../package/npm';
import { tempDir } from '../temp-dir';
import { snapshotTree } from '../tree-snapshot';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const synth = require('../../tools/synth.js') as {
  refresh(root: string, options?: { schemaBundle?: boolean }): { transpiled: string[]; removed: string[]; schemaBundle?: string };
  scan(root: string): { stale: string[]; orphans: string[] };
  schemaBundleStale(bundle: string, inputsDir: string, versionOf: (name: string) => string | undefined): string | undefined;
};

const ROOT = path.join(__dirname, '..', '..');

function write(file: string, text: string, mtime?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  if (mtime !== undefined) fs.utimesSync(file, mtime, mtime);
}

/** A project like this one: tsconfig.json, src/ and reference/ importing it. */
function project(): string {
  const root = tempDir('synth-fast');
  write(path.join(root, 'tsconfig.json'), fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  write(path.join(root, 'src', 'index.ts'), "export * from './greeting';\nexport * from './sub/count';\n");
  write(path.join(root, 'src', 'greeting.ts'), "export const greeting = (name: string): string => `hello ${name}`;\n");
  write(path.join(root, 'src', 'sub', 'count.ts'), 'export class Counter { public n = 0; constructor(private readonly step: number) {} public next(): number { return (this.n += this.step); } }\n');
  write(path.join(root, 'reference', 'main.ts'), "import { Counter, greeting } from '../src';\nexport const out = `${greeting('x')} ${new Counter(2).next()}`;\n");
  return root;
}

const run = (root: string) => {
  const file = path.join(root, 'lib', 'reference', 'main.js');
  // a fresh process: the outputs as node loads them
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(file)}).out)`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
};

describe('staleness (stat only)', () => {
  test('a fresh project is transpiled whole, then nothing is stale', () => {
    const root = project();
    const first = synth.refresh(root, { schemaBundle: false });
    expect(first.transpiled.sort()).toEqual(['reference/main.ts', 'src/greeting.ts', 'src/index.ts', 'src/sub/count.ts'].map(f => f.split('/').join(path.sep)));
    expect(run(root)).toBe('hello x 2');
    expect(synth.scan(root)).toEqual({ stale: [], orphans: [] });
    expect(synth.refresh(root, { schemaBundle: false })).toEqual({ transpiled: [], removed: [], schemaBundle: undefined });
  });

  test('editing one source transpiles that file only; the others keep their outputs untouched', () => {
    const root = project();
    synth.refresh(root, { schemaBundle: false });
    const other = path.join(root, 'lib', 'src', 'sub', 'count.js');
    const before = fs.statSync(other).mtimeMs;
    const future = Date.now() / 1000 + 5;
    write(path.join(root, 'src', 'greeting.ts'), "export const greeting = (name: string): string => `hi ${name}`;\n", future);
    expect(synth.refresh(root, { schemaBundle: false }).transpiled).toEqual([path.join('src', 'greeting.ts')]);
    expect(fs.statSync(other).mtimeMs).toBe(before);
    expect(run(root)).toBe('hi x 2');
  });

  test('an output older than its source is stale, a missing one too', () => {
    const root = project();
    synth.refresh(root, { schemaBundle: false });
    const out = path.join(root, 'lib', 'src', 'greeting.js');
    fs.utimesSync(out, 1000, 1000);
    fs.rmSync(path.join(root, 'lib', 'reference', 'main.js'));
    expect(synth.scan(root).stale.sort()).toEqual([path.join('reference', 'main.ts'), path.join('src', 'greeting.ts')]);
  });

  test('deleting a source removes its output and declarations; other files in lib/ stay', () => {
    const root = project();
    synth.refresh(root, { schemaBundle: false });
    write(path.join(root, 'lib', 'src', 'sub', 'count.d.ts'), 'export {};\n');
    write(path.join(root, 'lib', 'schemas', 'keep.js'), '// not an output of a source folder\n');
    fs.rmSync(path.join(root, 'src', 'sub', 'count.ts'));
    write(path.join(root, 'src', 'index.ts'), "export * from './greeting';\n", Date.now() / 1000 + 5);
    write(path.join(root, 'reference', 'main.ts'), "import { greeting } from '../src';\nexport const out = greeting('y');\n", Date.now() / 1000 + 5);
    const r = synth.refresh(root, { schemaBundle: false });
    expect(r.removed).toEqual([path.join('lib', 'src', 'sub', 'count.js')]);
    expect(fs.existsSync(path.join(root, 'lib', 'src', 'sub', 'count.js'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'lib', 'src', 'sub', 'count.d.ts'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'lib', 'schemas', 'keep.js'))).toBe(true);
    expect(run(root)).toBe('hello y');
  });

  test('a syntax error fails naming the file, and the output of that file stays stale', () => {
    const root = project();
    synth.refresh(root, { schemaBundle: false });
    write(path.join(root, 'src', 'greeting.ts'), 'export const = ;\n', Date.now() / 1000 + 5);
    expect(() => synth.refresh(root, { schemaBundle: false })).toThrow(/greeting\.ts/);
    expect(synth.scan(root).stale).toEqual([path.join('src', 'greeting.ts')]);
  });
});

describe('the schema bundle is stale only when its inputs change', () => {
  function bundle(packages: Record<string, string>): { file: string; inputs: string } {
    const dir = tempDir('bundle-stale');
    const inputs = path.join(dir, 'validate');
    write(path.join(inputs, 'schema-bundle.js'), '', Date.now() / 1000 - 60);
    const file = path.join(dir, 'validators.js');
    write(file, `"use strict";\n// Generated\nexports.packages = ${JSON.stringify(packages)};\nexports.modules = {};\n`);
    return { file, inputs };
  }
  const installed: Record<string, string> = { 'kubernetes-models': '5.1.0', '@kubernetes-models/istio': '3.0.1' };

  test('up to date: same package versions, inputs older', () => {
    const b = bundle(installed);
    expect(synth.schemaBundleStale(b.file, b.inputs, n => installed[n])).toBeUndefined();
  });

  test('a package installed at another version', () => {
    const b = bundle(installed);
    expect(synth.schemaBundleStale(b.file, b.inputs, n => (n === 'kubernetes-models' ? '5.2.0' : installed[n])))
      .toBe('kubernetes-models is installed at 5.2.0, the bundle holds 5.1.0');
    expect(synth.schemaBundleStale(b.file, b.inputs, n => (n === 'kubernetes-models' ? undefined : installed[n])))
      .toBe('kubernetes-models is installed at no version, the bundle holds 5.1.0');
  });

  test('an input (the code that defines and writes the bundle) newer than the bundle', () => {
    const b = bundle(installed);
    write(path.join(b.inputs, 'schema.js'), '', Date.now() / 1000 + 5);
    expect(synth.schemaBundleStale(b.file, b.inputs, n => installed[n])).toBe(`${path.join(b.inputs, 'schema.js')} is newer`);
  });

  test('missing, or without the package versions', () => {
    const b = bundle(installed);
    fs.writeFileSync(b.file, '"use strict";\nexports.modules = {};\n');
    expect(synth.schemaBundleStale(b.file, b.inputs, n => installed[n])).toMatch(/does not say which package versions it holds/);
    fs.rmSync(b.file);
    expect(synth.schemaBundleStale(b.file, b.inputs, n => installed[n])).toBe(`${b.file} is missing`);
  });

  test("this repository's bundle is checked against the installed packages", () => {
    const bundleFile = path.join(ROOT, 'lib', 'schemas', 'validators.js');
    if (!fs.existsSync(bundleFile)) throw new Error(`${bundleFile} is missing: run npm run build (or npm run synth) first`);
    const packages: Record<string, string> = require(bundleFile).packages;
    expect(Object.keys(packages)).toEqual(expect.arrayContaining(['kubernetes-models', '@kubernetes-models/istio', '@kubernetes-models/argo-cd']));
    const actual = (n: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', n, 'package.json'), 'utf8')).version;
    const b = bundle(packages);
    expect(synth.schemaBundleStale(b.file, b.inputs, actual)).toBeUndefined();
  });
});

describe('the fast path renders what the compiled path renders', () => {
  /** A copy of this repository's sources with no lib/ (node_modules linked): everything goes through esbuild. */
  function copy(): string {
    const root = tempDir('synth-copy');
    for (const f of ['package.json', 'tsconfig.json', 'cdk8s.yaml']) fs.copyFileSync(path.join(ROOT, f), path.join(root, f));
    for (const d of ['src', 'reference', 'tools', 'bin']) fs.cpSync(path.join(ROOT, d), path.join(root, d), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    return root;
  }
  test('npm run synth and npx cdk8s synth write byte for byte what the tsc-compiled lib/ writes', () => {
    ensureBuilt(); // lib/ from tsc, also after the fast path wrote it (npm run synth before npm test)
    const env = { ...process.env, CDK8S_OUTDIR: '' };
    const expected = tempDir('synth-compiled');
    const c = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-gitops.js'), 'synth', '--out', expected], { cwd: ROOT, encoding: 'utf8', env });
    expect(withoutEnginesNote(c.stderr)).toBe('');
    expect(c.status).toBe(0);

    const root = copy();
    const npmRun = spawnSync('npm', ['run', '--silent', 'synth', '--', '--out', 'out-npm'], { cwd: root, encoding: 'utf8', env });
    expect(npmRun.stderr).not.toMatch(/error/i);
    expect(npmRun.status).toBe(0);
    // everything was transpiled by esbuild (there was no lib/), and the schema bundle built
    expect(fs.readFileSync(path.join(root, 'lib', 'src', 'index.js'), 'utf8')).not.toBe(fs.readFileSync(path.join(ROOT, 'lib', 'src', 'index.js'), 'utf8'));
    expect(fs.existsSync(path.join(root, 'lib', 'schemas', 'validators.js'))).toBe(true);
    const want = snapshotTree(expected);
    expect(Object.keys(want).length).toBeGreaterThan(50);
    expect(snapshotTree(path.join(root, 'out-npm'))).toEqual(want);

    const cdk8s = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--check-upgrade=false', '--output', 'out-cdk8s'],
      { cwd: root, encoding: 'utf8', env: { ...process.env } });
    expect(cdk8s.status).toBe(0);
    expect(snapshotTree(path.join(root, 'out-cdk8s'))).toEqual(want);
  }, 120_000);
});
