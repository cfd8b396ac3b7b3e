import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../src/app-chart';
import { Environment } from '../src/environment';
import { ConfigError } from '../src/errors';
import { GitOpsApp, renderRelease, RepositoryChart, toYaml } from '../src/gitops-app';
import { ReleaseState } from '../src/release';
import { createApp } from '../reference/main';
import { WebService } from '../src/service/web-service';
import { find, testChart } from './util';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

function devRelease(backend: Record<string, string>, frontend: string): Record<string, ReleaseState> {
  const state = createApp().releaseState('dev');
  return { dev: { environment: 'dev', services: { ...state.services, backend, frontend } } };
}

describe('GitOpsApp release bindings', () => {
  test('useReleases re-renders the same construct tree exactly as a new app with that release state', () => {
    const first = devRelease({ v1: SHA_A, v2: SHA_A }, SHA_A);
    const second = devRelease({ v1: SHA_A, v2: SHA_B }, SHA_B);
    const app = createApp({ releases: first });
    const before = app.files();
    expect(app.useReleases(second)).toBe(true);
    const after = app.files();
    expect(after).toEqual(createApp({ releases: second }).files());
    expect(after).not.toEqual(before);
    expect(app.releaseState('dev').services.backend).toEqual({ v1: SHA_A, v2: SHA_B });
    expect(after.get('dev/ab-testing/deployment-backend-v2.yaml')).toContain(`backend:${SHA_B}`);
    // prod did not change
    for (const [file, text] of after) if (file.startsWith('prod/')) expect(text).toBe(before.get(file));
  });

  test('a bad tag in the new release state is a ConfigError naming the construct, and the old state stays', () => {
    const app = createApp({ releases: devRelease({ v1: SHA_A, v2: SHA_A }, SHA_A) });
    const before = app.files();
    expect(() => app.useReleases(devRelease({ v1: SHA_A, v2: 'not a tag' }, SHA_A))).toThrow(ConfigError);
    expect(() => app.useReleases(devRelease({ v1: SHA_A, v2: 'not a tag' }, SHA_A))).toThrow(/release state of dev \(backend v2\)/);
    expect(app.files()).toEqual(before);
  });

  test('versions report the image they run now; a pinned image is not part of the release state', () => {
    const { app, chart } = testChart();
    const web = new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0', versions: [{ name: 'v1' }, { name: 'v2' }] });
    new WebService(chart, 'cache', { name: 'cache', image: 'docker.io/library/redis:7.4.2' });
    expect(web.versions.map(v => v.image)).toEqual(['ghcr.io/org/web:1.0.0', 'ghcr.io/org/web:1.0.0']);
    app.useReleases({ dev: { environment: 'dev', services: { web: { v1: '1.0.0', v2: '1.1.0' } } } });
    expect(web.versions.map(v => v.image)).toEqual(['ghcr.io/org/web:1.0.0', 'ghcr.io/org/web:1.1.0']);
    expect(find(app, 'Deployment', 'web-v2').spec.template.spec.containers[0].image).toBe('ghcr.io/org/web:1.1.0');
    expect(app.releaseState('dev')).toEqual({ environment: 'dev', services: { web: { v1: '1.0.0', v2: '1.1.0' } } });
  });

  test('a program that reads tags with releasedTag cannot be re-rendered: useReleases says so and changes nothing', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: app.releasedTag('dev', 'web') ?? '1.0.0' });
    expect(app.useReleases({ dev: { environment: 'dev', services: { web: '2.0.0' } } })).toBe(false);
    expect(app.releaseState('dev').services.web).toBe('1.0.0');
  });
});

describe('released service names are unique per environment', () => {
  test('two apps of one environment releasing a service of the same name is a ConfigError naming both', () => {
    const { app, chart, environment } = testChart();
    const other = new AppChart(app, 'blog-dev', { environment, app: 'blog' });
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0' });
    expect(() => new WebService(other, 'web', { name: 'web', image: 'ghcr.io/org/blog', tag: '2.0.0' }))
      .toThrow('[blog-dev/web] name: "web" is already a released service of environment "dev" (shop-dev/web)');
  });

  test('pinned third-party images may repeat, and the same name in another environment is fine', () => {
    const { app, chart, environment } = testChart();
    const other = new AppChart(app, 'blog-dev', { environment, app: 'blog' });
    new WebService(chart, 'cache', { name: 'cache', image: 'docker.io/library/redis:7.4.2' });
    new WebService(other, 'cache', { name: 'cache', image: 'docker.io/library/redis:7.4.2' });
    const prod = new AppChart(app, 'shop-prod', { environment: new Environment({ name: 'prod' }), app: 'shop' });
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0' });
    new WebService(prod, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0' });
    expect(app.environments).toEqual(['dev', 'prod']);
  });
});

describe('GitOpsApp.manifests walks the tree once', () => {
  test('objects go to their nearest chart: a nested repository chart owns its own, a plain chart\'s are not written', () => {
    const app = new GitOpsApp();
    const outer = new RepositoryChart(app, 'outer', { path: 'dev/outer' });
    new ApiObject(outer, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const group = new Construct(outer, 'group');
    new ApiObject(group, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    const inner = new RepositoryChart(group, 'inner', { path: 'dev/inner' });
    new ApiObject(inner, 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    const plain = new Chart(outer, 'plain');
    new ApiObject(plain, 'd', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } });
    new RepositoryChart(app, 'argocd', { path: 'argocd' });
    expect(app.manifests().map(m => m.path)).toEqual(['dev/inner/configmap-c.yaml', 'dev/outer/configmap-a.yaml', 'dev/outer/configmap-b.yaml']);
    expect(app.repositoryCharts.map(c => c.path)).toEqual(['argocd', 'dev/inner', 'dev/outer']);
    expect(app.manifests({ folders: f => f === 'dev/outer', files: f => f.endsWith('-b.yaml') }).map(m => m.path)).toEqual(['dev/outer/configmap-b.yaml']);
  });

  test('every construct\'s validations run, anywhere in the tree, and all failures are listed', () => {
    const app = new GitOpsApp();
    const chart = new RepositoryChart(app, 'dev', { path: 'dev' });
    new Construct(app, 'outside').node.addValidation({ validate: () => ['outside is wrong'] });
    new Construct(new Chart(chart, 'plain'), 'deep').node.addValidation({ validate: () => ['deep is wrong', 'and again'] });
    expect(() => app.manifests()).toThrow('Validation failed with 3 error(s):\n  [dev/plain/deep] deep is wrong\n  [dev/plain/deep] and again\n  [outside] outside is wrong');
  });
});

describe('GitOpsApp.needsEnvironment (neededEnvironments)', () => {
  test('a run that renders the whole repository needs every environment', () => {
    const app = new GitOpsApp();
    expect(app.needsEnvironment('dev')).toBe(true);
    expect(app.needsEnvironment('anything')).toBe(true);
    expect(app.partial).toBe(false);
  });

  test('a run constructed for some environments needs only those, and is partial', () => {
    const app = new GitOpsApp({ neededEnvironments: ['prod'] });
    expect(app.needsEnvironment('prod')).toBe(true);
    expect(app.needsEnvironment('dev')).toBe(false);
    expect(app.partial).toBe(true);
    expect(new GitOpsApp({ neededEnvironments: [] }).needsEnvironment('prod')).toBe(false);
  });

  test('the reference program skips the environments a run does not need', () => {
    const focused = createApp({ neededEnvironments: ['prod'] });
    expect(focused.environments).toEqual(['prod']);
    expect(focused.repositoryCharts.map(c => c.path)).toEqual(['argocd', 'bootstrap', 'prod/ab-testing', 'prod/flask-app']);
    // what it builds of prod is what a whole construction builds
    const whole = createApp();
    const prod = (app: GitOpsApp) => [...app.files()].filter(([p]) => p.startsWith('prod/'));
    expect(prod(focused)).toEqual(prod(whole));
    expect(prod(whole).length).toBeGreaterThan(10);
  });
});

describe('GitOpsApp.fileEntries', () => {
  test('one entry per manifest (its YAML) and per environment (its release file), each path once; files() is them sorted', () => {
    const app = createApp();
    const manifests = app.manifests();
    const entries = [...app.fileEntries(manifests)];
    const paths = entries.map(([p]) => p);
    expect(new Set(paths).size).toBe(entries.length);
    expect(paths).toEqual([...manifests.map(m => m.path), 'dev/release.yaml', 'prod/release.yaml']);
    const byPath = new Map(entries);
    for (const m of manifests) expect(byPath.get(m.path)).toBe(toYaml(m.object));
    expect(byPath.get('prod/release.yaml')).toBe(renderRelease(app.releaseState('prod')));
    expect([...app.files(manifests).keys()]).toEqual([...paths].sort());
  });

  test('the release files of the environments asked for only', () => {
    const app = createApp();
    const dev = app.manifests().filter(m => m.path.startsWith('dev/'));
    const paths = [...app.fileEntries(dev, ['dev'])].map(([p]) => p);
    expect(paths.filter(p => p.endsWith('/release.yaml'))).toEqual(['dev/release.yaml']);
    expect(paths.every(p => p.startsWith('dev/'))).toBe(true);
    expect([...app.fileEntries([], [])]).toEqual([]);
  });
});
