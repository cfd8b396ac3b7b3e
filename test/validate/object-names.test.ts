/**
 * SCHEMA-NAME and SCHEMA-LABEL: names, namespaces, labels and annotation keys against the
 * rules the Kubernetes API server applies (per kind, as apiserver does).
 */
import { Manifest } from '../../src/core/manifest';
import { validateManifests } from '../../src/validate';

const one = (object: Record<string, any>): Manifest => ({ path: 'x.yaml', object });

/** The SCHEMA-NAME / SCHEMA-LABEL findings on `object`, as `RULE field: message`. */
function nameFindings(object: Record<string, any>): string[] {
  return validateManifests([one(object)]).findings
    .filter(f => f.rule === 'SCHEMA-NAME' || f.rule === 'SCHEMA-LABEL')
    .map(f => `${f.rule} ${f.field}: ${f.message}`);
}

const meta = (apiVersion: string, kind: string, name: string, extra: Record<string, any> = {}) => ({ apiVersion, kind, metadata: { name, ...extra } });

describe('object names, per kind', () => {
  test.each([
    ['v1', 'ConfigMap', 'app.config-1'],
    ['v1', 'ConfigMap', 'a'.repeat(253)],
    ['v1', 'Namespace', 'demo-dev'],
    ['v1', 'Service', 'backend'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'system:aggregate-to-edit'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'Read Only:Team_A'],
    ['batch/v1', 'CronJob', 'c'.repeat(52)],
    ['networking.istio.io/v1', 'VirtualService', 'backend.demo'],
  ])('%s %s %s is accepted', (apiVersion, kind, name) => {
    expect(nameFindings(meta(apiVersion, kind, name))).toEqual([]);
  });

  test.each([
    ['v1', 'ConfigMap', 'Bad_Name', 'is not a DNS-1123 subdomain (required for ConfigMap names)'],
    ['v1', 'ConfigMap', 'my config', 'is not a DNS-1123 subdomain'],
    ['v1', 'ConfigMap', '../..', 'is not a DNS-1123 subdomain'],
    ['v1', 'ConfigMap', 'a'.repeat(254), '(254 characters) is not a DNS-1123 subdomain'],
    ['apps/v1', 'Deployment', '-web', 'is not a DNS-1123 subdomain (required for Deployment names)'],
    ['v1', 'Namespace', 'demo.dev', 'is not a DNS-1123 label (required for Namespace names)'],
    ['v1', 'Namespace', 'n'.repeat(64), 'is not a DNS-1123 label (required for Namespace names)'],
    ['v1', 'Service', '1backend', 'is not a DNS-1035 label (required for Service names)'],
    ['v1', 'Service', 'backend.demo', 'is not a DNS-1035 label (required for Service names)'],
    ['rbac.authorization.k8s.io/v1', 'Role', '..', 'is not a valid Role name: it may not be "." or ".." nor contain "/" or "%"'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'a/b', 'is not a valid ClusterRole name'],
    ['batch/v1', 'CronJob', 'c'.repeat(53), 'is 53 characters: a CronJob name may have at most 52 (its Jobs add 11)'],
    ['argoproj.io/v1alpha1', 'Application', 'Backend', 'is not a DNS-1123 subdomain (required for Application names)'],
  ])('%s %s %s is refused', (apiVersion, kind, name, message) => {
    const found = nameFindings(meta(apiVersion, kind, name));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('SCHEMA-NAME metadata.name: name "');
    expect(found[0]).toContain(message);
  });

  test('a namespace that is not a DNS-1123 label', () => {
    expect(nameFindings(meta('v1', 'ConfigMap', 'ok', { namespace: 'Bad NS' }))).toEqual([
      'SCHEMA-NAME metadata.namespace: namespace "Bad NS" is not a DNS-1123 label: at most 63 characters, lower case alphanumerics or "-", starting and ending with an alphanumeric',
    ]);
  });

  test('a missing name is not this rule\'s concern', () => {
    expect(nameFindings({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toEqual([]);
  });
});

describe('labels and annotations', () => {
  test('valid keys and values are accepted', () => {
    expect(nameFindings(meta('v1', 'ConfigMap', 'ok', {
      labels: { 'app.kubernetes.io/name': 'web', 'version': 'v1.4.0', 'empty': '', 'A_b.c-D': 'X_y.z-1', [`${'p'.repeat(253)}/${'n'.repeat(63)}`]: 'v'.repeat(63) },
      annotations: { 'cdk8s-gitops.io/waive.POL-PROBES': 'reason: anything goes here', 'note': 'multi\nline' },
    }))).toEqual([]);
  });

  test.each([
    [{ labels: { 'x/y/z': 'a' } }, 'SCHEMA-LABEL metadata.labels["x/y/z"]: label key "x/y/z" is not valid'],
    [{ labels: { 'Example.com/name': 'a' } }, 'label key "Example.com/name" is not valid'],
    [{ labels: { '/name': 'a' } }, 'label key "/name" is not valid'],
    [{ labels: { 'example.com/': 'a' } }, 'label key "example.com/" is not valid'],
    [{ labels: { ['k'.repeat(64)]: 'a' } }, '(64 characters) is not valid'],
    [{ labels: { team: 'a b' } }, 'SCHEMA-LABEL metadata.labels.team: label "team" has value "a b", which is not valid'],
    [{ labels: { team: '-a' } }, 'has value "-a", which is not valid'],
    [{ labels: { team: 'v'.repeat(64) } }, '(64 characters), which is not valid'],
    [{ annotations: { 'bad key': 'x' } }, 'SCHEMA-LABEL metadata.annotations["bad key"]: annotation key "bad key" is not valid'],
    [{ annotations: { big: 'x'.repeat(256 * 1024) } }, 'SCHEMA-LABEL metadata.annotations: annotations total 262147 bytes: at most 262144 (256 KiB) are allowed'],
  ])('%j is refused', (metadata, message) => {
    const found = nameFindings(meta('v1', 'ConfigMap', 'ok', metadata));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  test('a pod template\'s labels are checked at their own field', () => {
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', 'bad key': 'x' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
    };
    expect(nameFindings(deployment)).toEqual([
      expect.stringMatching(/^SCHEMA-LABEL spec\.template\.metadata\.labels\["bad key"\]: label key "bad key" is not valid/),
    ]);
  });
});
