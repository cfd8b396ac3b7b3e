import * as fs from 'fs';
import * as path from 'path';
import { useOriginals } from '../core/originals';

/**
 * Loader for the JSON-schema validators that `kubernetes-models`, `@kubernetes-models/istio`
 * and `@kubernetes-models/argo-cd` ship.
 *
 * Those packages are ESM only (`"type": "module"`, exports with the `import` condition only),
 * while this package is CommonJS and `synthesize()` is synchronous. Their validators are
 * ajv "standalone" output: self-contained functions whose only module syntax is
 * `import{validate as validateN}from"…"`, `import{formats}from"@kubernetes-models/validate"`,
 * `import funcN from"@kubernetes-models/validate/runtime/ucs2length"` and
 * `export const validate=validateN`. This loader rewrites exactly those statements and
 * evaluates the module as a function, synchronously, on any Node version and inside Jest's
 * module sandbox (which refuses `require()` of ESM). Anything else in a module is a syntax
 * error, reported with the file name: we never silently skip a schema.
 *
 * Every loaded `validate` is wrapped so that a validation run can observe which schema
 * validated which object (see `strict.ts`).
 *
 * `npm run build` also writes the modules of the kinds cdk8s-gitops's constructs render
 * (`BUNDLED_KINDS`) into one prebuilt CommonJS bundle, `lib/schemas/validators.js`, already
 * rewritten (`tools/build-schema-bundle.js`); it is loaded with a plain `require`. A module whose
 * package is installed at the version the bundle was built from comes from the bundle; anything
 * else (another version, another module) is read and rewritten here as above, and so is every
 * module under `CDK8S_GITOPS_ORIGINALS=1` (`core/originals.ts`): the bundle is the fast copy, the
 * rewriting is how a module loads at all (Node's own loader would be asynchronous or
 * Node >= 22.12 only, is refused inside Jest, and would hide the sub-schemas from the observer).
 */

/** An ajv error, as the compiled validators report them. */
export interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, any>;
  readonly message?: string;
}

/** A compiled validator: returns whether `data` is valid, and sets `errors` when it is not. */
export type ValidateFunction = ((data: unknown, context?: object) => boolean) & { errors?: AjvError[] | null };

/** Called for every (sub)schema module that validates a value, with that schema's name. */
export type SchemaObserver = (data: unknown, schema: string) => void;

let observer: SchemaObserver | undefined;

/** Run `fn` with `obs` observing every schema module's validate call. */
export function withSchemaObserver<T>(obs: SchemaObserver, fn: () => T): T {
  const previous = observer;
  observer = obs;
  try {
    return fn();
  } finally {
    observer = previous;
  }
}

const modules = new Map<string, Record<string, any>>();
const packageDirs = new Map<string, string | undefined>();

/**
 * The folder of an installed package, searched like Node does (node_modules of `fromDir` and
 * its parents). `package.json` is read directly because these packages don't export it.
 */
export function packageDir(name: string, fromDir: string = __dirname): string | undefined {
  const key = `${fromDir}\0${name}`;
  if (packageDirs.has(key)) return packageDirs.get(key);
  let found: string | undefined;
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      found = candidate;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  packageDirs.set(key, found);
  return found;
}

/** Load (once) the validator module at `file` and return its exports. */
export function loadSchemaModule(file: string): Record<string, any> {
  const cached = modules.get(file);
  if (cached) return cached;
  const exports: Record<string, any> = {};
  // Registered before evaluation so that import cycles see the (hoisted) export.
  modules.set(file, exports);
  try {
    evaluate(file, exports);
  } catch (e) {
    modules.delete(file);
    throw e;
  }
  return exports;
}

function evaluate(file: string, exports: Record<string, any>): void {
  let fn: SchemaModuleFunction;
  let specifiers: readonly string[];
  const bundled = fromBundle(file);
  if (bundled) {
    [specifiers, fn] = bundled;
  } else {
    const module = transformSchemaModule(fs.readFileSync(file, 'utf8'), file);
    specifiers = module.specifiers;
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      fn = new Function('__exports', '__imports', '__wrap', `"use strict";${module.body}\n//# sourceURL=${file}`) as SchemaModuleFunction;
    } catch (e: any) {
      throw new Error(`${file}: cannot load schema module: ${e.message}`);
    }
  }
  const resolved = specifiers.map(s => resolveImport(s, file));
  const schema = path.basename(file, '.js');
  fn(exports, resolved, (inner: ValidateFunction) => wrap(inner, schema));
}

/** A schema module rewritten as a function of its exports, its resolved imports and the wrapper of its `validate`. */
export type SchemaModuleFunction = (exports: Record<string, any>, imports: readonly Record<string, any>[], wrap: (inner: ValidateFunction) => ValidateFunction) => void;

/**
 * Rewrite the text of a schema module (`file` names it in errors) as the body of a
 * {@link SchemaModuleFunction} (`__exports`, `__imports`, `__wrap`), and list its import
 * specifiers in the order `__imports` holds them.
 */
export function transformSchemaModule(source: string, file: string): { readonly body: string; readonly specifiers: string[] } {
  const imports: string[] = [];
  const specifiers: string[] = [];
  let exported: string | undefined;
  const body = source
    .replace(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"\s*;?/g, (_m, names: string, spec: string) => {
      specifiers.push(spec);
      const i = specifiers.length - 1;
      const bindings = names.split(',').map(n => n.trim()).filter(Boolean).map(n => {
        const [imported, local] = n.split(/\s+as\s+/);
        return `${local ?? imported}=__imports[${i}][${JSON.stringify(imported)}]`;
      });
      imports.push(`const ${bindings.join(',')};`);
      return '';
    })
    .replace(/import\s+([A-Za-z_$][\w$]*)\s+from\s*"([^"]+)"\s*;?/g, (_m, local: string, spec: string) => {
      specifiers.push(spec);
      imports.push(`const ${local}=__imports[${specifiers.length - 1}].default;`);
      return '';
    })
    .replace(/export\s+const\s+validate\s*=\s*([A-Za-z_$][\w$]*)\s*;?/, (_m, name: string) => {
      exported = name;
      return '';
    })
    .replace(/\/\/# sourceMappingURL=.*$/m, '');
  if (exported === undefined) throw new Error(`${file}: no "export const validate" found: not a schema module this loader understands`);
  // Function declarations are hoisted: publish the export first, then bind the imports.
  return { body: `__exports.validate=__wrap(${exported});\n${imports.join('\n')}\n${body}`, specifiers };
}

/** Files of the schema modules loaded so far (what a bundle of them needs), in load order. */
export function loadedSchemaModules(): string[] {
  return [...modules.keys()];
}

/** The prebuilt bundle: package versions it was built from, and each module by `<package>/<path>`. */
export interface SchemaBundle {
  readonly packages: Readonly<Record<string, string>>;
  readonly modules: Readonly<Record<string, readonly [readonly string[], SchemaModuleFunction]>>;
}

/** Where `npm run build` writes the bundle (`lib/schemas/validators.js`, beside `lib/src/`). */
export const SCHEMA_BUNDLE_FILE = path.join(__dirname, '..', '..', 'schemas', 'validators.js');

let bundleState: { bundle?: SchemaBundle } | undefined;

/**
 * Use the bundle at `file` from now on (modules already loaded stay as they are); a missing
 * or unreadable bundle is no bundle. For the build tool and tests.
 */
export function useSchemaBundle(file: string = SCHEMA_BUNDLE_FILE): { readonly loaded: boolean } {
  bundleState = {};
  if (fs.existsSync(file)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      bundleState = { bundle: require(file) as SchemaBundle };
    } catch {
      bundleState = {};
    }
  }
  return { loaded: bundleState.bundle !== undefined };
}

/**
 * Where a module file is in a bundle: its key (`<package>/<path>`, `/`-separated), its
 * package's name and folder; undefined outside node_modules.
 */
export function bundleKey(file: string): { readonly key: string; readonly name: string; readonly dir: string } | undefined {
  const marker = `node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) return undefined;
  const rest = file.slice(at + marker.length).split(path.sep);
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  return { key: rest.join('/'), name, dir: file.slice(0, at + marker.length) + name.split('/').join(path.sep) };
}

/** The bundled module for `file`, when the bundle has it and its package is installed at the bundle's version. */
function fromBundle(file: string): readonly [readonly string[], SchemaModuleFunction] | undefined {
  if (useOriginals('schema-bundle')) return undefined;
  if (bundleState === undefined) useSchemaBundle();
  const bundle = bundleState!.bundle;
  if (!bundle) return undefined;
  const at = bundleKey(file);
  if (!at) return undefined;
  const entry = bundle.modules[at.key];
  if (!entry || bundle.packages[at.name] === undefined) return undefined;
  return packageVersion(at.dir) === bundle.packages[at.name] ? entry : undefined;
}

function wrap(inner: ValidateFunction, schema: string): ValidateFunction {
  const wrapped: ValidateFunction = (data: unknown, context?: object) => {
    if (observer) observer(data, schema);
    const ok = inner(data, context);
    wrapped.errors = inner.errors;
    return ok;
  };
  return wrapped;
}

function resolveImport(spec: string, from: string): Record<string, any> {
  if (spec.startsWith('.')) return loadSchemaModule(path.resolve(path.dirname(from), spec));
  if (spec === '@kubernetes-models/validate') return { formats: formats() };
  if (spec === '@kubernetes-models/validate/runtime/ucs2length') return { default: runtime('ucs2length') };
  // schemas with `pattern`s (PrometheusRule) compile them with RE2, as Kubernetes' API server does
  if (spec === '@kubernetes-models/validate/runtime/re2') return { default: requireFrom('@kubernetes-models/validate', 're2-wasm').RE2 };
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = parts.slice(name.split('/').length).join('/');
  const dir = packageDir(name, path.dirname(from));
  if (!dir) throw new Error(`${from}: cannot find package ${name} (imported as ${spec})`);
  const target = exportTarget(dir, sub);
  if (!target) throw new Error(`${from}: package ${name} does not export ${JSON.stringify('./' + sub)}`);
  return loadSchemaModule(path.join(dir, target));
}

const packageJsons = new Map<string, any>();

/** The parsed `package.json` of the package in `dir` (read once). */
function packageJson(dir: string): any {
  let pkg = packageJsons.get(dir);
  if (pkg === undefined) packageJsons.set(dir, pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')));
  return pkg;
}

/** The installed version of the package in `dir`, or undefined when it has no readable `package.json`. */
export function packageVersion(dir: string): string | undefined {
  try {
    return packageJson(dir).version;
  } catch {
    return undefined;
  }
}

/** Resolve `./sub` through a package's `exports` map (patterns with one `*`, `import` condition). */
function exportTarget(dir: string, sub: string): string | undefined {
  const pkg = packageJson(dir);
  const request = sub ? `./${sub}` : '.';
  const exportsMap: Record<string, any> | undefined = pkg.exports;
  if (!exportsMap) return sub ? (sub.endsWith('.js') ? sub : `${sub}.js`) : pkg.main;
  const pick = (t: any): string | undefined => (typeof t === 'string' ? t : t?.import ?? t?.default);
  if (request in exportsMap) return pick(exportsMap[request]);
  for (const [key, value] of Object.entries(exportsMap)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (request.startsWith(prefix) && request.endsWith(suffix) && request.length >= prefix.length + suffix.length) {
      const t = pick(value);
      return t?.replace('*', request.slice(prefix.length, request.length - suffix.length));
    }
  }
  return undefined;
}

let formatTable: Record<string, any> | undefined;

/** The formats the schema modules validate with (see below), for the JSON schemas of schema locations. */
export function schemaFormats(): Record<string, any> {
  return formats();
}

/**
 * The formats `@kubernetes-models/validate` registers: ajv-formats' full set plus its own
 * `byte`, `quantity` and `string` (same definitions as its `formats.js`; its `cidr` format
 * is used by none of the schemas we load).
 */
function formats(): Record<string, any> {
  if (formatTable !== undefined) return formatTable;
  const rBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const rQuantity = /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|(?:[YZEPTGMkhdcmunpfazy]|da)|[eE][+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+))?$/;
  const table: Record<string, any> = {
    ...requireFrom('@kubernetes-models/validate', 'ajv-formats/dist/formats').fullFormats,
    byte: { type: 'string', validate: (v: string) => rBase64.test(v) },
    quantity: { type: 'string', validate: rQuantity },
    string: { type: 'string', validate: (v: unknown) => typeof v === 'string' },
  };
  formatTable = table;
  return table;
}

function runtime(name: string): any {
  const mod = requireFrom('@kubernetes-models/validate', `ajv/dist/runtime/${name}`);
  return mod.default ?? mod;
}

/** `require` a CommonJS module as the package `owner` would (ajv and ajv-formats are CommonJS). */
function requireFrom(owner: string, request: string): any {
  const ownerDir = packageDir(owner);
  const paths = ownerDir ? [ownerDir, __dirname] : [__dirname];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve(request, { paths }));
}
