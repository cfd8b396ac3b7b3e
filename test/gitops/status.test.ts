import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatStatus, statusJson } from '../../src/cli/status';
import { renderRelease } from '../../src/release/release';
import { status } from '../../src/gitops/status-flow';
import { createApp } from './fixture-app';
import { cleanup, cli, CLI, FIXTURE_APP, git, isolateGit, seedRepo, snapshot, tmpdir } from './helpers';

const T1 = 'sha-1111111';

beforeAll(isolateGit);
afterAll(cleanup);

describe('status', () => {
  test('shows each environment\'s tags side by side, marks the rows that differ, and the last release of each', async () => {
    const { clone } = seedRepo(createApp);
    const seeded = git(clone, 'rev-parse', 'HEAD').trim();
    expect(await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', T1, '--service', 'backend', '--app', FIXTURE_APP)).toMatchObject({ code: 0 });
    const released = git(clone, 'rev-parse', 'HEAD').trim();
    const before = snapshot(clone);

    const result = status({ dir: clone });
    expect(result.commit).toBe(released);
    expect(result.environments.map(e => e.name)).toEqual(['dev', 'prod']);
    expect(result.environments[0].lastRelease).toMatchObject({ commit: released, subject: `dev: deploy ${T1}` });
    expect(result.environments[0].lastRelease!.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.environments[1].lastRelease).toMatchObject({ commit: seeded, subject: 'synth: initial' });
    expect(result.services).toEqual([
      { service: 'backend', version: 'v1', tags: { dev: '1.0.0', prod: '1.0.0' }, same: true },
      { service: 'backend', version: 'v2', tags: { dev: T1, prod: '1.0.0' }, same: false },
      { service: 'frontend', version: undefined, tags: { dev: '1.0.0', prod: '1.0.0' }, same: true },
      { service: 'monitor', version: 'v1', tags: { dev: '1.0.0', prod: '1.0.0' }, same: true },
      { service: 'monitor', version: 'v2', tags: { dev: '1.0.0', prod: '1.0.0' }, same: true },
    ]);

    const r = await cli('status', '--gitops-dir', clone);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(formatStatus(result));
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ +SERVICE +VERSION +DEV +PROD$/);
    expect(lines).toContain(`*  backend   v2       ${T1}  1.0.0`);
    expect(lines).toContain('   frontend  -        1.0.0        1.0.0');
    expect(r.stdout).toContain(`* 1 of 5 differ between environments (at ${released.slice(0, 12)})`);
    expect(r.stdout).toContain(`  dev   ${released.slice(0, 12)} `);
    // reads only: nothing in the clone changed
    expect(snapshot(clone)).toEqual(before);

    // -o json: the same result (absent fields are null); --rev: an earlier commit, read on a detached HEAD too
    const json = await cli('status', '--gitops-dir', clone, '-o', 'json');
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(statusJson(result), (_, v) => (v === undefined ? null : v))));
    // every provenance field docs/cli.md lists is there, null when the commit did not record it
    const provenance = JSON.parse(json.stdout).environments.map((e: any) => e.lastRelease.provenance);
    for (const p of provenance) expect(Object.keys(p).sort()).toEqual(['programCommit', 'sourceAuthor', 'sourceBody', 'sourceCommit', 'sourceDate', 'sourceRepository', 'sourceSubject', 'tool']);
    expect(provenance.some((p: any) => p.sourceRepository === null)).toBe(true);
    git(clone, 'checkout', '-q', '--detach', 'HEAD');
    const earlier = status({ dir: clone, rev: seeded });
    expect(earlier.services.every(s => s.same)).toBe(true);
    expect(formatStatus(earlier)).toContain(`every environment runs the same tags (at ${seeded.slice(0, 12)})`);
  });

  test('shows the split an environment pins next to the tags (text and JSON); none pinned: no percent, weights null', async () => {
    const repo = tmpdir('status-weights');
    git(repo, 'init', '-q', '-b', 'main');
    const services = { backend: { v1: T1, v2: 'sha-2222222' }, frontend: T1 };
    for (const [env, weights] of [['dev', undefined], ['prod', { backend: { v1: 90, v2: 10 } }]] as const) {
      fs.mkdirSync(path.join(repo, env));
      fs.writeFileSync(path.join(repo, env, 'release.yaml'), renderRelease({ environment: env, services, ...(weights ? { weights } : {}) }));
    }
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'prod: shift backend v2=10%');
    const result = status({ dir: repo });
    expect(result.environments.map(e => e.weights)).toEqual([undefined, { backend: { v1: 90, v2: 10 } }]);
    expect(result.services).toEqual([
      { service: 'backend', version: 'v1', tags: { dev: T1, prod: T1 }, weights: { dev: undefined, prod: 90 }, same: true },
      { service: 'backend', version: 'v2', tags: { dev: 'sha-2222222', prod: 'sha-2222222' }, weights: { dev: undefined, prod: 10 }, same: true },
      { service: 'frontend', version: undefined, tags: { dev: T1, prod: T1 }, weights: undefined, same: true },
    ]);
    const lines = formatStatus(result).split('\n');
    expect(lines).toContain(`  backend   v1       ${T1}  ${T1} 90%`);
    expect(lines).toContain(`  frontend  -        ${T1}  ${T1}`);
    const json = JSON.parse((await cli('status', '--gitops-dir', repo, '-o', 'json')).stdout);
    expect(json.environments.map((e: any) => e.weights)).toEqual([null, { backend: { v1: 90, v2: 10 } }]);
    expect(json.services.map((r: any) => r.weights)).toEqual([{ dev: null, prod: 90 }, { dev: null, prod: 10 }, null]);
  });

  test('bad input is a usage error naming the flag', async () => {
    const { clone } = seedRepo(createApp);
    const notGit = tmpdir('status');
    expect(await cli('status', '--gitops-dir', notGit)).toMatchObject({ code: 2, stderr: expect.stringContaining('is not inside a git working tree') });
    expect(await cli('status', '--gitops-dir', clone, '--rev', 'no-such-rev')).toMatchObject({ code: 2, stderr: expect.stringContaining('--rev: "no-such-rev" is not a commit of') });
    expect(await cli('status')).toMatchObject({ code: 2, stderr: expect.stringContaining('--gitops-dir is required') });
    const empty = tmpdir('status-empty');
    git(empty, 'init', '-q', '-b', 'main');
    expect(await cli('status', '--gitops-dir', empty)).toMatchObject({ code: 2, stderr: expect.stringContaining('has no commit yet') });
  });

  test('a reader that stops early ends the CLI quietly (exit 0, no EPIPE error)', async () => {
    // a release file large enough that the output overflows the pipe
    const repo = tmpdir('status-big');
    git(repo, 'init', '-q', '-b', 'main');
    const services = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`service-${i}`, `sha-${String(i).padStart(7, '0')}`]));
    fs.mkdirSync(path.join(repo, 'dev'));
    fs.writeFileSync(path.join(repo, 'dev', 'release.yaml'), renderRelease({ environment: 'dev', services }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'dev: 3000 services');
    const { code, stderr, read } = await new Promise<{ code: number | null; stderr: string; read: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'status', '--gitops-dir', repo, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let got = 0;
      child.stderr.on('data', d => { err += d; });
      child.stdout.once('data', d => { got = d.length; child.stdout.destroy(); });
      child.on('error', reject);
      child.on('close', c => resolve({ code: c, stderr: err, read: got }));
    });
    expect(read).toBeGreaterThan(0);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});
