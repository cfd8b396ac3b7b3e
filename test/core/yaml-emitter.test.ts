import * as fc from 'fast-check';
import { Document, stringify } from 'yaml';
import { everyConstruct as createApp } from '../fixtures/every-construct';
import { emitYaml, YAML_11_NON_STRING_TESTS, YAML_OPTIONS } from '../../src/core/yaml-emitter';

/** Strings that YAML 1.1 reads as other types, need quotes, or are special in some other way. */
const TRICKY = [
  '', ' ', 'a b', ' a', 'a ', 'a: b', 'a:', ':a', 'a:b', 'a #b', 'a#b', '#a', '-', '-1', '- a', '?', '? a', '?a',
  'yes', 'Yes', 'YES', 'no', 'No', 'on', 'On', 'off', 'OFF', 'y', 'Y', 'n', 'N', 'true', 'True', 'false', 'null', 'Null', 'NULL', '~',
  '0', '00', '08', '012', '0o7', '0x1F', '0b101', '1_000', '1e3', '12e3', '1.5', '.5', '3.', '+1', '-0', '190:20:30', '1:20', '-1:20',
  '.inf', '-.Inf', '.nan', 'NaN', 'inf', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
  '---', '--- a', '...', '%YAML', '@a', '`a', '!a', '&a', '*a', '*', '|', '>', "'a'", '"a"', '[a]', '{a}', 'a,b', 'a[0]',
  'a\nb', 'a\n', '\na', 'a\n\nb', 'a \nb', 'tab\there', '\u0007', 'é', 'a=b', '25%', '/healthz', '/api/*', 'ghcr.io/org/app:1.2.3',
  'cluster.local/ns/demo-dev/sa/backend-sa', 'http://192.168.254.222', 'a~', '~a', '$HOME', '(a)', '^a', '=', '<<', 'x'.repeat(1100),
  'a\tb', '\ta', 'a\t', 'a:\tb', 'a\t#b', 'say "hi"', "it's", `it's "x"`, '"', "'", 'a\\b', '\\', 'a\u0085b', 'ü "x"',
  '(Istio)', "Seed 001's platform", 'FLUSHDB,FLUSHALL', '^(.*?;\\s*)?(version=v2)(;.*)?$', `${'y '.repeat(600)}z`,
  // multi-line: literal blocks, and what makes yaml add indicators, keep newlines or quote
  '#!/bin/sh\nset -eu\ncurl -sf http://backend:5000/healthz\n', 'a\nb\n', 'a\nb\n\n', 'a\n\n\nb', 'a\n  b\n\tc',
  '  a\nb', '\n\na', 'a\n ', 'a\n\t', 'a \n', 'a\nb ', 'a\nb\t', 'a: b\nc', '- a\nb', '# a\nb', 'a\n---\nb', 'a\n...',
  '%a\nb', 'a\n# b', 'a\r\nb', 'é\nb', `${'x'.repeat(1100)}\ny`, '\n', '\n\n', ' \n',
];

const key = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 8 }), fc.stringMatching(/^[a-z][a-z0-9.\/-]{0,12}$/));
/** Multi-line strings from lines that start, end or consist of spaces, tabs, indicators or nothing. */
const LINE = fc.oneof(fc.constantFrom('', ' ', '  x', '\t', 'a ', '- a', '# c', 'k: v', '---', '"q"', "'s'", 'é'), fc.string({ maxLength: 6 }));
const lines = fc.array(LINE, { minLength: 2, maxLength: 5 }).map(ls => ls.join('\n'));
const scalar = fc.oneof(
  fc.constantFrom(...TRICKY),
  lines,
  fc.string({ maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z0-9/][A-Za-z0-9._/:@%+=~^$()-]{0,12}$/),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}));

describe('emitYaml', () => {
  test("knows the YAML 1.1 non-string tags the installed yaml tests plain scalars against", () => {
    const schema = new Document(null, YAML_OPTIONS).schema as unknown as { tags: any[]; compat?: any[] | null };
    const tests = [...schema.tags, ...(schema.compat ?? [])]
      .filter(t => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.tag !== 'tag:yaml.org,2002:merge' && t.test instanceof RegExp)
      .map(t => String(t.test));
    expect(YAML_11_NON_STRING_TESTS.map(String)).toEqual(tests);
  });

  test('writes every file the constructs render exactly as yaml.stringify does', () => {
    const app = createApp();
    for (const m of app.manifests()) expect(emitYaml(m.object)).toBe(stringify(m.object, YAML_OPTIONS));
    for (const env of app.environments) {
      const release = { apiVersion: 'cdk8s-gitops/v1', kind: 'Release', ...app.releaseState(env) };
      expect(emitYaml(release)).toBe(stringify(release, YAML_OPTIONS));
    }
  });

  test('writes tricky scalars, keys and nesting exactly as yaml.stringify does', () => {
    const doc: Record<string, unknown> = {};
    TRICKY.forEach((s, i) => {
      doc[`k${i}`] = s;
      doc[s] = [s, { [s]: s }, [s]];
    });
    doc.empty = { a: {}, b: [], c: [{}, [], [[]], [1, [2, 3]], { x: 1, y: [] }] };
    expect(emitYaml(doc)).toBe(stringify(doc, YAML_OPTIONS));
  });

  test('matches yaml.stringify on random data', () => {
    fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 6 }), obj => {
      expect(emitYaml(obj)).toBe(stringify(obj, YAML_OPTIONS));
    }), { numRuns: Number(process.env.YAML_FC_RUNS ?? 500) });
  });
});
