import { Manifest } from '../../src/core/manifest';
import { validateManifests } from '../../src/validate';
import { schemaFor } from '../../src/validate/schema';
import { goodPlatform, obj } from './fixtures';

const rulesOf = (ms: Manifest[]) => validateManifests(ms).findings.map(f => `${f.rule} ${f.field}`);

describe('schema', () => {
  test('validators exist for Istio networking/security v1 and v1beta1, Argo CD v1alpha1 and Kubernetes kinds (default 1.33)', () => {
    for (const [apiVersion, kind] of [
      ['networking.istio.io/v1', 'Gateway'], ['networking.istio.io/v1', 'VirtualService'], ['networking.istio.io/v1', 'DestinationRule'],
      ['networking.istio.io/v1beta1', 'VirtualService'], ['security.istio.io/v1', 'AuthorizationPolicy'], ['security.istio.io/v1', 'PeerAuthentication'],
      ['security.istio.io/v1beta1', 'AuthorizationPolicy'], ['argoproj.io/v1alpha1', 'Application'], ['argoproj.io/v1alpha1', 'AppProject'],
      ['argoproj.io/v1alpha1', 'ApplicationSet'], ['apps/v1', 'Deployment'], ['v1', 'Service'], ['batch/v1', 'Job'],
      ['policy/v1', 'PodDisruptionBudget'], ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['networking.k8s.io/v1', 'NetworkPolicy'],
    ]) {
      expect(typeof schemaFor(apiVersion, kind)).toBe('object');
    }
    expect(schemaFor('apps/v1', 'Deploymnet')).toMatch(/not a kind Kubernetes 1.33 serves/);
    expect(schemaFor('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema')).toEqual(expect.objectContaining({ kubernetes: true }));
    expect(schemaFor('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema', { kubernetesVersion: '1.28' })).toMatch(/not a kind Kubernetes 1.28 serves/);
    expect(schemaFor('argoproj.io/v1alpha1', 'Rollout')).toMatch(/no Argo CD schema/);
    expect(schemaFor('../../etc', 'X')).toMatch(/not a valid apiVersion/);
  });

  test('an Istio object in v1beta1 validates like v1', () => {
    const ms = goodPlatform();
    obj(ms, 'VirtualService', 'backend').apiVersion = 'networking.istio.io/v1beta1';
    obj(ms, 'AuthorizationPolicy', 'deny-all').apiVersion = 'security.istio.io/v1beta1';
    expect(rulesOf(ms)).toEqual([]);
  });

  test('maps (labels, annotations, ConfigMap data) and free-form values are not judged field by field', () => {
    const ms = goodPlatform();
    obj(ms, 'Deployment', 'backend-v1').metadata.annotations = { 'example.com/anything': 'x' };
    obj(ms, 'ConfigMap', 'backend-config').data.ANY_KEY = 'v';
    obj(ms, 'Application', 'ab-testing-dev').spec.source.helm = { valuesObject: { any: { nested: ['thing'] } } };
    expect(rulesOf(ms)).toEqual([]);
  });

  test('an object whose fields are all unknown is still judged', () => {
    const ms = goodPlatform();
    obj(ms, 'DestinationRule', 'redis').spec.trafficPolicy = { connectionPol: { tcp: { maxConnections: 1 } } };
    expect(rulesOf(ms)).toEqual(['SCHEMA-UNKNOWN-FIELD spec.trafficPolicy.connectionPol']);
  });

  test('messages name the field path, the value and what is allowed', () => {
    const ms = goodPlatform();
    const c = obj(ms, 'Deployment', 'backend-v1').spec.template.spec.containers[0];
    c.imagePulPolicy = 'Always';
    obj(ms, 'PeerAuthentication', 'mtls').spec.mtls.mode = 'STRICTEST';
    const messages = validateManifests(ms).findings.map(f => `${f.field}: ${f.message}`);
    expect(messages).toEqual([
      'spec.template.spec.containers[0].imagePulPolicy: unknown field "imagePulPolicy" (did you mean "imagePullPolicy"?)',
      'spec.mtls.mode: "STRICTEST" is not allowed: expected one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
    ]);
  });

  test('objects shaped like one validated before are judged on their own values and fields (shape cache)', () => {
    const ms = goodPlatform();
    // every Deployment of the fixture has been validated (and its shape cached) before the copies below
    expect(rulesOf(ms)).toEqual([]);
    const copy = (name: string, change: (o: any) => void): Manifest => {
      const o = structuredClone(obj(ms, 'Deployment', 'backend-v1'));
      o.metadata.name = name;
      change(o);
      return { path: `dev/ab-testing/deployment-${name}.yaml`, object: o };
    };
    const sameShapeBadValue = copy('bad-value', o => { o.spec.replicas = 1.5; });
    const sameShapeBadEnum = copy('bad-enum', o => { o.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes'; });
    const extraField = copy('extra', o => { o.spec.template.spec.containers[0].imagePulPolicy = 'Always'; });
    const only = (m: Manifest) => validateManifests([m]).findings.filter(f => f.rule.startsWith('SCHEMA-')).map(f => `${f.rule} ${f.field}`);
    expect(only(sameShapeBadValue)).toEqual(['SCHEMA-INVALID spec.replicas']);
    expect(only(sameShapeBadEnum)).toEqual(['SCHEMA-INVALID spec.template.spec.containers[0].imagePullPolicy']);
    // an unknown field is found the first time and every time after (from the cache)
    expect(only(extraField)).toEqual(['SCHEMA-UNKNOWN-FIELD spec.template.spec.containers[0].imagePulPolicy']);
    expect(only(copy('extra-2', o => { o.spec.template.spec.containers[0].imagePulPolicy = 'Never'; })))
      .toEqual(['SCHEMA-UNKNOWN-FIELD spec.template.spec.containers[0].imagePulPolicy']);
  });

  test('a missing name is a finding', () => {
    const ms = goodPlatform();
    delete obj(ms, 'ConfigMap', 'backend-config').metadata.name;
    expect(rulesOf(ms)).toContain('SCHEMA-INVALID metadata.name');
  });

  test('Release state objects are skipped; any other unknown kind is a finding, not a pass', () => {
    const ms: Manifest[] = [
      { path: 'dev/release.yaml', object: { apiVersion: 'cdk8s-gitops/v1', kind: 'Release', environment: 'dev', services: {} } },
      { path: 'dev/other.yaml', object: { apiVersion: 'cdk8s-gitops/v2', kind: 'Release', metadata: { name: 'x' } } },
    ];
    const report = validateManifests(ms);
    expect(report.objects).toBe(1);
    expect(report.findings.map(f => f.rule)).toEqual(['SCHEMA-UNKNOWN-KIND']);
  });
});
