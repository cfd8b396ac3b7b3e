import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../../src/model/app-chart';
import { Application } from '../../src/argocd/application';
import { AppProject } from '../../src/argocd/app-project';
import { ArgoCdChart } from '../../src/argocd/argocd-chart';
import { Environment } from '../../src/model/environment';
import { ConfigError } from '../../src/core/errors';
import { GitOpsApp, GitOpsAppProps } from '../../src/app/gitops-app';
import { ReleaseState, renderRelease } from '../../src/release/release';
import { RepositoryChart } from '../../src/model/repository-chart';
import { repositoryCharts } from '../../src/app/repository-layout';
import { WebService } from '../../src/service/web-service';
import { toYaml } from '../../src/core/yaml-emitter';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { tempDir } from '../temp-dir';
import { snapshotTree } from '../tree-snapshot';
import { find, testChart } from '../util';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

/**
 * A two-environment program written as the README shows: each environment registered with
 * addEnvironment, its Application added to the shared Argo CD chart. `built` records each
 * environment as it is built.
 */
function shop(props: GitOpsAppProps = {}, built: string[] = []): GitOpsApp {
  const app = new GitOpsApp(props);
  const argocd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/gitops.git' });
  const project = new AppProject(argocd, 'project', { name: 'shop' });
  for (const env of [new Environment({ name: 'dev' }), new Environment({ name: 'prod', replicas: 2 })]) {
    app.addEnvironment(env, () => {
      built.push(env.name);
      const chart = new AppChart(app, `shop-${env.name}`, { environment: env, app: 'shop' });
      new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0', versions: [{ name: 'v1' }, { name: 'v2' }] });
      new WebService(chart, 'api', { name: 'api', image: 'ghcr.io/org/api', tag: '2.0.0' });
      new WebService(chart, 'cache', { name: 'cache', image: 'docker.io/library/redis:7.4.2', port: 6379, portName: 'tcp-redis' });
      new Application(argocd, `shop-${env.name}`, { project, source: chart });
    });
  }
  return app;
}

function devRelease(web: Record<string, string>, api: string): Record<string, ReleaseState> {
  return { dev: { environment: 'dev', services: { api, web } } };
}

describe('release bindings: an app renders the release state it is made with', () => {
  test('another release state is another app: it renders that state, and the first app renders what it rendered before', () => {
    const first = devRelease({ v1: SHA_A, v2: SHA_A }, SHA_A);
    const second = devRelease({ v1: SHA_A, v2: SHA_B }, SHA_B);
    const app = shop({ releases: first });
    const before = app.files();
    const after = shop({ releases: second }).files();
    expect(after).not.toEqual(before);
    expect(after.get('dev/shop/deployment-web-v2.yaml')).toContain(`web:${SHA_B}`);
    expect(shop({ releases: second }).releaseState('dev').services).toEqual({ api: SHA_B, web: { v1: SHA_A, v2: SHA_B } });
    // prod did not change
    for (const [file, text] of after) if (file.startsWith('prod/')) expect(text).toBe(before.get(file));
    // nothing of the first app changed after it was made
    expect(app.files()).toEqual(before);
    expect(app.releaseState('dev').services).toEqual({ api: SHA_A, web: { v1: SHA_A, v2: SHA_A } });
  });

  test('a bad tag in the release state is a ConfigError naming the construct when the environment is built; an app of the good state is unaffected', () => {
    const good = shop({ releases: devRelease({ v1: SHA_A, v2: SHA_A }, SHA_A) });
    const before = good.files();
    const bad = () => shop({ releases: devRelease({ v1: SHA_A, v2: 'not a tag' }, SHA_A) });
    expect(() => bad().files()).toThrow(ConfigError);
    expect(() => bad().releaseState('dev')).toThrow(/release state of dev \(web v2\)/);
    expect(good.files()).toEqual(before);
  });

  test('the release state the app is made with is copied: changing the object passed in changes nothing', () => {
    const releases = devRelease({ v1: SHA_A, v2: SHA_A }, SHA_A);
    const app = shop({ releases });
    (releases.dev.services as Record<string, unknown>).api = SHA_B;
    expect(app.releaseState('dev').services).toEqual({ api: SHA_A, web: { v1: SHA_A, v2: SHA_A } });
  });

  test('versions report the image they run; a pinned image is not part of the release state', () => {
    const { app, chart } = testChart({}, {}, { releases: { dev: { environment: 'dev', services: { web: { v1: '1.0.0', v2: '1.1.0' } } } } });
    const web = new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0', versions: [{ name: 'v1' }, { name: 'v2' }] });
    new WebService(chart, 'cache', { name: 'cache', image: 'docker.io/library/redis:7.4.2' });
    expect(web.versions.map(v => v.image)).toEqual(['ghcr.io/org/web:1.0.0', 'ghcr.io/org/web:1.1.0']);
    expect(find(app, 'Deployment', 'web-v2').spec.template.spec.containers[0].image).toBe('ghcr.io/org/web:1.1.0');
    expect(app.releaseState('dev')).toEqual({ environment: 'dev', services: { web: { v1: '1.0.0', v2: '1.1.0' } } });
  });

  test('a workload of its own binds through app.releases.bind: its tag is read once, the value never changes', () => {
    const app = new GitOpsApp({ releases: { dev: { environment: 'dev', services: { job: '2.0.0' } } } });
    const image = app.releases.bind({ environment: 'dev', service: 'job', fallback: '1.0.0', render: tag => `ghcr.io/org/job:${tag}` });
    expect(image).toEqual({ ref: 'ghcr.io/org/job:2.0.0', tag: '2.0.0' });
    expect(Object.isFrozen(image)).toBe(true);
    expect(app.releaseState('dev')).toEqual({ environment: 'dev', services: { job: '2.0.0' } });
    const unreleased = new GitOpsApp().releases.bind({ environment: 'dev', service: 'job', fallback: '1.0.0', render: tag => `ghcr.io/org/job:${tag}` });
    expect(unreleased).toEqual({ ref: 'ghcr.io/org/job:1.0.0', tag: '1.0.0' });
    expect(app.environments).toEqual(['dev']);
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

describe('addEnvironment: the library builds an environment when a run needs it', () => {
  test('nothing is built until asked; _build builds only the environments named, once', () => {
    const built: string[] = [];
    const app = shop({}, built);
    expect(built).toEqual([]);
    expect(app.environments).toEqual(['dev', 'prod']);
    app._build(['prod']);
    app._build(['prod']);
    expect(built).toEqual(['prod']);
    expect(repositoryCharts(app).map(c => c.path)).toEqual(['argocd', 'prod/shop']);
    app.manifests();
    expect(built).toEqual(['prod', 'dev']);
  });

  test('an environment built alone renders exactly what a whole build renders for it', () => {
    const focused = shop();
    focused._build(['prod']);
    const prod = (files: Iterable<[string, string]>) => [...files].filter(([p]) => p.startsWith('prod/')).sort(([a], [b]) => (a < b ? -1 : 1));
    const alone = prod(focused.fileEntries(focused._manifests(), ['prod']));
    expect(alone).toEqual(prod(shop().files()));
    expect(alone.length).toBeGreaterThan(10);
  });

  test('a registered environment has a release file even when it releases nothing', () => {
    const app = new GitOpsApp();
    app.addEnvironment(new Environment({ name: 'staging' }), () => undefined);
    expect(app.environments).toEqual(['staging']);
    expect(app.files().get('staging/release.yaml')).toBe(renderRelease({ environment: 'staging', services: {} }));
  });

  test('several builders of one environment run in order; another Environment object of the same name is refused', () => {
    const app = new GitOpsApp();
    const env = new Environment({ name: 'dev' });
    const order: number[] = [];
    app.addEnvironment(env, () => order.push(1));
    app.addEnvironment(env, () => order.push(2));
    expect(() => app.addEnvironment(new Environment({ name: 'dev' }), () => undefined)).toThrow(/addEnvironment: "dev" is already registered with another Environment object/);
    expect(() => app.addEnvironment(env, 'nope' as any)).toThrow(/must be a function/);
    app.manifests();
    expect(order).toEqual([1, 2]);
  });

  test('a program that builds everything eagerly works the same', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag: '1.0.0' });
    app._build(['dev']); // nothing registered: nothing to build
    expect(app.environments).toEqual(['dev']);
    expect([...app.files().keys()]).toContain('dev/release.yaml');
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
    expect(repositoryCharts(app).map(c => c.path)).toEqual(['argocd', 'dev/inner', 'dev/outer']);
    expect(app._manifests({ folders: f => f === 'dev/outer', files: f => f.endsWith('-b.yaml') }).map(m => m.path)).toEqual(['dev/outer/configmap-b.yaml']);
  });

  test('every construct\'s validations run, anywhere in the tree, and all failures are listed', () => {
    const app = new GitOpsApp();
    const chart = new RepositoryChart(app, 'dev', { path: 'dev' });
    new Construct(app, 'outside').node.addValidation({ validate: () => ['outside is wrong'] });
    new Construct(new Chart(chart, 'plain'), 'deep').node.addValidation({ validate: () => ['deep is wrong', 'and again'] });
    expect(() => app.manifests()).toThrow('Validation failed with 3 error(s):\n  [dev/plain/deep] deep is wrong\n  [dev/plain/deep] and again\n  [outside] outside is wrong');
  });

  test('a repository chart path must be a relative folder of DNS labels', () => {
    expect(() => new RepositoryChart(new GitOpsApp(), 'x', { path: '../up' })).toThrow('[x] path: "../up" must be a relative folder of lower case DNS labels separated by "/"');
  });
});

describe('GitOpsApp.fileEntries', () => {
  test('one entry per manifest (its YAML) and per environment (its release file), each path once; files() is them sorted', () => {
    const app = shop();
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
    const app = shop();
    const dev = app.manifests().filter(m => m.path.startsWith('dev/'));
    const paths = [...app.fileEntries(dev, ['dev'])].map(([p]) => p);
    expect(paths.filter(p => p.endsWith('/release.yaml'))).toEqual(['dev/release.yaml']);
    expect(paths.every(p => p.startsWith('dev/'))).toBe(true);
    expect([...app.fileEntries([], [])]).toEqual([]);
  });
});

describe('GitOpsApp.synth: the cdk8s contract', () => {
  const saved = process.env.CDK8S_OUTDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  });

  test('writes the GitOps layout into $CDK8S_OUTDIR (as cdk8s-cli runs a program), else the outdir given', () => {
    const out = path.join(tempDir('app-synth'), 'dist');
    process.env.CDK8S_OUTDIR = out;
    const app = shop({ releases: { dev: { environment: 'dev', services: { api: SHA_A } } } });
    expect(app.outdir).toBe(out);
    app.synth();
    expect(snapshotTree(out)).toEqual(Object.fromEntries([...shop({ releases: { dev: { environment: 'dev', services: { api: SHA_A } } } }).files(), [OWNERSHIP_RECORD, expect.any(String)]]));
    expect(fs.readFileSync(path.join(out, 'dev/shop/deployment-api.yaml'), 'utf8')).toContain(`ghcr.io/org/api:${SHA_A}`);
    const other = path.join(tempDir('app-synth'), 'out');
    shop({ outdir: other }).synth();
    expect(fs.existsSync(path.join(other, 'prod/release.yaml'))).toBe(true);
  });

  test('with the same safeguards as cdk8s-gitops synth: a failed check writes nothing, a file synth did not write is refused', () => {
    const out = tempDir('app-synth');
    const broken = shop({ outdir: out });
    broken._build();
    new ApiObject(broken.node.findChild('shop-dev') as AppChart, 'root-pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root-pod' }, spec: { containers: [{ name: 'c', image: 'ghcr.io/org/x:1.0.0' }] } });
    expect(() => broken.synth()).toThrow(/root-pod/);
    expect(fs.readdirSync(out)).toEqual([]);
    fs.mkdirSync(path.join(out, 'dev/shop'), { recursive: true });
    fs.writeFileSync(path.join(out, 'dev/shop/deployment-api.yaml'), 'not synth\'s\n');
    expect(() => shop({ outdir: out }).synth()).toThrow(`the app's outdir ${JSON.stringify(out)}: refusing to write into`);
    expect(fs.readFileSync(path.join(out, 'dev/shop/deployment-api.yaml'), 'utf8')).toBe('not synth\'s\n');
  });
});

describe('construction errors surface together', () => {
  test('a builder that throws does not stop the other environments: every error is listed at once', () => {
    const app = new GitOpsApp();
    for (const [name, tag] of [['dev', 'latest'], ['staging', '1.0.0'], ['prod', 'no way']]) {
      const env = new Environment({ name });
      app.addEnvironment(env, () => {
        const chart = new AppChart(app, `shop-${name}`, { environment: env, app: 'shop' });
        new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/org/web', tag });
      });
    }
    let error: Error | undefined;
    try {
      app.manifests();
    } catch (e: any) {
      error = e;
    }
    expect(error?.message).toMatch(/^Construction failed with 2 error\(s\):\n {2}\[shop-dev\/web\] tag: "latest" .*\n {2}\[shop-prod\/web\] tag: "no way" /);
  });

  test('one error is thrown as it is (its type kept)', () => {
    const { app, chart } = testChart();
    void chart;
    const env = new Environment({ name: 'qa' });
    app.addEnvironment(env, () => new WebService(new AppChart(app, 'shop-qa', { environment: env, app: 'shop' }), 'web', { name: 'web', image: 'ghcr.io/org/web', tag: 'latest' }));
    expect(() => app.manifests()).toThrow(ConfigError);
  });
});
