/**
 * A fast YAML emitter for manifests that writes exactly what `yaml`'s
 * `stringify(object, YAML_OPTIONS)` writes (block style, YAML 1.1-safe quoting, no folding),
 * about 20 times faster on manifests.
 *
 * Why: `stringify` builds a Document, a YAML 1.1 schema and a node tree per call; at thousands
 * of objects that is most of synth's time. Manifests are plain JSON data whose strings are
 * nearly all plain names, labels, images and paths, so this module writes the block layout and
 * the scalars of printable ASCII itself (plain, quoted, literal blocks; `yaml`'s rules for them
 * are copied here, and its YAML 1.1 tag tests), and asks `yaml` how to write any other scalar
 * (memoized per string), or the whole object when it holds anything outside the simple case
 * (multi-line strings that need block indicators, `null`, floats, document markers, the merge
 * key, very long keys, non-plain objects). Writing the reference app does not load `yaml` at
 * all. The result is byte-identical to `stringify` (a differential test compares them on the
 * reference output, tricky strings and random data).
 */
import { yamlModule } from './yaml-module';

/** The options every cdk8s-gitops file is written with. */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;


/**
 * The plain scalars YAML 1.1 reads as something else than a string, as `yaml`'s `yaml-1.1`
 * schema tests them (null, bool, int in four bases and sexagesimal, float, timestamp): a
 * string matching one is written quoted. Kept here so that writing a manifest does not load
 * `yaml` (~30 ms at start-up); a test checks the list against the installed `yaml`. (The
 * merge key `<<` depends on what it is next to in `yaml`: objects holding it go to `yaml`.)
 */
export const YAML_11_NON_STRING_TESTS: readonly RegExp[] = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?[0-9][0-9_]*$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
];

/**
 * A string `yaml` would not write plain in block context (its `plainString`): an indicator
 * first, `- ` or `? ` first, `: ` or ` #` inside, a space, tab or `:` last.
 */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;

/** Characters this module writes itself; a string with any other goes to `yaml`. */
const OWN_LINE = /^[\t\x20-\x7e]*$/;
const OWN_LINES = /^[\t\n\x20-\x7e]*$/;

/** Thrown inside the emitter when an object needs the full `yaml` serializer. */
const FALLBACK = Symbol('fallback');

/**
 * How each string was written, by context: most strings of a platform repeat (labels, keys,
 * names). Bounded: a cache that reaches CACHE_LIMIT entries starts over.
 */
const CACHE_LIMIT = 10_000;
const valueCache = new Map<string, string>();
const keyCache = new Map<string, string>();
const itemCache = new Map<string, string>();

function isPlain(s: string): boolean {
  if (NOT_PLAIN.test(s)) return false;
  for (const t of YAML_11_NON_STRING_TESTS) if (t.test(s)) return false;
  return true;
}

/** How `yaml` writes string `s` in a context, from a one-entry document. Multi-line: fall back. */
function ask(s: string, wrap: (s: string) => unknown, prefix: number, suffix: number): string {
  const out = yamlModule().stringify(wrap(s), YAML_OPTIONS);
  const r = out.slice(prefix, out.length - suffix);
  if (r.includes('\n') || r.startsWith('? ')) throw FALLBACK;
  return r;
}

/**
 * A one-line string of printable ASCII (and tabs) as `yaml` writes it: plain when it can be,
 * else in double quotes (JSON's escapes are `yaml`'s for these characters), or in single
 * quotes when it holds a `"` and no `'`.
 */
function lineString(s: string): string {
  if (isPlain(s)) return s;
  return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
}

/**
 * A multi-line string of printable ASCII as `yaml` writes it after `key: ` or `- `: a literal
 * block whose lines are indented by `inner` (`|-` without a final newline, `|` with exactly
 * one). Leading spaces or newlines, trailing blank lines or whitespace: undefined (`yaml`
 * then adds indentation indicators, keeps newlines or quotes).
 */
function literalBlock(s: string, inner: string): string | undefined {
  if (s[0] === ' ' || s[0] === '\n') return undefined;
  const clip = s.endsWith('\n');
  const body = clip ? s.slice(0, -1) : s;
  const last = body[body.length - 1];
  if (last === '\n' || last === ' ' || last === '\t') return undefined;
  return `|${clip ? '' : '-'}\n${inner}${body.replace(/\n+/g, nl => nl + inner)}`;
}

function scalarString(s: string, cache: Map<string, string>, kind: 'key' | 'value' | 'item', inner: string): string {
  const hit = cache.get(s);
  if (hit !== undefined) return hit;
  if (/^(%|---|\.\.\.)/m.test(s) || s === '<<' || (kind === 'key' && s.length > 1000)) throw FALLBACK;
  if (s.includes('\n')) {
    const block = kind !== 'key' && OWN_LINES.test(s) ? literalBlock(s, inner) : undefined;
    if (block === undefined) throw FALLBACK;
    return block; // depends on the indent: not cached
  }
  const r = OWN_LINE.test(s) ? lineString(s)
    : kind === 'key' ? ask(s, x => ({ [x]: 0 }), 0, 4) // `KEY: 0\n`
      : kind === 'value' ? ask(s, x => ({ k: x }), 3, 1) // `k: VALUE\n`
        : ask(s, x => [x], 2, 1); // `- ITEM\n`
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(s, r);
  return r;
}

/** A scalar other than a string (number, boolean), as `yaml` writes it; undefined for a collection. */
function scalar(v: unknown, cache: Map<string, string>, kind: 'value' | 'item', inner: string): string | undefined {
  switch (typeof v) {
    case 'string': return scalarString(v, cache, kind, inner);
    case 'boolean': return v ? 'true' : 'false';
    case 'number':
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
      throw FALLBACK;
    case 'object':
      if (v === null) throw FALLBACK;
      return undefined;
    default:
      throw FALLBACK;
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Write a non-empty map or sequence into `out`; the first line has no indent (the caller
 * wrote its prefix). Parts are collected and joined once per document: concatenating them
 * would build a rope of thousands of nodes per file.
 */
function block(v: object, indent: string, out: string[]): void {
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (i > 0) out.push('\n', indent);
      const s = scalar(item, itemCache, 'item', inner);
      out.push('- ');
      if (s !== undefined) out.push(s);
      else collection(item as object, inner, '', out);
    }
    return;
  }
  if (!isPlainObject(v)) throw FALLBACK;
  let first = true;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const val = (v as Record<string, unknown>)[k];
    if (val === undefined) throw FALLBACK;
    if (!first) out.push('\n', indent);
    first = false;
    out.push(scalarString(k, keyCache, 'key', inner), ':');
    const s = scalar(val, valueCache, 'value', inner);
    if (s !== undefined) out.push(' ', s);
    else collection(val as object, inner, ' ', out);
  }
}

/** A collection after `key:` (`sep` ' ') or `- ` (`sep` ''): empty ones in flow style. */
function collection(v: object, inner: string, sep: string, out: string[]): void {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(sep, '[]');
      return;
    }
  } else {
    if (!isPlainObject(v)) throw FALLBACK;
    let empty = true;
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) { empty = false; break; }
    if (empty) {
      out.push(sep, '{}');
      return;
    }
  }
  // after `key:` the block starts on the next line; after `- ` it starts on the same line
  if (sep !== '') out.push('\n', inner);
  block(v, inner, out);
}

/**
 * Serialize plain JSON data (a mapping at the top) exactly as `stringify(object, YAML_OPTIONS)`
 * does.
 */
export function emitYaml(object: unknown): string {
  if (object !== null && typeof object === 'object' && !Array.isArray(object) && isPlainObject(object)) {
    try {
      const out: string[] = [];
      block(object, '', out);
      return out.length === 0 ? '{}\n' : `${out.join('')}\n`;
    } catch (e) {
      if (e !== FALLBACK) throw e;
    }
  }
  return yamlModule().stringify(object, YAML_OPTIONS);
}

/** Serialize one object as YAML the way every cdk8s-gitops file is written (YAML 1.1-safe quoting, no folding). */
export function toYaml(object: unknown): string {
  return emitYaml(object);
}
