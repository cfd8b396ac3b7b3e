import * as fs from 'fs';
import * as path from 'path';
import { defineOptions, PositionalSpec } from './args';
import { pinActions } from './ci-pins';
import { command, commandHelp } from './command';
import { UsageError } from '../core/errors';

/** The CI systems `init --ci` writes templates for. */
export const CI_SYSTEMS = ['github', 'jenkins'] as const;

/** A CI system `init --ci` writes templates for. */
export type CiSystem = typeof CI_SYSTEMS[number];

export const OPTIONS = defineOptions({
  ci: { type: 'string', choices: CI_SYSTEMS, value: 'SYSTEM', description: 'the CI templates: github (GitHub Actions) or jenkins (default: github)' },
  force: { type: 'boolean', description: 'write into a folder that is not empty (never over an existing file)' },
});

export const POSITIONALS: PositionalSpec = { name: 'DIR', max: 1 };

export const HELP = commandHelp(`Usage: cdk8s-gitops init [DIR] [--ci github|jenkins] [--force]

Write a new cdk8s-gitops project into DIR (default: the current folder):
  package.json           depends on cdk8s-gitops, cdk8s and constructs; scripts synth, test,
                         typecheck; "cdk8s-gitops": { "app": "main.ts" }
  main.ts                the program: one web service in two versions (A/B routing), two
                         environments (dev, prod), the Argo CD applications
  main.test.ts           a jest snapshot test (jest.config.js, jest.transform.js: esbuild)
  cdk8s.yaml             \`npx cdk8s synth\` runs cdk8s-gitops synth (no type-check, cached)
  tsconfig.json, .gitignore
and the CI, hardened (actions pinned to commit SHAs, least privilege, no kept credentials,
timeouts, no install scripts); this project is the GitOps repository's program/ folder:
  --ci github (the default)
    gitops-repo/.github/workflows/validate.yml, gitops-repo/.github/dependabot.yml
                         the GitOps repository's check of every pull request (copy there)
    app-repo/.github/workflows/delivery.yml, app-repo/.github/dependabot.yml
                         the app repository's delivery: test, build, scan, push, release to
                         dev, promote to prod after an approval (copy there)
  --ci jenkins
    app-repo/Jenkinsfile the same delivery on Jenkins and GitLab; only PROD_APPROVERS may
                         approve the promotion
Then: npm install && npm test && npm run synth

A folder that is not empty is refused unless --force. Even with --force no file is ever
overwritten: when any of the files above exists, init lists them and writes nothing.

`, OPTIONS, `Exit codes: 0 written, 1 failed (nothing written), 2 usage error or refused.
`, 15);

/** The templates shipped with the package (`templates/init/`) and where each goes in the new project. */
const TEMPLATES: readonly (readonly [template: string, target: string])[] = [
  ['main.ts', 'main.ts'],
  ['main.test.ts', 'main.test.ts'],
  ['cdk8s.yaml', 'cdk8s.yaml'],
  ['tsconfig.json', 'tsconfig.json'],
  ['jest.config.js', 'jest.config.js'],
  ['jest.transform.js', 'jest.transform.js'],
  // kept without the leading dots in the package (npm pack drops .gitignore files)
  ['gitignore', '.gitignore'],
];

/** The CI templates of each `--ci` system and where each goes; `uses: owner/repo@{{pin}}` lines are pinned on the way. */
const CI_TEMPLATES: Readonly<Record<CiSystem, readonly (readonly [template: string, target: string])[]>> = {
  github: [
    ['github/gitops-repo/validate.yml', 'gitops-repo/.github/workflows/validate.yml'],
    ['github/dependabot.yml', 'gitops-repo/.github/dependabot.yml'],
    ['github/app-repo/delivery.yml', 'app-repo/.github/workflows/delivery.yml'],
    ['github/dependabot.yml', 'app-repo/.github/dependabot.yml'],
  ],
  jenkins: [
    ['jenkins/app-repo/Jenkinsfile', 'app-repo/Jenkinsfile'],
  ],
};

/** This package's manifest (versions of what the new project depends on) and its folder. */
export function ownPackage(): { dir: string; manifest: Record<string, any> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const file = require.resolve('cdk8s-gitops/package.json');
  return { dir: path.dirname(file), manifest: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

/** An npm package name from a folder name: lower case, `[a-z0-9._-]`, not starting with `.` or `_`. */
export function projectName(dir: string): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[-]+$/g, '');
  return name.slice(0, 214) || 'cdk8s-gitops-app';
}

/**
 * How the new project depends on cdk8s-gitops: `^VERSION` for a copy installed from the
 * registry; a `file:` path to the tarball this copy was installed from (`npx ./cdk8s-gitops-X.tgz
 * init`, `npm install ./cdk8s-gitops-X.tgz`: the `resolved` of npm's lock of the project that
 * holds it), or to this folder when it is not an installed package (a checkout of the repository):
 * a version that is not published would not install.
 */
export function ownDependency(ownDir: string, version: string): string {
  const parent = path.dirname(ownDir);
  const modules = path.basename(parent).startsWith('@') ? path.dirname(parent) : parent;
  if (path.basename(modules) !== 'node_modules') return `file:${ownDir}`;
  const project = path.dirname(modules);
  const key = path.relative(project, ownDir).split(path.sep).join('/');
  for (const lock of [path.join(modules, '.package-lock.json'), path.join(project, 'package-lock.json')]) {
    let resolved: unknown;
    try {
      resolved = JSON.parse(fs.readFileSync(lock, 'utf8'))?.packages?.[key]?.resolved;
    } catch {
      continue; // no such lock, or not one npm wrote
    }
    if (typeof resolved === 'string' && resolved.startsWith('file:')) return `file:${path.resolve(project, resolved.slice('file:'.length))}`;
    if (resolved !== undefined) break;
  }
  return `^${version}`;
}

/** The new project's package.json: versions from this package's own (what it is tested with). */
export function projectManifest(name: string, own: Record<string, any>, ownSpec = `^${own.version}`): Record<string, unknown> {
  const spec = (deps: Record<string, string> | undefined, pkg: string): string => {
    const v = deps?.[pkg];
    if (v === undefined) throw new Error(`cdk8s-gitops's package.json names no version of ${pkg}`);
    return v;
  };
  const caret = (v: string) => `^${v.replace(/^[~^]/, '')}`;
  return {
    name,
    version: '0.1.0',
    private: true,
    engines: own.engines,
    scripts: { synth: 'cdk8s-gitops synth', test: 'jest', typecheck: 'tsc' },
    'cdk8s-gitops': { app: 'main.ts' },
    dependencies: {
      'cdk8s': caret(spec(own.devDependencies, 'cdk8s')),
      'cdk8s-gitops': ownSpec,
      'constructs': caret(spec(own.devDependencies, 'constructs')),
    },
    devDependencies: {
      '@types/jest': spec(own.devDependencies, '@types/jest'),
      '@types/node': spec(own.devDependencies, '@types/node'),
      'cdk8s-cli': spec(own.devDependencies, 'cdk8s-cli'),
      'esbuild': spec(own.dependencies, 'esbuild'),
      'jest': spec(own.devDependencies, 'jest'),
      // ts-jest and friends need TypeScript < 7: the minor version this package is built with
      'typescript': `~${spec(own.devDependencies, 'typescript').replace(/^[~^]/, '')}`,
    },
  };
}

export const run = command({ help: HELP, options: OPTIONS, positionals: POSITIONALS }, ({ values, positionals }) => {
  const dir = path.resolve(positionals[0] ?? '.');
  const force = values.force === true;

  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const present = stat === undefined ? [] : fs.readdirSync(dir);
  if (present.length > 0 && !force) {
    throw new UsageError(`${dir} is not empty (${present.length} entries: ${present.slice(0, 5).join(', ')}${present.length > 5 ? ', ...' : ''}); `
      + 'init writes into an empty folder, or with --force into this one without overwriting any file');
  }
  const files = projectFiles(projectName(dir), values.ci ?? 'github');
  const existing = [...files.keys()].filter(f => fs.existsSync(path.join(dir, f)));
  if (existing.length > 0) {
    throw new UsageError(`${dir}: init never overwrites a file, and these exist: ${existing.join(', ')}; nothing written`);
  }
  writeAll(dir, files);
  const repos = [...new Set([...files.keys()].filter(f => /^[\w-]+-repo\//.test(f)).map(f => f.split('/')[0]))];
  process.stdout.write(`wrote a cdk8s-gitops project into ${dir}:\n${[...files.keys()].map(f => `  ${f}\n`).join('')}`
    + `next:\n${dir === process.cwd() ? '' : `  cd ${positionals[0]}\n`}  npm install\n  npm test\n  npm run synth\n`
    + `then copy ${repos.map(r => `${r}/`).join(' and ')} into ${repos.length === 1 ? 'that repository' : 'those repositories'} `
    + '(this project goes into the GitOps repository as program/)\n');
  return 0;
});

/**
 * Every file of a new project named `name` with the CI templates of `ci`, by path in the project
 * (`/`-separated), from this package's templates: what `init` writes.
 */
export function projectFiles(name: string, ci: CiSystem): Map<string, string> {
  const { dir: ownDir, manifest } = ownPackage();
  const read = (template: string) => fs.readFileSync(path.join(ownDir, 'templates', 'init', ...template.split('/')), 'utf8');
  const files = new Map<string, string>([['package.json', `${JSON.stringify(projectManifest(name, manifest, ownDependency(ownDir, manifest.version)), null, 2)}\n`]]);
  for (const [template, target] of TEMPLATES) files.set(target, read(template));
  for (const [template, target] of CI_TEMPLATES[ci]) files.set(target, pinActions(template, read(template)));
  return files;
}

/**
 * Write every file (`wx`: a file that appeared meanwhile is not overwritten). On any failure,
 * remove what this call wrote (files, then the folders it made) and rethrow: nothing half-written.
 */
export function writeAll(dir: string, files: ReadonlyMap<string, string>): void {
  const madeDirs: string[] = [];
  const written: string[] = [];
  const mkdir = (d: string) => {
    if (fs.existsSync(d)) return;
    mkdir(path.dirname(d));
    fs.mkdirSync(d);
    madeDirs.push(d);
  };
  try {
    for (const [file, text] of files) {
      const at = path.join(dir, file);
      mkdir(path.dirname(at));
      fs.writeFileSync(at, text, { flag: 'wx' });
      written.push(at);
    }
  } catch (e: any) {
    for (const f of written.reverse()) fs.rmSync(f, { force: true });
    for (const d of madeDirs.reverse()) fs.rmdirSync(d);
    throw new Error(`${e?.message ?? e}; nothing written`);
  }
}
