/**
 * Redaction: credentials of URL-ish values, parsable or not, never survive; control characters
 * are written as escapes. Property tests (fast-check; replay a failure with FC_SEED=<seed>).
 */
import * as fc from 'fast-check';
import { escapeControl, escapeJsonControl, hasControl, redactCredentialsIn, redactUrl } from '../../src/core/redact';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
const params = { numRuns: Number(process.env.FC_RUNS ?? 500), ...(SEED !== undefined ? { seed: SEED } : {}) };

describe('redactUrl', () => {
  test('scheme, host and path only, whether WHATWG URL() parses the value or not', () => {
    const cases: Array<[string, string]> = [
      ['https://ci-bot:s3cr3t@git.example.com/org/app.git', 'https://git.example.com/org/app.git'],
      ['https://ghp_token@github.com/org/app', 'https://github.com/org/app'],
      ['https://user:pa ss@git.example.com/org/app', 'https://git.example.com/org/app'],
      ['https://user:p@ss:w/rd?#@git.example.com:8443/org/app', 'https://git.example.com:8443/org/app'],
      ['deploy:s3cr3t@git.example.com:org/app.git', 'git.example.com:org/app.git'],
      ['git@github.com:org/app.git', 'github.com:org/app.git'],
      ['https://git.example.com/org/app?private_token=s3cr3t#frag', 'https://git.example.com/org/app'],
      ['ssh://git@git.example.com:2222/org/app.git', 'ssh://git.example.com:2222/org/app.git'],
      ['https://git.example.com/org/app', 'https://git.example.com/org/app'],
      ['/srv/git/app.git', '/srv/git/app.git'],
      ['', ''],
    ];
    for (const [given, shown] of cases) expect({ given, shown: redactUrl(given) }).toEqual({ given, shown });
  });

  const scheme = fc.constantFrom('https://', 'http://', 'ssh://', 'git+ssh://', '');
  const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){0,2}(:[0-9]{1,5})?$/);
  const urlPath = fc.stringMatching(/^(\/[A-Za-z0-9._~-]{1,8}){0,3}$/);
  /** Any text at all, at least 6 characters (shorter ones may be part of the host by chance). */
  const secret = fc.string({ unit: 'binary', minLength: 6, maxLength: 30 });

  test('property: random credentials (any characters) in the user information never appear; scheme, host and path stay', () => {
    fc.assert(fc.property(scheme, fc.string({ maxLength: 10 }), secret, host, urlPath, (s, user, password, h, p) => {
      const out = redactUrl(`${s}${user}:${password}@${h}${p}`);
      return out === `${s}${h}${p}` && (!out.includes(password) || `${s}${h}${p}`.includes(password));
    }), params);
  });

  test('property: tokens in the query or fragment never appear', () => {
    fc.assert(fc.property(scheme, host, urlPath, fc.constantFrom('?', '#', '?a=1&token=', '?x#'), secret.filter(t => !t.includes('@')), (s, h, p, sep, token) => {
      return redactUrl(`${s}${h}${p}${sep}${token}`) === `${s}${h}${p}`;
    }), params);
  });

  test('property: a URL WHATWG URL() parses (without @ past its host) loses exactly its user name, password, query and fragment', () => {
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }).filter(url => !url.includes('@')), // a path, query or fragment holding @ loses what precedes it (documented)
      fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), fc.stringMatching(/^[A-Za-z0-9_-]{6,20}$/), (url, user, password) => {
      const u = new URL(url);
      u.username = user;
      u.password = password;
      const out = redactUrl(u.href);
      const expected = new URL(u.href);
      expected.username = '';
      expected.password = '';
      expected.search = '';
      expected.hash = '';
      return out === expected.href && !out.includes(`${password}@`);
    }), params);
  });
});

describe('redactCredentialsIn', () => {
  test('drops the user information of each URL in a message', () => {
    expect(redactCredentialsIn("fatal: unable to access 'https://bot:s3cr3t@git.example.com/org/app.git/': 403; also http://a:b@c@d/x"))
      .toBe("fatal: unable to access 'https://git.example.com/org/app.git/': 403; also http://d/x");
    expect(redactCredentialsIn('no url here: a@b')).toBe('no url here: a@b');
  });
});

describe('escapeControl', () => {
  test('control characters as escapes; newlines and tabs kept only with lines', () => {
    expect(escapeControl('a\u001b[31mred\u0007\u009b\u007f\u202e\n\tb')).toBe('a\\x1b[31mred\\x07\\x9b\\x7f\\u202e\\x0a\\x09b');
    expect(escapeControl('line 1\n\tline 2\r\u001b', true)).toBe('line 1\n\tline 2\\x0d\\x1b');
    expect(escapeControl('plain ünïcode ✓')).toBe('plain ünïcode ✓');
    expect(hasControl('x\u0085')).toBe(true);
    expect(hasControl('x')).toBe(false);
  });

  test('property: the escaped text holds no control character, and is the text when it held none', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), t => {
      const out = escapeControl(t);
      return !hasControl(out) && (hasControl(t) || out === t) && !/[\u0000-\u0008\u000b-\u001f]/.test(escapeControl(t, true));
    }), params);
  });

  test('property: escapeJsonControl keeps the JSON value and leaves no raw control character', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, s) => {
      const doc = { value, s };
      const json = escapeJsonControl(JSON.stringify(doc, null, 2));
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(doc)));
      return !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(json);
    }), params);
  });
});
