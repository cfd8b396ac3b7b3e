/**
 * What never leaves the process as given: the credentials a URL may carry, and control
 * characters (a terminal runs ESC sequences; a newline in a git trailer starts another one).
 */

/** `scheme://` at the start of a URL. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * A URL-ish value reduced to its scheme, host and path, parsable or not: everything up to the
 * last `@` (a user name, a password, a token; `https://user:pa ss@host`, scp-like
 * `user:pass@host:path`) and the query and fragment (`?access_token=...`) are dropped.
 * `https://user:token@git.example.com/org/repo.git?x=1` becomes `https://git.example.com/org/repo.git`,
 * `deploy:secret@git.example.com:org/repo.git` becomes `git.example.com:org/repo.git`.
 * Nothing before the last `@` survives, so a credential holding `@`, `/`, `?` or `#` does not
 * either (a path or query holding `@` loses what precedes it: the price of never leaking).
 */
export function redactUrl(text: string): string {
  const scheme = SCHEME.exec(text)?.[0] ?? '';
  let rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  return `${scheme}${rest}`;
}

/**
 * Characters a terminal or a git trailer must not get raw: C0 controls (ESC, BEL, CR, LF...),
 * DEL, C1 controls (U+0080 to U+009F, CSI among them), the line and paragraph separators and
 * the bidirectional overrides and isolates (which reorder what a terminal shows).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but newline and tab allowed: for text of several lines. */
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What JSON leaves raw of {@link CONTROL}: all but U+0000 to U+001F, which `JSON.stringify` escapes (and a JSON text's own newlines are). */
const CONTROL_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Whether `text` holds a control character (see {@link escapeControl}). */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/**
 * `text` with each control character written as an escape (`\x1b`, `\x07`, `\u202e`), so that
 * printing it shows what it holds instead of doing what it says. With `lines`, newlines and
 * tabs are kept (a message of several lines); without, they are escaped too (one line: a git
 * trailer, a table cell). A backslash is left as is: the escape is for a person to read.
 */
export function escapeControl(text: string, lines = false): string {
  return text.replace(lines ? CONTROL_BUT_LINES : CONTROL, c => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A JSON text with the characters JSON leaves raw but a terminal acts on (DEL, C1 controls,
 * the separators and bidirectional controls of {@link escapeControl}) written as `\uXXXX`
 * escapes: still the same JSON value. (`JSON.stringify` already escapes U+0000 to U+001F.)
 */
export function escapeJsonControl(json: string): string {
  return json.replace(CONTROL_IN_JSON, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `text` (a message) with the user information of every `scheme://user:password@host` in it
 * dropped, for messages that quote what another program or a server said. Unlike
 * {@link redactUrl} it finds URLs only by their `scheme://` and ends the user information at
 * white space, so it is a net under the redaction of the values this tool writes, not a
 * replacement for it.
 */
export function redactCredentialsIn(text: string): string {
  return text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#]*@/g, '$1');
}
