/**
 * How `adopt --check` classifies each difference: what the library adds is hardening, default or
 * layout only where it is added (or, for defaults, left out) and checked against the objects;
 * anything the input says that the program changes is real.
 */
import { compareEnvironment } from '../../src/adopt/compare';

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
