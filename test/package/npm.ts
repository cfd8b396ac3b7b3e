/**
 * Real npm for the package tests: this repository packed as users get it, installed into scratch
 * consumer projects offline, from the npm cache that `npm ci` filled.
 *
 * A consumer's install starts from a package-lock.json cut from this repository's lock (the
 * packages its dependencies reach, at the versions this repository tests), so npm needs no
 * registry metadata for them; packages outside it (other cdk8s/constructs versions) need their
 * metadata and tarball in the cache (`.ci/run` adds them with `npm cache add`).
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** This repository: the folder above this file with cdk8s-gitops's package.json (also when compiled into lib/ for the bench). */
export const ROOT = ((): string => {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cdk8s-gitops') return dir;
  }
  throw new Error(`no cdk8s-gitops package.json above ${__dirname}`);
})();

/** Set by `.ci/run`: the package tests must run (a missing package in the cache fails instead of skipping). */
export const REQUIRED = process.env.CDK8S_GITOPS_PACKAGE_TESTS === 'required';

/** The environment for npm: the caller's, without the settings of an npm that may have started jest. */
export function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())));
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Run a command; throw with its output when it fails. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv()): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r;
}

/**
 * The newest version of `name` whose tarball the npm cache holds that `range` takes (`2.68.x`:
 * a version starting `2.68.`), or undefined (also when the cache lacks the package's metadata). A consumer asks for exactly that version: npm
 * offline would resolve a range to the newest version the cached metadata lists, whose tarball
 * may not be cached (ENOTCACHED).
 */
export function cachedVersion(name: string, range: string): string | undefined {
  if (!/^\d+\.\d+\.x$/.test(range)) throw new Error(`cachedVersion: range ${JSON.stringify(range)} must be MAJOR.MINOR.x`);
  const r = spawnSync('npm', ['cache', 'ls', name], { env: npmEnv(), encoding: 'utf8' });
  const lines = (r.status === 0 ? r.stdout : '').split('\n');
  if (!lines.some(l => l.endsWith(`/${name}`))) return undefined; // no metadata: npm offline cannot resolve even an exact version
  const tarball = `/${name}/-/${name.split('/').pop()}-`; // .../cdk8s/-/cdk8s-2.68.100.tgz
  const versions = lines.filter(l => l.includes(tarball) && l.endsWith('.tgz'))
    .map(l => l.slice(l.lastIndexOf(tarball) + tarball.length, -'.tgz'.length))
    .filter(v => v.startsWith(range.slice(0, -1)) && /^\d+\.\d+\.\d+$/.test(v));
  return versions.sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2])).pop();
}

/**
 * Make sure lib/ is what `npm run build` makes from the sources (tsc, declarations, schema
 * bundle): `npm run synth` transpiles .js only, without declarations. Test files that call it
 * at once build one after the other (a lock folder beside lib/), the later ones finding it built.
 */
export function ensureBuilt(): void {
  const stale = (dir: string): boolean => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).some(e => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return stale(rel);
    if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) return false;
    const decl = fs.statSync(path.join(ROOT, 'lib', rel.replace(/\.ts$/, '.d.ts')), { throwIfNoEntry: false });
    return decl === undefined || decl.mtimeMs < fs.statSync(path.join(ROOT, rel)).mtimeMs;
  });
  const lock = path.join(ROOT, '.build-lock');
  for (let waited = 0; ; waited += 200) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      if (waited > 600_000) throw new Error(`${lock} stayed for 10 minutes: remove it if no test run builds`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (stale('src') || stale('reference') || !fs.existsSync(path.join(ROOT, 'lib', 'schemas', 'validators.js'))) run('npm', ['run', 'build'], ROOT);
  } finally {
    fs.rmdirSync(lock);
  }
}

/** `npm pack` this repository into `dest` (lib/ as it is: see {@link ensureBuilt}); the tarball's path. */
export function pack(dest: string): string {
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], ROOT);
  return path.join(dest, JSON.parse(r.stdout)[0].filename);
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/**
 * A package-lock.json for a consumer whose `package.json` is `manifest`: the entries of this
 * repository's lock that `fromLock` (package names) and their dependencies reach, found as
 * node does (nested node_modules first).
 */
export function consumerLock(manifest: { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }, fromLock: readonly string[]): object {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const keep = new Map<string, LockEntry>();
  const find = (from: string, name: string): string | undefined => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const candidate = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!at) return undefined;
    }
  };
  const visit = (loc: string) => {
    if (keep.has(loc)) return;
    const { dev, devOptional, peer, ...entry } = lock.packages[loc];
    void dev; void devOptional; void peer;
    keep.set(loc, entry);
    const optional = new Set([...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n)]);
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
      const found = find(loc, name);
      if (found) visit(found);
      else if (!optional.has(name)) throw new Error(`package-lock.json: ${loc} needs ${name}, which the lock does not hold`);
    }
  };
  for (const name of fromLock) {
    const loc = `node_modules/${name}`;
    if (!lock.packages[loc]) throw new Error(`package-lock.json holds no ${loc}`);
    visit(loc);
  }
  const packages: Record<string, LockEntry> = { '': { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies } };
  for (const loc of [...keep.keys()].sort()) packages[loc] = keep.get(loc)!;
  return { name: manifest.name, lockfileVersion: 3, requires: true, packages };
}

/** Write `manifest` and its {@link consumerLock} into `dir`, then `npm install --offline` there. */
export function installOffline(dir: string, manifest: Record<string, any>, fromLock: readonly string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), `${JSON.stringify(consumerLock(manifest as any, fromLock), null, 2)}\n`);
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}
