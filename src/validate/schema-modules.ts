import * as fs from 'fs';
import * as path from 'path';

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
  const source = fs.readFileSync(file, 'utf8');
  const imports: string[] = [];
  const specifiers: string[] = [];
  let exported: string | undefined;
  let body = source
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
  const resolved = specifiers.map(s => resolveImport(s, file));
  // Function declarations are hoisted: publish the export first, then bind the imports.
  body = `__exports.validate=__wrap(${exported});\n${imports.join('\n')}\n${body}`;
  let fn: (...args: any[]) => void;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    fn = new Function('__exports', '__imports', '__wrap', `"use strict";${body}\n//# sourceURL=${file}`) as any;
  } catch (e: any) {
    throw new Error(`${file}: cannot load schema module: ${e.message}`);
  }
  const schema = path.basename(file, '.js');
  fn(exports, resolved, (inner: ValidateFunction) => wrap(inner, schema));
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

/** Resolve `./sub` through a package's `exports` map (patterns with one `*`, `import` condition). */
function exportTarget(dir: string, sub: string): string | undefined {
  let pkg = packageJsons.get(dir);
  if (pkg === undefined) packageJsons.set(dir, pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')));
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
