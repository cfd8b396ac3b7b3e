/**
 * `cdk8s-gitops init [DIR] [--force]`: what it writes, and that it never overwrites anything.
 * (test/package/consumer.test.ts installs a scaffold against the packed tarball and runs it.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ownDependency, projectName } from '../../src/cli/init';
import { CLI, listFiles } from '../gitops/helpers';
import { tempDir } from '../temp-dir';
import { snapshotTree } from '../tree-snapshot';

const ROOT = path.join(__dirname, '..', '..');
const OWN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PROJECT = ['.gitignore', 'cdk8s.yaml', 'jest.config.js', 'jest.transform.js', 'main.test.ts', 'main.ts', 'package.json', 'tsconfig.json'];
const GITHUB = ['app-repo/.github/dependabot.yml', 'app-repo/.github/workflows/delivery.yml', 'gitops-repo/.github/dependabot.yml', 'gitops-repo/.github/workflows/validate.yml'];
const SCAFFOLD = [...PROJECT, ...GITHUB].sort();

const init = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, 'init', ...args], { cwd, encoding: 'utf8' });


test('writes the project into a new folder: the program, its test, cdk8s.yaml on the fast path, CI', () => {
  const parent = tempDir('init');
  const r = init(parent, 'My App');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const dir = path.join(parent, 'My App');
  expect(listFiles(dir)).toEqual(SCAFFOLD);
  expect(r.stdout).toContain('cd My App\n  npm install\n  npm test\n  npm run synth');

  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  expect(pkg.name).toBe('my-app');
  expect(pkg['cdk8s-gitops']).toEqual({ app: 'main.ts' });
  expect(Object.keys(pkg.scripts).sort()).toEqual(['synth', 'test', 'typecheck']);
  expect(pkg.engines).toEqual(OWN.engines);
  expect(pkg.dependencies).toEqual({
    'cdk8s': `^${OWN.devDependencies.cdk8s}`,
    'cdk8s-gitops': `file:${fs.realpathSync(ROOT)}`, // run from this checkout: not a published version, this folder
    'constructs': `^${OWN.devDependencies.constructs}`,
  });
  expect(pkg.devDependencies.typescript).toMatch(/^~5\.\d+\.\d+$/);
  expect(pkg.devDependencies.esbuild).toBe(OWN.dependencies.esbuild);

  expect(fs.readFileSync(path.join(dir, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: node node_modules\/cdk8s-gitops\/bin\/cdk8s-gitops\.js synth$/m);
  const main = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8');
  expect(main).toMatch(/^export function createApp\(props: GitOpsAppProps = \{\}\): GitOpsApp \{$/m);
  // the public API only
  expect([...main.matchAll(/from '([^']+)'/g)].map(m => m[1])).toEqual(['cdk8s-gitops']);
  expect(main).not.toContain('needsEnvironment');
  const workflow = fs.readFileSync(path.join(dir, 'gitops-repo/.github/workflows/validate.yml'), 'utf8');
  expect(workflow).toContain('cdk8s-gitops diff --gitops-dir . --app program/main.ts --exit-code');
  expect(workflow).toMatch(/node-version: 2[24]/);
  // the pins are filled in (test/examples/workflows.test.ts checks the workflows as it checks examples/)
  expect(workflow).toMatch(/uses: actions\/checkout@[0-9a-f]{40} # v\d+\.\d+\.\d+\n/);
  expect(workflow).not.toContain('{{pin}}');
  expect(r.stdout).toContain('then copy gitops-repo/ and app-repo/ into those repositories');
});

test('--ci jenkins writes the Jenkinsfile instead of the GitHub workflows; --ci github is the default', () => {
  const parent = tempDir('init-ci');
  const jenkins = init(parent, 'j', '--ci', 'jenkins');
  expect([jenkins.status, jenkins.stderr]).toEqual([0, '']);
  expect(listFiles(path.join(parent, 'j'))).toEqual([...PROJECT, 'app-repo/Jenkinsfile'].sort());
  const text = fs.readFileSync(path.join(parent, 'j', 'app-repo/Jenkinsfile'), 'utf8');
  expect(text).toContain('--app program/main.ts --push');
  expect(text).toContain("SERVICE        = 'web'");
  expect(jenkins.stdout).toContain('then copy app-repo/ into that repository');
  const github = init(parent, 'g', '--ci', 'github');
  expect(github.status).toBe(0);
  expect(listFiles(path.join(parent, 'g'))).toEqual(SCAFFOLD);
  const bad = init(parent, 'x', '--ci', 'gitlab');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('--ci: "gitlab" is not one of github, jenkins');
  expect(fs.existsSync(path.join(parent, 'x'))).toBe(false);
});

test('the CI templates name what the program has: the WebService, its image and the namespace of dev', () => {
  const dir = tempDir('init-names');
  expect(init(dir).status).toBe(0);
  const main = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8');
  const delivery = fs.readFileSync(path.join(dir, 'app-repo/.github/workflows/delivery.yml'), 'utf8');
  const jenkinsDir = tempDir('init-names-jenkins');
  expect(init(jenkinsDir, '--ci', 'jenkins').status).toBe(0);
  const jenkinsfile = fs.readFileSync(path.join(jenkinsDir, 'app-repo/Jenkinsfile'), 'utf8');
  const image = /image: '([^']+)'/.exec(main)![1];
  const service = /new WebService\(chart, '\w+', \{\s*name: '([^']+)'/.exec(main)![1];
  const app = /new AppChart\(app, `[^`]+`, \{ environment, app: '([^']+)' \}/.exec(main)![1];
  expect(delivery).toContain(`  IMAGE: ${image}\n`);
  expect(delivery).toContain(`  SERVICE: ${service}\n`);
  expect(delivery).toContain(`  NAMESPACE: ${app}-dev\n`);
  expect(jenkinsfile).toContain(`IMAGE          = '${image}'`);
  expect(jenkinsfile).toContain(`SERVICE        = '${service}'`);
});

test('writes into the current folder when it is empty', () => {
  const dir = tempDir('init-here');
  const r = init(dir);
  expect(r.status).toBe(0);
  expect(listFiles(dir)).toEqual(SCAFFOLD);
  expect(r.stdout).not.toContain('cd ');
});

test('refuses a folder that is not empty (exit 2), writing nothing', () => {
  const dir = tempDir('init-full');
  fs.writeFileSync(path.join(dir, 'notes.md'), 'mine\n');
  const r = init(dir, '.');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(`${dir} is not empty (1 entries: notes.md)`);
  expect(r.stderr).toContain('--force');
  expect(snapshotTree(dir)).toEqual({ 'notes.md': 'mine\n' });
});

test('--force writes beside the files already there and changes none of them', () => {
  const dir = tempDir('init-force');
  fs.writeFileSync(path.join(dir, 'notes.md'), 'mine\n');
  fs.mkdirSync(path.join(dir, 'gitops-repo'));
  fs.writeFileSync(path.join(dir, 'gitops-repo', 'README'), 'also mine\n');
  const r = init(dir, '.', '--force');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(listFiles(dir)).toEqual([...SCAFFOLD, 'gitops-repo/README', 'notes.md'].sort());
  expect(fs.readFileSync(path.join(dir, 'notes.md'), 'utf8')).toBe('mine\n');
  expect(fs.readFileSync(path.join(dir, 'gitops-repo', 'README'), 'utf8')).toBe('also mine\n');
});

test('--force never overwrites: when a file it would write exists, it lists them and writes nothing', () => {
  const dir = tempDir('init-clash');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"mine"}\n');
  fs.writeFileSync(path.join(dir, 'main.ts'), '// mine\n');
  const before = snapshotTree(dir);
  const r = init(dir, '--force');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('init never overwrites a file, and these exist: package.json, main.ts; nothing written');
  expect(snapshotTree(dir)).toEqual(before);
  expect(fs.readdirSync(dir).sort()).toEqual(['main.ts', 'package.json']);
});

test('a file in place of the folder, or two folders, are usage errors', () => {
  const dir = tempDir('init-bad');
  fs.writeFileSync(path.join(dir, 'file'), '');
  expect(init(dir, 'file').stderr).toContain(`${path.join(dir, 'file')} is not a folder`);
  const two = init(dir, 'a', 'b');
  expect(two.status).toBe(2);
  expect(two.stderr).toContain('only 1 DIR may be given (got "a", "b")');
  expect(listFiles(dir)).toEqual(['file']);
});

test('--help says what it writes and that it never overwrites', () => {
  const r = init(tempDir('init-help'), '--help');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('Usage: cdk8s-gitops init [DIR] [--ci github|jenkins] [--force]');
  expect(r.stdout).toContain('--ci github (the default)');
  expect(r.stdout).toContain('no file is ever\noverwritten');
});

test.each([
  ['My App', 'my-app'],
  ['.hidden_dir', 'hidden_dir'],
  ['---', 'cdk8s-gitops-app'],
  ['web.platform', 'web.platform'],
])('project name from the folder %j: %j', (folder, name) => {
  expect(projectName(path.join('/tmp', folder))).toBe(name);
});

describe('the dependency on cdk8s-gitops init writes', () => {
  const installed = (lock: object | undefined, file = '.package-lock.json') => {
    const project = tempDir('init-own');
    const own = path.join(project, 'node_modules', 'cdk8s-gitops');
    fs.mkdirSync(own, { recursive: true });
    if (lock !== undefined) fs.writeFileSync(file === '.package-lock.json' ? path.join(project, 'node_modules', file) : path.join(project, file), JSON.stringify(lock));
    return { project, own };
  };

  test('installed from a tarball: that tarball (file:, absolute); from the registry or without a lock: ^VERSION', () => {
    const tgz = installed({ packages: { 'node_modules/cdk8s-gitops': { version: '0.1.0', resolved: 'file:../cdk8s-gitops-0.1.0.tgz' } } });
    expect(ownDependency(tgz.own, '0.1.0')).toBe(`file:${path.join(path.dirname(tgz.project), 'cdk8s-gitops-0.1.0.tgz')}`);
    const inLock = installed({ packages: { 'node_modules/cdk8s-gitops': { resolved: 'file:/abs/x.tgz' } } }, 'package-lock.json');
    expect(ownDependency(inLock.own, '0.1.0')).toBe('file:/abs/x.tgz');
    const registry = installed({ packages: { 'node_modules/cdk8s-gitops': { version: '0.1.0', resolved: 'https://registry.npmjs.org/cdk8s-gitops/-/cdk8s-gitops-0.1.0.tgz' } } });
    expect(ownDependency(registry.own, '0.1.0')).toBe('^0.1.0');
    expect(ownDependency(installed(undefined).own, '0.1.0')).toBe('^0.1.0');
  });

  test('a folder that is not an installed package (a checkout): that folder', () => {
    const checkout = tempDir('init-checkout');
    expect(ownDependency(checkout, '0.1.0')).toBe(`file:${checkout}`);
  });
});
