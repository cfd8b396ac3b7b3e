/**
 * Which objects `adopt` recognizes as the library's constructs, and why the others stay raw:
 * each refusal names the object and what the construct could not keep.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { AdoptInput } from '../../src/adopt/sources';
import { buildAdoption } from '../../src/adopt/model';
import { recognize } from '../../src/adopt/recognize';

const FIXTURE = (env: string) => path.join(__dirname, 'fixtures', 'versions', `${env}.yaml`);
const objects = (env: string) => parseAllDocuments(fs.readFileSync(FIXTURE(env), 'utf8')).map(d => d.toJS()).filter(Boolean);
const input = (environment: string, os: Record<string, any>[]): AdoptInput =>
  ({ environment, source: FIXTURE(environment), kind: 'file', manifests: os.map((object, i) => ({ path: `#${i}`, object })) });

/** The fixture's environments, `edit` applied to each object of every environment. */
function adopt(edit: (o: Record<string, any>, env: string) => Record<string, any> | undefined = o => o) {
  const inputs = ['dev', 'prod'].map(env => input(env, objects(env).map(o => edit(o, env)).filter((o): o is Record<string, any> => o !== undefined)));
  const adoption = buildAdoption(inputs);
  return { adoption, ...recognize(adoption) };
}
const is = (kind: string, name: string) => (o: Record<string, any>) => o.kind === kind && o.metadata.name === name;

test('the fixture: backend (two versions) and frontend are WebServices, their mesh objects constructs, worker and cache raw', () => {
  const { units, reasons } = adopt();
  expect(units.map(u => `${u.construct} ${u.id}`)).toEqual([
    'WebService backend', 'WebService frontend', 'WebService worker',
    'Gateway gateway-store', 'DestinationRule destinationrule-backend-destinationrule', 'VirtualService virtualservice-store',
    'AuthorizationPolicy authorizationpolicy-frontend-to-backend',
  ]);
  // worker's Service port name is refused by WebService itself at construction (adopt then excludes it)
  expect(reasons.get('deployment-cache')).toMatch(/^Deployment cache: image "docker\.io\/library\/redis:latest" is not pinned/);
  const backend = units.find(u => u.id === 'backend')!;
  expect(backend.members).toEqual(expect.arrayContaining(['deployment-backend-v1', 'deployment-backend-v2', 'service-backend', 'serviceaccount-backend-sa', 'configmap-backend-config-v1', 'configmap-backend-config-v2']));
  expect(backend.members).not.toContain('service-backend-v1');
  expect((backend.props[1].versions as any[]).map(v => v.tag)).toEqual(['1.2.9', '2.0.0-rc.1']);
});

const V1_CONFIG: Record<string, string> = { dev: 'backend-config-v1-5t8c9f2m4k', prod: 'backend-config-v1-2k9m4t7fbc' };

test.each<[string, (o: Record<string, any>, env: string) => Record<string, any>, string, RegExp]>([
  ['a container with resources', o => (is('Deployment', 'frontend')(o) ? { ...o, spec: { ...o.spec, template: { ...o.spec.template, spec: { ...o.spec.template.spec, containers: [{ ...o.spec.template.spec.containers[0], resources: { limits: { cpu: '1' } } }] } } } } : o),
    'deployment-frontend', /^Deployment frontend: container fields WebService does not take as given \(resources\)$/],
  ['a pod annotation', o => (is('Deployment', 'frontend')(o) ? { ...o, spec: { ...o.spec, template: { ...o.spec.template, metadata: { ...o.spec.template.metadata, annotations: { a: 'b' } } } } } : o),
    'deployment-frontend', /^Deployment frontend: its pods have annotations or labels other than \{"app":"frontend"\}$/],
  ['a Service of type NodePort', o => (is('Service', 'frontend')(o) ? { ...o, spec: { ...o.spec, type: 'NodePort' } } : o),
    'deployment-frontend', /the Service "frontend" is not a ClusterIP Service/],
  ['the default ServiceAccount', o => (is('Deployment', 'frontend')(o) ? { ...o, spec: { ...o.spec, template: { ...o.spec.template, spec: { containers: o.spec.template.spec.containers } } } } : o),
    'deployment-frontend', /runs as the namespace's default ServiceAccount/],
  ['a ConfigMap two Deployments read', (o, env) => (is('Deployment', 'backend-v2')(o) ? JSON.parse(JSON.stringify(o).replace(/backend-config-v2-[a-z0-9]+/, V1_CONFIG[env])) : o),
    'deployment-backend-v1', /is used by 2 Deployments/],
  ['a DestinationRule whose subsets are not the versions', o => (o.kind === 'DestinationRule' ? { ...o, spec: { ...o.spec, subsets: [o.spec.subsets[0]] } } : o),
    'destinationrule-backend-destinationrule', /its subsets are not the versions of backend/],
  ['a route with a rewrite', o => (o.kind === 'VirtualService' ? { ...o, spec: { ...o.spec, http: [{ ...o.spec.http[0], rewrite: { uri: '/' } }, ...o.spec.http.slice(1)] } } : o),
    'virtualservice-store', /http\[0\]: fields other than name, match and route/],
  ['a split not summing to 100', o => (o.kind === 'VirtualService' ? JSON.parse(JSON.stringify(o).replace('"weight":90', '"weight":80')) : o),
    'virtualservice-store', /a split that is not whole weights summing to 100/],
  ['a principal of another namespace', o => (o.kind === 'AuthorizationPolicy' && o.metadata.name === 'frontend-to-backend' ? JSON.parse(JSON.stringify(o).replace('/ns/istio-system/sa/istio-ingressgateway', '/ns/other/sa/x')) : o),
    'authorizationpolicy-frontend-to-backend', /is a ServiceAccount of another namespace that is not the ingress gateway/],
])('%s: adopted raw, the reason says why', (_, edit, id, reason) => {
  const { units, reasons } = adopt(edit);
  expect(units.some(u => u.members.includes(id))).toBe(false);
  expect(reasons.get(id)).toMatch(reason);
});

test('a VirtualService routing to a service that stays raw is raw too; excluded constructs are left raw with the reason given', () => {
  const { units, reasons } = recognize(adopt().adoption, new Map([['frontend', 'excluded here']]));
  expect(units.map(u => u.id)).not.toContain('frontend');
  expect(reasons.get('deployment-frontend')).toBe('excluded here');
  expect(reasons.get('virtualservice-store')).toMatch(/host "frontend" is not a service adopted as a WebService/);
  expect(reasons.get('authorizationpolicy-frontend-to-backend')).toBeUndefined(); // frontend-sa: a ServiceAccount of the namespace
  expect(units.find(u => u.id === 'authorizationpolicy-frontend-to-backend')!.props[0].allow).toEqual([expect.objectContaining({ from: [expect.objectContaining({ text: "Principal.fromServiceAccount('frontend-sa')" }), expect.objectContaining({ text: 'Principal.ingressGateway()' })] })]);
});

test('values that differ between the environments in code (a header match of dev only) leave the object raw', () => {
  const { reasons } = adopt((o, env) => (o.kind === 'VirtualService' && env === 'dev' ? JSON.parse(JSON.stringify(o).replace('"exact":"yes"', '"exact":"no"')) : o));
  expect(reasons.get('virtualservice-store')).toBe('its references differ between environments');
});

test('the ingress gateway of each environment: the one ServiceAccount named like it the policies allow; two in one environment are not one gateway', () => {
  const { gateways } = adopt();
  expect(Object.fromEntries(gateways)).toEqual({
    dev: { namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-dev-service-account' },
    prod: { namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-prod-service-account' },
  });
  const twice = adopt((o, env) => (o.kind === 'AuthorizationPolicy' && env === 'prod' ? JSON.parse(JSON.stringify(o).replace(
    '"cluster.local/ns/store-prod/sa/frontend-sa"', '"cluster.local/ns/store-prod/sa/frontend-sa","cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"')) : o));
  expect(twice.gateways.get('prod')).toBeUndefined();
  expect(twice.reasons.get('authorizationpolicy-frontend-to-backend')).toMatch(/principal "cluster\.local\/ns\/istio-system\/sa\/istio-ingressgateway-prod-service-account" is a ServiceAccount of another namespace that is not the ingress gateway/);
});
