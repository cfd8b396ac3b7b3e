import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { tempDir } from '../temp-dir';
import { restrictedViolations } from '../util';
import { EXAMPLES } from './templates';

const CMP = path.join(EXAMPLES, 'argocd-cmp');
const PROGRAM_DIR = path.join(__dirname, '..', 'fixtures', 'cmp-app');
const CLI = path.join(__dirname, '..', 'gitops', 'cli.js');

const plugin = parse(fs.readFileSync(path.join(CMP, 'plugin.yaml'), 'utf8'));

/** A `cdk8s-gitops` on PATH, as `npm ci` puts one in the sidecar (here: the CLI from the sources). */
function cliOnPath(): string {
  const bin = tempDir('cmp-bin');
  fs.writeFileSync(path.join(bin, 'cdk8s-gitops'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, { mode: 0o755 });
  return bin;
}

/** Run the plugin's generate command the way argocd-cmp-server does: in the app source directory, with Argo CD's environment. */
function generate(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const [command, ...args] = [...plugin.spec.generate.command, ...plugin.spec.generate.args];
  const r = spawnSync(command, args, {
    cwd: PROGRAM_DIR,
    encoding: 'utf8',
    env: {
      PATH: `${cliOnPath()}:${process.env.PATH}`, HOME: process.env.HOME ?? '/tmp',
      ARGOCD_APP_NAME: 'web-dev', ARGOCD_APP_NAMESPACE: 'argocd', ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
      ARGOCD_APP_SOURCE_PATH: 'test/fixtures/cmp-app', ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example/platform/app.git',
      KUBE_VERSION: '1.33', ...env,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the Argo CD Config Management Plugin (examples/argocd-cmp)', () => {
  test('plugin.yaml is a ConfigManagementPlugin with init and generate, and no discover rule', () => {
    expect(plugin).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ConfigManagementPlugin', metadata: { name: 'cdk8s-gitops' }, spec: { version: 'v1' } });
    expect(plugin.spec.init.command).toEqual(['sh', '-c']);
    expect(plugin.spec.init.args[0]).toContain('npm ci --ignore-scripts');
    expect(plugin.spec.generate.command).toEqual(['sh', '-c']);
    expect(plugin.spec.discover).toBeUndefined();
  });

  test('generate prints the manifests of the environment and folder the Application names', () => {
    const r = generate({ ARGOCD_ENV_CDK8S_GITOPS_ENV: 'dev', ARGOCD_ENV_CDK8S_GITOPS_FOLDER: 'web' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const objects = parseAllDocuments(r.stdout).map(d => d.toJS());
    expect(objects).toEqual([
      {
        apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web-tls', namespace: 'web-dev' },
        spec: { dnsNames: ['web.dev.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' }, secretName: 'web-tls' },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'web-dev' }, data: { environment: 'dev' } },
    ]);
    const env = generate({ ARGOCD_ENV_CDK8S_GITOPS_ENV: 'prod' });
    expect(env.status).toBe(0);
    expect(parseAllDocuments(env.stdout).map(d => d.toJS().metadata.namespace)).toEqual(['web-prod', 'web-prod']);
  });

  test('generate fails loudly, printing nothing, without the environment or with a bad one', () => {
    const none = generate({});
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('set CDK8S_GITOPS_ENV');
    const injected = generate({ ARGOCD_ENV_CDK8S_GITOPS_ENV: 'dev; touch pwned' });
    expect(injected.status).toBe(2);
    expect(injected.stdout).toBe('');
    expect(fs.existsSync(path.join(PROGRAM_DIR, 'pwned'))).toBe(false);
  });

  test('the repo-server patch adds a restricted sidecar running argocd-cmp-server with the plugin config mounted', () => {
    const patch = parse(fs.readFileSync(path.join(CMP, 'repo-server-patch.yaml'), 'utf8'));
    expect(patch).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'argocd-repo-server' } });
    const [sidecar] = patch.spec.template.spec.containers;
    expect(sidecar.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(sidecar.securityContext.runAsUser).toBe(999);
    // Pod Security "restricted" holds; user and group 999 are what Argo CD requires of a CMP
    // sidecar (below the 10000 this project's own workloads use), and the service account
    // token is the stock repo-server pod's, which the patch does not touch
    expect(restrictedViolations({ containers: [sidecar] })).toEqual(['automountServiceAccountToken', 'cdk8s-gitops: runAsUser 999', 'cdk8s-gitops: runAsGroup 999']);
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    const mounts = Object.fromEntries(sidecar.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/home/argocd/cmp-server/config/plugin.yaml']).toEqual({ mountPath: '/home/argocd/cmp-server/config/plugin.yaml', subPath: 'plugin.yaml', name: 'cdk8s-gitops-cmp' });
    // var-files and plugins are the stock repo-server's volumes; the others come with the patch
    const volumes = new Set(['var-files', 'plugins', ...patch.spec.template.spec.volumes.map((v: any) => v.name)]);
    for (const m of sidecar.volumeMounts) expect(volumes).toContain(m.name);
    expect(patch.spec.template.spec.volumes).toContainEqual({ name: 'cdk8s-gitops-cmp', configMap: { name: 'cdk8s-gitops-cmp' } });
    expect(mounts['/tmp'].name).toBe('cdk8s-gitops-tmp');
  });
});
