/**
 * `--app main.ts`: the CLI compiles a TypeScript entry itself (esbuild, packages external, no
 * type-check), caches the bundle in node_modules/.cache/cdk8s-gitops and reuses it while its
 * inputs are unchanged. The spawned CLI is the compiled one (bin/, lib/ brought up to date by
 * tools/synth.js first): with the tests' TypeScript hook the entry would go through the hook.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { compilesItself, compileTypeScriptEntry } from '../../src/cli/typescript-entry';
import { CLI, listFiles, withoutEnginesNote } from '../gitops/helpers';
import { tempDir } from '../temp-dir';
import { put, snapshotTree } from '../tree-snapshot';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'cdk8s-gitops.js');

beforeAll(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../tools/synth.js').refresh(ROOT);
});

/** A consumer project: node_modules/cdk8s-gitops is this repository, cdk8s and constructs its own. */
function consumer(files: Record<string, string>): string {
  const dir = tempDir('ts-entry');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'cdk8s-gitops'), 'dir');
  for (const p of ['cdk8s', 'constructs']) fs.symlinkSync(path.join(ROOT, 'node_modules', p), path.join(dir, 'node_modules', p), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ 'name': 'consumer', 'cdk8s-gitops': { app: 'main.ts' } }));
  for (const [f, text] of Object.entries(files)) put(dir, f, text);
  return dir;
}

const PROGRAM = fs.readFileSync(path.join(ROOT, 'templates', 'init', 'main.ts'), 'utf8')
  // the tag comes from a module beside the entry, the description from a file read through __dirname
  .replace("{ name: 'v1', tag: '1.0.0' }", '{ name: \'v1\', tag: FIRST_TAG }')
  .replace("description: 'The web service'", "description: fs.readFileSync(path.join(__dirname, 'description.txt'), 'utf8').trim()")
  .replace("} from 'cdk8s-gitops';", "} from 'cdk8s-gitops';\nimport * as fs from 'fs';\nimport * as path from 'path';\nimport { FIRST_TAG } from './tags/first';");

const synth = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [BIN, 'synth', '--out', 'out', ...args], { cwd, encoding: 'utf8' });

test('the entry named in package.json runs, with its own modules bundled and its packages external', () => {
  const dir = consumer({ 'main.ts': PROGRAM, 'tags/first.ts': "export const FIRST_TAG: string = '0.9.0';\n", 'description.txt': 'Web, from a file\n' });
  const r = synth(dir);
  expect(withoutEnginesNote(r.stderr)).toBe('');
  expect(r.status).toBe(0);
  expect(listFiles(path.join(dir, 'out'))).toEqual(expect.arrayContaining(['dev/release.yaml', 'prod/web/virtualservice-web.yaml', 'argocd/appproject-web.yaml']));
  expect(fs.readFileSync(path.join(dir, 'out', 'dev', 'release.yaml'), 'utf8')).toContain('v1: 0.9.0');
  expect(fs.readFileSync(path.join(dir, 'out', 'argocd', 'appproject-web.yaml'), 'utf8')).toContain('description: Web, from a file');
  const cache = path.join(dir, 'node_modules', '.cache', 'cdk8s-gitops');
  const bundle = fs.readdirSync(cache).filter(f => f.endsWith('.js'));
  expect(bundle).toHaveLength(1);
  const text = fs.readFileSync(path.join(cache, bundle[0]), 'utf8');
  expect(text).toContain('require("cdk8s-gitops")');
  expect(text).toContain('"0.9.0"');
  expect(text).not.toContain('class GitOpsApp');
});

test('--app with a TypeScript entry renders what the compiled program renders', () => {
  const dir = consumer({ 'main.ts': fs.readFileSync(path.join(ROOT, 'reference', 'main.ts'), 'utf8').replace(/'\.\.\/src'/g, "'cdk8s-gitops'") });
  fs.writeFileSync(path.join(dir, 'package.json'), '{}');
  const ts = synth(dir, '--app', 'main.ts');
  expect(withoutEnginesNote(ts.stderr)).toBe('');
  const compiled = spawnSync(process.execPath, [BIN, 'synth', '--out', 'compiled', '--app', path.join(ROOT, 'lib', 'reference', 'main.js')], { cwd: dir, encoding: 'utf8' });
  expect(compiled.status).toBe(0);
  expect(Object.keys(snapshotTree(path.join(dir, 'out'))).length).toBeGreaterThan(50);
  expect(snapshotTree(path.join(dir, 'out'))).toEqual(snapshotTree(path.join(dir, 'compiled')));
});

test('the bundle is reused while its inputs keep their mtime and size, and rebuilt when one changes', () => {
  const dir = consumer({ 'main.ts': PROGRAM, 'tags/first.ts': "export const FIRST_TAG: string = '0.9.0';\n", 'description.txt': 'Web\n' });
  const entry = path.join(dir, 'main.ts');
  const first = compileTypeScriptEntry(entry);
  expect(first.compiled).toBe(true);
  expect(path.dirname(first.file)).toBe(path.join(dir, 'node_modules', '.cache', 'cdk8s-gitops'));
  expect(compileTypeScriptEntry(entry)).toEqual({ file: first.file, compiled: false });

  // an imported module changes (same size, new mtime): rebuilt, with the new value
  const tags = path.join(dir, 'tags', 'first.ts');
  fs.writeFileSync(tags, "export const FIRST_TAG: string = '0.9.1';\n");
  fs.utimesSync(tags, new Date(), new Date(Date.now() + 5000));
  expect(compileTypeScriptEntry(entry).compiled).toBe(true);
  expect(fs.readFileSync(first.file, 'utf8')).toContain('FIRST_TAG = "0.9.1"');
  expect(compileTypeScriptEntry(entry).compiled).toBe(false);

  // a tsconfig.json appears beside the entry (it may change how esbuild transpiles): rebuilt
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": { "target": "ES2022" } }\n');
  expect(compileTypeScriptEntry(entry).compiled).toBe(true);
  expect(compileTypeScriptEntry(entry).compiled).toBe(false);

  // the record says another esbuild built it: rebuilt
  const record = first.file.replace(/\.js$/, '.json');
  fs.writeFileSync(record, fs.readFileSync(record, 'utf8').replace(/"esbuild":"[^"]*"/, '"esbuild":"0.0.1"'));
  expect(compileTypeScriptEntry(entry).compiled).toBe(true);
  // the bundle itself is gone: rebuilt
  fs.rmSync(first.file);
  expect(compileTypeScriptEntry(entry).compiled).toBe(true);
});

test('a program that does not compile fails (exit 1) naming the file and line; nothing is written', () => {
  const dir = consumer({ 'main.ts': "import { GitOpsApp } from 'cdk8s-gitops';\nexport function createApp() {\n  return new GitOpsApp(;\n}\n" });
  const r = synth(dir);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`program ${path.join(dir, 'main.ts')} does not compile`);
  expect(r.stderr).toContain('main.ts:3:');
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
});

test('a bundled file outside the entry folder that uses __dirname is refused (it would name the wrong folder)', () => {
  const dir = consumer({
    'main.ts': "import { createApp as make } from './charts/app';\nexport const createApp = make;\n",
    'charts/app.ts': "import * as path from 'path';\nimport { GitOpsApp } from 'cdk8s-gitops';\nexport const createApp = () => { path.join(__dirname, 'x'); return new GitOpsApp({}); };\n",
  });
  const r = synth(dir);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`${path.join(dir, 'charts', 'app.ts')} uses __dirname`);
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
});

test('with a TypeScript loader registered (the tests\' hook), the entry goes through the loader: nothing is compiled or cached', () => {
  const dir = consumer({ 'main.ts': PROGRAM.replace(/^import \{ FIRST_TAG \}.*$/m, "const FIRST_TAG = '0.9.0';"), 'description.txt': 'Web\n' });
  // through the hook the program imports this repository's sources (the CLI's own copy)
  fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace("from 'cdk8s-gitops'", `from ${JSON.stringify(path.join(ROOT, 'src'))}`));
  const r = spawnSync(process.execPath, [CLI, 'synth', '--out', 'out'], { cwd: dir, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(listFiles(path.join(dir, 'out'))).toContain('dev/release.yaml');
  expect(fs.existsSync(path.join(dir, 'node_modules', '.cache'))).toBe(false);
});

test('under a module system other than Node\'s (this jest worker), the entry is left to it', () => {
  expect(compilesItself(path.join(ROOT, 'reference', 'main.ts'))).toBe(false);
  expect(compilesItself(path.join(ROOT, 'lib', 'reference', 'main.js'))).toBe(false);
});
