import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { diffRepository } from '../../src/gitops/diff-flow';
import { promote } from '../../src/gitops/promote-flow';
import { release } from '../../src/gitops/release-flow';
import { CreateApp } from '../../src/gitops/repository';
import { rollback } from '../../src/gitops/rollback-flow';
import { createApp } from '../../reference/main';
import { GitOpsApp } from '../../src/app/gitops-app';
import { repositoryCharts } from '../../src/app/repository-layout';
import { createApp as eagerApp } from './fixture-app';
import { writeTree } from '../../src/git/write-tree';
import { changedFiles, cleanup, cli, cloneOf, git, isolateGit, read, releaseState, seedRepo, tmpdir } from './helpers';

const REFERENCE_APP = path.join(__dirname, '..', '..', 'reference', 'main.ts');
const NEW = 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff';

beforeAll(isolateGit);
afterAll(cleanup);

test('release and promote into a repository synthesized from the reference app (seed 001 rotation)', async () => {
  const { origin, clone } = seedRepo(createApp);
  const before = releaseState(clone, 'dev').services;
  const oldV2 = (before.backend as Record<string, string>).v2;

  const r = await cli('release', '--gitops-dir', clone, '--env', 'dev', '--tag', NEW, '--service', 'backend', 'monitor', '--push', '--app', REFERENCE_APP);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const after = releaseState(clone, 'dev').services;
  expect(after.backend).toEqual({ v1: oldV2, v2: NEW });
  expect(after.monitor).toEqual({ v1: (before.monitor as Record<string, string>).v2, v2: NEW });
  expect(after.frontend).toEqual(before.frontend);
  expect(git(origin, 'log', '-1', '--format=%s', 'main').trim()).toBe(`dev: deploy ${NEW}`);

  // Only dev/ changed, and in it only lines that carry a tag (plus the release file).
  const files = changedFiles(clone);
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
  const prod = releaseState(clone, 'prod', pr.branch).services;
  for (const s of Object.keys(after)) if (s in prod) expect(prod[s]).toEqual(after[s]);
  expect(changedFiles(clone, `main..${pr.branch}`).every(f => f.startsWith('prod/'))).toBe(true);
});

test('a release of the reference app constructs it once per release state: the current and the next; so does a program built eagerly', async () => {
  const { clone } = seedRepo(createApp);
  let constructed = 0;
  const counting = (p: any) => { constructed++; return createApp(p); };
  const r = await release({ dir: clone, env: 'dev', tag: NEW, services: ['backend'], createApp: counting });
  expect(r.committed).toBe(true);
  expect(constructed).toBe(2);
  expect(read(clone, 'dev/ab-testing/deployment-backend-v2.yaml')).toContain(`backend:${NEW}`);

  const other = seedRepo(eagerApp).clone;
  let eager = 0;
  const r2 = await release({ dir: other, env: 'dev', tag: NEW, createApp: (p: any) => { eager++; const app = eagerApp(p); app.manifests(); return app; } });
  expect(r2.committed).toBe(true);
  expect(eager).toBe(2);
});

describe('a program with release bindings: the files a release changes must be what the current state renders', () => {
  const cases: Array<[string, (clone: string) => void, RegExp]> = [
    ['a hand edit in a file the release does not touch', c => fs.appendFileSync(path.join(c, 'dev/ab-testing/service-backend.yaml'), '# hand edit\n'), /differs dev\/ab-testing\/service-backend\.yaml/],
    ['a hand edit in a file the release touches', c => fs.appendFileSync(path.join(c, 'dev/ab-testing/deployment-backend-v2.yaml'), '# hand edit\n'), /differs dev\/ab-testing\/deployment-backend-v2\.yaml/],
    ['a file the program does not render', c => fs.writeFileSync(path.join(c, 'dev/ab-testing/configmap-extra.yaml'), 'apiVersion: v1\n'), /extra {3}dev\/ab-testing\/configmap-extra\.yaml/],
    ['a file the program renders, deleted', c => fs.rmSync(path.join(c, 'dev/ab-testing/service-frontend.yaml')), /missing dev\/ab-testing\/service-frontend\.yaml/],
  ];
  let origin: string;
  beforeAll(() => {
    origin = seedRepo(createApp).origin;
  });
  test.each(cases)('%s is refused and nothing changes', async (_name, edit, problem) => {
    const clone = cloneOf(origin);
    edit(clone);
    git(clone, 'add', '-A');
    git(clone, 'commit', '-q', '-m', 'hand edit');
    const head = git(clone, 'rev-parse', 'HEAD').trim();
    await expect(release({ dir: clone, env: 'dev', tag: NEW, services: ['backend'], createApp }))
      .rejects.toThrow(/dev\/ is out of date with the program \(1 file\(s\)\); a release only changes image tags/);
    await expect(release({ dir: clone, env: 'dev', tag: NEW, services: ['backend'], createApp })).rejects.toThrow(problem);
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });
});

test('the GitOps directory may be a folder inside the repository: release reads and changes only it', async () => {
  const repo = path.join(tmpdir('sub'), 'platform');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  writeTree(path.join(repo, 'deploy'), createApp({}).files());
  fs.mkdirSync(path.join(repo, 'dev'));
  fs.writeFileSync(path.join(repo, 'dev', 'release.yaml'), 'not: the one\n'); // outside the GitOps directory: ignored
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'initial');
  const r = await release({ dir: path.join(repo, 'deploy'), env: 'dev', tag: NEW, services: ['backend'], createApp });
  expect(r.committed).toBe(true);
  const files = changedFiles(repo);
  expect(files.every(f => f.startsWith('deploy/dev/'))).toBe(true);
  expect(files).toContain('deploy/dev/release.yaml');
  // synth's record of the GitOps directory follows the change: a synth after it has nothing to do
  expect(git(repo, 'diff', '--name-only', 'HEAD~1', 'HEAD', '--', 'deploy/.cdk8s-gitops-files').trim()).toBe('deploy/.cdk8s-gitops-files');
  expect(writeTree(path.join(repo, 'deploy'), createApp({ releases: { dev: releaseState(path.join(repo, 'deploy'), 'dev') } }).files()).written).toEqual([]);
  expect(git(repo, 'status', '--porcelain')).toBe('');
  expect((releaseState(path.join(repo, 'deploy'), 'dev').services.backend as Record<string, string>).v2).toBe(NEW);
});

describe('release, promote, rollback and diff --env build only the environment they change', () => {
  // one seeded origin (synthesized from the whole program); each test works in its own clone
  let origin: string;
  beforeAll(() => {
    origin = seedRepo(createApp).origin;
  });

  /** A program that records each app it constructs; `built(app)` lists the environment folders built. */
  function recording(apps: GitOpsApp[]): CreateApp {
    return props => {
      const app = createApp(props);
      apps.push(app);
      return app;
    };
  }
  const built = (app: GitOpsApp) => [...new Set(repositoryCharts(app).map(c => c.path.split('/')[0]).filter(f => f === 'dev' || f === 'prod'))];

  test('the reference app builds dev alone for a release of dev, and commits what a whole build commits', async () => {
    const [focused, whole] = [cloneOf(origin), cloneOf(origin)];
    const apps: GitOpsApp[] = [];
    const a = await release({ dir: focused, env: 'dev', tag: NEW, createApp: recording(apps) });
    expect(apps.map(built)).toEqual([['dev'], ['dev']]);
    // the same release by a program that builds every environment at once
    const b = await release({ dir: whole, env: 'dev', tag: NEW, createApp: props => { const app = createApp(props); app.manifests(); return app; } });
    expect(a.changedFiles.length).toBeGreaterThan(2);
    expect(a.changedFiles).toEqual(b.changedFiles);
    expect(git(focused, 'rev-parse', 'HEAD^{tree}')).toBe(git(whole, 'rev-parse', 'HEAD^{tree}'));
    expect(git(focused, 'log', '-1', '--format=%B')).toBe(git(whole, 'log', '-1', '--format=%B'));
  });

  test('the checks are told the environments not built are outside; a finding is confirmed on the whole, built in the app of the next state', async () => {
    const clone = cloneOf(origin);
    const apps: GitOpsApp[] = [];
    const outside: string[][] = [];
    const r = await release({
      dir: clone, env: 'dev', tag: NEW, createApp: recording(apps),
      validate: (manifests, context) => {
        outside.push([...context.outsideFolders]);
        if (context.outsideFolders.length > 0) throw new Error('cannot tell from a part');
        expect(manifests.some(m => m.path.startsWith('prod/'))).toBe(true);
      },
    });
    expect(r.committed).toBe(true);
    expect(outside).toEqual([['prod'], []]);
    expect(apps.length).toBe(2);
    expect(built(apps[0])).toEqual(['dev']);
    expect(built(apps[1])).toEqual(['dev', 'prod']);
  });

  test('an environment the program does not have is reported with every environment it has', async () => {
    const clone = cloneOf(origin);
    await expect(release({ dir: clone, env: 'qa', tag: NEW, createApp }))
      .rejects.toThrow('--env: "qa" is not an environment of the app (environments: dev, prod)');
  });

  test('promote builds the target environment, rollback the rolled-back one', async () => {
    const clone = cloneOf(origin);
    await release({ dir: clone, env: 'dev', tag: NEW, createApp });
    const apps: GitOpsApp[] = [];
    const p = await promote({ dir: clone, from: 'dev', to: 'prod', createApp: recording(apps) });
    expect(p.created).toBe(true);
    expect(apps.map(built)).toEqual([['prod'], ['prod']]);
    apps.length = 0;
    const r = await rollback({ dir: clone, env: 'dev', createApp: recording(apps) });
    expect(r.committed).toBe(true);
    expect(apps.map(built)).toEqual([['dev'], ['dev']]);
  });

  test('diff --env builds that environment; an unknown one is reported with every environment', () => {
    const clone = cloneOf(origin);
    fs.appendFileSync(path.join(clone, 'dev/ab-testing/service-backend.yaml'), '# hand edit\n');
    fs.appendFileSync(path.join(clone, 'prod/prod-us/ab-testing/service-backend.yaml'), '# hand edit\n');
    const apps: GitOpsApp[] = [];
    const dev = diffRepository({ dir: clone, env: 'dev', createApp: recording(apps) });
    expect(dev.changes.map(c => [c.path, c.status])).toEqual([['dev/ab-testing/service-backend.yaml', 'changed']]);
    expect(apps.map(built)).toEqual([['dev']]);
    expect(diffRepository({ dir: clone, createApp }).changes.map(c => c.path))
      .toEqual(['dev/ab-testing/service-backend.yaml', 'prod/prod-us/ab-testing/service-backend.yaml']);
    expect(() => diffRepository({ dir: clone, env: 'qa', createApp }))
      .toThrow('--env: "qa" is not an environment of the app (environments: dev, prod)');
  });
});

test('the canary of docs/progressive-delivery.md runs on the reference app: the x-version header and the version cookie reach the canary at 0%', async () => {
  const { clone } = seedRepo(createApp);
  const step = async (...args: string[]) => {
    const r = await cli(...args, '--gitops-dir', clone, '--env', 'prod', '--app', REFERENCE_APP);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  };
  // cluster by cluster (the guide's fleet section), then the whole environment (the templates' jobs)
  await step('release', '--cluster', 'prod-eu', '--service', 'backend', '--tag', NEW, '--canary');
  expect(git(clone, 'log', '-1', '--format=%s').trim()).toBe(`prod/prod-eu: canary ${NEW}`);
  const vs = (folder: string) => parse(read(clone, `${folder}/ab-testing/virtualservice-route-ab-testing.yaml`)).spec.http as any[];
  const route = (folder: string, name: string) => vs(folder).find(r => r.name === name);
  expect(route('prod/prod-eu', 'backend').route.map((d: any) => [d.destination.subset, d.weight])).toEqual([['v1', 100], ['v2', 0]]);
  // the route a tester takes: /api/ with the header or the cookie, to v2 alone
  expect(route('prod/prod-eu', 'backend-v2')).toMatchObject({
    match: [{ uri: { prefix: '/api/' }, headers: { 'x-version': { exact: 'v2' } } }, { uri: { prefix: '/api/' }, headers: { cookie: { regex: expect.stringContaining('version=v2') } } }],
    route: [{ destination: { host: 'backend', subset: 'v2' } }],
  });
  await step('shift', '--cluster', 'prod-eu', '--service', 'backend', '--weights', 'v2=10');
  await step('release', '--cluster', 'prod-eu', '--service', 'backend', '--tag', NEW);
  expect(route('prod/prod-eu', 'backend').route.map((d: any) => d.weight)).toEqual([50, 50]);

  const TAG = 'feedface00feedface00feedface00feedface0';
  await step('release', '--service', 'backend', '--service', 'monitor', '--tag', TAG, '--canary');
  for (const folder of ['prod/prod-eu', 'prod/prod-us']) {
    expect([route(folder, 'backend'), route(folder, 'monitor')].map(r => r.route.map((d: any) => d.weight))).toEqual([[100, 0], [100, 0]]);
  }
  await step('shift', '--service', 'backend', '--service', 'monitor', '--weights', 'v2=50');
  await step('release', '--service', 'backend', '--service', 'monitor', '--tag', TAG);
  expect(releaseState(clone, 'prod').services.monitor).toMatchObject({ v2: TAG });
  expect(route('prod/prod-us', 'monitor').route.map((d: any) => d.weight)).toEqual([50, 50]);

  // the Jenkinsfile's canary: flask-app, whose default route takes the environment's split
  await step('release', '--service', 'flask-app', '--tag', TAG, '--canary');
  await step('shift', '--service', 'flask-app', '--weights', 'v2=10');
  const flask = parse(read(clone, 'prod/prod-eu/flask-app/virtualservice-flask-app.yaml')).spec.http as any[];
  expect(flask.map(r => r.name ?? r.route.map((d: any) => d.weight).join('/'))).toEqual(['header-v2', 'header-v1', '90/10']);
});
