import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { renderStream } from '../src/app/synth';
import { createApp } from './fixtures/cmp-app/main';
import { spawnCli, tmpdir } from './gitops/helpers';

const PROGRAM_DIR = path.join(__dirname, 'fixtures', 'cmp-app');
const SCHEMAS = path.join(__dirname, 'fixtures', 'schemas');

/** kind/namespace/name of every document of a YAML stream, in order. */
function documents(stream: string): string[] {
  return parseAllDocuments(stream).map(d => {
    expect(d.errors).toEqual([]);
    const o = d.toJS();
    return `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
  });
}

function listing(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter(f => !f.startsWith('node_modules')).sort();
}

describe('synth --stdout', () => {
  test('prints every object as one multi-document stream, sorted by file, and writes nothing', async () => {
    const before = listing(PROGRAM_DIR);
    const r = await spawnCli(['synth', '--stdout'], { cwd: PROGRAM_DIR });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(documents(r.stdout)).toEqual([
      'Certificate/web-dev/web-tls', 'ConfigMap/web-dev/web-config', 'Certificate/web-prod/web-tls', 'ConfigMap/web-prod/web-config',
    ]);
    expect(r.stdout).not.toContain('kind: Release');
    expect(listing(PROGRAM_DIR)).toEqual(before);
    const again = await spawnCli(['synth', '--stdout'], { cwd: PROGRAM_DIR });
    expect(again.stdout).toBe(r.stdout);
  });

  test('--env and --folder select what is printed', async () => {
    const env = await spawnCli(['synth', '--stdout', '--env', 'prod'], { cwd: PROGRAM_DIR });
    expect(documents(env.stdout)).toEqual(['Certificate/web-prod/web-tls', 'ConfigMap/web-prod/web-config']);
    const folder = await spawnCli(['synth', '--stdout', '--env', 'dev', '--folder', 'web'], { cwd: PROGRAM_DIR });
    expect(documents(folder.stdout)).toEqual(['Certificate/web-dev/web-tls', 'ConfigMap/web-dev/web-config']);
  });

  test('a failed check goes to stderr with exit 1 and nothing on stdout', async () => {
    // without package.json's schema location the Certificate has no schema
    const cwd = tmpdir('stdout-fail');
    const r = await spawnCli(['synth', '--stdout', '--env', 'dev', '--app', path.join(PROGRAM_DIR, 'main.ts')], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Certificate/web-tls: SCHEMA-UNKNOWN-KIND');
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  test('usage errors: an unknown folder, --folder without --env, flags that write', async () => {
    const unknown = await spawnCli(['synth', '--stdout', '--env', 'staging'], { cwd: PROGRAM_DIR });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('--env: "staging" is not a folder the app renders objects into; it has "dev", "prod"');
    const noEnv = await spawnCli(['synth', '--stdout', '--folder', 'web'], { cwd: PROGRAM_DIR });
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toContain('--folder "web" needs --env');
    const out = await spawnCli(['synth', '--stdout', '--out', 'x'], { cwd: PROGRAM_DIR });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--out does not go with --stdout');
    const envWithoutStdout = await spawnCli(['synth', '--env', 'dev'], { cwd: PROGRAM_DIR });
    expect(envWithoutStdout.code).toBe(2);
  });
});

describe('renderStream and GitOpsAppProps.validation', () => {
  test('the program gives the schema settings: no annotation in the cluster', () => {
    expect(() => renderStream(createApp())).toThrow(/SCHEMA-UNKNOWN-KIND: cert-manager.io\/v1 Certificate is not a kind Kubernetes 1.33 serves/);
    const app = createApp({ validation: { schemaLocations: [SCHEMAS] } });
    expect(documents(renderStream(app, { env: 'dev' }))).toEqual(['Certificate/web-dev/web-tls', 'ConfigMap/web-dev/web-config']);
    expect(app.validation).toEqual({ schemaLocations: [SCHEMAS] });
    expect(renderStream(createApp({ validation: { skip: ['Certificate'] } }), { env: 'dev', folder: 'web' })).toContain('kind: Certificate');
  });

  test('the program replaces package.json settings one by one', () => {
    // package.json (renderStream's and synthesize's options.validation) gives the schema
    // location and 1.28; the program gives only the version: the location stays
    const app = createApp({ validation: { kubernetesVersion: '1.33' } });
    expect(() => renderStream(app, { validation: { kubernetesVersion: '1.28', schemaLocations: [SCHEMAS] } })).not.toThrow();
    expect(() => renderStream(createApp(), { validation: { kubernetesVersion: '1.99' } })).toThrow(/Kubernetes version "1.99" is not known/);
  });
});
