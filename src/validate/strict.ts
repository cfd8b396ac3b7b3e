import { didYouMean } from '../core/closest-name';
import { AjvError, ValidateFunction, withSchemaObserver } from './schema-modules';

/** One schema violation, with a JSON-pointer-like path into the object (`/spec/template/...`). */
export interface SchemaViolation {
  /** Path of the offending value, `/`-separated, e.g. `/spec/template/spec/containers/0/imagePullPolicy`. */
  readonly path: string;
  /** What is wrong, naming the value and what is allowed. */
  readonly message: string;
  /** `unknown-field` for a field the schema does not declare; `invalid` for everything else. */
  readonly kind: 'unknown-field' | 'invalid';
}

/** Options of a strict validation. */
export interface StrictOptions {
  /**
   * Fields the loaded schemas declare but the target API version does not have, by schema
   * name (e.g. `IoK8sApiCoreV1SecurityContext: ['appArmorProfile']`): reported as unknown.
   */
  readonly absentFields?: Readonly<Record<string, readonly string[]>>;
  /** Fields the target API version has but the loaded schemas don't declare, by schema name: accepted. */
  readonly extraFields?: Readonly<Record<string, readonly string[]>>;
  /** Name of the target API version, for messages (e.g. `Kubernetes 1.28`). */
  readonly target?: string;
}

interface AccessRecord {
  /** Where the object was first reached from (its path is computed only for a finding). */
  readonly parent: AccessRecord | undefined;
  readonly key: string;
  readonly accessed: Set<string>;
  readonly schemas: Set<string>;
  iterated: boolean;
}

function pathOf(record: AccessRecord): string {
  const keys: string[] = [];
  for (let r: AccessRecord | undefined = record; r?.parent; r = r.parent) keys.push(escapePointer(r.key));
  return keys.length === 0 ? '' : `/${keys.reverse().join('/')}`;
}

/**
 * Validate `object` with a compiled ajv validator, strictly: besides the schema's own
 * errors, every field the schema does not declare is a violation (as `kubeconform -strict`).
 *
 * The compiled validators don't reject additional properties, and the packages ship no JSON
 * schema to add `additionalProperties: false` to. Instead the object is validated through a
 * recording proxy: an ajv validator reads every property its schema declares (to check it),
 * and enumerates the keys of a map (`additionalProperties: {…}`, e.g. labels). So after
 * validation, in an object the validator read properties of but did not enumerate, every
 * key it never read is unknown to the schema. Objects the validator never looked into
 * (free-form values such as Helm values) are not judged.
 */
export function validateStrict(validate: ValidateFunction, object: unknown, options: StrictOptions = NO_OPTIONS): SchemaViolation[] {
  // Which fields a validator reads depends on the object's shape (its keys and value types),
  // not on its values: an object shaped like one validated before, which the validator
  // accepts, has that one's unknown fields (usually none). Only the first of each shape goes
  // through the recording proxy, which costs far more than the compiled validator itself.
  let byValidator = shapeCache.get(options);
  if (!byValidator) shapeCache.set(options, byValidator = new WeakMap());
  let byShape = byValidator.get(validate);
  if (!byShape) byValidator.set(validate, byShape = new Map());
  const key = shapeOf(object);
  const known = byShape.get(key);
  if (known !== undefined && validate(object)) return known.map(v => ({ ...v }));
  const violations = validateRecorded(validate, object, options);
  if (!violations.some(v => v.kind === 'invalid')) byShape.set(key, violations.map(v => ({ ...v })));
  return violations;
}

const NO_OPTIONS: StrictOptions = {};

/** Per options object and validator: unknown-field violations of each shape seen valid. */
const shapeCache = new WeakMap<StrictOptions, WeakMap<ValidateFunction, Map<string, SchemaViolation[]>>>();

/** The keys (length-prefixed, so unambiguous) and value types of `value`, recursively. */
function shapeOf(value: unknown): string {
  if (value === null) return 'z';
  switch (typeof value) {
    case 'string': return 's';
    case 'number': return Number.isInteger(value) ? 'i' : 'n';
    case 'boolean': return 'b';
    case 'object': break;
    default: return 'u';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (const v of value) out += `${shapeOf(v)},`;
    return `${out}]`;
  }
  let out = '{';
  for (const k in value as Record<string, unknown>) {
    if (Object.prototype.hasOwnProperty.call(value, k)) out += `${k.length}:${k}${shapeOf((value as Record<string, unknown>)[k])},`;
  }
  return `${out}}`;
}

function validateRecorded(validate: ValidateFunction, object: unknown, options: StrictOptions): SchemaViolation[] {
  const records = new WeakMap<object, AccessRecord>();
  const proxies = new WeakMap<object, object>();
  const targets = new WeakMap<object, object>();

  const wrap = (value: unknown, parent: AccessRecord | undefined, key: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    const record: AccessRecord = { parent, key, accessed: new Set(), schemas: new Set(), iterated: false };
    records.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return v;
        // Declared properties are read even when absent: record every read.
        record.accessed.add(key);
        return v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(target, key) ? wrap(v, record, key) : v;
      },
      has(target, key) {
        if (typeof key === 'string') record.accessed.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.iterated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    targets.set(proxy, value);
    return proxy;
  };

  const root = wrap(object, undefined, '');
  const ok = withSchemaObserver((data, schema) => {
    const target = data !== null && typeof data === 'object' ? targets.get(data) : undefined;
    if (target) records.get(target)!.schemas.add(schema);
  }, () => validate(root));

  const violations: SchemaViolation[] = ok ? [] : describeErrors(validate.errors ?? [], object);
  const target = options.target ? ` in ${options.target}` : '';
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = records.get(value);
    if (record && !record.iterated && record.accessed.size > 0) {
      const schemas = [...record.schemas];
      for (const key of Object.keys(value)) {
        const at = (): string => `${pathOf(record)}/${escapePointer(key)}`;
        if (!record.accessed.has(key)) {
          if (schemas.some(schema => options.extraFields?.[schema]?.includes(key))) continue;
          violations.push({ path: at(), kind: 'unknown-field', message: `unknown field ${JSON.stringify(key)}${didYouMean(key, record.accessed)}` });
          continue;
        }
        if (schemas.some(schema => options.absentFields?.[schema]?.includes(key))) {
          violations.push({ path: at(), kind: 'unknown-field', message: `unknown field ${JSON.stringify(key)}: not${target}` });
        }
      }
    }
    for (const v of Object.values(value)) walk(v);
  };
  walk(object);
  return violations;
}

/** Turn ajv errors into one message per offending value, naming the value and what is allowed. */
function describeErrors(errors: readonly AjvError[], root: unknown): SchemaViolation[] {
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const out: SchemaViolation[] = [];
  for (const [path, list] of byPath) {
    const value = valueAt(root, path);
    const combinators = list.filter(e => e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'not');
    const plain = list.filter(e => !combinators.includes(e));
    if (combinators.length > 0 && plain.length > 0) {
      const expected = [...new Set(plain.map(e => expectation(e)))].join(' or ');
      out.push({ path, kind: 'invalid', message: `${show(value)} is not allowed: expected ${expected}` });
      continue;
    }
    if (combinators.length > 0) {
      const keywords = [...new Set(combinators.map(e => e.keyword))].join('/');
      out.push({ path, kind: 'invalid', message: `${show(value)} does not satisfy the schema's ${keywords}: it sets mutually exclusive fields, or none of the alternatives` });
      continue;
    }
    const seen = new Set<string>();
    // a JSON schema's additionalProperties: false (schema locations): one unknown field each
    for (const e of plain.filter(x => x.keyword === 'additionalProperties')) {
      const key = String(e.params.additionalProperty);
      out.push({ path: `${path}/${escapePointer(key)}`, kind: 'unknown-field', message: `unknown field ${JSON.stringify(key)}` });
    }
    for (const e of plain.filter(x => x.keyword === 'required')) {
      const message = `missing required field ${JSON.stringify(e.params.missingProperty)}`;
      if (seen.has(message)) continue;
      seen.add(message);
      out.push({ path: `${path}/${escapePointer(String(e.params.missingProperty))}`, kind: 'invalid', message });
    }
    // one finding per offending value, naming everything it must be
    const expected = [...new Set(plain.filter(x => x.keyword !== 'required' && x.keyword !== 'additionalProperties').map(expectation))];
    if (expected.length > 0) out.push({ path, kind: 'invalid', message: `${show(value)} is not allowed: expected ${expected.join(' and ')}` });
  }
  return out;
}

function expectation(e: AjvError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type': return `type ${p.type}`;
    case 'enum': return `one of ${(p.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    case 'const': return `${JSON.stringify(p.allowedValue)}`;
    case 'format': return `format ${p.format}`;
    case 'pattern': return `a string matching /${p.pattern}/`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `${p.comparison} ${p.limit}`;
    case 'minLength': return `at least ${p.limit} characters`;
    case 'maxLength': return `at most ${p.limit} characters`;
    case 'minItems': return `at least ${p.limit} items`;
    case 'maxItems': return `at most ${p.limit} items`;
    case 'minProperties': return `at least ${p.limit} fields`;
    case 'maxProperties': return `at most ${p.limit} fields`;
    case 'uniqueItems': return 'unique items';
    default: return `${e.keyword} ${JSON.stringify(p)}`;
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let v: any = root;
  for (const raw of pointer.slice(1).split('/')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function show(value: unknown): string {
  if (value === undefined) return 'value';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function escapePointer(key: string): string {
  if (!key.includes('~') && !key.includes('/')) return key;
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

