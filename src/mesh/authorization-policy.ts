import { Construct } from 'constructs';
import { ConfigError } from '../core/errors';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel, checkPort } from '../core/names';
import { placementOf } from '../model/placement';
import { IMeshService } from './mesh-service';
import type { AuthorizationPolicyRule, AuthorizationPolicySpec } from './istio-types';
import { Principal } from './principal';

/** HTTP methods an allow rule can name. */
export enum HttpMethod {
  /** `GET` */
  GET = 'GET',
  /** `HEAD` */
  HEAD = 'HEAD',
  /** `POST` */
  POST = 'POST',
  /** `PUT` */
  PUT = 'PUT',
  /** `PATCH` */
  PATCH = 'PATCH',
  /** `DELETE` */
  DELETE = 'DELETE',
  /** `OPTIONS` */
  OPTIONS = 'OPTIONS',
}

/** One allow rule: requests from any of `from`, to any of the operations. */
export interface AllowRuleProps {
  /** Callers. At least one. */
  readonly from: Principal[];
  /** @default - any method */
  readonly methods?: HttpMethod[];
  /** Paths (exact, `prefix*` or `*suffix`). @default - any path */
  readonly paths?: string[];
  /** @default - any port */
  readonly ports?: number[];
}

/**
 * Props of an AuthorizationPolicy.
 */
export interface AuthorizationPolicyProps {
  /** Policy name (DNS-1123 label). */
  readonly name: string;
  /** The service whose pods the policy protects. */
  readonly target: IMeshService;
  /** Allow rules (at least one). With a namespace default-deny, nothing else gets in. */
  readonly allow: AllowRuleProps[];
}

/**
 * An ALLOW AuthorizationPolicy (security.istio.io/v1) for one service, principals derived
 * from ServiceAccounts. Pair with `AuthorizationPolicy.denyAll()` in the namespace.
 */
export class AuthorizationPolicy extends Construct {
  /**
   * Namespace-wide default deny: an ALLOW policy that matches nothing, so only requests some
   * other ALLOW policy admits get through.
   */
  public static denyAll(scope: Construct, id: string, name = 'deny-all'): Construct {
    const c = new Construct(scope, id);
    new ManifestObject(c, 'Resource', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: checkDnsLabel(c.node.path, 'name', name) },
      spec: { action: 'ALLOW' } satisfies AuthorizationPolicySpec,
    });
    return c;
  }

  /** Its name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: AuthorizationPolicyProps) {
    super(scope, id);
    const path = this.node.path;
    const at = placementOf(this);
    this.name = checkDnsLabel(path, 'name', props.name);
    if (!Array.isArray(props.allow) || props.allow.length === 0) {
      throw new ConfigError(path, 'allow', props.allow, 'must list at least one rule (use AuthorizationPolicy.denyAll for deny)');
    }
    const rules = props.allow.map((r, i): AuthorizationPolicyRule => {
      if (!Array.isArray(r.from) || r.from.length === 0) {
        throw new ConfigError(path, `allow[${i}].from`, r.from, 'must list at least one Principal: an empty source would allow everyone');
      }
      const methods = r.methods ?? [];
      methods.forEach((m, j) => {
        if (!Object.values(HttpMethod).includes(m)) throw new ConfigError(path, `allow[${i}].methods[${j}]`, m, `is not an HTTP method: one of ${Object.values(HttpMethod).join(', ')}`);
      });
      const paths = r.paths ?? [];
      paths.forEach((p, j) => {
        if (typeof p !== 'string' || !(p.startsWith('/') || p.startsWith('*')) || p.slice(1, -1).includes('*')) {
          throw new ConfigError(path, `allow[${i}].paths[${j}]`, p, 'must be an absolute path, optionally with one "*" at the start or the end');
        }
      });
      const ports = (r.ports ?? []).map((p, j) => String(checkPort(path, `allow[${i}].ports[${j}]`, p)));
      const principals = [...new Set(r.from.map(p => p.resolve(at, path)))];
      const operation = {
        methods: methods.length > 0 ? [...methods] : undefined,
        paths: paths.length > 0 ? [...paths] : undefined,
        ports: ports.length > 0 ? ports : undefined,
      };
      const hasOperation = Object.values(operation).some(v => v !== undefined);
      return {
        from: [{ source: { principals } }],
        to: hasOperation ? [{ operation }] : undefined,
      };
    });
    new ManifestObject(this, 'Resource', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: this.name },
      spec: {
        action: 'ALLOW',
        selector: { matchLabels: props.target.selectorLabels },
        rules,
      } satisfies AuthorizationPolicySpec,
    });
  }
}
