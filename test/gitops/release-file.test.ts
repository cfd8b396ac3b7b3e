import { renderRelease } from '../../src/release';
import { GitOpsError, InputError } from '../../src/gitops/errors';
import { assertValidTag, parseReleaseFile, sameRelease, serializeReleaseFile, tagProblem } from '../../src/gitops/release-file';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('image tags', () => {
  test.each([SHA, 'sha-abc1234', '1.4.2', 'v2', '_x', 'A'.repeat(128)])('accepts %s', tag => {
    expect(tagProblem(tag)).toBeUndefined();
  });
  test.each(['', 'latest', '-x', '.x', 'a b', 'a/b', 'a:b', 'A'.repeat(129), 'ä'])('refuses %j', tag => {
    expect(tagProblem(tag)).toBeDefined();
  });
  test('the error names the flag, the value and what is allowed', () => {
    expect(() => assertValidTag('bad tag!')).toThrow(InputError);
    expect(() => assertValidTag('bad tag!')).toThrow(/^--tag: "bad tag!" is not an image tag: allowed are/);
    expect(() => assertValidTag('latest')).toThrow(/--tag: "latest" is mutable/);
  });
});

describe('release file', () => {
  const state = { environment: 'dev', services: { backend: { v1: SHA, v2: '1.0.0' }, frontend: '1e5' } };

  test('round-trips through the renderer synth uses', () => {
    const text = serializeReleaseFile(state);
    expect(text).toBe(renderRelease(state));
    expect(text).toMatchInlineSnapshot(`
"# Managed by cdk8s-gitops: the image tag each service (version) runs in this environment.
# Change it with \`cdk8s-gitops release\`, \`promote\` or \`rollback\`, not by hand.
apiVersion: cdk8s-gitops/v1
kind: Release
environment: dev
services:
  backend:
    v1: 0123456789abcdef0123456789abcdef01234567
    v2: 1.0.0
  frontend: "1e5"
"
`);
    expect(parseReleaseFile(text, { environment: 'dev' })).toEqual(state);
  });

  test('compares release states regardless of key order', () => {
    expect(sameRelease(state, { environment: 'x', services: { frontend: '1e5', backend: { v2: '1.0.0', v1: SHA } } })).toBe(true);
    expect(sameRelease(state, { environment: 'dev', services: { frontend: '1e5' } })).toBe(false);
  });

  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\n';
  test.each([
    ['a: [', /release.yaml: is not valid YAML/],
    ['- 1', /must be a mapping with apiVersion/],
    ['apiVersion: v2\nkind: Release\nenvironment: dev\n', /apiVersion: "v2" must be "cdk8s-gitops\/v1"/],
    ['apiVersion: cdk8s-gitops/v1\nkind: Deployment\nenvironment: dev\n', /kind: "Deployment" must be "Release"/],
    ['apiVersion: cdk8s-gitops/v1\nkind: Release\n', /environment: \(missing\) must be an environment name/],
    [base.replace('dev', 'prod'), /environment: "prod" does not match the folder it is in \("dev"\)/],
    [`${base}services: [a]\n`, /services: \["a"\] must be a mapping/],
    [`${base}services:\n  backend: latest\n`, /services.backend: "latest" is mutable/],
    [`${base}services:\n  backend:\n    v1: "bad tag"\n`, /services.backend.v1: "bad tag" is not an image tag/],
    [`${base}services:\n  backend:\n    V1: abc\n`, /services.backend.V1: is not a version name/],
    [`${base}services:\n  backend: 12\n`, /services.backend: 12 must be an image tag or a non-empty mapping/],
    [`${base}extra: 1\n`, /extra: unknown field/],
  ])('rejects %j with a clear error', (text, message) => {
    expect(() => parseReleaseFile(text, { environment: 'dev' })).toThrow(GitOpsError);
    expect(() => parseReleaseFile(text, { environment: 'dev' })).toThrow(message);
  });
});

describe('release files as written and as edited by hand read the same', () => {
  const state = {
    environment: 'dev',
    services: { 'api': { v1: '1.0', v2: 'true' }, 'db': '0123', 'web': 'sha-abc1234', 'x-y': { v1: '1e3', v2: 'a'.repeat(40) } },
  };
  test('a written file reads back exactly, tags that look like numbers or booleans included', () => {
    const text = serializeReleaseFile(state);
    expect(text).toContain('"1.0"');
    expect(parseReleaseFile(text, { environment: 'dev' })).toEqual(state);
    expect(parseReleaseFile(serializeReleaseFile({ environment: 'dev', services: {} }))).toEqual({ environment: 'dev', services: {} });
  });

  test('the same state in another layout (order, quoting, comments, flow style) reads the same', () => {
    const edited = [
      'kind: Release',
      'apiVersion: "cdk8s-gitops/v1"',
      'services:',
      '  web: sha-abc1234   # pinned by hand',
      "  db: '0123'",
      '  x-y: { v2: ' + 'a'.repeat(40) + ', v1: "1e3" }',
      '  api:',
      '    v2: "true"',
      '    v1: "1.0"',
      'environment: dev',
      '',
    ].join('\n');
    expect(parseReleaseFile(edited, { environment: 'dev' })).toEqual(state);
  });

  test('a written file edited into something invalid is still refused with the field named', () => {
    const text = serializeReleaseFile(state).replace('sha-abc1234', 'latest');
    expect(() => parseReleaseFile(text, { environment: 'dev', source: 'dev/release.yaml' })).toThrow('dev/release.yaml: services.web: "latest" is mutable');
    const unquoted = serializeReleaseFile(state).replace('"1.0"', '1.0');
    expect(() => parseReleaseFile(unquoted, { environment: 'dev' })).toThrow(/services\.api\.v1: 1 must be an image tag \(a string\)/);
  });
});
