import * as fc from 'fast-check';
import { stringify } from 'yaml';
import { createApp } from '../src/main';
import { emitYaml, YAML_OPTIONS } from '../src/yaml-emitter';

/** Strings that YAML 1.1 reads as other types, need quotes, or are special in some other way. */
const TRICKY = [
  '', ' ', 'a b', ' a', 'a ', 'a: b', 'a:', ':a', 'a:b', 'a #b', 'a#b', '#a', '-', '-1', '- a', '?', '? a', '?a',
  'yes', 'Yes', 'YES', 'no', 'No', 'on', 'On', 'off', 'OFF', 'y', 'Y', 'n', 'N', 'true', 'True', 'false', 'null', 'Null', 'NULL', '~',
  '0', '00', '08', '012', '0o7', '0x1F', '0b101', '1_000', '1e3', '12e3', '1.5', '.5', '3.', '+1', '-0', '190:20:30', '1:20', '-1:20',
  '.inf', '-.Inf', '.nan', 'NaN', 'inf', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
  '---', '--- a', '...', '%YAML', '@a', '`a', '!a', '&a', '*a', '*', '|', '>', "'a'", '"a"', '[a]', '{a}', 'a,b', 'a[0]',
  'a\nb', 'a\n', '\na', 'a\n\nb', 'a \nb', 'tab\there', '\u0007', 'é', 'a=b', '25%', '/healthz', '/api/*', 'ghcr.io/org/app:1.2.3',
  'cluster.local/ns/demo-dev/sa/backend-sa', 'http://192.168.254.222', 'a~', '~a', '$HOME', '(a)', '^a', '=', '<<', 'x'.repeat(1100),
];

const key = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 8 }), fc.stringMatching(/^[a-z][a-z0-9.\/-]{0,12}$/));
const scalar = fc.oneof(
  fc.constantFrom(...TRICKY),
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
  test('writes every file of the reference app exactly as yaml.stringify does', () => {
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
