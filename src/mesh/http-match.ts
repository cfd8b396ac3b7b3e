import { ConfigError } from '../core/errors';

/** One string condition of a match: exactly one of `exact`, `prefix`, `regex`. */
type StringMatch = { readonly exact: string } | { readonly prefix: string } | { readonly regex: string };

/**
 * An HttpMatch as it appears in a VirtualService route's `match` list (Istio's
 * HTTPMatchRequest, of which HttpMatch sets only `uri` and `headers`).
 */
export interface HttpMatchJson {
  /** The URI condition. @default - any URI */
  readonly uri?: StringMatch;
  /** Header conditions by lower-case header name. @default - no header condition */
  readonly headers?: Readonly<Record<string, StringMatch>>;
}

const HEADER_NAME = /^[a-z0-9-]+$/;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * One condition set of a VirtualService HTTP route (all its conditions must hold).
 * Combine with `and()`; list several on a route for "any of".
 */
export class HttpMatch {
  /** URI starts with `prefix`. */
  public static uriPrefix(prefix: string): HttpMatch {
    return new HttpMatch({ uri: { prefix: checkPath('uriPrefix', prefix) } });
  }

  /** URI is exactly `path`. */
  public static uriExact(path: string): HttpMatch {
    return new HttpMatch({ uri: { exact: checkPath('uriExact', path) } });
  }

  /** URI matches the RE2 regular expression `regex`. */
  public static uriRegex(regex: string): HttpMatch {
    return new HttpMatch({ uri: { regex: checkRegex('uriRegex', regex) } });
  }

  /** Header `name` equals `value`. */
  public static headerExact(name: string, value: string): HttpMatch {
    return new HttpMatch({ headers: { [checkHeader(name)]: { exact: value } } });
  }

  /** Header `name` starts with `prefix`. */
  public static headerPrefix(name: string, prefix: string): HttpMatch {
    return new HttpMatch({ headers: { [checkHeader(name)]: { prefix } } });
  }

  /** Header `name` matches the RE2 regular expression `regex`. */
  public static headerRegex(name: string, regex: string): HttpMatch {
    return new HttpMatch({ headers: { [checkHeader(name)]: { regex: checkRegex('headerRegex', regex) } } });
  }

  /** Cookie `name` has the value `value` (a regex over the Cookie header, as Istio documents). */
  public static cookie(name: string, value: string): HttpMatch {
    if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
      throw new ConfigError('HttpMatch', 'cookie.name', name, 'is not a cookie name (RFC 6265 token)');
    }
    if (typeof value !== 'string' || !/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(value)) {
      throw new ConfigError('HttpMatch', 'cookie.value', value, 'is not a cookie value (RFC 6265 cookie-octets)');
    }
    return new HttpMatch({ headers: { cookie: { regex: `^(.*?;\\s*)?(${escapeRegex(name)}=${escapeRegex(value)})(;.*)?$` } } });
  }

  private constructor(private readonly json: HttpMatchJson) {}

  /** This match and `other` (both must hold). A URI or header condition set twice is an error. */
  public and(other: HttpMatch): HttpMatch {
    if (this.json.uri && other.json.uri) {
      throw new ConfigError('HttpMatch', 'and', other.json.uri, 'sets a second URI condition: a match has at most one');
    }
    const headers: Record<string, StringMatch> = Object.assign(Object.create(null), this.json.headers); // header names are the user's: `constructor`, `__proto__` included
    for (const [k, v] of Object.entries(other.json.headers ?? {})) {
      if (Object.hasOwn(headers, k)) throw new ConfigError('HttpMatch', 'and', k, 'sets a header condition twice');
      headers[k] = v;
    }
    return new HttpMatch({ uri: this.json.uri ?? other.json.uri, headers: Object.keys(headers).length > 0 ? headers : undefined });
  }

  /** Whether the match accepts every request (no condition, or URI prefix `/`). */
  public get isCatchAll(): boolean {
    const u = this.json.uri;
    return !this.json.headers && (!u || ('prefix' in u && u.prefix === '/') || ('regex' in u && u.regex === '.*'));
  }

  /** The `match` entry. */
  public toJson(): HttpMatchJson {
    return structuredClone(this.json);
  }

  /** A stable key: two matches with the same key are duplicates. */
  public get key(): string {
    const h = this.json.headers ?? {};
    return JSON.stringify([this.json.uri ?? null, Object.keys(h).sort().map(k => [k, h[k]])]);
  }
}

function checkPath(field: string, path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path)) {
    throw new ConfigError('HttpMatch', field, path, 'must be an absolute URI path starting with "/" without spaces');
  }
  return path;
}

function checkHeader(name: string): string {
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
    throw new ConfigError('HttpMatch', 'header.name', name, 'must be a lower-case HTTP header name (letters, digits, "-")');
  }
  return name;
}

function checkRegex(field: string, regex: string): string {
  try {
    new RegExp(regex);
  } catch {
    throw new ConfigError('HttpMatch', field, regex, 'is not a valid regular expression');
  }
  return regex;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
