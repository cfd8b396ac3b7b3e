import {
  ApiObject, ApiObjectProps, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver,
} from 'cdk8s';
import { Construct } from 'constructs';

/**
 * The ApiObject every cdk8s-gitops construct renders its Kubernetes, Istio and Argo CD objects
 * with: the JSON it is given (apiVersion, kind, metadata, spec ... with the API's own field
 * names), and a `toJson()` that gives exactly what `ApiObject.toJson()` gives, in one pass.
 *
 * Why: cdk8s's `toJson()` resolves every value through its resolver chain (a context object
 * and a copied key path per value) and then copies the result again to sort and sanitize it;
 * with thousands of objects that allocation is most of the render time. Here the built-in
 * resolvers' rules (a `Lazy` is produced, an object with `resolve()` is resolved, a
 * number-or-string union such as IntOrString becomes `{ value }`) and the sanitizing (keys
 * sorted unless CDK8S_DISABLE_SORT, null and undefined dropped, non-plain objects refused)
 * are applied in one walk. An app with custom resolvers gets cdk8s's own `toJson()`.
 */
export class ManifestObject extends ApiObject {
  private readonly manifestProps: ApiObjectProps;
  private readonly manifestPatches: JsonPatch[] = [];

  constructor(scope: Construct, id: string, props: ApiObjectProps) {
    super(scope, id, props);
    this.manifestProps = props;
  }

  public addJsonPatch(...ops: JsonPatch[]): void {
    super.addJsonPatch(...ops);
    this.manifestPatches.push(...ops);
  }

  public toJson(): any {
    if (!builtInResolversOnly(this)) return super.toJson();
    try {
      const data = { ...this.manifestProps, metadata: this.metadata.toJson() };
      const json = render(data, !process.env.CDK8S_DISABLE_SORT);
      const patched = this.manifestPatches.length > 0 ? JsonPatch.apply(json, ...this.manifestPatches) : json;
      // apiVersion, kind and metadata first, then the rest (as ApiObject.toJson orders them)
      const result: Record<string, any> = {};
      for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
        if (k in patched) result[k] = patched[k];
      }
      return result;
    } catch (e) {
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
    }
  }
}

function builtInResolversOnly(obj: ApiObject): boolean {
  const resolvers = (obj.node.root as { resolvers?: unknown[] }).resolvers;
  return Array.isArray(resolvers) && resolvers.length === 3
    && resolvers[0] instanceof LazyResolver
    && resolvers[1] instanceof ImplicitTokenResolver
    && resolvers[2] instanceof NumberStringUnionResolver;
}

/**
 * cdk8s's `sanitizeValue(resolve([], value), { sortKeys })` for an app with the built-in
 * resolvers only, in one walk. Below a value cdk8s does not resolve (an object that is not a
 * plain object of this realm) it only sanitizes, as cdk8s does.
 */
function render(value: any, sortKeys: boolean, resolveValues = true): any {
  let v = value;
  // the resolvers, in cdk8s's order; a replaced value is resolved again
  while (resolveValues && v !== null && (typeof v === 'object' || typeof v === 'function')) {
    if (v instanceof Lazy) v = v.produce();
    else if (typeof v.resolve === 'function') v = v.resolve();
    else if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) v = { value: v.value };
    else break;
  }
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(x => render(x, sortKeys, resolveValues));
  if (v.constructor !== Object) {
    if (v.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${v.constructor.name}'`);
    resolveValues = false;
  }
  const keys = Object.keys(v);
  if (sortKeys) keys.sort();
  const out: Record<string, any> = {};
  for (const k of keys) {
    const r = render(v[k], sortKeys, resolveValues);
    if (r !== null && r !== undefined) out[k] = r;
  }
  return out;
}
