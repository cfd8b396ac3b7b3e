/**
 * The `yaml` module: loaded on first use, and cdk8s's copy of it not loaded at start-up.
 *
 * cdk8s's `App` requires its own `yaml` (about 70 files, ~30 ms) when cdk8s is loaded, but
 * only uses it to write or read YAML itself, which cdk8s-gitops does not ask it to do (its
 * emitter writes manifests without `yaml`). Importing this module before cdk8s (the package's
 * entry points do) puts a stand-in for that copy in Node's module cache: the real module is
 * loaded the first time anything reads from it, and replaces the stand-in in the cache. A
 * program that loads cdk8s first, a cdk8s without its own `yaml`, or a module system without
 * `require.cache` (Jest's) simply loads `yaml` at start-up as before.
 */
import * as path from 'path';
import type * as YAML from 'yaml';

/* eslint-disable @typescript-eslint/no-require-imports */
let loaded: typeof YAML | undefined;

let cdk8sYamlFound: { file: string; cdk8sDir: string } | null | undefined;
/** The entry file of cdk8s's own `yaml` (undefined when cdk8s has none), resolved once. */
function cdk8sYaml(): { file: string; cdk8sDir: string } | undefined {
  if (cdk8sYamlFound === undefined) {
    try {
      const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json'));
      cdk8sYamlFound = { file: require.resolve('yaml', { paths: [cdk8sDir] }), cdk8sDir };
    } catch {
      cdk8sYamlFound = null; // cdk8s without a resolvable yaml
    }
  }
  return cdk8sYamlFound ?? undefined;
}

/** Load cdk8s's `yaml` for real (replacing the stand-in, if it is still in the cache). */
function loadReal(file: string): typeof YAML {
  const cached = require.cache[file];
  if (cached && cached.exports === standIn) delete require.cache[file];
  return require(file) as typeof YAML;
}

let standIn: object | undefined;

/**
 * Put a stand-in for cdk8s's `yaml` in the module cache, unless that module is loaded already.
 * The stand-in is a Proxy that loads the real module on first use (any property read, `in`,
 * key listing) and forwards to it; it answers `__esModule` so that TypeScript's `import *`
 * helper in cdk8s keeps it as it is instead of copying its keys at load, and `default` with
 * the module itself, as the default-import helper would. Returns whether it was installed.
 */
export function deferCdk8sYaml(): boolean {
  const cache = require.cache as NodeJS.Dict<NodeJS.Module> | undefined;
  const target = cdk8sYaml();
  if (!cache || !target || cache[target.file]) return false;
  let real: typeof YAML | undefined;
  const load = (): typeof YAML => (real ??= loadReal(target.file));
  standIn = new Proxy({}, {
    get: (_, key) => {
      if (key === '__esModule') return true;
      const mod = load();
      // `import YAML from 'yaml'` compiles to `.default` of an __esModule: the module itself
      return key === 'default' && !('default' in mod) ? mod : Reflect.get(mod, key);
    },
    has: (_, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true }; // a Proxy may not report a fixed key its target lacks
    },
  });
  const Module = require('module') as { new (id: string): NodeJS.Module };
  const stand = new Module(target.file);
  stand.filename = target.file;
  stand.loaded = true;
  stand.exports = standIn;
  cache[target.file] = stand;
  return true;
}

/** Whether cdk8s's `yaml` is loaded (not a stand-in, not absent). For tests and benchmarks. */
export function cdk8sYamlLoaded(): boolean {
  const target = cdk8sYaml();
  const cached = target && require.cache[target.file];
  return !!cached && cached.exports !== standIn;
}

/**
 * The `yaml` module, loaded on first use. When cdk8s's own copy is the same version as ours
 * (both come from the lock file), that copy is used rather than loading a second, identical one.
 */
export function yamlModule(): typeof YAML {
  if (loaded) return loaded;
  const ours = require('yaml/package.json').version as string;
  const theirs = cdk8sYaml();
  if (theirs && versionNear(theirs.cdk8sDir) === ours) loaded = loadReal(theirs.file);
  loaded ??= require('yaml') as typeof YAML;
  return loaded;
}

/** The version of the `yaml` package `dir` resolves, if any. */
function versionNear(dir: string): string | undefined {
  try {
    return require(require.resolve('yaml/package.json', { paths: [dir] })).version as string;
  } catch {
    return undefined;
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

deferCdk8sYaml();
