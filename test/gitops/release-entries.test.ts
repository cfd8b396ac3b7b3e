import * as fs from 'fs';
import * as path from 'path';
import { GitOpsError } from '../../src/core/errors';
import { checkReleaseEntries, unknownReleaseEntries } from '../../src/gitops/release-entries';
import { createApp } from './fixture-app';
import { createApp as canaryApp } from './fixture-app-canary';
import { cleanup, cli, FIXTURE_APP, git, isolateGit, read, releaseState, seedRepo, snapshot } from './helpers';

const CANARY_APP = path.join(__dirname, 'fixture-app-canary.ts');
const known = { environment: 'dev', services: { backend: { v1: '1.0.0', v2: '1.0.0' }, frontend: '1.0.0', monitor: { v1: '1.0.0', v2: '1.0.0' } } };

describe('unknownReleaseEntries', () => {
  test('nothing unknown: a state with the program\'s services, or fewer of them', () => {
    expect(unknownReleaseEntries(known, known)).toEqual([]);
    expect(unknownReleaseEntries({ environment: 'dev', services: { frontend: 'abc', backend: { v2: 'x' } } }, known)).toEqual([]);
  });

  test('services, versions and shapes the program does not have, each with the closest known name', () => {
    const stored = {
      environment: 'dev',
      services: { bakend: 'abc', frontend: { v1: 'x' }, monitor: 'y', backend: { v1: 'a', v3: 'b', v2: 'c' }, zzzzzzzz: 'q' },
    };
    expect(unknownReleaseEntries(stored, known)).toEqual([
      { field: 'services.backend.v3', service: 'backend', version: 'v3', problem: 'unknown version of backend (did you mean "v1"?); its versions: v1, v2' },
      { field: 'services.bakend', service: 'bakend', problem: 'unknown service (did you mean "backend"?)' },
      { field: 'services.frontend', service: 'frontend', problem: 'lists versions, but the program runs frontend without versions (one tag)' },
      { field: 'services.monitor', service: 'monitor', problem: 'is one tag, but the program runs monitor as versions v1, v2' },
      { field: 'services.zzzzzzzz', service: 'zzzzzzzz', problem: 'unknown service' },
    ]);
  });

  test('pinned splits the program does not have: of an unknown service, one without versions, naming an unknown version, or with no route to apply it', () => {
    const routed = { ...known, weights: { backend: { v1: 90, v2: 10 } } };
    const stored = {
      environment: 'dev',
      services: { backend: { v1: 'a', v2: 'b' }, frontend: 'x', monitor: { v1: 'a', v2: 'b' } },
      weights: { backend: { v1: 90, v2: 10 }, bakend: { v1: 100 }, frontend: { v1: 100 }, monitor: { v1: 100, v2: 0 } },
    };
    expect(unknownReleaseEntries(stored, routed)).toEqual([
      { field: 'weights.bakend', service: 'bakend', problem: 'a split of a service the program does not run' },
      { field: 'weights.frontend', service: 'frontend', problem: 'a split of frontend, which the program runs without versions' },
      { field: 'weights.monitor', service: 'monitor', problem: "no route of the program sends monitor's traffic by its default split (RouteTarget.split(service) without weights): the pinned split would change nothing" },
    ]);
    expect(unknownReleaseEntries({ ...stored, weights: { backend: { v1: 90, v3: 10 } } }, routed)).toEqual([
      { field: 'weights.backend', service: 'backend', problem: 'names v3 (did you mean "v1"?), not a version of backend (its versions: v1, v2): the split is dropped whole' },
    ]);
    expect(unknownReleaseEntries({ ...stored, weights: { backend: { v1: 90, v2: 10 } } }, routed)).toEqual([]);
  });

  test('checkReleaseEntries refuses with the file, each entry and the program\'s services; with prune it returns them', () => {
    const stored = { environment: 'dev', services: { bakend: 'abc', frontend: 'x' } };
    const check = () => checkReleaseEntries(stored, known, { source: 'dev/release.yaml' });
    expect(check).toThrow(GitOpsError);
    expect(check).toThrow('dev/release.yaml: services.bakend: unknown service (did you mean "backend"?)\n'
      + 'The program\'s services in dev: backend, frontend, monitor. The program does not have this entry: rendering would drop it from the release file '
      + '(a misspelt service would run its default tag). Fix the file, or run with --prune-releases to drop it.');
    expect(checkReleaseEntries(stored, known, { source: 'dev/release.yaml', prune: true })).toEqual([
      { field: 'services.bakend', service: 'bakend', problem: 'unknown service (did you mean "backend"?)' },
    ]);
  });
});

describe('release state never vanishes silently', () => {
  beforeAll(isolateGit);
  afterAll(cleanup);

  /** A clone whose dev/release.yaml pins backend's tags under a misspelt name (committed). */
  function typoClone(): string {
    const { clone } = seedRepo(createApp);
    const file = path.join(clone, 'dev/release.yaml');
    fs.writeFileSync(file, read(clone, 'dev/release.yaml').replace(/^ {2}backend:$/m, '  bakend:'));
    git(clone, 'commit', '-qam', 'hand edit');
    return clone;
  }

  test('synth --gitops-dir refuses an entry the program does not have, naming file, entry and closest name; nothing is written', async () => {
    const clone = typoClone();
    const before = snapshot(clone);
    const r = await cli('synth', '--gitops-dir', clone, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(clone, 'dev/release.yaml')}: services.bakend: unknown service (did you mean "backend"?)\n`);
    expect(r.stderr).toContain('The program\'s services in dev: backend, frontend, monitor.');
    expect(r.stderr).toContain('run with --prune-releases to drop it');
    expect(snapshot(clone)).toEqual(before);
  });

  test('synth --gitops-dir --prune-releases drops them and lists each one dropped', async () => {
    const clone = typoClone();
    const r = await cli('synth', '--gitops-dir', clone, '--prune-releases', '--app', FIXTURE_APP);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`pruned ${path.join(clone, 'dev/release.yaml')}: services.bakend (unknown service (did you mean "backend"?))\n`);
    const state = releaseState(clone, 'dev');
    expect(Object.keys(state.services)).toEqual(['backend', 'frontend', 'monitor']);
    expect(git(clone, 'status', '--porcelain')).toBe(' M dev/release.yaml\n');
  });

  test('diff, the preview of synth, refuses it too (for the environment it shows)', async () => {
    const clone = typoClone();
    const r = await cli('diff', '--gitops-dir', clone, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(clone, 'dev/release.yaml')}: services.bakend: unknown service (did you mean "backend"?)\n`);
    expect(r.stderr).toContain('see what dropping it changes with `cdk8s-gitops synth --gitops-dir DIR --prune-releases` and `git diff`');
    expect(await cli('diff', '--gitops-dir', clone, '--env', 'prod', '--app', FIXTURE_APP)).toMatchObject({ code: 0, stdout: '' });
  });

  test('--prune-releases needs --gitops-dir', async () => {
    expect(await cli('synth', '--prune-releases', '--app', FIXTURE_APP)).toMatchObject({ code: 2, stderr: expect.stringContaining('--prune-releases needs --gitops-dir') });
  });

  test('release refuses to commit over an unknown entry and says how to drop it deliberately; nothing changes', async () => {
    const clone = typoClone();
    const before = snapshot(clone);
    const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', 'sha-1234567', '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cdk8s-gitops release: dev\/release.yaml at [0-9a-f]{12}: services.bakend: unknown service \(did you mean "backend"\?\)\n/);
    expect(r.stderr).toContain('drop it in a commit of its own first (`cdk8s-gitops synth --gitops-dir DIR --prune-releases`, review, commit)');
    expect(snapshot(clone)).toEqual(before);
  });

  test('a pinned split no route applies (a route with weights in code) is refused by synth and shift, and pruned whole', async () => {
    const { clone } = seedRepo(canaryApp);
    const file = path.join(clone, 'prod/release.yaml');
    fs.writeFileSync(file, `${read(clone, 'prod/release.yaml')}weights:\n  backend:\n    v1: 70\n    v2: 30\n  legacy:\n    v1: 50\n    v2: 50\n`);
    git(clone, 'commit', '-qam', 'hand edit');
    const before = snapshot(clone);
    const problem = "weights.legacy: no route of the program sends legacy's traffic by its default split (RouteTarget.split(service) without weights): the pinned split would change nothing";
    const synth = await cli('synth', '--gitops-dir', clone, '--app', CANARY_APP);
    expect(synth.code).toBe(1);
    expect(synth.stderr).toContain(`${file}: ${problem}\n`);
    const shift = await cli('shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--weights', 'v2=10', '--app', CANARY_APP);
    expect(shift.code).toBe(1);
    expect(shift.stderr).toContain(`prod/release.yaml at ${before.head.slice(0, 12)}: ${problem}`);
    expect(snapshot(clone)).toEqual(before);

    const pruned = await cli('synth', '--gitops-dir', clone, '--prune-releases', '--app', CANARY_APP);
    expect(pruned).toMatchObject({ code: 0, stderr: '' });
    expect(pruned.stdout).toContain(`pruned ${file}: weights.legacy (`);
    expect(releaseState(clone, 'prod').weights).toEqual({ backend: { v1: 70, v2: 30 } });
    // the routes follow the split that stays: backend's default route 70/30, dev untouched
    expect(read(clone, 'prod/shop/virtualservice-backend.yaml')).toMatch(/subset: v1\n\s+weight: 70\n/);
    expect(git(clone, 'status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual([' M .cdk8s-gitops-files', ' M prod/release.yaml', ' M prod/shop/virtualservice-backend.yaml']);
  });

  test('a release file without services: is an error, not an empty release', async () => {
    const { clone } = seedRepo(createApp);
    fs.writeFileSync(path.join(clone, 'dev/release.yaml'), 'apiVersion: cdk8s-gitops/v1\nkind: Release\nenvironment: dev\n');
    git(clone, 'commit', '-qam', 'hand edit');
    const r = await cli('synth', '--gitops-dir', clone, '--app', FIXTURE_APP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(clone, 'dev/release.yaml')}: services: (missing) must be a mapping`);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });
});

describe('unknownReleaseEntries: cluster entries', () => {
  const prod = { environment: 'prod', services: { api: { v1: '1', v2: '1' }, canary: '1', web: '1' } };
  const clusters = {
    'prod-eu': { services: { api: { v1: '1', v2: '1' }, canary: '1', web: '1' }, weights: { api: { v1: 50, v2: 50 } } },
    'prod-us': { services: { api: { v1: '1', v2: '1' }, web: '1' } },
  };

  test('a cluster the program does not have, a service it does not run there, a version or shape it does not have', () => {
    const stored = {
      ...prod,
      clusters: {
        'prod-ap': { services: { web: '2' } },
        'prod-us': { services: { canary: '2', api: { v3: '2' }, web: { v1: '2' } } },
        'prod-eu': { services: { canary: '2', api: { v2: '2' } } },
      },
    };
    expect(unknownReleaseEntries(stored, prod, clusters)).toEqual([
      { field: 'clusters.prod-ap', cluster: 'prod-ap', problem: 'unknown cluster (did you mean "prod-eu"?); the clusters of prod: prod-eu, prod-us' },
      { field: 'clusters.prod-us.services.api.v3', cluster: 'prod-us', service: 'api', version: 'v3', problem: 'unknown version of api (did you mean "v1"?); its versions: v1, v2' },
      { field: 'clusters.prod-us.services.canary', cluster: 'prod-us', service: 'canary', problem: 'is not a service the program runs in cluster prod-us' },
      { field: 'clusters.prod-us.services.web', cluster: 'prod-us', service: 'web', problem: 'lists versions, but the program runs web without versions (one tag)' },
    ]);
  });

  test('a split of a cluster the program does not take there: a service it does not run or split there, a version it does not have', () => {
    const stored = {
      ...prod,
      weights: { api: { v1: 90, v2: 10 } },
      clusters: {
        'prod-us': { weights: { api: { v1: 0, v2: 100 }, canary: { v1: 100 } } },
        'prod-eu': { weights: { api: { v1: 0, v3: 100 }, web: { v1: 100 } } },
      },
    };
    expect(unknownReleaseEntries(stored, prod, clusters)).toEqual([
      { field: 'clusters.prod-eu.weights.api', cluster: 'prod-eu', service: 'api', problem: 'names v3 (did you mean "v1"?), not a version of api (its versions: v1, v2): the split is dropped whole' },
      { field: 'clusters.prod-eu.weights.web', cluster: 'prod-eu', service: 'web', problem: 'a split of web, which the program runs without versions' },
      { field: 'clusters.prod-us.weights.api', cluster: 'prod-us', service: 'api',
        problem: "no route of the program in cluster prod-us sends api's traffic by its default split (RouteTarget.split(service) without weights): the pinned split would change nothing" },
      { field: 'clusters.prod-us.weights.canary', cluster: 'prod-us', service: 'canary', problem: 'a split of a service the program does not run in cluster prod-us' },
    ]);
    // the environment's split applies where a cluster takes it (prod-eu routes api by its default split)
    expect(unknownReleaseEntries({ ...prod, weights: { api: { v1: 90, v2: 10 } } }, prod, clusters)).toEqual([]);
    expect(unknownReleaseEntries({ ...prod, weights: { api: { v1: 90, v2: 10 } } }, prod, { 'prod-us': clusters['prod-us'] })[0].problem)
      .toBe("no route of the program sends api's traffic by its default split (RouteTarget.split(service) without weights): the pinned split would change nothing");
  });

  test('cluster entries of an environment the program runs in one cluster', () => {
    expect(unknownReleaseEntries({ ...prod, clusters: { eu: { services: { web: '2' } } } }, prod)).toEqual([
      { field: 'clusters.eu', cluster: 'eu', problem: 'unknown cluster: the program runs prod in one cluster (its Environment lists no clusters)' },
    ]);
  });
});
