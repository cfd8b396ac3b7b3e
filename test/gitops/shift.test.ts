/**
 * `cdk8s-gitops shift` and the canary lifecycle (`release --canary`, shifts, a normal release),
 * with `rollback` and `promote --with-weights`, against real git repositories and the program in
 * fixture-app-canary.ts (real VirtualServices).
 */
import * as path from 'path';
import { parse } from 'yaml';
import { completeSplit, parseWeights, shift } from '../../src/gitops/shift-flow';
import { createApp } from './fixture-app-canary';
import { createApp as manyApp } from './fixture-app-canary-many';
import { changedFiles, changedLines, cleanup, cli, cloneOf, git, isolateGit, read, releaseState, seedRepo, sharedClone, snapshot } from './helpers';

const APP = path.join(__dirname, 'fixture-app-canary.ts');
const T1 = 'sha-1111111';
const T2 = 'sha-2222222';

beforeAll(isolateGit);
afterAll(cleanup);

const releaseOf = (dir: string, env = 'prod') => releaseState(dir, env);
/** The default route's split of a VirtualService: [subset, weight] pairs. */
const splitOf = (dir: string, service: string, env = 'prod') =>
  parse(read(dir, `${env}/shop/virtualservice-${service}.yaml`)).spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight]);
const shiftCli = (dir: string, ...args: string[]) => cli('shift', '--gitops-dir', dir, '--env', 'prod', '--app', APP, ...args);

describe('shift', () => {
  test('pins the split, re-renders only the weight lines of the default routes and commits "ENV: shift SERVICE SPLIT"', async () => {
    const clone = sharedClone(createApp);
    expect(splitOf(clone, 'backend')).toEqual([['v1', 90], ['v2', 10]]);
    const r = await shiftCli(clone, '--service', 'backend', '--weights', 'v2=25');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^\[[0-9a-f]{12}\] prod: shift backend v2=25%\n {2}backend split: the program's split -> v1=75% v2=25%\n2 file\(s\) changed\n$/);
    expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe('prod: shift backend v2=25%');
    expect(releaseOf(clone).weights).toEqual({ backend: { v1: 75, v2: 25 } });
    expect(splitOf(clone, 'backend')).toEqual([['v1', 75], ['v2', 25]]);
    // the commit: the VirtualService's weight lines and release.yaml, nothing else
    expect(changedFiles(clone)).toEqual(['prod/release.yaml', 'prod/shop/virtualservice-backend.yaml']);
    const lines = changedLines(clone);
    expect(lines.filter(l => !/^[-+] +weight: \d+$/.test(l))).toEqual(['+weights:', '+  backend:', '+    v1: 75', '+    v2: 25']);
    expect(lines.filter(l => /weight: /.test(l)).sort()).toEqual(['+          weight: 25', '+          weight: 75', '-          weight: 10', '-          weight: 90']);
    // the header routes and other services' routes are untouched; dev is untouched
    expect(splitOf(clone, 'monitor')).toEqual([['v1', 90], ['v2', 10]]);
    expect(releaseOf(clone, 'dev')).not.toHaveProperty('weights');

    // the next step changes only weight lines (release.yaml's and the route's)
    expect((await shiftCli(clone, '--service', 'backend', '--weights', 'v1=50,v2=50')).code).toBe(0);
    expect(changedLines(clone).every(l => /^[-+] +(weight|v[12]): \d+$/.test(l))).toBe(true);
    expect(splitOf(clone, 'backend')).toEqual([['v1', 50], ['v2', 50]]);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });

  test('a split that already holds is a no-op: no commit, exit 0', async () => {
    const clone = sharedClone(createApp);
    expect((await shiftCli(clone, '--service', 'monitor', '--weights', 'v2=30')).code).toBe(0);
    const state = snapshot(clone);
    const again = await shiftCli(clone, '--service', 'monitor', '--weights', 'v1=70%,v2=30%', '-o', 'json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ env: 'prod', weights: { v1: 70, v2: 30 }, committed: false, commit: state.head.trim(), changes: [], changedFiles: [], pushed: false, gates: [] });
    expect(snapshot(clone)).toEqual(state);
  });

  test('several services at once, one commit; -o json names the changes and files', async () => {
    const clone = sharedClone(createApp);
    const r = await shiftCli(clone, '--service', 'backend,monitor', '--weights', 'v2=0', '-o', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      env: 'prod', weights: { v2: 0 }, committed: true, message: 'prod: shift backend, monitor v2=0%', pushed: false, attempts: 1, gates: [],
      changes: [{ service: 'backend', from: null, to: { v1: 100, v2: 0 } }, { service: 'monitor', from: null, to: { v1: 100, v2: 0 } }],
      changedFiles: ['prod/release.yaml', 'prod/shop/virtualservice-backend.yaml', 'prod/shop/virtualservice-monitor.yaml'],
    });
    expect(out.commit).toBe(git(clone, 'rev-parse', 'HEAD').trim());
    expect(splitOf(clone, 'monitor')).toEqual([['v1', 100], ['v2', 0]]);
  });

  test('more than three services: the subject counts them, the body lists each split', async () => {
    const { clone } = seedRepo(manyApp);
    const r = await cli('shift', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend,monitor,s1,s2', '--weights', 'v2=20', '--app', path.join(__dirname, 'fixture-app-canary-many.ts'));
    expect(r.code).toBe(0);
    expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe('prod: shift 4 services v2=20%');
    expect(git(clone, 'log', '-1', '--format=%b').trim().split('\n').slice(0, 4)).toEqual(['backend', 'monitor', 's1', 's2'].map(n => `${n} split: the program's split -> v1=80% v2=20%`));
  });

  test.each([
    [['--service', 'bakend', '--weights', 'v2=10'], 2, '--service: "bakend" is not a service of environment "prod" (services: backend, frontend, legacy, monitor, stock)'],
    [['--service', 'frontend', '--weights', 'v2=10'], 2, '--service: "frontend" has no versions in environment "prod": only the traffic between versions of a service can shift'],
    [['--service', 'backend', '--weights', 'v3=10'], 2, '--weights: "v3" is not a version of backend (its versions: v1, v2)'],
    [['--service', 'backend', '--weights', 'v1=90,v2=20'], 2, '--weights: v1=90% v2=20% sums to 110: a split of every version of backend must sum to 100'],
    [['--service', 'backend', '--weights', 'v2=101'], 2, '--weights: v2=101 must be a whole percent from 0 to 100'],
    [['--service', 'backend', '--weights', 'v2:10'], 2, '--weights: "v2:10" in "v2:10" is not VERSION=PERCENT (e.g. v2=10, or v1=90,v2=10)'],
    [['--service', 'backend', '--weights', 'v2=10,v2=20'], 2, '--weights: v2 is given twice'],
    [['--service', 'backend', '--weights', ' '], 2, '--weights: " " is blank; give a value'],
    [['--service', 'backend'], 2, '--weights is required'],
    [['--weights', 'v2=10'], 2, '--service is required'],
    [['--service', 'backend', '--weights', 'v2=10', '--gate', 'window=5m'], 2, '--gate prometheus is required'],
    [['--service', 'legacy', '--weights', 'v2=10'], 1, "no route of the program in prod sends legacy's traffic by the service's default split (RouteTarget.split(service) without weights"],
    [['--service', 'stock', '--weights', 'v2=0'], 1, 'XREF-VS-CANARY'],
  ])('%j is refused (exit %d) before anything changes: %s', async (args, code, message) => {
    const clone = sharedClone(createApp);
    const state = snapshot(clone);
    const r = await shiftCli(clone, ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
    expect(snapshot(clone)).toEqual(state);
  });

  test('the canary at 0% that no header route reaches is named by the check that refuses it', async () => {
    const r = await shiftCli(sharedClone(createApp), '--service', 'stock', '--weights', 'v2=0');
    expect(r.stderr).toMatch(/prod\/shop\/virtualservice-stock\.yaml.*spec\.http\[0\]\.route\[1\]\.weight.*subset "v2" of host "stock", the newest of the split \(its canary\), has weight 0/s);
  });

  test('--push lands the step on the remote; a step rejected because someone pushed first is re-applied to the new tip', async () => {
    const { origin, clone } = seedRepo(createApp);
    const other = cloneOf(origin);
    expect((await cli('release', '--gitops-dir', other, '--env', 'prod', '--tag', T1, '--service', 'monitor', '--push', '--app', APP)).code).toBe(0);
    // clone is now behind the remote: the step is computed on the fetched tip
    const logs: string[] = [];
    const result = await shift({ dir: clone, env: 'prod', services: ['backend'], weights: { v2: 40 }, push: true, createApp, log: l => logs.push(l), backoff: () => 1 });
    expect(result).toMatchObject({ committed: true, pushed: true });
    expect(git(origin, 'log', '--format=%s', '-2', 'main').trim().split('\n')).toEqual(['prod: shift backend v2=40%', `prod: deploy ${T1}`]);
    const landed = releaseOf(clone);
    expect(landed.weights).toEqual({ backend: { v1: 60, v2: 40 } });
    expect(landed.services.monitor).toEqual({ v1: '1.0.0', v2: T1 });
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(git(origin, 'rev-parse', 'main').trim());
  });
});

describe('the canary lifecycle', () => {
  test('release --canary (0%), shifts, then a normal release of the same tag back to the program\'s split; rollback restores each step', async () => {
    const { clone } = seedRepo(createApp);
    const rel = (...args: string[]) => cli('release', '--gitops-dir', clone, '--env', 'prod', '--service', 'backend', '--app', APP, ...args);
    expect((await rel('--tag', T1)).code).toBe(0);
    expect(releaseOf(clone).services.backend).toEqual({ v1: '1.0.0', v2: T1 });

    // 1. the canary: v2 takes T2 at 0%, v1 (now T1) serves everything; the header routes reach v2
    const canary = await rel('--tag', T2, '--canary', '-o', 'json');
    expect(canary.code).toBe(0);
    expect(JSON.parse(canary.stdout)).toMatchObject({
      message: `prod: canary ${T2}`,
      changes: [{ service: 'backend', version: 'v1', from: '1.0.0', to: T1 }, { service: 'backend', version: 'v2', from: T1, to: T2 }],
      weights: [{ service: 'backend', from: null, to: { v1: 100, v2: 0 } }],
    });
    expect(releaseOf(clone)).toMatchObject({ services: { backend: { v1: T1, v2: T2 } }, weights: { backend: { v1: 100, v2: 0 } } });
    expect(splitOf(clone, 'backend')).toEqual([['v1', 100], ['v2', 0]]);
    expect(read(clone, 'prod/shop/deployment-backend-v2.yaml')).toContain(`registry.example/backend:${T2}`);
    // the canary step again changes nothing (it does not reset a shifted split either)
    expect((await rel('--tag', T2, '--canary')).stdout).toContain('nothing to release (no commit)');

    // 2. the steps
    expect((await shiftCli(clone, '--service', 'backend', '--weights', 'v2=10')).code).toBe(0);
    expect((await shiftCli(clone, '--service', 'backend', '--weights', 'v2=50')).code).toBe(0);
    expect(splitOf(clone, 'backend')).toEqual([['v1', 50], ['v2', 50]]);
    expect((await rel('--tag', T2, '--canary')).stdout).toContain('nothing to release (no commit)');
    expect(releaseOf(clone).weights).toEqual({ backend: { v1: 50, v2: 50 } });

    // rollback undoes the last step: the split before it
    const back = await cli('rollback', '--gitops-dir', clone, '--env', 'prod', '--app', APP, '-o', 'json');
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ changes: [], weights: [{ service: 'backend', from: { v1: 50, v2: 50 }, to: { v1: 90, v2: 10 } }] });
    expect(splitOf(clone, 'backend')).toEqual([['v1', 90], ['v2', 10]]);

    // 3. the full release: the same tag, normally: the pinned split goes, the program's (90/10 in prod) is back
    const full = await rel('--tag', T2);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain(`prod: deploy ${T2}`);
    expect(full.stdout).toContain("backend split: v1=90% v2=10% -> the program's split");
    expect(releaseOf(clone)).not.toHaveProperty('weights');
    expect(read(clone, 'prod/release.yaml')).not.toContain('weights');
    expect(changedFiles(clone)).toEqual(['prod/release.yaml']); // 90/10 is also the program's split
    // and a rollback of that brings the pinned split back, tags included
    expect((await cli('rollback', '--gitops-dir', clone, '--env', 'prod', '--app', APP)).code).toBe(0);
    expect(releaseOf(clone)).toMatchObject({ services: { backend: { v1: T1, v2: T2 } }, weights: { backend: { v1: 90, v2: 10 } } });
  });

  test('a canary of a service without versions, or of one whose canary no header route reaches, is refused', async () => {
    const clone = sharedClone(createApp);
    const state = snapshot(clone);
    const unversioned = await cli('release', '--gitops-dir', clone, '--env', 'prod', '--tag', T1, '--service', 'frontend', '--canary', '--app', APP);
    expect(unversioned).toMatchObject({ code: 2 });
    expect(unversioned.stderr).toContain('--canary: "frontend" has no versions');
    const unreachable = await cli('release', '--gitops-dir', clone, '--env', 'prod', '--tag', T1, '--service', 'stock', '--canary', '--app', APP);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('XREF-VS-CANARY');
    expect(snapshot(clone)).toEqual(state);
  });

  test('promote copies tags and keeps the target\'s split; --with-weights copies the splits too', async () => {
    const clone = sharedClone(createApp);
    const onDev = (...args: string[]) => cli('shift', '--gitops-dir', clone, '--env', 'dev', '--app', APP, ...args);
    expect((await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', T1, '--service', 'backend,monitor', '--app', APP)).code).toBe(0);
    expect((await onDev('--service', 'backend', '--weights', 'v2=20')).code).toBe(0);
    expect((await shiftCli(clone, '--service', 'monitor', '--weights', 'v2=5')).code).toBe(0);

    const plain = JSON.parse((await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--app', APP, '-o', 'json')).stdout);
    expect(plain).toMatchObject({ created: true, weights: [] });
    const promoted = releaseState(clone, 'prod', plain.branch);
    expect(promoted.services.backend).toEqual({ v1: '1.0.0', v2: T1 });
    expect(promoted.weights).toEqual({ monitor: { v1: 95, v2: 5 } });
    git(clone, 'branch', '-D', plain.branch);

    const withWeights = JSON.parse((await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--with-weights', '--app', APP, '-o', 'json')).stdout);
    expect(withWeights.weights).toEqual([
      { service: 'backend', from: null, to: { v1: 80, v2: 20 }, cluster: null },
      { service: 'monitor', from: { v1: 95, v2: 5 }, to: null, cluster: null },
    ]);
    expect(withWeights.body).toContain('| backend | the program\'s split | v1=80% v2=20% |');
    expect(releaseState(clone, 'prod', withWeights.branch).weights).toEqual({ backend: { v1: 80, v2: 20 } });
  });
});

describe('--weights', () => {
  test('one version of two, every version, or every version but one of three', () => {
    expect(completeSplit('backend', ['v1', 'v2'], parseWeights('v2=10'))).toEqual({ v1: 90, v2: 10 });
    expect(completeSplit('backend', ['v1', 'v2'], parseWeights('v1=90%,v2=10%'))).toEqual({ v1: 90, v2: 10 });
    expect(completeSplit('backend', ['v1', 'v2', 'v3'], parseWeights('v1=0,v3=30'))).toEqual({ v1: 0, v2: 70, v3: 30 });
    expect(() => completeSplit('backend', ['v1', 'v2', 'v3'], parseWeights('v3=30'))).toThrow('--weights: v3=30% leaves v1, v2 of backend open: give every version but one (the one left out takes the rest), e.g. v2=0,v3=30');
    expect(() => completeSplit('backend', ['v1', 'v2', 'v3'], parseWeights('v1=60,v3=50'))).toThrow('--weights: v1=60% v3=50% sums to 110, over 100');
  });
});
