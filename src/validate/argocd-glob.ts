/**
 * How Argo CD matches an Application against its AppProject's `sourceRepos` and
 * `destinations` (argo-cd `pkg/apis/application/v1alpha1/app_project_types.go`:
 * `IsSourcePermitted`, `isDestinationMatched`, `globMatch`; `util/glob`; `util/git`:
 * `NormalizeGitURL`), so that validate refuses what Argo CD refuses, no more and no less.
 *
 * Patterns are github.com/gobwas/glob globs: `*` any run of characters but a separator, `**` any
 * run of characters, `?` one character but a separator, `[abc]` `[a-z]` one of them, `[!abc]`
 * `[!a-z]` one character not among them (a separator included), `{a,b}` one of the
 * comma-separated patterns, `\` quotes the next character. `sourceRepos` are matched with `/`
 * as the separator (`https://github.com/org/*` does not reach `org/team/repo`); destinations
 * (server, name, namespace) with none (`*` matches any characters).
 */

/** A compiled Argo CD glob, or why gobwas would not compile it (Argo CD then matches nothing with it). */
export type ArgoGlob = { readonly re: RegExp } | { readonly error: string };

const cache = new Map<string, ArgoGlob>();

/** Compile `pattern` as gobwas/glob does with `separators` (none, or `/`). */
export function compileArgoGlob(pattern: string, separators: '' | '/'): ArgoGlob {
  const key = `${separators}\0${pattern}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    try {
      compiled = { re: new RegExp(`^${new GlobParser(pattern, separators).parse()}$`, 'su') };
    } catch (e: any) {
      compiled = { error: e instanceof GlobSyntaxError ? e.message : `not a valid glob (${e?.message ?? e})` };
    }
    cache.set(key, compiled);
  }
  return compiled;
}

/** Whether `pattern` matches `value` (Argo CD's `glob.Match`: a pattern that does not compile matches nothing). */
export function argoGlobMatch(pattern: string, value: string, separators: '' | '/'): boolean {
  const g = compileArgoGlob(pattern, separators);
  return 're' in g && g.re.test(value);
}

/** Argo CD's `globMatch` with negation allowed: `*` matches anything, `!p` matches what `p` does not. */
function projectGlob(pattern: string, value: string, separators: '' | '/'): boolean {
  if (isDeny(pattern)) return !argoGlobMatch(pattern.slice(1), value, separators);
  return pattern === '*' || argoGlobMatch(pattern, value, separators);
}

function isDeny(pattern: string | undefined): boolean {
  return typeof pattern === 'string' && pattern.startsWith('!');
}

/**
 * Argo CD's `IsSourcePermitted`: each entry of `sourceRepos` (normalized as a git URL) is
 * matched against the normalized `repoURL` with `/` as the separator; a matching entry permits
 * it, and a `!` entry that does not match (the repository is one it denies) refuses it at once.
 */
export function isSourcePermitted(sourceRepos: readonly string[], repoURL: string): boolean {
  const url = normalizeGitUrl(repoURL);
  let any = false;
  for (const entry of sourceRepos) {
    const pattern = isDeny(entry) ? `!${normalizeGitUrl(entry.slice(1))}` : normalizeGitUrl(entry);
    if (projectGlob(pattern, url, '/')) any = true;
    else if (isDeny(pattern)) return false;
  }
  return any;
}

/** One entry of an AppProject's `destinations`, or an Application's `destination`. */
export interface ArgoDestination {
  readonly server?: string;
  readonly name?: string;
  readonly namespace?: string;
}

/**
 * Argo CD's `isDestinationMatched`: an entry matches when its server (or its name, for a
 * destination given by cluster name) and its namespace match; the destination is permitted when
 * some entry matches and no entry with a `!` field refused it (a `!` field that does not match
 * an entry the destination does not match).
 */
export function isDestinationPermitted(destinations: readonly ArgoDestination[], dest: ArgoDestination): boolean {
  let any = false;
  let denied = false;
  for (const item of destinations) {
    const name = (dest.name ?? '') !== '' && projectGlob(item.name ?? '', dest.name!, '');
    const server = (dest.server ?? '') !== '' && projectGlob(item.server ?? '', dest.server!, '');
    const namespace = projectGlob(item.namespace ?? '', dest.namespace ?? '', '');
    if ((server || name) && namespace) any = true;
    else if ((!name && isDeny(item.name)) || (!server && isDeny(item.server)) || (!namespace && isDeny(item.namespace))) denied = true;
  }
  return any && !denied;
}

/**
 * Argo CD's `NormalizeGitURL`: trimmed, lower case, `user@host:path` as `user@host/path`, without
 * a `.git` suffix or an `ssh://` prefix. The path is percent-encoded as Go's `url.URL.String`
 * does when it holds a character a URL path cannot (`{`, `}`, a space...): then every character
 * but the unreserved and `$&+,/:;=@` is encoded, so that such a pattern matches only itself.
 * A trailing `/` stays: `https://host/repo/` is not `https://host/repo`.
 */
export function normalizeGitUrl(repo: string): string {
  let url = repo.trim().toLowerCase();
  if (/^(ssh:\/\/)?([^/:]*?)@[^@]+$/.test(url) && !url.startsWith('ssh://')) url = `ssh://${url.replace(':', '/')}`;
  if (url.endsWith('.git')) url = url.slice(0, -4);
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/s.exec(url);
  if (m) url = m[1] + goEscapedPath(m[2]) + m[3];
  return url.startsWith('ssh://') ? url.slice('ssh://'.length) : url;
}

/** Go's `URL.EscapedPath` of a path as `url.Parse` read it. */
function goEscapedPath(path: string): string {
  // validEncoded: what may stay as written
  if (/^[A-Za-z0-9\-_.~$&+,/:;=@!'()*[\]%]*$/.test(path)) return path;
  return [...new TextEncoder().encode(path)].map(b => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

class GlobSyntaxError extends Error {}

/** gobwas/glob's syntax, compiled to a regular expression source. */
class GlobParser {
  private at = 0;
  private readonly chars: string[];

  constructor(pattern: string, private readonly separators: '' | '/') {
    this.chars = [...pattern];
  }

  public parse(): string {
    const out = this.sequence(0);
    if (this.at < this.chars.length) throw new GlobSyntaxError(`unexpected ${JSON.stringify(this.chars[this.at])} at character ${this.at + 1}`);
    return out;
  }

  /** Text up to the end, or (inside `{}`: depth > 0) up to a `,` or `}` of this level. */
  private sequence(depth: number): string {
    let out = '';
    while (this.at < this.chars.length) {
      const c = this.chars[this.at];
      if (depth > 0 && (c === ',' || c === '}')) return out;
      this.at++;
      if (c === '\\') {
        if (this.at >= this.chars.length) throw new GlobSyntaxError('unexpected end of input after "\\"');
        out += literal(this.chars[this.at++]);
      } else if (c === '*') {
        if (this.chars[this.at] === '*') {
          this.at++;
          out += '.*';
        } else {
          out += this.separators === '' ? '.*' : '[^/]*';
        }
      } else if (c === '?') {
        out += this.separators === '' ? '.' : '[^/]';
      } else if (c === '[') {
        out += this.list();
      } else if (c === '{') {
        out += this.alternatives(depth + 1);
      } else {
        out += literal(c);
      }
    }
    if (depth > 0) throw new GlobSyntaxError('unexpected end of input: "{" is not closed');
    return out;
  }

  /** `{a,b,...}`, the `{` read. */
  private alternatives(depth: number): string {
    const options: string[] = [];
    for (;;) {
      options.push(this.sequence(depth));
      const c = this.chars[this.at++];
      if (c === '}') return `(?:${options.join('|')})`;
      // c is ',': the next option
    }
  }

  /** `[...]`, the `[` read: one character of (or, with `!`, not of) the list or range. */
  private list(): string {
    let not = false;
    if (this.chars[this.at] === '!') {
      not = true;
      this.at++;
    }
    const items: string[] = [];
    while (this.at < this.chars.length && this.chars[this.at] !== ']') {
      let c = this.chars[this.at++];
      if (c === '\\' && this.at < this.chars.length) c = this.chars[this.at++];
      if (this.chars[this.at] === '-' && this.at + 1 < this.chars.length && this.chars[this.at + 1] !== ']') {
        this.at++;
        let hi = this.chars[this.at++];
        if (hi === '\\' && this.at < this.chars.length) hi = this.chars[this.at++];
        if (hi.codePointAt(0)! < c.codePointAt(0)!) throw new GlobSyntaxError(`range [${c}-${hi}] is out of order`);
        items.push(`${classChar(c)}-${classChar(hi)}`);
      } else {
        items.push(classChar(c));
      }
    }
    if (this.at >= this.chars.length) throw new GlobSyntaxError('unexpected end of input: "[" is not closed');
    this.at++; // ]
    if (items.length === 0) throw new GlobSyntaxError('empty character list "[]"');
    return `[${not ? '^' : ''}${items.join('')}]`;
  }
}

function literal(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function classChar(c: string): string {
  return c.replace(/[\\\]^[-]/g, '\\$&');
}
