/**
 * The package as users get it: `npm pack`, installed offline into scratch consumer projects.
 *
 * 1. A consumer with other cdk8s/constructs versions than this repository's (2.68.x / 10.3.x):
 *    npm gives cdk8s-gitops the consumer's copies (peer dependencies), the program synthesizes,
 *    and tsc accepts the shipped declarations next to those versions.
 * 2. `cdk8s-gitops init` (from the installed package): the scaffold installs, passes its own
 *    `npm test` (snapshot written, then checked with --ci) and `npm run typecheck`, and
 *    `npx cdk8s synth` renders it.
 * Skipped, saying why, when the npm cache lacks the other cdk8s/constructs versions, unless
 * CDK8S_GITOPS_PACKAGE_TESTS=required (`.ci/run`), where that fails.
 */
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import { listFiles } from '../gitops/helpers';
import { tempDir } from '../temp-dir';
import { cachedVersion, ensureBuilt, installOffline, npmEnv, pack, REQUIRED, ROOT, run } from './npm';

const OWN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** cdk8s and constructs at the oldest minor versions the peer ranges allow (this repository develops with newer ones). */
const RANGES = { cdk8s: '2.68.x', constructs: '10.3.x' };
/** The versions of those the npm cache holds, exactly (whichever patch release `.ci/run` or the user cached). */
const OTHER: Record<string, string> = Object.fromEntries(Object.entries(RANGES).flatMap(([n, r]) => {
  const v = cachedVersion(n, r);
  return v === undefined ? [] : [[n, v]];
}));
const missing = Object.entries(RANGES).filter(([n]) => OTHER[n] === undefined).map(([n, r]) => `${n}@${r}`);
if (missing.length > 0 && !REQUIRED) {
  process.stderr.write(`package tests skipped: the npm cache has no ${missing.join(', ')} `
    + `(npm cache add ${missing.join(' ')}; CI sets CDK8S_GITOPS_PACKAGE_TESTS=required)\n`);
}
const suite = missing.length > 0 && !REQUIRED ? describe.skip : describe;

suite('the packed package in consumer projects (offline, from the npm cache)', () => {
  let tarball: string;
  let consumer: string;

  beforeAll(() => {
    ensureBuilt();
    tarball = pack(tempDir('pack'));
    consumer = path.join(tempDir('consumer'), 'app');
    installOffline(consumer, {
      'name': 'consumer',
      'private': true,
      'cdk8s-gitops': { app: 'main.ts' },
      'dependencies': { 'cdk8s-gitops': `file:${tarball}`, ...OTHER },
      'devDependencies': { typescript: OWN.devDependencies.typescript },
    }, [...Object.keys(OWN.dependencies), 'typescript']);
  }, 120_000);

  test('npm gives cdk8s-gitops the consumer\'s cdk8s and constructs: one copy of each', () => {
    const version = (p: string) => JSON.parse(fs.readFileSync(path.join(consumer, p, 'package.json'), 'utf8')).version;
    expect(version('node_modules/cdk8s')).toMatch(/^2\.68\./);
    expect(version('node_modules/constructs')).toMatch(/^10\.3\./);
    for (const p of ['cdk8s', 'constructs', 'cdk8s-plus-28']) {
      expect(fs.existsSync(path.join(consumer, 'node_modules', 'cdk8s-gitops', 'node_modules', p))).toBe(false);
    }
    expect(fs.existsSync(path.join(consumer, 'node_modules', 'cdk8s-plus-28'))).toBe(false);
  });

  test('the package holds what runs and what types need, and no install-time scripts', () => {
    const installed = path.join(consumer, 'node_modules', 'cdk8s-gitops');
    const files = listFiles(installed);
    expect(files).toEqual(expect.arrayContaining(['bin/cdk8s-gitops.js', 'lib/src/index.js', 'lib/src/index.d.ts', 'lib/schemas/validators.js', 'templates/init/main.ts']));
    expect(files.filter(f => /^(src|test|reference|imports|lib\/imports|lib\/reference|tools)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    for (const s of ['prepare', 'preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[s]).toBeUndefined();
    // every package the declarations import is one the consumer gets (a dependency or a peer)
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const imported = new Set<string>();
    for (const f of files.filter(x => x.endsWith('.d.ts'))) {
      const code = fs.readFileSync(path.join(installed, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const m of code.matchAll(/(?:\bfrom|\bimport\(?)\s*['"]([^'"]+)['"]/g)) {
        if (m[1].startsWith('.')) {
          const target = path.resolve(path.dirname(path.join(installed, f)), m[1]);
          expect([`${target}.d.ts`, path.join(target, 'index.d.ts')].some(t => fs.existsSync(t))).toBe(true);
        } else if (!builtinModules.includes(m[1].replace(/^node:/, ''))) {
          imported.add(m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0]);
        }
      }
    }
    expect([...imported].filter(p => !declared.has(p))).toEqual([]);
  });

  test('a TypeScript program synthesizes with those versions, and type-checks against the shipped declarations', () => {
    fs.copyFileSync(path.join(ROOT, 'templates', 'init', 'main.ts'), path.join(consumer, 'main.ts'));
    fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['main.ts'],
    }));
    run(process.execPath, [path.join('node_modules', 'cdk8s-gitops', 'bin', 'cdk8s-gitops.js'), 'synth', '--out', 'dist'], consumer);
    const out = listFiles(path.join(consumer, 'dist'));
    expect(out).toEqual(expect.arrayContaining(['dev/release.yaml', 'prod/web/deployment-web-v2.yaml', 'argocd/application-web-prod.yaml']));
    run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], consumer);
  }, 60_000);

  test('every import path the README and the guides show works from the tarball; the README example type-checks and synthesizes there', () => {
    // the import specifiers of every TypeScript block of README.md and docs/*.md (the API reference is generated)
    const docs = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)];
    const blocks = docs.flatMap(f => [...fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)].map(m => ({ file: f, code: m[1] })));
    const specifiers = new Set(blocks.flatMap(b => [...b.code.matchAll(/\bfrom\s+'([^']+)'/g)].map(m => m[1])).filter(s => !s.startsWith('.')));
    expect(specifiers).toContain('cdk8s-gitops');
    for (const s of specifiers) {
      // resolved as Node resolves it in the consumer: the package's exports map, or a dependency
      expect({ s, resolved: require.resolve(s, { paths: [consumer] }).startsWith(path.join(consumer, 'node_modules')) }).toEqual({ s, resolved: true });
    }
    const example = blocks.find(b => b.file === 'README.md' && b.code.includes("from 'cdk8s-gitops'"))!;
    const dir = path.join(consumer, 'readme-example');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'main.ts'), example.code);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['main.ts'],
    }));
    run(process.execPath, [path.join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], consumer);
    run(process.execPath, [path.join('node_modules', 'cdk8s-gitops', 'bin', 'cdk8s-gitops.js'), 'synth', '--app', path.join(dir, 'main.ts'), '--out', path.join(dir, 'dist')], consumer);
    expect(listFiles(path.join(dir, 'dist'))).toEqual(expect.arrayContaining(['dev/release.yaml', 'prod/release.yaml']));
  }, 60_000);

  test('a stock cdk8s project (cdk8s init typescript-app\'s tsconfig and cdk8s.yaml, app: npx ts-node main.ts) renders through app.synth(); the README example and the scaffold compile under that tsconfig', () => {
    const stock = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
    const project = path.join(tempDir('stock'), 'app');
    const dev = (...names: string[]) => Object.fromEntries(names.map(n => [n, OWN.devDependencies[n]]));
    const manifest = {
      name: 'stock', private: true,
      dependencies: { 'cdk8s-gitops': `file:${tarball}`, ...dev('cdk8s', 'constructs') },
      devDependencies: dev('cdk8s-cli', 'ts-node', 'typescript', '@types/node', '@types/jest'),
    };
    installOffline(project, manifest, [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies), ...Object.keys(OWN.dependencies)].filter(p => p !== 'cdk8s-gitops'));
    for (const f of ['tsconfig.json', 'cdk8s.yaml']) fs.copyFileSync(path.join(stock, f), path.join(project, f));
    expect(fs.readFileSync(path.join(project, 'cdk8s.yaml'), 'utf8')).toContain('app: npx ts-node main.ts');
    // the README's example with the README's recipe for cdk8s-cli
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?from 'cdk8s-gitops'[\s\S]*?)```/.exec(readme)![1];
    const recipe = /`(if \(require\.main === module\) createApp\(\)\.synth\(\);)`/.exec(readme)![1];
    fs.writeFileSync(path.join(project, 'main.ts'), `${example}\n${recipe}\n`);
    run('npx', ['cdk8s', 'synth', '--check-upgrade=false'], project); // ts-node type-checks main.ts with the stock tsconfig
    const dist = listFiles(path.join(project, 'dist'));
    expect(dist).toEqual(expect.arrayContaining(['.cdk8s-gitops-files', 'dev/release.yaml', 'prod/shop/virtualservice-shop.yaml', 'argocd/application-shop-dev.yaml']));
    run('npx', ['cdk8s', 'synth', '--check-upgrade=false'], project); // again: cdk8s-cli empties dist/ first
    expect(listFiles(path.join(project, 'dist'))).toEqual(dist);
    // the CLI loads the same module without synthesizing on import
    run(process.execPath, [path.join('node_modules', 'cdk8s-gitops', 'bin', 'cdk8s-gitops.js'), 'synth', '--app', 'main.ts', '--out', 'out'], project);
    expect(listFiles(path.join(project, 'out'))).toEqual(dist);

    // lib es2016 without the Node.js types (whose newer versions pull in newer libraries): the
    // README example, and the program and test init writes
    fs.mkdirSync(path.join(project, 'scaffold'));
    for (const f of ['main.ts', 'main.test.ts']) fs.copyFileSync(path.join(ROOT, 'templates', 'init', f), path.join(project, 'scaffold', f));
    fs.writeFileSync(path.join(project, 'readme.ts'), example);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(stock, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.lib).toEqual(['es2016']);
    fs.writeFileSync(path.join(project, 'tsconfig.es2016.json'), JSON.stringify({ ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, noEmit: true, types: ['jest'] }, include: ['readme.ts', 'scaffold/*.ts'] }));
    run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.es2016.json'], project);
  }, 180_000);

  test('cdk8s-gitops init: the scaffold installs, passes npm test and typecheck, and npx cdk8s synth renders it', () => {
    const project = path.join(tempDir('scaffold'), 'web-platform');
    run(process.execPath, [path.join(consumer, 'node_modules', 'cdk8s-gitops', 'bin', 'cdk8s-gitops.js'), 'init', project], consumer);
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    // run from a package installed from a tarball: the new project depends on that tarball
    expect(manifest.dependencies['cdk8s-gitops']).toBe(`file:${tarball}`);
    const fromLock = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies), ...Object.keys(OWN.dependencies)]
      .filter(p => p !== 'cdk8s-gitops');
    installOffline(project, manifest, fromLock);

    // a developer's first run writes the snapshot; CI (--ci) then checks against it
    const { CI: _ci, ...local } = npmEnv();
    run('npm', ['test', '--silent'], project, local);
    expect(listFiles(path.join(project, '__snapshots__'))).toEqual(['main.test.ts.snap']);
    const snap = fs.readFileSync(path.join(project, '__snapshots__', 'main.test.ts.snap'), 'utf8');
    expect(snap).toContain('"dev/web/virtualservice-web.yaml"');
    run('npm', ['test', '--silent', '--', '--ci'], project);
    run('npm', ['run', 'typecheck', '--silent'], project);

    run('npx', ['cdk8s', 'synth', '--check-upgrade=false'], project);
    const dist = listFiles(path.join(project, 'dist'));
    expect(dist).toEqual(expect.arrayContaining(['dev/release.yaml', 'prod/release.yaml', 'dev/web/virtualservice-web.yaml', 'bootstrap/application-root.yaml']));
    // the program went through the fast path: bundled once into the project's cache
    expect(fs.readdirSync(path.join(project, 'node_modules', '.cache', 'cdk8s-gitops')).filter(f => f.endsWith('.js'))).toHaveLength(1);
  }, 180_000);
});
