import * as fs from 'fs';
import * as path from 'path';
import type { CreateApp } from '../gitops/repository';
import { UsageError } from '../core/errors';
import { compilesItself, compileTypeScriptEntry } from './typescript-entry';

/** The `package.json` field that names a project's program: `"cdk8s-gitops": { "app": "lib/main.js" }`. */
export const PACKAGE_FIELD = 'cdk8s-gitops';

/**
 * Where the program is: `--app MODULE`, else the `cdk8s-gitops.app` entry of `package.json` in
 * `cwd`. Never a program of this package: without either, a usage error says how to name one.
 */
export function resolveAppModule(modulePath: string | undefined, cwd: string = process.cwd()): string {
  if (modulePath !== undefined) return path.resolve(cwd, modulePath);
  const manifest = path.join(cwd, 'package.json');
  let pkg: unknown;
  try {
    pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  } catch (e: any) {
    if (e?.code !== 'ENOENT') throw new UsageError(`${manifest}: cannot read it to find the program (${e?.message ?? e}); pass --app MODULE`);
    pkg = undefined;
  }
  const field = pkg !== null && typeof pkg === 'object' ? (pkg as Record<string, unknown>)[PACKAGE_FIELD] : undefined;
  const app = field !== null && typeof field === 'object' ? (field as Record<string, unknown>).app : undefined;
  if (field !== undefined && (typeof app !== 'string' || app.trim() === '')) {
    throw new UsageError(`${manifest}: "${PACKAGE_FIELD}".app: ${JSON.stringify(app)} must name the program module, e.g. "lib/main.js"`);
  }
  if (typeof app === 'string') return path.resolve(cwd, app);
  throw new UsageError(`no program to render: ${pkg === undefined ? `there is no ${manifest}` : `${manifest} has no "${PACKAGE_FIELD}".app entry`}.\n`
    + `Pass --app MODULE (a module exporting createApp(props)), or add to package.json:\n  "${PACKAGE_FIELD}": { "app": "lib/main.js" }\n`
    + 'To start a new project: npx cdk8s-gitops init');
}

/**
 * Load the program: the module {@link resolveAppModule} finds, which must export
 * `createApp(props)`. A TypeScript entry (`.ts`, `.mts`, `.cts`, `.tsx`) is compiled first
 * (see {@link compileTypeScriptEntry}) unless a TypeScript loader is registered.
 */
export function loadAppFactory(modulePath?: string): CreateApp {
  const found = appModulePath(modulePath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(compilesItself(found) ? compileTypeScriptEntry(found).file : found);
  if (typeof mod.createApp !== 'function') {
    throw new UsageError(`program module ${found} does not export createApp(props) (export function createApp(props) { const app = new GitOpsApp(props); ...; return app; })`);
  }
  return mod.createApp as CreateApp;
}

/** The absolute path of the program module {@link loadAppFactory} loads, which must exist. */
export function appModulePath(modulePath?: string): string {
  const found = resolveAppModule(modulePath);
  if (!fs.existsSync(found)) {
    throw new UsageError(`program module not found: ${found} (build it first, e.g. \`npm run build\`, or pass --app MODULE)`);
  }
  return found;
}
