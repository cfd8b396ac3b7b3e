import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main';
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS, validateManifests } from '../../src/validate';
import { kubernetesTarget } from '../../src/validate/kubernetes-version';
import { SchemaLocation } from '../../src/validate/schema-location';
import { tempDir } from '../temp-dir';
import { restrictedContainerSecurityContext } from './fixtures';

const SCHEMAS = path.join(__dirname, '..', 'fixtures', 'schemas');

async function capture(f: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => { stdout += s; return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { stderr += s; return true; });
  try {
    return { code: await f(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function pod(): Record<string, any> {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'apps' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, appArmorProfile: { type: 'RuntimeDefault' } },
      automountServiceAccountToken: false,
      containers: [{
        name: 'web', image: 'ghcr.io/example/web:1.0.0', securityContext: restrictedContainerSecurityContext(),
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } },
      }],
    },
  };
}

function certificate(spec: Record<string, any> = {}): Record<string, any> {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web-tls', namespace: 'apps' },
    spec: { secretName: 'web-tls', dnsNames: ['web.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' }, ...spec },
  };
}

function file(objects: Record<string, any>[]): string {
  const dir = tempDir('k8s-version');
  const f = path.join(dir, 'objects.yaml');
  fs.writeFileSync(f, objects.map(o => stringify(o)).join('---\n'));
  return f;
}

const schemaFindings = (objects: Record<string, any>[], options = {}) => validateManifests(objects.map((o, i) => ({ path: `x/o${i}.yaml`, object: o })), options)
  .findings.filter(f => f.rule.startsWith('SCHEMA-')).map(f => `${f.kind}/${f.name}: ${f.rule}: ${f.field}: ${f.message}`);

describe('validate --kubernetes-version', () => {
  test('1.33 accepts a pod with appArmorProfile; 1.28 rejects it as a field it does not have', async () => {
    const f = file([pod()]);
    const r133 = await capture(() => main(['validate', f, '--kubernetes-version', '1.33']));
    expect(r133.stdout).not.toMatch(/SCHEMA-/);
    expect(r133.stdout).not.toMatch(/appArmorProfile/);
    const r128 = await capture(() => main(['validate', f, '--kubernetes-version', '1.28']));
    expect(r128.code).toBe(1);
    expect(r128.stdout).toContain('Pod/web: SCHEMA-UNKNOWN-FIELD: spec.securityContext.appArmorProfile: unknown field "appArmorProfile": not in Kubernetes 1.28');
  });

  test('the default is 1.33, and a field newer than it is unknown there but known in 1.36', () => {
    expect(DEFAULT_KUBERNETES_VERSION).toBe('1.33');
    expect(schemaFindings([pod()])).toEqual([]);
    const p = pod();
    p.spec.hostnameOverride = 'web-0'; // Kubernetes 1.34
    expect(schemaFindings([p])).toEqual(['Pod/web: SCHEMA-UNKNOWN-FIELD: spec.hostnameOverride: unknown field "hostnameOverride": not in Kubernetes 1.33']);
    expect(schemaFindings([p], { kubernetesVersion: '1.34' })).toEqual([]);
    expect(schemaFindings([p], { kubernetesVersion: 'v1.36.2' })).toEqual([]);
  });

  test('kinds follow the version: resource.k8s.io/v1 DeviceClass is served from 1.34 on', () => {
    const dc = { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'gpu' }, spec: {} };
    expect(schemaFindings([dc])).toEqual(['DeviceClass/gpu: SCHEMA-UNKNOWN-KIND: : resource.k8s.io/v1 DeviceClass is not a kind Kubernetes 1.33 serves, and no CRD schema is known for it']);
    expect(schemaFindings([dc], { kubernetesVersion: '1.34' })).toEqual([]);
  });

  test('an unknown version is refused with the list of known ones (exit 2)', async () => {
    const r = await capture(() => main(['validate', file([pod()]), '--kubernetes-version', '1.99']));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Kubernetes version "1.99" is not known: use one of ${KUBERNETES_VERSIONS.join(', ')} (default 1.33)`);
    expect(KUBERNETES_VERSIONS).toEqual(['1.28', '1.33', '1.34', '1.36']);
    expect(() => kubernetesTarget('1.35')).toThrow(/1.35: no package ships its API definitions; use 1.34/);
  });
});

describe('validate --schema-location and --skip', () => {
  test('without a schema, a cert-manager Certificate is an unknown kind', async () => {
    const r = await capture(() => main(['validate', file([certificate()])]));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Certificate/web-tls: SCHEMA-UNKNOWN-KIND');
  });

  test('a Certificate validates from a schema folder (<group>/<kind>_<version>.json)', async () => {
    const r = await capture(() => main(['validate', file([certificate()]), '--schema-location', SCHEMAS]));
    expect(r.stdout).not.toMatch(/SCHEMA-/);
    expect(r.code).toBe(0);
  });

  test('a bad Certificate fails with the field path: wrong type, enum, missing and unknown fields', () => {
    const bad = certificate({ dnsNames: 'web.example.com', privateKey: { algorithm: 'DSA', sizee: 2048 }, issuerRef: { kind: 'ClusterIssuer', nmae: 'x' }, duraton: '90d' });
    const found = schemaFindings([bad], { schemaLocations: [SCHEMAS] });
    expect([...found].sort()).toEqual([
      'Certificate/web-tls: SCHEMA-INVALID: spec.dnsNames: "web.example.com" is not allowed: expected type array',
      'Certificate/web-tls: SCHEMA-INVALID: spec.issuerRef.name: missing required field "name"',
      'Certificate/web-tls: SCHEMA-INVALID: spec.privateKey.algorithm: "DSA" is not allowed: expected one of "RSA", "ECDSA", "Ed25519"',
      'Certificate/web-tls: SCHEMA-UNKNOWN-FIELD: spec.duraton: unknown field "duraton"',
      'Certificate/web-tls: SCHEMA-UNKNOWN-FIELD: spec.issuerRef.nmae: unknown field "nmae"',
      'Certificate/web-tls: SCHEMA-UNKNOWN-FIELD: spec.privateKey.sizee: unknown field "sizee" (did you mean "size"?)',
    ]);
  });

  test('a path template with kubeconform variables', () => {
    const template = path.join(SCHEMAS, '{{ .Group }}', '{{.ResourceKind}}_{{ .ResourceAPIVersion }}.json');
    expect(schemaFindings([certificate()], { schemaLocations: [template] })).toEqual([]);
    const loc = SchemaLocation.parse('s/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json', '1.33', '/r');
    expect(loc.fileFor('apps/v1', 'Deployment')).toBe('/r/s/v1.33.0-standalone-strict/deployment-apps-v1.json');
    expect(loc.fileFor('v1', 'Pod')).toBe('/r/s/v1.33.0-standalone-strict/pod-v1.json');
  });

  test('a missing schema names the files looked for; URLs and unknown variables are refused (exit 2)', async () => {
    const elsewhere = tempDir('no-schemas');
    expect(schemaFindings([certificate()], { schemaLocations: [elsewhere] })).toEqual([
      `Certificate/web-tls: SCHEMA-UNKNOWN-KIND: : cert-manager.io/v1 Certificate is not a kind Kubernetes 1.33 serves, and no CRD schema is known for it; no schema location has one (looked for ${path.join(elsewhere, 'cert-manager.io', 'certificate_v1.json')})`,
    ]);
    const f = file([certificate()]);
    const url = await capture(() => main(['validate', f, '--schema-location', 'https://example.com/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json']));
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/is a URL: validate never uses the network/);
    const variable = await capture(() => main(['validate', f, '--schema-location', 'x/{{ .Kind }}.json']));
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/"\{\{ \.Kind \}\}" is not a variable kubeconform defines/);
  });

  test('--skip KIND and --skip apiVersion/KIND skip the schema check only, repeatable and comma-separated', async () => {
    const f = file([certificate(), { ...certificate(), metadata: { name: 'other', namespace: 'apps' }, kind: 'Issuer' }]);
    const kind = await capture(() => main(['validate', f, '--skip', 'Certificate']));
    expect(kind.stdout).not.toMatch(/Certificate\/web-tls: SCHEMA-/);
    expect(kind.stdout).toMatch(/Issuer\/other: SCHEMA-UNKNOWN-KIND/);
    const both = await capture(() => main(['validate', f, '--skip', 'cert-manager.io/v1/Certificate', '--skip', 'Issuer']));
    expect(both.stdout).not.toMatch(/SCHEMA-/);
    expect(both.code).toBe(0);
    const comma = await capture(() => main(['validate', f, '--skip', 'Certificate,Issuer']));
    expect(comma.code).toBe(0);
    const wrong = await capture(() => main(['validate', f, '--skip', 'certificate']));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('skip: "certificate" is not a kind (Certificate) or an apiVersion and kind (cert-manager.io/v1/Certificate)');
  });

  test('package.json "cdk8s-gitops".validation gives the settings; a flag replaces one', async () => {
    const dir = tempDir('pkg-settings');
    fs.cpSync(SCHEMAS, path.join(dir, 'schemas'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ 'cdk8s-gitops': { validation: { kubernetesVersion: '1.28', schemaLocations: ['schemas'] } } }));
    const f = file([pod(), certificate()]);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const fromPackage = await capture(() => main(['validate', f]));
      expect(fromPackage.stdout).toContain('unknown field "appArmorProfile": not in Kubernetes 1.28');
      expect(fromPackage.stdout).not.toMatch(/Certificate\/web-tls: SCHEMA-/);
      const flag = await capture(() => main(['validate', f, '--kubernetes-version', '1.33']));
      expect(flag.stdout).not.toMatch(/SCHEMA-/);
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ 'cdk8s-gitops': { validation: { kubernetesVersion: 133 } } }));
      const bad = await capture(() => main(['validate', f]));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('"cdk8s-gitops".validation.kubernetesVersion: 133 must be a string such as "1.33"');
    } finally {
      process.chdir(cwd);
    }
  });
});
