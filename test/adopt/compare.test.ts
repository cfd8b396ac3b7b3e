/**
 * How `adopt --check` classifies each difference: what the library adds is hardening, default or
 * layout only where it is added (or, for defaults, left out) and checked against the objects;
 * anything the input says that the program changes is real.
 */
import { compareEnvironment, formatDifference } from '../../src/adopt/compare';
import { AppChart, Application, AppProject, ArgoCdChart, Environment, GitOpsApp, WebService } from '../../src';

const NS = 'shop-dev';
const deployment = (container: Record<string, any>, extra: Record<string, any> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: NS },
  spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'ghcr.io/x/api:1.0.0', ...container }], ...extra } } },
});
const service = (targetPort: number | string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: NS }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort }] } });
const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });
const m = (objects: Record<string, any>[]) => objects.map((object, i) => ({ path: `${i}.yaml`, object }));
const lines = (input: Record<string, any>[], output: Record<string, any>[]) =>
  compareEnvironment('dev', NS, m(input), m(output), false).map(d => `${d.class} ${d.object} ${d.field} ${d.change}`);

test('a security context the input set, changed by the program, is real; one added is hardening', () => {
  expect(lines([deployment({ securityContext: { runAsUser: 1000 } })], [deployment({ securityContext: { runAsUser: 10001, runAsNonRoot: true } })])).toEqual([
    'real Deployment/api spec.template.spec.containers[0].securityContext.runAsUser changed',
    'hardening Deployment/api spec.template.spec.containers[0].securityContext.runAsNonRoot added',
  ]);
});

test('imagePullPolicy IfNotPresent is the default of a pinned tag, not of latest', () => {
  expect(lines([deployment({})], [deployment({ imagePullPolicy: 'IfNotPresent' })])).toEqual(['default Deployment/api spec.template.spec.containers[0].imagePullPolicy added']);
  expect(lines([deployment({ image: 'redis:latest' })], [deployment({ image: 'redis:latest', imagePullPolicy: 'IfNotPresent' })]))
    .toEqual(['real Deployment/api spec.template.spec.containers[0].imagePullPolicy added']);
});

test('restartPolicy Always left out is the default; another is real', () => {
  expect(lines([deployment({}, { restartPolicy: 'Always' })], [deployment({})])).toEqual(['default Deployment/api spec.template.spec.restartPolicy removed']);
  expect(lines([deployment({}, { restartPolicy: 'OnFailure' })], [deployment({})])).toEqual(['real Deployment/api spec.template.spec.restartPolicy removed']);
});

test('a named targetPort is layout when the pods name that port, real when they name another', () => {
  const pods = (containerPort: number) => deployment({ ports: [{ name: 'http', containerPort }] });
  expect(lines([service(8080), pods(8080)], [service('http'), pods(8080)])).toEqual(['layout Service/api spec.ports[0].targetPort changed']);
  expect(lines([service(8080), pods(9090)], [service('http'), pods(9090)])).toEqual(['real Service/api spec.ports[0].targetPort changed']);
});

test('a ConfigMap of the same data under another hashed name is layout, and so are the references to it; other data is real', () => {
  const uses = (name: string) => deployment({ envFrom: [{ configMapRef: { name } }] });
  expect(lines([configMap('api-config-hf678c7m2b', { A: '1' }), uses('api-config-hf678c7m2b')], [configMap('api-config-v1-b2c4d6f8gh', { A: '1' }), uses('api-config-v1-b2c4d6f8gh')])).toEqual([
    'layout ConfigMap/api-config-hf678c7m2b metadata.name changed',
    'layout Deployment/api spec.template.spec.containers[0].envFrom[0].configMapRef.name changed',
  ]);
  expect(lines([configMap('api-config-hf678c7m2b', { A: '1' }), uses('api-config-hf678c7m2b')], [configMap('api-config-v1-b2c4d6f8gh', { A: '2' }), uses('api-config-v1-b2c4d6f8gh')])).toEqual([
    'real ConfigMap/api-config-hf678c7m2b  missing',
    'real ConfigMap/api-config-v1-b2c4d6f8gh  extra',
    'real Deployment/api spec.template.spec.containers[0].envFrom[0].configMapRef.name changed',
  ]);
});

test('an Istio object at another version of its group is layout; labels added to an object are layout, to the Namespace real', () => {
  const vs = (apiVersion: string) => ({ apiVersion, kind: 'VirtualService', metadata: { name: 'shop', namespace: NS }, spec: { hosts: ['*'] } });
  expect(lines([vs('networking.istio.io/v1beta1')], [vs('networking.istio.io/v1')])).toEqual(['layout VirtualService/shop apiVersion changed']);
  const ns = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels } });
  expect(lines([ns({})], [ns({ 'istio-injection': 'enabled' })])).toEqual(['real Namespace/shop-dev metadata.labels.istio-injection added']);
  expect(lines([service(80)], [{ ...service(80), metadata: { ...service(80).metadata, labels: { 'app.kubernetes.io/name': 'api' } } }]))
    .toEqual(['layout Service/api metadata.labels["app.kubernetes.io/name"] added']);
});

test('a writable emptyDir and its mount are hardening; another volume is real', () => {
  const tmp = { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } };
  expect(lines([deployment({})], [deployment({ volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }, { volumes: [tmp] })])).toEqual([
    'hardening Deployment/api spec.template.spec.containers[0].volumeMounts added',
    'hardening Deployment/api spec.template.spec.volumes added',
  ]);
  expect(lines([deployment({})], [deployment({ volumeMounts: [{ name: 'c', mountPath: '/c' }] }, { volumes: [{ name: 'c', configMap: { name: 'x' } }] })])).toEqual([
    'real Deployment/api spec.template.spec.containers[0].volumeMounts added',
    'real Deployment/api spec.template.spec.volumes added',
  ]);
});

describe("an Argo CD Application the program's Application construct stands for", () => {
  /** The program: the library's Application syncing the AppChart `shop` of dev (namespace shop-dev), rendered for real. */
  const program = () => {
    const app = new GitOpsApp();
    const argocd = new ArgoCdChart(app, 'argocd', { repoURL: 'https://git.example.com/org/gitops.git' });
    const project = new AppProject(argocd, 'project', { name: 'shop' });
    app.addEnvironment(new Environment({ name: 'dev' }), env => {
      const chart = new AppChart(app, 'shop-dev', { environment: env, app: 'shop', namespace: NS });
      new WebService(chart, 'api', { name: 'api', image: 'ghcr.io/x/api', tag: '1.0.0' });
      new Application(argocd, 'shop-dev', { project, source: chart });
    });
    return app.manifests();
  };
  /** The input's Application: the old overlay of the old repository, the same project and destination. */
  const inputApp = (spec: Record<string, any> = {}) => ({
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'shop-dev', namespace: 'argocd' },
    spec: {
      project: 'shop',
      source: { repoURL: 'https://git.example.com/org/shop-deploy.git', targetRevision: 'HEAD', path: 'overlays/dev' },
      destination: { server: 'https://kubernetes.default.svc', namespace: NS },
      syncPolicy: { automated: { prune: true, selfHeal: true, allowEmpty: false } },
      ...spec,
    },
  });
  const compare = (input: Record<string, any>) => {
    const output = program();
    return compareEnvironment('dev', NS, [{ path: 'argocd/shop-dev.yaml', object: input }], output.filter(o => o.path.startsWith('dev/') || o.object.kind === 'Application'), true)
      .filter(d => d.object.endsWith('Application/shop-dev'));
  };

  test('a source that now points at the rendered folder is layout, said so; what the construct adds is hardening or default; nothing real', () => {
    const diffs = compare(inputApp());
    const byField = new Map(diffs.map(d => [d.field, d]));
    for (const f of ['spec.source.path', 'spec.source.repoURL', 'spec.source.targetRevision']) {
      expect(byField.get(f)?.class).toBe('layout');
      expect(formatDifference(byField.get(f)!)).toContain('the Application now syncs the rendered folder dev/shop');
    }
    expect(byField.get('spec.source.path')?.output).toBe('dev/shop');
    expect(byField.get('metadata.finalizers')?.class).toBe('hardening');
    const retry = diffs.filter(d => d.field.startsWith('spec.syncPolicy.retry.'));
    expect(retry.map(d => d.field)).toContain('spec.syncPolicy.retry.limit');
    expect(new Set(retry.map(d => d.class))).toEqual(new Set(['hardening']));
    expect(byField.get('spec.syncPolicy.syncOptions')?.class).toBe('default');
    expect(byField.get('spec.source.directory.recurse')?.class).toBe('default');
    expect(diffs.filter(d => d.class === 'real')).toEqual([]);
  });

  test('an Application under another name deploying the same destination is paired with it (the name is layout)', () => {
    const input = inputApp();
    input.metadata.name = 'shop-development';
    const diffs = compareEnvironment('dev', NS, [{ path: 'argocd/app.yaml', object: input }], program().filter(o => o.object.kind === 'Application' || o.path.startsWith('dev/')), true)
      .filter(d => d.object.includes('Application/'));
    expect(diffs.find(d => d.field === 'metadata.name')).toMatchObject({ class: 'layout', input: 'shop-development', output: 'shop-dev' });
    expect(diffs.filter(d => d.class === 'real')).toEqual([]);
  });

  test('what the input set that the construct changes is real: another project, manual sync, another destination', () => {
    expect(compare(inputApp({ project: 'other' })).filter(d => d.class === 'real').map(d => d.field)).toEqual(['spec.project']);
    expect(compare(inputApp({ syncPolicy: undefined })).filter(d => d.class === 'real').map(d => d.field)).toEqual(['spec.syncPolicy.automated.prune', 'spec.syncPolicy.automated.selfHeal']);
    const elsewhere = compare(inputApp({ destination: { server: 'https://kubernetes.default.svc', namespace: 'other' } }));
    expect(elsewhere.filter(d => d.class === 'real').map(d => `${d.field} ${d.change}`)).toEqual(['spec.destination.namespace changed']);
  });

  test('a source changed to a folder the program does not render is real', () => {
    const output = program().map(o => (o.object.kind === 'Application' ? { ...o, object: { ...o.object, spec: { ...o.object.spec, source: { ...o.object.spec.source, path: 'elsewhere' } } } } : o));
    const diffs = compareEnvironment('dev', NS, [{ path: 'argocd/shop-dev.yaml', object: inputApp() }], output.filter(o => o.object.kind === 'Application' || o.path.startsWith('dev/')), true);
    expect(diffs.filter(d => d.class === 'real' && d.object.includes('Application/')).map(d => d.field)).toEqual(['spec.source.path', 'spec.source.repoURL', 'spec.source.targetRevision']);
  });

  test("an AppProject's lists narrowed within the input's are hardening; widened, real", () => {
    const project = (destinations: Record<string, string>[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'shop', namespace: 'argocd' }, spec: { destinations } });
    const server = 'https://kubernetes.default.svc';
    const diff = (input: Record<string, string>[], output: Record<string, string>[]) =>
      compareEnvironment('dev', NS, [{ path: 'p.yaml', object: project(input) }], [{ path: 'p.yaml', object: project(output) }], false).map(d => `${d.class} ${d.field}`);
    expect(diff([{ server, namespace: 'shop-*' }], [{ server, namespace: 'shop-dev' }])).toEqual(['hardening spec.destinations[0].namespace']);
    expect(diff([{ server, namespace: 'shop-dev' }], [{ server, namespace: 'shop-*' }])).toEqual(['real spec.destinations[0].namespace']);
    expect(diff([{ server, namespace: 'shop-dev' }], [{ server, namespace: 'shop-dev' }, { server, namespace: 'other' }])).toEqual(['real spec.destinations']);
  });
});
