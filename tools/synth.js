#!/usr/bin/env node
/**
 * `npm run synth` and cdk8s.yaml's `app`: bring `lib/` up to date without a type-check, then run
 * `cdk8s-gitops synth` in this process (arguments are passed on: `npm run synth -- --out DIR`).
 *
 * - A source under `src/` or `reference/` whose output in `lib/` is missing or older is
 *   transpiled with esbuild (CommonJS, tsc's layout, one esbuild run for all such files);
 *   esbuild is loaded only then.
 * - An output in `lib/src/` or `lib/reference/` whose source is gone is removed (with its .d.ts).
 * - The schema bundle (`lib/schemas/validators.js`) is rebuilt only when it is missing, when a
 *   package it was built from is installed at another version, or when an output of
 *   `src/validate/` (which defines and writes it) is newer.
 * Staleness is decided by `fs.statSync` only (as make does: an output older than its source is
 * stale). Type errors are `npm run typecheck`'s job (CI); `npm run build` (tsc, declarations)
 * stays what packaging uses.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
/** Source folders transpiled into `lib/<folder>/` (tsconfig.json's `include`). */
const SOURCE_DIRS = ['src', 'reference'];
const SCHEMA_BUNDLE = path.join('lib', 'schemas', 'validators.js');
/** The outputs that define which schema modules the bundle holds and how they are rewritten. */
const SCHEMA_BUNDLE_INPUTS = path.join('lib', 'src', 'validate');

/** Files under `dir` (recursively) whose name passes `keep`, relative to `base`. */
function walk(dir, base, keep, into = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (e.code === 'ENOENT') return into;
    throw e;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, base, keep, into);
    else if (keep(e.name)) into.push(path.relative(base, p));
  }
  return into;
}

const isSource = name => name.endsWith('.ts') && !name.endsWith('.d.ts');
const outputOf = source => path.join('lib', source.replace(/\.ts$/, '.js'));
const mtime = file => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
};

/**
 * What is out of date under `root`: `stale` sources (relative paths) whose output is missing or
 * older, `orphans` (outputs under lib/, relative) whose source is gone.
 */
function scan(root) {
  const stale = [];
  const orphans = [];
  for (const dir of SOURCE_DIRS) {
    const sources = walk(path.join(root, dir), root, isSource);
    for (const source of sources) {
      const out = mtime(path.join(root, outputOf(source)));
      if (out === undefined || fs.statSync(path.join(root, source)).mtimeMs > out) stale.push(source);
    }
    const known = new Set(sources.map(outputOf));
    for (const out of walk(path.join(root, 'lib', dir), root, n => n.endsWith('.js'))) {
      if (!known.has(out)) orphans.push(out);
    }
  }
  return { stale, orphans };
}

/**
 * Transpile `sources` (relative to `root`) into lib/ as tsc lays them out: one esbuild run for
 * all of them (no bundling; tsconfig.json's options such as useDefineForClassFields apply).
 */
function transpile(root, sources) {
  if (sources.length === 0) return;
  const esbuild = loadEsbuild();
  let result;
  try {
    result = esbuild.buildSync({
      entryPoints: sources.map(s => path.join(root, s)),
      outbase: root,
      outdir: path.join(root, 'lib'),
      tsconfig: path.join(root, 'tsconfig.json'),
      format: 'cjs',
      platform: 'node',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
  } catch (e) {
    const errors = (e.errors || []).map(x => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column}: ${x.text}` : x.text));
    throw new Error(errors.length ? `esbuild: ${errors.join('; ')}` : e.message);
  }
  for (const out of result.outputFiles) writeAtomically(out.path, out.text);
}

/**
 * esbuild, with its synchronous calls run by one esbuild process and no worker thread: by
 * default the first call starts a worker thread first, 70-180 ms here before one file is done
 * (ESBUILD_WORKER_THREADS is read once, when esbuild loads; set for that moment only).
 */
function loadEsbuild() {
  const before = process.env.ESBUILD_WORKER_THREADS;
  process.env.ESBUILD_WORKER_THREADS = '0';
  try {
    return require('esbuild');
  } finally {
    if (before === undefined) delete process.env.ESBUILD_WORKER_THREADS;
    else process.env.ESBUILD_WORKER_THREADS = before;
  }
}

function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Remove outputs (relative to `root`) whose source is gone, with their declarations. */
function removeOrphans(root, outputs) {
  for (const out of outputs) {
    const base = path.join(root, out.replace(/\.js$/, ''));
    for (const ext of ['.js', '.d.ts']) fs.rmSync(base + ext, { force: true });
  }
}

/**
 * Why the schema bundle at `bundle` must be rebuilt, or undefined when it is up to date:
 * missing, unreadable header, a package installed at another version than it was built from
 * (`versionOf(name)` says which is installed), or a file under `inputsDir` newer than it.
 */
function schemaBundleStale(bundle, inputsDir, versionOf) {
  const built = mtime(bundle);
  if (built === undefined) return `${bundle} is missing`;
  const head = Buffer.alloc(4096);
  const fd = fs.openSync(bundle, 'r');
  let n;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const m = /^exports\.packages = (\{[^\n]*\});$/m.exec(head.toString('utf8', 0, n));
  let packages;
  try {
    packages = m ? JSON.parse(m[1]) : undefined;
  } catch {
    packages = undefined;
  }
  if (packages === undefined) return `${bundle} does not say which package versions it holds`;
  for (const [name, version] of Object.entries(packages)) {
    const installed = versionOf(name);
    if (installed !== version) return `${name} is installed at ${installed ?? 'no version'}, the bundle holds ${version}`;
  }
  const newer = walk(inputsDir, inputsDir, n => n.endsWith('.js')).find(f => mtime(path.join(inputsDir, f)) > built);
  return newer === undefined ? undefined : `${path.join(inputsDir, newer)} is newer`;
}

/**
 * Bring `root`'s lib/ up to date: transpile stale sources, remove orphaned outputs and, unless
 * `schemaBundle` is false, rebuild a stale schema bundle (`tools/build-schema-bundle.js`, in a
 * child process). Returns what it did.
 */
function refresh(root = ROOT, { schemaBundle = true } = {}) {
  const { stale, orphans } = scan(root);
  transpile(root, stale);
  removeOrphans(root, orphans);
  let rebuilt;
  if (schemaBundle) {
    const modules = require(path.join(root, 'lib', 'src', 'validate', 'schema-modules.js'));
    rebuilt = schemaBundleStale(path.join(root, SCHEMA_BUNDLE), path.join(root, SCHEMA_BUNDLE_INPUTS), name => {
      const dir = modules.packageDir(name);
      return dir === undefined ? undefined : modules.packageVersion(dir);
    });
    if (rebuilt !== undefined) {
      const r = require('child_process').spawnSync(process.execPath, [path.join(root, 'tools', 'build-schema-bundle.js')], { stdio: ['ignore', 2, 2] });
      if (r.status !== 0) throw new Error(`rebuilding the schema bundle (${rebuilt}) failed: tools/build-schema-bundle.js exited ${r.status ?? r.signal}`);
    }
  }
  return { transpiled: stale, removed: orphans, schemaBundle: rebuilt };
}

module.exports = { refresh, scan, schemaBundleStale };

if (require.main === module) {
  // Node's own compile cache, as bin/cdk8s-gitops.js enables it (Node >= 22.1)
  require('module').enableCompileCache?.();
  try {
    refresh();
  } catch (e) {
    process.stderr.write(`cdk8s-gitops synth: cannot bring lib/ up to date: ${e && e.message || e}\n`);
    process.exit(1);
  }
  const cli = require(path.join(ROOT, 'lib', 'src', 'cli', 'main.js'));
  cli.exitQuietlyOnClosedOutput();
  cli.main(['synth', ...process.argv.slice(2)]).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`cdk8s-gitops: ${err && err.stack || err}\n`); process.exitCode = 1; },
  );
}
