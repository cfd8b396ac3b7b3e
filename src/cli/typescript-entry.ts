import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BuildOptions, Metafile } from 'esbuild';

/** The file names of a program the CLI compiles itself: `--app main.ts`. */
export const TYPESCRIPT_ENTRY = /\.(ts|mts|cts|tsx)$/;

/**
 * Whether the CLI compiles the program at `file` itself: a TypeScript entry loaded by Node's own
 * module system (`require.extensions` has Node's `.js` loader), unless a TypeScript loader
 * registered in this process loads that extension already (`node -r ts-node/register`, tsx, a
 * test hook). Under another module system (a test runner's, which registers no `.js` loader
 * there) that system loads the entry, TypeScript included. Node's own type stripping registers
 * no `require.extensions` entry: with it alone, the CLI still compiles.
 */
export function compilesItself(file: string): boolean {
  const loaders = require.extensions;
  return TYPESCRIPT_ENTRY.test(file) && loaders['.js'] !== undefined && loaders[path.extname(file)] === undefined;
}

/** What a compiled entry was built from: reused while all of it is unchanged. */
interface CacheRecord {
  readonly entry: string;
  readonly esbuild: string;
  readonly options: string;
  /** `[file, mtimeMs, size]` of every input, and `[file, null, null]` for a tsconfig.json that was absent. */
  readonly inputs: readonly (readonly [string, number | null, number | null])[];
}

/** Where the module `require()`d instead of a TypeScript entry is, and whether it was compiled just now. */
export interface CompiledEntry {
  /** The CommonJS bundle of the program (its packages stay external). */
  readonly file: string;
  /** True when esbuild ran; false when the cached bundle was still valid. */
  readonly compiled: boolean;
}

/**
 * The program at `entry` (TypeScript) as one CommonJS module, transpiled (never type-checked)
 * and bundled by esbuild with its packages left external, so that the program uses the same
 * copies of cdk8s-gitops, cdk8s and constructs as everything else in the project.
 *
 * The bundle is cached in the nearest `node_modules/.cache/cdk8s-gitops/` above the entry (else
 * in a private folder of the system temp folder) and reused while every file it was built from
 * (and each tsconfig.json from the entry's folder up) keeps its mtime and size, and esbuild's
 * version and the options are the same. In the bundle, `require` resolves packages from the
 * entry's folder, and `__dirname`/`__filename` are the entry's; a bundled file outside the
 * entry's folder that uses them is refused (they would name the wrong folder).
 *
 * @throws Error when the program does not compile
 */
export function compileTypeScriptEntry(entry: string): CompiledEntry {
  const dir = cacheDir(path.dirname(entry));
  const base = path.join(dir, createHash('sha256').update(entry).digest('hex').slice(0, 24));
  const options = buildOptions(entry);
  const optionsKey = JSON.stringify(options);
  const esbuildVersion = installedEsbuildVersion();
  const record = readRecord(`${base}.json`);
  if (record && record.entry === entry && record.esbuild === esbuildVersion && record.options === optionsKey
    && record.inputs.every(([file, mtimeMs, size]) => sameStat(file, mtimeMs, size)) && fs.existsSync(`${base}.js`)) {
    return { file: `${base}.js`, compiled: false };
  }
  const esbuild = loadEsbuild();
  const tsconfigs = tsconfigsAbove(path.dirname(entry));
  // stat before building: an edit made meanwhile then invalidates the bundle next time
  const before = new Map(tsconfigs.map(f => [f, statOf(f)]));
  let result: { metafile?: Metafile; outputFiles?: { text: string }[] };
  try {
    result = esbuild.buildSync({ ...options, write: false, metafile: true, logLevel: 'silent' });
  } catch (e: any) {
    const errors: { text: string; location?: { file: string; line: number; column: number } | null }[] = e?.errors ?? [];
    const detail = errors.length > 0
      ? errors.map(x => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column}: ${x.text}` : x.text)).join('\n  ')
      : e?.message ?? String(e);
    throw new Error(`program ${entry} does not compile:\n  ${detail}`);
  }
  const cwd = options.absWorkingDir!;
  const files = Object.keys(result.metafile!.inputs).map(f => path.resolve(cwd, f));
  refuseOwnDirname(entry, files);
  const inputs: CacheRecord['inputs'] = [
    ...files.map(f => { const s = statOf(f); return [f, s?.mtimeMs ?? null, s?.size ?? null] as const; }),
    ...tsconfigs.map(f => { const s = before.get(f); return [f, s?.mtimeMs ?? null, s?.size ?? null] as const; }),
  ];
  fs.mkdirSync(dir, { recursive: true });
  writeAtomically(`${base}.js`, result.outputFiles![0].text);
  writeAtomically(`${base}.json`, JSON.stringify({ entry, esbuild: esbuildVersion, options: optionsKey, inputs } satisfies CacheRecord));
  return { file: `${base}.js`, compiled: true };
}

function buildOptions(entry: string): BuildOptions {
  const j = JSON.stringify;
  return {
    entryPoints: [entry],
    absWorkingDir: path.dirname(entry),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    packages: 'external',
    sourcemap: 'inline',
    // the bundle lives in a cache folder: packages resolve from the entry's folder, and the
    // entry's __dirname/__filename are its own (module-local bindings, nothing global changes)
    banner: { js: `var __filename = ${j(entry)}, __dirname = ${j(path.dirname(entry))}, require = require("module").createRequire(__filename);` },
  };
}

/** A file outside the entry's folder that uses __dirname/__filename would get the entry's: refuse it. */
function refuseOwnDirname(entry: string, files: readonly string[]): void {
  const home = path.dirname(entry);
  for (const file of files) {
    if (path.dirname(file) === home || file.split(path.sep).includes('node_modules')) continue;
    const text = fs.readFileSync(file, 'utf8');
    const m = /\b__(dirname|filename)\b/.exec(text);
    if (m) {
      throw new Error(`program ${entry}: ${file} uses ${m[0]}, which in a TypeScript entry bundled by cdk8s-gitops is the entry's `
        + `(${home}); move that code into a file beside the entry, or compile the program (tsc) and pass the .js to --app`);
    }
  }
}

/** The cache folder for an entry in `from`: the nearest node_modules/.cache/cdk8s-gitops, else a private temp folder. */
function cacheDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const nm = path.join(dir, 'node_modules');
    if (isDirectory(nm)) return path.join(nm, '.cache', 'cdk8s-gitops');
    if (path.dirname(dir) === dir) break;
  }
  // the temp folder may be shared with other users: only a folder of ours, that nobody else can write
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = path.join(os.tmpdir(), `cdk8s-gitops-cache-${uid ?? os.userInfo().username}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s = fs.lstatSync(dir);
  if (!s.isDirectory() || (uid !== undefined && (s.uid !== uid || (s.mode & 0o022) !== 0))) {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitops-cache-')); // not reusable, but safe
  }
  return dir;
}

function tsconfigsAbove(from: string): string[] {
  const found: string[] = [];
  for (let dir = from; ; dir = path.dirname(dir)) {
    found.push(path.join(dir, 'tsconfig.json'));
    if (path.dirname(dir) === dir || isDirectory(path.join(dir, 'node_modules'))) break;
  }
  return found;
}

/**
 * esbuild, with its synchronous calls run by one esbuild process and no worker thread: by
 * default the first call starts a worker thread first, 70-180 ms here before the build
 * (ESBUILD_WORKER_THREADS is read once, when esbuild loads; set for that moment only).
 */
export function loadEsbuild(): typeof import('esbuild') {
  const before = process.env.ESBUILD_WORKER_THREADS;
  process.env.ESBUILD_WORKER_THREADS = '0';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('esbuild') as typeof import('esbuild');
  } finally {
    if (before === undefined) delete process.env.ESBUILD_WORKER_THREADS;
    else process.env.ESBUILD_WORKER_THREADS = before;
  }
}

function installedEsbuildVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('esbuild/package.json') as { version: string }).version;
}

function readRecord(file: string): CacheRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(r?.inputs) ? r as CacheRecord : undefined;
  } catch {
    return undefined;
  }
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function sameStat(file: string, mtimeMs: number | null, size: number | null): boolean {
  const s = statOf(file);
  return s === undefined ? mtimeMs === null : s.mtimeMs === mtimeMs && s.size === size;
}

function isDirectory(p: string): boolean {
  return statOf(p)?.isDirectory() ?? false;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
