import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ConfigError } from '../core/errors';
import { didYouMean } from '../core/closest-name';
import { ruleById, RULES } from './rules';
import { waiverAnnotation } from './waivers';

/** Rule id -> reason of each scope that waives something, in the order `allow` was called. */
const scopes = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Waivers for a whole construct subtree: `Waivers.of(scope).allow(['PSS-RUN-AS-NON-ROOT'],
 * 'legacy image runs as root (OPS-12)')` waives those rules on every Kubernetes object under
 * `scope` (a chart, a construct, an `Include` of adopted manifests), rendered as the waiver
 * annotations `validate` reads (`cdk8s-gitops.io/waive.<RULE-ID>: <reason>`) on each object's
 * own metadata. Objects added to the subtree later are covered too: the annotations are added
 * when the app is validated, before anything is rendered (`GitOpsApp` and cdk8s `app.synth()`).
 *
 * An annotation the object already carries, or a waiver of a scope nearer the object, wins
 * over one further up. Harden object by object: move the waiver down the tree, then remove it.
 */
export class Waivers {
  /** The waivers of `scope` and everything under it. */
  public static of(scope: IConstruct): Waivers {
    return new Waivers(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Waive `rules` (rule ids, see `RULES`) on every object under the scope, with the reason why
   * the risk is accepted.
   *
   * @throws ConfigError naming the scope's path for an unknown rule id, `WAIVER-INVALID`, or an
   *   empty reason
   */
  public allow(rules: readonly string[], reason: string): Waivers {
    const path = this.scope.node.path || '/';
    if (!Array.isArray(rules) || rules.length === 0) {
      throw new ConfigError(path, 'Waivers.allow(rules)', rules, 'must name at least one rule id (see RULES)');
    }
    for (const rule of rules) {
      if (typeof rule !== 'string' || !ruleById(rule) || rule === 'WAIVER-INVALID') {
        const hint = typeof rule === 'string' ? didYouMean(rule, RULES.map(r => r.id)) : '';
        throw new ConfigError(path, 'Waivers.allow(rules)', rule, `is not a waivable rule id${hint}`);
      }
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new ConfigError(path, 'Waivers.allow(reason)', reason, 'must say why the risk is accepted');
    }
    let own = scopes.get(this.scope);
    if (!own) {
      scopes.set(this.scope, own = new Map());
      const scope = this.scope;
      scope.node.addValidation({ validate: () => { applyWaivers(scope); return []; } });
    }
    for (const rule of rules) own.set(rule, reason.trim());
    applyWaivers(this.scope);
    return this;
  }

  /** The rules waived on the scope itself (not those of scopes above it), rule id -> reason. */
  public get allowed(): Record<string, string> {
    return Object.fromEntries(scopes.get(this.scope) ?? []);
  }
}

/** The waiver annotations this module added to each object, key -> reason. */
const added = new WeakMap<ApiObject, Map<string, string>>();

/** Annotate every object under `scope` with the waivers of the waiving scopes above it, the nearest winning. */
function applyWaivers(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const wanted = new Map<string, string>();
    for (const ancestor of c.node.scopes) {
      for (const [rule, reason] of scopes.get(ancestor) ?? []) wanted.set(waiverAnnotation(rule), reason);
    }
    if (wanted.size === 0) continue;
    let ours = added.get(c);
    if (!ours) added.set(c, ours = new Map());
    const own = (c.metadata.toJson() as { annotations?: Record<string, unknown> }).annotations ?? {};
    for (const [key, reason] of wanted) {
      // the object's own annotation (one this module did not add) wins
      if (Object.prototype.hasOwnProperty.call(own, key) && !ours.has(key)) continue;
      c.metadata.addAnnotation(key, reason);
      ours.set(key, reason);
    }
  }
}
