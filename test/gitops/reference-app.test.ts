import * as path from 'path';
import { parseReleaseFile } from '../../src/gitops/release-file';
import { release } from '../../src/gitops/release-flow';
import { createApp } from '../../src/main';
import { createApp as eagerApp } from './fixture-app';
import { cleanup, cli, git, isolateGit, read, seedRepo } from './helpers';

const REFERENCE_APP = path.join(__dirname, '..', '..', 'src', 'main.ts');
const NEW = 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff';

beforeAll(isolateGit);
afterAll(cleanup);

test('release and promote into a repository synthesized from the reference app (seed 001 rotation)', async () => {
  const { origin, clone } = seedRepo(createApp);
  const before = parseReleaseFile(read(clone, 'dev/release.yaml'), { environment: 'dev' }).services;
  const oldV2 = (before.backend as Record<string, string>).v2;

  const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', NEW, '--service', 'backend', 'monitor', '--push', '--app', REFERENCE_APP);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const after = parseReleaseFile(read(clone, 'dev/release.yaml'), { environment: 'dev' }).services;
  expect(after.backend).toEqual({ v1: oldV2, v2: NEW });
  expect(after.monitor).toEqual({ v1: (before.monitor as Record<string, string>).v2, v2: NEW });
  expect(after.frontend).toEqual(before.frontend);
  expect(git(origin, 'log', '-1', '--format=%s', 'main').trim()).toBe(`dev: deploy ${NEW}`);

  // Only dev/ changed, and in it only lines that carry a tag (plus the release file).
  const files = git(clone, 'diff', '--name-only', 'HEAD~1', 'HEAD').trim().split('\n');
  expect(files.every(f => f.startsWith('dev/'))).toBe(true);
  expect(files).toContain('dev/release.yaml');
  const changed = git(clone, 'diff', '-U0', 'HEAD~1', 'HEAD', '--', 'dev', ':!dev/release.yaml')
    .split('\n').filter(l => /^[-+](?![-+])/.test(l));
  expect(changed.length).toBeGreaterThan(0);
  for (const line of changed) expect(line.includes(NEW) || line.includes(oldV2) || line.includes((before.backend as Record<string, string>).v1)).toBe(true);

  const p = await cli('promote', '--gitops-dir', clone, '--from', 'dev', '--to', 'prod', '--json', '--app', REFERENCE_APP);
  expect(p.code).toBe(0);
  const pr = JSON.parse(p.stdout);
  expect(pr.branch).toBe(`promote-${NEW}`);
  const prod = parseReleaseFile(git(clone, 'show', `${pr.branch}:prod/release.yaml`), { environment: 'prod' }).services;
  for (const s of Object.keys(after)) if (s in prod) expect(prod[s]).toEqual(after[s]);
  expect(git(clone, 'diff', '--name-only', 'main', pr.branch).trim().split('\n').every(f => f.startsWith('prod/'))).toBe(true);
});

test('a release of the reference app constructs it once (release bindings); a program reading tags eagerly twice', async () => {
  const { clone } = seedRepo(createApp);
  let constructed = 0;
  const counting = (p: any) => { constructed++; return createApp(p); };
  const r = await release({ dir: clone, env: 'dev', tag: NEW, services: ['backend'], createApp: counting });
  expect(r.committed).toBe(true);
  expect(constructed).toBe(1);
  expect(read(clone, 'dev/ab-testing/deployment-backend-v2.yaml')).toContain(`backend:${NEW}`);

  const other = seedRepo(eagerApp).clone;
  let eager = 0;
  const r2 = await release({ dir: other, env: 'dev', tag: NEW, createApp: (p: any) => { eager++; return eagerApp(p); } });
  expect(r2.committed).toBe(true);
  expect(eager).toBe(2);
});
