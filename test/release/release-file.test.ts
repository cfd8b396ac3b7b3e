import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsError, InputError } from '../../src/core/errors';
import { assertClusterName, assertEnvironmentName, assertServiceNames, assertValidTag, readReleases } from '../../src/release/release-file';
import { assertReleaseFileSize, parseReleaseFile, RELEASE_FILE_LIMITS, ReleaseFileError, ReleaseState, renderRelease, sameRelease } from '../../src/release/release';
import { tagProblem } from '../../src/core/image-tag';
import { tempDir } from '../temp-dir';
import { withOriginals } from '../util';

const SHA = '0123456789abcdef0123456789abcdef01234567';

/** parseReleaseFile of a fresh copy of the module whose YAML parser throws when it is loaded: what the fast path reads (with the fast copies on: it checks by writing the file again). */
function parseWithoutYaml(text: string, environment: string, originals?: string): ReleaseState {
  try {
    let state: ReleaseState | undefined;
    jest.isolateModules(() => {
      jest.doMock('../../src/core/yaml-module', () => ({ yamlModule: () => { throw new Error('the YAML parser was loaded'); } }));
      const release = require('../../src/release/release') as typeof import('../../src/release/release');
      state = withOriginals(originals, () => release.parseReleaseFile(text, { environment }));
    });
    return state!;
  } finally {
    jest.dontMock('../../src/core/yaml-module');
  }
}

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
    expect(() => assertValidTag('bad tag!', '--to')).toThrow(/^--to: "bad tag!" is not an image tag/);
    expect(assertValidTag(SHA)).toBe(SHA);
  });
});

describe('the names the flags give', () => {
  const message = (f: () => void) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    return undefined;
  };

  test('--cluster: a DNS-1123 label, or none', () => {
    expect(message(() => assertClusterName(undefined))).toBeUndefined();
    expect(message(() => assertClusterName('prod-eu'))).toBeUndefined();
    expect(message(() => assertClusterName('Prod_EU'))).toBe('--cluster: "Prod_EU" is not a cluster name (a DNS-1123 label such as prod-eu)');
    expect(message(() => assertClusterName(''))).toBe('--cluster: "" is not a cluster name (a DNS-1123 label such as prod-eu)');
  });

  test('--env (or the flag named): a DNS-1123 label', () => {
    expect(message(() => assertEnvironmentName('dev'))).toBeUndefined();
    expect(message(() => assertEnvironmentName('Dev'))).toBe('--env: "Dev" is not an environment name (a DNS-1123 label such as dev or prod)');
    expect(message(() => assertEnvironmentName('a/b', '--from'))).toBe('--from: "a/b" is not an environment name (a DNS-1123 label such as dev or prod)');
  });

  test('--service: the first that is not a DNS-1123 label is named', () => {
    expect(message(() => assertServiceNames([]))).toBeUndefined();
    expect(message(() => assertServiceNames(['backend', 'frontend']))).toBeUndefined();
    expect(message(() => assertServiceNames(['backend', 'Bad_1', 'bad.2']))).toBe('--service: "Bad_1" is not a service name (a DNS-1123 label)');
  });
});

describe('readReleases', () => {
  const file = (state: { environment: string; services: Record<string, string> }) => renderRelease(state);
  const put = (dir: string, rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };

  test('a missing directory holds no releases', () => {
    const releases = readReleases(path.join(tempDir('releases'), 'missing'));
    expect(releases).toEqual({});
    expect(Object.getPrototypeOf(releases)).toBeNull();
  });

  test('reads the release.yaml of each top-level folder, and nothing else', () => {
    const dir = tempDir('releases');
    put(dir, 'dev/release.yaml', file({ environment: 'dev', services: { web: '1.0.0' } }));
    put(dir, 'prod/release.yaml', file({ environment: 'prod', services: { web: '0.9.0' } }));
    put(dir, 'constructor/release.yaml', file({ environment: 'constructor', services: { web: '0.1.0' } }));
    put(dir, 'release.yaml', 'not: read\n'); // not in an environment folder
    put(dir, '.hidden/release.yaml', 'not: read\n'); // a dot folder
    put(dir, 'dev/nested/release.yaml', 'not: read\n'); // below an environment folder
    put(dir, 'dev/other.yaml', 'not: read\n');
    put(dir, 'empty/deployment.yaml', 'not: read\n'); // a folder without a release file
    const releases = readReleases(dir);
    expect(Object.keys(releases).sort()).toEqual(['constructor', 'dev', 'prod']);
    expect(releases.dev).toEqual({ environment: 'dev', services: { web: '1.0.0' } });
    expect(releases.prod).toEqual({ environment: 'prod', services: { web: '0.9.0' } });
    expect(releases.constructor).toEqual({ environment: 'constructor', services: { web: '0.1.0' } });
  });

  test('a release file of another environment than its folder is refused, naming the file', () => {
    const dir = tempDir('releases');
    put(dir, 'dev/release.yaml', file({ environment: 'prod', services: { web: '1.0.0' } }));
    expect(() => readReleases(dir)).toThrow(ReleaseFileError);
    expect(() => readReleases(dir)).toThrow(path.join(dir, 'dev', 'release.yaml'));
  });

  test('an oversized release file is refused by its size, naming the file', () => {
    const dir = tempDir('releases');
    put(dir, 'dev/release.yaml', `# ${'x'.repeat(RELEASE_FILE_LIMITS.bytes)}\n`);
    expect(() => readReleases(dir)).toThrow(new ReleaseFileError(`${path.join(dir, 'dev', 'release.yaml')}: is ${RELEASE_FILE_LIMITS.bytes + 3} bytes, over the limit of ${RELEASE_FILE_LIMITS.bytes} bytes (1 MiB) for a release file (one line per service version: 1,000 services with 3 versions each take about 160 KB); restore the file from history or write it anew`));
  });

  test('a release file that is a link out of the directory is refused as a GitOpsError, unread', () => {
    const dir = tempDir('releases');
    const outside = tempDir('outside');
    put(outside, 'release.yaml', file({ environment: 'dev', services: { web: '1.0.0' } }));
    fs.mkdirSync(path.join(dir, 'dev'));
    fs.symlinkSync(path.join(outside, 'release.yaml'), path.join(dir, 'dev', 'release.yaml'));
    let error: unknown;
    try { readReleases(dir); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(GitOpsError);
    expect((error as Error).message).toContain(path.join(dir, 'dev', 'release.yaml'));
  });

  test('a release file that is a FIFO is refused without being opened', () => {
    const dir = tempDir('releases');
    fs.mkdirSync(path.join(dir, 'dev'));
    execFileSync('mkfifo', [path.join(dir, 'dev', 'release.yaml')]);
    expect(() => readReleases(dir)).toThrow(GitOpsError);
  });
});

describe('release file', () => {
  const state = { environment: 'dev', services: { backend: { v1: SHA, v2: '1.0.0' }, frontend: '1e5' } };

  test('renders the canonical layout and reads it back', () => {
    const text = renderRelease(state);
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
    ['a: [', /^release.yaml: line 1, column 5: is not valid YAML: /],
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
    [base, /services: \(missing\) must be a mapping of service name to tag .*an environment that pins no tag has `services: \{\}`/],
    [`${base}services:\n`, /services: null must be a mapping/],
  ])('rejects %j with a clear error', (text, message) => {
    expect(() => parseReleaseFile(text, { environment: 'dev' })).toThrow(ReleaseFileError);
    expect(() => parseReleaseFile(text, { environment: 'dev' })).toThrow(message);
  });
});

describe('release files as written and as edited by hand read the same', () => {
  const state = {
    environment: 'dev',
    services: { 'api': { v1: '1.0', v2: 'true' }, 'db': '0123', 'web': 'sha-abc1234', 'x-y': { v1: '1e3', v2: 'a'.repeat(40) } },
  };
  test('a written file reads back exactly, tags that look like numbers or booleans included', () => {
    const text = renderRelease(state);
    expect(text).toContain('"1.0"');
    expect(parseReleaseFile(text, { environment: 'dev' })).toEqual(state);
    expect(parseReleaseFile(renderRelease({ environment: 'dev', services: {} }))).toEqual({ environment: 'dev', services: {} });
  });

  test('the line reader (a fast copy) and the YAML parser (CDK8S_GITOPS_ORIGINALS) read every written file alike', () => {
    const states: ReleaseState[] = [
      state,
      { environment: 'prod', services: { api: { v1: 'sha-1', v2: 'sha-2' } }, weights: { api: { v1: 90, v2: 10 } } },
      { environment: 'prod', services: { api: 'sha-1', web: 'sha-3' }, clusters: { eu: { services: { api: 'sha-2' } }, us: {} } },
    ];
    for (const s of states) {
      const text = renderRelease(s);
      const fast = withOriginals(undefined, () => parseReleaseFile(text, { environment: s.environment }));
      const original = withOriginals('release-file-reader', () => parseReleaseFile(text, { environment: s.environment }));
      expect(original).toEqual(fast);
    }
    // the switch is what decides: with it on, the YAML parser reads even a written file
    expect(parseWithoutYaml(renderRelease(states[1]), 'prod')).toEqual(states[1]);
    expect(() => parseWithoutYaml(renderRelease(states[1]), 'prod', 'release-file-reader')).toThrow('the YAML parser was loaded');
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
    const text = renderRelease(state).replace('sha-abc1234', 'latest');
    expect(() => parseReleaseFile(text, { environment: 'dev', source: 'dev/release.yaml' })).toThrow('dev/release.yaml: services.web: "latest" is mutable');
    const unquoted = renderRelease(state).replace('"1.0"', '1.0');
    expect(() => parseReleaseFile(unquoted, { environment: 'dev' })).toThrow(/services\.api\.v1: 1 must be an image tag \(a string\)/);
  });
});

describe('hostile release files are refused with the file and the line named', () => {
  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\n';
  const source = 'dev/release.yaml';
  const parse = (text: string) => () => parseReleaseFile(text, { environment: 'dev', source });

  test('a duplicate key: the file, the line of the second one and the key', () => {
    expect(parse(`${base}services:\n  backend: a\n  frontend: b\n  backend: c\n`))
      .toThrow('dev/release.yaml: line 7, column 3: is not valid YAML: duplicate key "backend" (each key may appear once in a mapping)');
    expect(parse(`${base}services:\n  backend: {v1: a, v1: b}\n`)).toThrow(/^dev\/release.yaml: line 5, column 20: is not valid YAML: duplicate key "v1"/);
  });

  test('an alias bomb is refused at its first alias, before anything is expanded', () => {
    const bomb = `${base}services:\n  a: &a [x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n`
      + Array.from({ length: 8 }, (_, i) => `  c${i}: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n`).join('');
    expect(parse(bomb)).toThrow('dev/release.yaml: line 6, column 10: alias *a is not allowed in a release file (write each tag out)');
  });

  test('a file over 1 MiB is refused before it is parsed', () => {
    const big = `${base}services:\n${'  s: x\n'.repeat(8_000_000)}`; // 56 MB
    const t0 = Date.now();
    expect(parse(big)).toThrow(/^dev\/release.yaml: is 56000069 bytes, over the limit of 1048576 bytes \(1 MiB\) for a release file/);
    expect(Date.now() - t0).toBeLessThan(10_000); // a hang detector, not a speed check
    expect(Buffer.byteLength(big)).toBeGreaterThan(RELEASE_FILE_LIMITS.bytes);
  });

  test('1,000 services with 3 versions and 40-character tags stay far below the limits', () => {
    const services = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`service-${i}`, { v1: 'a'.repeat(40), v2: 'b'.repeat(40), v3: 'c'.repeat(40) }]));
    const text = renderRelease({ environment: 'dev', services });
    expect(Buffer.byteLength(text)).toBeLessThan(RELEASE_FILE_LIMITS.bytes / 5);
    // the same content, not in the written layout, goes through the YAML parser
    expect(parseReleaseFile(`${text}# edited\n`, { environment: 'dev' }).services).toEqual(services);
  });

  test.each([
    ['flow brackets', `${base}services: ${'['.repeat(300_000)}${']'.repeat(300_000)}\n`, 4],
    ['block indentation', `${base}services:\n${Array.from({ length: 40 }, (_, i) => `${' '.repeat(2 * i + 2)}a${i}:\n`).join('')}`, 20],
    ['sequence items', `${base}services:\n  a:\n    ${'- '.repeat(20)}x\n`, 6],
  ])('nesting deeper than the limit (%s) is refused before parsing, naming the line', (_name, text, line) => {
    const t0 = Date.now();
    expect(parse(text)).toThrow(`dev/release.yaml: line ${line}: nested more than ${RELEASE_FILE_LIMITS.depth} levels deep`);
    expect(Date.now() - t0).toBeLessThan(10_000); // a hang detector, not a speed check
  });

  test('brackets and hashes inside quotes or comments are not nesting', () => {
    const text = `${base}services:  # [[[[[[[[[[[[[[[[[[[[\n  web: "a[[[[[[[[[[[[[[[[[[[[[["\n`;
    expect(parse(text)).toThrow('dev/release.yaml: services.web: "a[[[[[[[[[[[[[[[[[[[[[[" is not an image tag');
  });

  test('more entries than the limit are refused', () => {
    const text = `${base}services:\n${Array.from({ length: RELEASE_FILE_LIMITS.entries + 1 }, (_, i) => `  s${i}: x\n`).join('')}`;
    expect(parse(text)).toThrow(`dev/release.yaml: services: more than ${RELEASE_FILE_LIMITS.entries} entries (services and versions) in one release file`);
  });
});

describe('the clusters section: per-cluster entries of a change staged cluster by cluster', () => {
  const state = {
    environment: 'prod',
    services: { api: { v1: '1.0.0', v2: '1.1.0' }, web: '2.0.0' },
    clusters: { 'prod-us': { services: { web: '2.1.0' } }, 'prod-eu': { services: { api: { v2: '1.2.0' }, web: '1e5' } } },
  };

  test('written after the services, clusters and keys sorted; read back exactly; absent when no cluster has an entry', () => {
    const text = renderRelease(state);
    expect(text.slice(text.indexOf('apiVersion'))).toBe([
      'apiVersion: cdk8s-gitops/v1', 'kind: Release', 'environment: prod', 'services:', '  api:', '    v1: 1.0.0', '    v2: 1.1.0', '  web: 2.0.0',
      'clusters:', '  prod-eu:', '    services:', '      api:', '        v2: 1.2.0', '      web: "1e5"', '  prod-us:', '    services:', '      web: 2.1.0', '',
    ].join('\n'));
    expect(parseReleaseFile(text, { environment: 'prod' })).toEqual(state);
    const none = { environment: 'prod', services: state.services, clusters: { 'prod-eu': { services: {} } } };
    expect(renderRelease(none)).toBe(renderRelease({ environment: 'prod', services: state.services }));
  });

  test('a written file is read without the YAML parser, clusters included', () => {
    const services = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`svc-${String(i).padStart(4, '0')}`, { v1: 'a'.repeat(40), v2: 'b'.repeat(40) }]));
    const big = { environment: 'prod', services, clusters: { 'prod-eu': { services: Object.fromEntries(Object.keys(services).map(s => [s, { v2: 'c'.repeat(40) }])) } } };
    expect(parseWithoutYaml(renderRelease(big), 'prod')).toEqual(big);
    // not as written (a comment more): the YAML parser reads it
    expect(() => parseWithoutYaml(`${renderRelease(big)}# edited\n`, 'prod')).toThrow('the YAML parser was loaded');
  });

  test('sameRelease compares the cluster entries too', () => {
    expect(sameRelease(state, { ...state, clusters: { 'prod-eu': state.clusters['prod-eu'], 'prod-us': state.clusters['prod-us'] } })).toBe(true);
    expect(sameRelease(state, { environment: 'prod', services: state.services })).toBe(false);
    expect(sameRelease({ environment: 'prod', services: state.services, clusters: {} }, { environment: 'prod', services: state.services })).toBe(true);
  });

  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: prod\nservices:\n  api:\n    v1: a\n    v2: b\n  web: c\n';
  test.each([
    ['clusters: {}\n', /clusters: \{\} must be a non-empty mapping of cluster name to its entries/],
    ['clusters:\n  Prod-EU:\n    services:\n      web: d\n', /clusters.Prod-EU: is not a cluster name \(a DNS-1123 label\)/],
    ['clusters:\n  eu:\n    services: {}\n', /clusters.eu.services: \{\} must be a non-empty mapping .*a cluster that runs the environment's tags has no services entry/],
    ['clusters:\n  eu:\n    weights: {}\n', /clusters.eu.weights: \{\} must be a non-empty mapping of service name to \{version: percent\} \(a cluster that takes the environment's splits has no weights entry\)/],
    ['clusters:\n  eu: {}\n', /clusters.eu: \{\} must be a mapping with services, weights or both/],
    ['clusters:\n  eu:\n    tags: {}\n', /clusters.eu: \{"tags":\{\}\} must be a mapping with services, weights or both/],
    ['clusters:\n  eu:\n    services:\n      web: d\n    replicas: 2\n', /clusters.eu.replicas: unknown field \(allowed: services, weights\)/],
    ['clusters:\n  eu:\n    services:\n      db: d\n', /clusters.eu.services.db: is not a service of the environment \(its services: api, web\)/],
    ['clusters:\n  eu:\n    services:\n      api: d\n', /clusters.eu.services.api: "d" is one tag, but services.api lists versions \(v1, v2\)/],
    ['clusters:\n  eu:\n    services:\n      web:\n        v1: d\n', /clusters.eu.services.web: lists versions, but services.web is one tag/],
    ['clusters:\n  eu:\n    services:\n      api:\n        v3: d\n', /clusters.eu.services.api.v3: is not a version of services.api \(its versions: v1, v2\)/],
    ['clusters:\n  eu:\n    services:\n      web: latest\n', /clusters.eu.services.web: "latest" is mutable/],
  ])('rejects %j with the field named', (tail, message) => {
    expect(() => parseReleaseFile(`${base}${tail}`, { environment: 'prod', source: 'prod/release.yaml' })).toThrow(message);
  });
});

describe('pinned traffic splits (weights)', () => {
  const state = {
    environment: 'prod',
    services: { backend: { v1: 'a'.repeat(40), v2: 'sha-abc1234' }, frontend: '1.0.0', monitor: { v1: '1', v2: '2', v10: '3' } },
    weights: { monitor: { v1: 50, v10: 0, v2: 50 }, backend: { v2: 10, v1: 90 } },
  };
  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\nservices:\n  backend:\n    v1: a\n    v2: b\n  frontend: c\n';
  const parse = (text: string) => () => parseReleaseFile(text, { environment: 'dev', source: 'dev/release.yaml' });

  test('written after services, sorted, and read back; a file without weights is written as before', () => {
    const text = renderRelease(state);
    expect(text.slice(text.indexOf('weights:'))).toBe('weights:\n  backend:\n    v1: 90\n    v2: 10\n  monitor:\n    v1: 50\n    v10: 0\n    v2: 50\n');
    expect(parseReleaseFile(text, { environment: 'prod' })).toEqual(state);
    expect(renderRelease({ ...state, weights: {} })).toBe(renderRelease({ environment: state.environment, services: state.services }));
    expect(renderRelease({ ...state, weights: {} })).not.toContain('weights');
    // hand-written layouts read the same; `weights: {}` is "none pinned"
    expect(parseReleaseFile(`${base}weights: { backend: { v2: 10, v1: 90 } }  # canary\n`, { environment: 'dev' }).weights).toEqual({ backend: { v1: 90, v2: 10 } });
    expect(parseReleaseFile(`${base}weights: {}\n`, { environment: 'dev' })).not.toHaveProperty('weights');
  });

  test('sameRelease compares the splits too (absent and empty alike)', () => {
    const { weights: _w, ...noWeights } = state;
    expect(sameRelease(state, { ...state, weights: { backend: { v1: 90, v2: 10 }, monitor: { v2: 50, v1: 50, v10: 0 } } })).toBe(true);
    expect(sameRelease(state, { ...state, weights: { ...state.weights, backend: { v1: 80, v2: 20 } } })).toBe(false);
    expect(sameRelease(state, noWeights)).toBe(false);
    expect(sameRelease(noWeights, { ...noWeights, weights: {} })).toBe(true);
  });

  test.each([
    ['a service not in services', 'weights:\n  bakend:\n    v1: 100\n', 'dev/release.yaml: weights.bakend: "bakend" is not in services: a split belongs to a service with versions'],
    ['a service without versions', 'weights:\n  frontend:\n    v1: 100\n', 'dev/release.yaml: weights.frontend: "frontend" has no versions (services.frontend is one tag): only a service with versions has a split'],
    ['an unknown version', 'weights:\n  backend:\n    v1: 90\n    v3: 10\n', 'dev/release.yaml: weights.backend.v3: is not a version of backend in services (its versions: v1, v2)'],
    ['a fraction', 'weights:\n  backend:\n    v1: 90.5\n    v2: 9.5\n', 'dev/release.yaml: weights.backend.v1: 90.5 must be a whole percent from 0 to 100'],
    ['a negative percent', 'weights:\n  backend:\n    v1: 110\n    v2: -10\n', 'dev/release.yaml: weights.backend.v1: 110 must be a whole percent from 0 to 100'],
    ['a percent as a string', 'weights:\n  backend:\n    v1: "90"\n    v2: 10\n', 'dev/release.yaml: weights.backend.v1: "90" must be a whole percent from 0 to 100'],
    ['a split that does not sum to 100 (a version removed by hand)', 'weights:\n  backend:\n    v1: 90\n', 'dev/release.yaml: weights.backend: {"v1":90} sums to 90: the percents of a split must sum to 100'],
    ['an empty split', 'weights:\n  backend: {}\n', 'dev/release.yaml: weights.backend: {} must be a mapping of version to percent, e.g. {v1: 0, v2: 100}'],
    ['weights that are not a mapping', 'weights: [backend]\n', 'dev/release.yaml: weights: ["backend"] must be a mapping of service name to {version: percent}'],
  ])('%s is refused naming the file, the field and the value', (_name, weights, message) => {
    expect(parse(`${base}${weights}`)).toThrow(ReleaseFileError);
    expect(parse(`${base}${weights}`)).toThrow(message);
  });

  test('the canonical layout with weights is read without the YAML parser at 1000 services; an edited file goes through it to the same state', () => {
    // names in the order the file is written (sorted), as cdk8s-gitops writes it
    const services = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`service-${String(i).padStart(4, '0')}`, { v1: 'a'.repeat(40), v2: 'b'.repeat(40), v3: 'c'.repeat(40) }]));
    const weights = Object.fromEntries(Object.keys(services).map(s => [s, { v1: 45, v2: 45, v3: 10 }]));
    const text = renderRelease({ environment: 'dev', services, weights });
    expectReadWithoutYaml(text, 'dev', { environment: 'dev', services, weights });
  });
});

describe('splits per cluster (clusters.<name>.weights)', () => {
  const state = {
    environment: 'prod',
    services: { api: { v1: '1.0.0', v2: '1.1.0' }, db: { v1: '3.0.0', v2: '4.0.0' }, web: '2.0.0' },
    weights: { api: { v1: 50, v2: 50 } },
    clusters: {
      'prod-us': { weights: { db: { v2: 0, v1: 100 } } },
      'prod-eu': { services: { api: { v2: '1.2.0' } }, weights: { api: { v1: 90, v2: 10 } } },
    },
  };

  test('written in each cluster after its services, sorted; read back exactly, without the YAML parser', () => {
    const text = renderRelease(state);
    expect(text.slice(text.indexOf('weights:'))).toBe([
      'weights:', '  api:', '    v1: 50', '    v2: 50',
      'clusters:',
      '  prod-eu:', '    services:', '      api:', '        v2: 1.2.0', '    weights:', '      api:', '        v1: 90', '        v2: 10',
      '  prod-us:', '    weights:', '      db:', '        v1: 100', '        v2: 0', '',
    ].join('\n'));
    expect(parseReleaseFile(text, { environment: 'prod' })).toEqual(state);
    expect(parseWithoutYaml(text, 'prod')).toEqual(state);
    // a cluster whose splits are all the environment's has no weights entry
    expect(renderRelease({ ...state, clusters: { 'prod-us': { weights: {} } } })).toBe(renderRelease({ environment: 'prod', services: state.services, weights: state.weights }));
  });

  test('sameRelease compares the splits of each cluster', () => {
    expect(sameRelease(state, { ...state, clusters: { ...state.clusters, 'prod-us': { weights: { db: { v1: 100, v2: 0 } } } } })).toBe(true);
    expect(sameRelease(state, { ...state, clusters: { ...state.clusters, 'prod-us': { weights: { db: { v1: 90, v2: 10 } } } } })).toBe(false);
    expect(sameRelease(state, { ...state, clusters: { 'prod-eu': state.clusters['prod-eu'] } })).toBe(false);
  });

  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: prod\nservices:\n  api:\n    v1: a\n    v2: b\n  web: c\n';
  test.each([
    ['clusters:\n  eu:\n    weights:\n      web:\n        v1: 100\n', 'clusters.eu.weights.web: "web" has no versions (services.web is one tag): only a service with versions has a split'],
    ['clusters:\n  eu:\n    weights:\n      db:\n        v1: 100\n', 'clusters.eu.weights.db: "db" is not in services: a split belongs to a service with versions'],
    ['clusters:\n  eu:\n    weights:\n      api:\n        v1: 90\n        v3: 10\n', 'clusters.eu.weights.api.v3: is not a version of api in services (its versions: v1, v2)'],
    ['clusters:\n  eu:\n    weights:\n      api:\n        v1: 90\n', 'clusters.eu.weights.api: {"v1":90} sums to 90: the percents of a split must sum to 100'],
    ['clusters:\n  eu:\n    weights:\n      api:\n        v1: 101\n        v2: -1\n', 'clusters.eu.weights.api.v1: 101 must be a whole percent from 0 to 100'],
    ['clusters:\n  eu:\n    weights: [api]\n', 'clusters.eu.weights: ["api"] must be a non-empty mapping of service name to {version: percent}'],
  ])('refuses %j with the file, the field and the value named', (tail, message) => {
    expect(() => parseReleaseFile(`${base}${tail}`, { environment: 'prod', source: 'prod/release.yaml' })).toThrow(ReleaseFileError);
    expect(() => parseReleaseFile(`${base}${tail}`, { environment: 'prod', source: 'prod/release.yaml' })).toThrow(`prod/release.yaml: ${message}`);
  });

  test('1000 services with splits in the environment and in a cluster are read without the YAML parser (canonical layout)', () => {
    const services = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`svc-${String(i).padStart(4, '0')}`, { v1: 'a'.repeat(40), v2: 'b'.repeat(40) }]));
    const split = (v2: number) => Object.fromEntries(Object.keys(services).map(s => [s, { v1: 100 - v2, v2 }]));
    // a canary at 0% everywhere, shifted to 10% in prod-eu: every service has a split in the environment and in the cluster
    const big = { environment: 'prod', services, weights: split(0), clusters: { 'prod-eu': { weights: split(10) } } };
    expectReadWithoutYaml(renderRelease(big), 'prod', big);
  });
});

/**
 * `text` (as cdk8s-gitops writes it) is read as `state` without loading the YAML parser (the
 * canonical reader; the speed is the benchmark's business, not a test's), and the same text
 * edited by hand (a comment more) goes through the YAML parser to the same state.
 */
function expectReadWithoutYaml(text: string, environment: string, state: unknown): void {
  expect(parseWithoutYaml(text, environment)).toEqual(state);
  expect(() => parseWithoutYaml(`${text}# edited\n`, environment)).toThrow('the YAML parser was loaded');
  expect(parseReleaseFile(`${text}# edited\n`, { environment })).toEqual(state);
}

describe('the nesting scan before the YAML parser counts what nests, and nothing else', () => {
  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\n';
  /** The message parsing `text` fails with, or 'read' when it is read. */
  const problem = (text: string): string => {
    try {
      parseReleaseFile(text, { environment: 'dev', source: 'dev/release.yaml' });
      return 'read';
    } catch (e) {
      expect(e).toBeInstanceOf(ReleaseFileError);
      return (e as Error).message;
    }
  };
  const tooDeep = (line: number) => `dev/release.yaml: line ${line}: nested more than ${RELEASE_FILE_LIMITS.depth} levels deep (a release file has at most 5: clusters, cluster, services, service, version)`;
  const notNesting = (text: string) => expect(problem(text)).not.toMatch(/nested more than/);
  /** `services:` then lines nested `n` levels below it (a0: ... an-1:). */
  const block = (n: number, between: string[] = []) => `services:\n${Array.from({ length: n }, (_, i) => [`${' '.repeat(2 * i + 2)}a${i}:`, ...between].join('\n')).join('\n')}\n`;

  test('16 levels are allowed, 17 are not: flow brackets, sequence items and indentation together', () => {
    // the top-level key is one level, each bracket one
    notNesting(`${base}services: ${'['.repeat(15)}${']'.repeat(15)}\n`);
    expect(problem(`${base}services: ${'['.repeat(16)}${']'.repeat(16)}\n`)).toBe(tooDeep(4));
    expect(problem(`${base}services: ${'{a: '.repeat(16)}x${'}'.repeat(16)}\n`)).toBe(tooDeep(4));
    notNesting(`${base}services: ${'{a: '.repeat(15)}x${'}'.repeat(15)}\n`);
    // two indentation levels and a sequence item, then brackets
    notNesting(`${base}services:\n  - ${'['.repeat(13)}x${']'.repeat(13)}\n`);
    expect(problem(`${base}services:\n  - ${'['.repeat(14)}x${']'.repeat(14)}\n`)).toBe(tooDeep(5));
    // block indentation alone
    notNesting(`${base}${block(15)}`);
    expect(problem(`${base}${block(16)}`)).toBe(tooDeep(20));
  });

  test('closed brackets are not nesting any more; a closing bracket outside any does not lower the count', () => {
    expect(problem(`${base}services: [${'[], '.repeat(20)}[]]\n`)).toMatch(/^dev\/release.yaml: services: .* must be a mapping/);
    expect(problem(`${base}services: [${'{}, '.repeat(20)}{}]\n`)).toMatch(/^dev\/release.yaml: services: .* must be a mapping/);
    expect(problem(`${base}services:\n  web: a]\n${block(16).slice('services:\n'.length)}`)).toBe(tooDeep(21));
    expect(problem(`${base}services:\n  web: a}\n${block(16).slice('services:\n'.length)}`)).toBe(tooDeep(21));
  });

  test('blank and comment lines do not change the indentation', () => {
    expect(problem(`${base}${block(16, [''])}`)).toBe(tooDeep(35));
    expect(problem(`${base}${block(16, ['# a comment'])}`)).toBe(tooDeep(35));
    expect(problem(`${base}${block(16, [`${' '.repeat(60)}# deep`])}`)).toBe(tooDeep(35));
  });

  test('sequence items and complex keys count a level each, with any spaces after them; a dash in a key does not', () => {
    expect(problem(`${base}services:\n  a:\n    ${'- '.repeat(14)}x\n`)).toBe(tooDeep(6));
    expect(problem(`${base}services:\n  a:\n    ${'-   '.repeat(14)}x\n`)).toBe(tooDeep(6));
    expect(problem(`${base}services:\n  a:\n    ${'? '.repeat(14)}x\n`)).toBe(tooDeep(6));
    // an item without a value at the end of the line
    expect(problem(`${base}services:\n  a:\n    ${'- '.repeat(13)}-\n`)).toBe(tooDeep(6));
    notNesting(`${base}services:\n  a:\n    ${'- '.repeat(12)}-\n`);
    // at 16 levels, a key that starts with a dash or has a space in it is no further level
    const deepest = `${' '.repeat(30)}`;
    notNesting(`${base}${block(14)}${deepest}-x: 1\n`);
    notNesting(`${base}${block(14)}${deepest}x y: 1\n`);
    notNesting(`${base}${block(14)}${deepest}x: 1\n`);
    expect(problem(`${base}${block(14)}${deepest}- x: 1\n`)).toBe(tooDeep(19));
  });

  test('inside quotes nothing nests: escaped double quotes stay inside, single quotes end at the next one', () => {
    expect(problem(`${base}services:\n  web: "a\\"${'['.repeat(20)}"\n`)).toMatch(/^dev\/release.yaml: services.web: "a\\"\[+" is not an image tag/);
    expect(problem(`${base}services:\n  web: 'a${'['.repeat(20)}'\n`)).toMatch(/^dev\/release.yaml: services.web: "a\[+" is not an image tag/);
    // brackets after a closed quote count
    expect(problem(`${base}services: {web: "a", x: ${'['.repeat(16)}${']'.repeat(16)}}\n`)).toBe(tooDeep(4));
    expect(problem(`${base}services: {web: "a\\\\", x: ${'['.repeat(16)}${']'.repeat(16)}}\n`)).toBe(tooDeep(4));
    expect(problem(`${base}services: {web: 'a\\', x: ${'['.repeat(16)}${']'.repeat(16)}}\n`)).toBe(tooDeep(4));
  });

  test('a hash starts a comment at the start of a line or after a space, not inside a word', () => {
    expect(problem(`${base}services:  #${'['.repeat(20)}\n  web: x\n`)).toBe('read');
    expect(problem(`${base}services:\n  web: a#${'['.repeat(20)}\n`)).toBe(tooDeep(5));
    expect(problem(`${base}services: {\n#${'['.repeat(20)}\n  web: x}\n`)).toBe('read');
  });

  test('the lines of a flow collection or a quoted string spanning lines are no indentation', () => {
    const flow = `${base}services: {\n${Array.from({ length: 20 }, (_, i) => `${' '.repeat(2 * i + 2)}s${i}: x,`).join('\n')}\n}\n`;
    expect(problem(flow)).toBe('read');
    const quoted = `${base}services:\n  web: "a\n${Array.from({ length: 20 }, (_, i) => `${' '.repeat(2 * i + 4)}b`).join('\n')}"\n`;
    expect(problem(quoted)).toMatch(/^dev\/release.yaml: services.web: "a b b .*" is not an image tag/);
  });
});

describe('release file checks at their edges', () => {
  const base = 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\n';
  const source = 'dev/release.yaml';
  const message = (text: string, options: { environment?: string } = { environment: 'dev' }): string => {
    try {
      parseReleaseFile(text, { ...options, source });
      return 'read';
    } catch (e) {
      expect(e).toBeInstanceOf(ReleaseFileError);
      expect((e as Error).name).toBe('ReleaseFileError');
      return (e as Error).message;
    }
  };

  test('a file of exactly the byte limit is not refused by its size; one byte more is', () => {
    expect(() => assertReleaseFileSize(RELEASE_FILE_LIMITS.bytes, source)).not.toThrow();
    expect(() => assertReleaseFileSize(RELEASE_FILE_LIMITS.bytes + 1, source)).toThrow(`${source}: is ${RELEASE_FILE_LIMITS.bytes + 1} bytes, over the limit`);
  });

  test('a YAML syntax error is one line: the file, the line and column, the parser\'s message', () => {
    expect(message(`${base}services: [\n`)).toMatch(/^dev\/release.yaml: line \d+, column \d+: is not valid YAML: [^\n]+$/);
  });

  test('a file that is no mapping names the file only', () => {
    expect(message('- 1\n')).toBe('dev/release.yaml: must be a mapping with apiVersion, kind, environment and services');
  });

  test('environment must be a DNS-1123 label string, also when no folder is given', () => {
    expect(message(`apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: 123\nservices: {}\n`, {})).toBe('dev/release.yaml: environment: 123 must be an environment name (a DNS-1123 label)');
    expect(message(`apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: Dev_1\nservices: {}\n`, {})).toBe('dev/release.yaml: environment: "Dev_1" must be an environment name (a DNS-1123 label)');
  });

  test('service names are DNS-1123 labels; a service maps to a tag or to a non-empty mapping of versions', () => {
    expect(message(`${base}services:\n  Bad_Name: x\n`)).toBe('dev/release.yaml: services.Bad_Name: is not a service name (a DNS-1123 label)');
    expect(message(`${base}services:\n  api: [x]\n`)).toBe('dev/release.yaml: services.api: ["x"] must be an image tag or a non-empty mapping of version name to image tag');
    expect(message(`${base}services:\n  api: {}\n`)).toBe('dev/release.yaml: services.api: {} must be an image tag or a non-empty mapping of version name to image tag');
  });

  test('what is read is sorted, services, versions, splits and clusters, whatever order the file has', () => {
    const text = `${base}services:\n  web: x\n  api:\n    v2: b\n    v1: a\nweights:\n  api:\n    v2: 10\n    v1: 90\nclusters:\n  us:\n    services:\n      web: u\n  eu:\n    services:\n      web: e\n`;
    const state = parseReleaseFile(text, { environment: 'dev' });
    expect(Object.keys(state.services)).toEqual(['api', 'web']);
    expect(Object.keys(state.services.api)).toEqual(['v1', 'v2']);
    expect(Object.keys(state.weights!.api)).toEqual(['v1', 'v2']);
    expect(Object.keys(state.clusters!)).toEqual(['eu', 'us']);
    // a cluster without splits has no weights key at all
    expect(Object.keys(state.clusters!.eu)).toEqual(['services']);
  });

  test('the first problem named is the first in sorted order', () => {
    expect(message(`${base}services:\n  zz: latest\n  aa: latest\n`)).toMatch(/^dev\/release.yaml: services.aa: /);
    expect(message(`${base}services:\n  api:\n    v2: latest\n    v1: latest\n`)).toMatch(/^dev\/release.yaml: services.api.v1: /);
    expect(message(`${base}services:\n  api: {v1: a, v2: b}\n  web: {v1: a, v2: b}\nweights:\n  web: {v1: 150}\n  api: {v1: 150}\n`)).toMatch(/^dev\/release.yaml: weights.api.v1: /);
    expect(message(`${base}services:\n  api: {v1: a, v2: b}\nweights:\n  api: {v2: 150, v1: 150}\n`)).toMatch(/^dev\/release.yaml: weights.api.v1: /);
    expect(message(`${base}services:\n  web: a\nclusters:\n  us: {services: {web: latest}}\n  eu: {services: {web: latest}}\n`)).toMatch(/^dev\/release.yaml: clusters.eu.services.web: /);
  });

  test('a split names the versions of its service in order; a percent over 100 is named, not only the sum', () => {
    expect(message(`${base}services:\n  api: {v2: b, v1: a}\nweights:\n  api: {v3: 100}\n`)).toBe('dev/release.yaml: weights.api.v3: is not a version of api in services (its versions: v1, v2)');
    expect(message(`${base}services:\n  api: {v2: b, v1: a}\nweights:\n  api: {}\n`)).toBe('dev/release.yaml: weights.api: {} must be a mapping of version to percent, e.g. {v1: 0, v2: 100}');
    expect(message(`${base}services:\n  api: {v1: a, v2: b}\nweights:\n  api: {v1: 150, v2: 0}\n`)).toBe('dev/release.yaml: weights.api.v1: 150 must be a whole percent from 0 to 100');
  });

  test('the entry limit: exactly the limit is read; over it, the field that passes it is named (services, versions, splits)', () => {
    const limit = RELEASE_FILE_LIMITS.entries;
    const singles = (n: number) => Array.from({ length: n }, (_, i) => `  s${i}: x\n`).join('');
    expect(message(`${base}services:\n${singles(limit)}`)).toBe('read');
    const versions = Array.from({ length: limit }, (_, i) => `    v${i}: x\n`).join('');
    expect(message(`${base}services:\n  api:\n${versions}`)).toBe(`dev/release.yaml: services.api: more than ${limit} entries (services and versions) in one release file: the limit of a release file`);
    // api (v1, v2) and 19,995 more: 19,998 entries; its split adds 3 (the service and two versions)
    const split = `${base}services:\n  api: {v1: a, v2: b}\n${singles(limit - 5)}weights:\n  api: {v1: 90, v2: 10}\n`;
    expect(message(split)).toBe(`dev/release.yaml: weights.api: more than ${limit} entries (services and versions) in one release file: the limit of a release file`);
  });

  test('a cluster may run a tag of any length; an environment without services names none', () => {
    expect(parseReleaseFile(`${base}services:\n  web: '1'\nclusters:\n  eu:\n    services:\n      web: 1.0.0-rc.1\n`).clusters).toEqual({ eu: { services: { web: '1.0.0-rc.1' } } });
    expect(message(`${base}services: {}\nclusters:\n  eu:\n    services:\n      web: x\n`)).toBe('dev/release.yaml: clusters.eu.services.web: is not a service of the environment (its services: none): a cluster entry overrides a tag of `services`');
  });

  test('an environment that pins no tag is read without the YAML parser', () => {
    const empty = { environment: 'dev', services: {} };
    expect(renderRelease(empty)).toContain('\nservices: {}\n');
    expect(parseWithoutYaml(renderRelease(empty), 'dev')).toEqual(empty);
  });

  test('empty version maps are no entries: not written, and the same as none', () => {
    const none = { environment: 'dev', services: { api: { v1: 'a' } } };
    const empty = { ...none, clusters: { eu: { services: { api: {} } } } };
    expect(renderRelease(empty)).toBe(renderRelease(none));
    expect(sameRelease(empty, none)).toBe(true);
  });
});
