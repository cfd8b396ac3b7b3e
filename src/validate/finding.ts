import { Manifest } from '../core/manifest';

/**
 * One problem found in one object.
 */
export interface Finding {
  /** Id of the rule that fired, e.g. `PSS-PRIVILEGED` (see `RULES`). */
  readonly rule: string;
  /** Repository-relative path of the file holding the object. */
  readonly file: string;
  /** The object's kind, e.g. `Deployment`. */
  readonly kind: string;
  /** The object's `metadata.name` (empty when missing). */
  readonly name: string;
  /** The object's namespace, when it has one. */
  readonly namespace?: string;
  /** Path of the offending field inside the object, e.g. `spec.template.spec.containers[0].image`; empty for the whole object. */
  readonly field: string;
  /** What is wrong: names the offending value and what is allowed. */
  readonly message: string;
}

/** A finding that a waiver annotation on its object accepts. */
export interface WaivedFinding extends Finding {
  /** The reason the waiver states. */
  readonly reason: string;
}

/**
 * A check's view of one object: its manifest plus the facts every rule needs.
 */
export interface ObjectRef {
  readonly manifest: Manifest;
  readonly object: Record<string, any>;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /**
   * Effective namespace: `metadata.namespace`, else the destination namespace of the Argo CD
   * Application that deploys the object's folder, else `default`. Undefined for cluster-scoped kinds.
   */
  readonly namespace?: string;
}

/** Build a finding about `ref` for `rule` at `field`. */
export function finding(ref: ObjectRef, rule: string, field: string, message: string): Finding {
  return {
    rule,
    file: ref.manifest.path,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    field,
    message,
  };
}

/** Build a finding about the file `file` as a whole (no object): kind, name and field are empty. */
export function fileFinding(file: string, rule: string, message: string): Finding {
  return { rule, file, kind: '', name: '', field: '', message };
}

/** Whether `f` is about a file as a whole (see {@link fileFinding}), not one of its objects. */
export function isFileFinding(f: Finding): boolean {
  return f.kind === '' && f.name === '' && f.field === '';
}

/**
 * Render a path of keys and indexes as a field path: `['spec', 'ports', 0, 'name']` becomes
 * `spec.ports[0].name`.
 */
export function fieldPath(...parts: Array<string | number>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** Convert a JSON pointer (`/spec/ports/0/name`) to a field path (`spec.ports[0].name`). */
export function pointerToField(pointer: string): string {
  if (pointer === '') return '';
  return fieldPath(...pointer.slice(1).split('/').map(raw => {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  }));
}

/** `JSON.stringify`, shortened for messages. */
export function show(value: unknown): string {
  const s = value === undefined ? 'undefined' : JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
