import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { HELP, run } from '../../src/cli/validate';
import { loadManifests, ManifestLoadError, validateDirectory } from '../../src/validate';
import { goodPlatform, obj, writeTree } from './fixtures';
import { tempDir } from '../temp-dir';

async function capture(f: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => { stdout += s; return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { stderr += s; return true; });
  try {
    const code = await f();
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('cdk8s-gitops validate', () => {
  test('exit 0 and a summary line on a clean tree', async () => {
    const dir = writeTree(goodPlatform());
    const r = await capture(() => main(['validate', dir]));
    expect(r).toEqual({ code: 0, stdout: 'OK: 0 findings, 0 waived, in 28 objects (29 files)\n', stderr: '' });
  });

  test('exit 1 and one line per finding: FILE: Kind/name: RULE-ID: field: message', async () => {
    const ms = goodPlatform();
    obj(ms, 'Deployment', 'frontend').spec.template.spec.containers[0].image = 'ghcr.io/example/frontend';
    obj(ms, 'Service', 'redis').spec.ports[0].name = 'main-redis';
    const r = await capture(() => run([writeTree(ms)]));
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'dev/ab-testing/deployment-frontend.yaml: Deployment/frontend: POL-IMAGE-TAG: spec.template.spec.containers[0].image: container "frontend" image "ghcr.io/example/frontend" has no tag (it means latest); pin a version tag or digest',
      'dev/ab-testing/service-redis.yaml: Service/redis: POL-SERVICE-PORT-NAME: spec.ports[0].name: port 6379 is named "main-redis": name it <protocol>[-<suffix>] with protocol one of http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, udp (e.g. http-web), or set appProtocol',
      '2 findings, 0 waived, in 28 objects (29 files)',
      '',
    ]);
  });

  test('--format json for CI', async () => {
    const ms = goodPlatform();
    obj(ms, 'Deployment', 'frontend').spec.template.spec.hostIPC = true;
    const dir = writeTree(ms);
    for (const args of [['--format', 'json', dir], [dir, '--format=json']]) {
      const r = await capture(() => run(args));
      expect(r.code).toBe(1);
      const json = JSON.parse(r.stdout);
      expect(json.ok).toBe(false);
      expect(json.summary).toEqual({ files: 29, objects: 28, findings: 1, waived: 0 });
      expect(json.findings).toEqual([{
        rule: 'PSS-HOST-NAMESPACES', file: 'dev/ab-testing/deployment-frontend.yaml', kind: 'Deployment', name: 'frontend', namespace: 'demo-dev',
        field: 'spec.template.spec.hostIPC', message: "hostIPC: true shares the node's namespace; remove it",
      }]);
    }
    const clean = await capture(() => run(['--format', 'json', writeTree(goodPlatform())]));
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual({ ok: true, summary: { files: 29, objects: 28, findings: 0, waived: 0 }, findings: [], waived: [] });
  });

  test('DIR defaults to dist/', async () => {
    const cwd = process.cwd();
    const dir = tempDir('validate-cwd');
    fs.renameSync(writeTree(goodPlatform()), path.join(dir, 'dist'));
    process.chdir(dir);
    try {
      const r = await capture(() => run([]));
      expect(r.code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
  });

  test('exit 2 on usage errors (missing folder, bad options) and on files that are not YAML or not objects (reported as findings)', async () => {
    const missing = await capture(() => main(['validate', path.join(os.tmpdir(), 'does-not-exist-cdk8s-gitops')]));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cdk8s-gitops validate: cannot read .*does-not-exist-cdk8s-gitops: no such file or directory/);

    const notYaml = writeTree(goodPlatform());
    fs.writeFileSync(path.join(notYaml, 'dev', 'broken.yaml'), 'kind: Service\nmetadata: {name: x\n');
    const r1 = await capture(() => main(['validate', notYaml]));
    expect(r1.code).toBe(2);
    expect(r1.stdout).toMatch(/^dev\/broken\.yaml: INPUT-UNREADABLE: document 1: not valid YAML: /);
    expect(r1.stdout).toContain('1 finding, 0 waived, in 28 objects (30 files)');

    const scalar = writeTree(goodPlatform());
    fs.writeFileSync(path.join(scalar, 'notes.yml'), 'just some text\n');
    const r2 = await capture(() => main(['validate', scalar]));
    expect(r2.code).toBe(2);
    expect(r2.stdout).toContain('notes.yml: INPUT-UNREADABLE: document 1: is a string, not a Kubernetes object');

    for (const args of [['--format', 'xml'], ['--format'], ['--strict'], ['a', 'b']]) {
      expect((await capture(() => main(['validate', ...args]))).code).toBe(2);
    }
  });

  test('--help', async () => {
    const r = await capture(() => main(['validate', '--help']));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HELP);
    expect(HELP).toContain('Usage: cdk8s-gitops validate [DIR | -] [-o text|json|sarif|junit]');
  });
});

describe('loading manifests', () => {
  test('multi-document files, .yml, nested folders; dot folders and empty documents are skipped', () => {
    const dir = tempDir('load');
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'x.yaml'), 'not: [valid');
    fs.writeFileSync(path.join(dir, 'a', 'b', 'all.yml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# not yaml');
    expect(loadManifests(dir).map(m => `${m.path} ${m.object.metadata.name}`)).toEqual(['a/b/all.yml one', 'a/b/all.yml two']);
    expect(validateDirectory(dir).objects).toBe(2);
  });

  test('a single file may be given instead of a folder', () => {
    const dir = writeTree(goodPlatform());
    expect(loadManifests(path.join(dir, 'dev', 'ab-testing', 'service-backend.yaml')).map(m => m.path)).toEqual(['service-backend.yaml']);
  });

  test('a FIFO among the manifests is refused at once, unopened (a finding, exit 2); one not named *.yaml is not read', async () => {
    const dir = writeTree(goodPlatform());
    execFileSync('mkfifo', [path.join(dir, 'dev', 'notes.fifo')]);
    expect(loadManifests(dir)).toHaveLength(goodPlatform().length);
    execFileSync('mkfifo', [path.join(dir, 'dev', 'pipe.yaml')]);
    const start = Date.now();
    const r = await capture(() => main(['validate', dir]));
    expect(Date.now() - start).toBeLessThan(5000);
    expect(r).toEqual({
      code: 2,
      stdout: `dev/pipe.yaml: INPUT-UNREADABLE: ${path.join(dir, 'dev', 'pipe.yaml')} is a FIFO (named pipe): only regular files are read (it was not opened)\n1 finding, 0 waived, in 28 objects (30 files)\n`,
      stderr: 'cdk8s-gitops validate: 1 file could not be read (wholly or in part) as YAML of Kubernetes objects (INPUT-UNREADABLE, listed in the report)\n',
    });
  });

  test('symbolic links: a folder outside is refused, not walked; a folder inside is not walked twice; a file inside is read', async () => {
    const dir = writeTree(goodPlatform());
    const outside = writeTree([{ path: 'cm.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'outside' } } }]);
    fs.symlinkSync('dev', path.join(dir, 'dev-again'));
    fs.symlinkSync(path.join('..', 'dev', 'ab-testing', 'service-backend.yaml'), path.join(dir, 'argocd', 'backend-link.yaml'));
    expect(loadManifests(dir).filter(m => m.object.metadata?.name === 'backend' && m.object.kind === 'Service').map(m => m.path)).toEqual(['argocd/backend-link.yaml', 'dev/ab-testing/service-backend.yaml']);
    fs.symlinkSync(outside, path.join(dir, 'etc'));
    const r = await capture(() => main(['validate', dir]));
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')[0]).toBe(`etc: INPUT-UNREADABLE: ${path.join(dir, 'etc')} is a symbolic link to ${JSON.stringify(outside)}, outside ${dir}: not followed (only files inside the folder are read)`);
  });

  test('duplicate keys are not valid YAML', () => {
    const dir = tempDir('load');
    fs.writeFileSync(path.join(dir, 'x.yaml'), 'kind: A\nkind: B\n');
    expect(() => loadManifests(dir)).toThrow(ManifestLoadError);
  });
});
