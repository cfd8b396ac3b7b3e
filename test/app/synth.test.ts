import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../src/cli/synth';
import { main } from '../../src/cli/main';
import { Environment } from '../../src/model/environment';
import { GitOpsApp } from '../../src/app/gitops-app';
import { RepositoryChart } from '../../src/model/repository-chart';
import { synthesize } from '../../src/app/synth';
import { ApiObject } from 'cdk8s';
import { tempDir } from '../temp-dir';

function tmp(): string {
  return tempDir('synth');
}

function listTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function quiet<T>(f: () => Promise<T>): Promise<T> {
  const w = process.stdout.write;
  process.stdout.write = (() => true) as any;
  return f().finally(() => { process.stdout.write = w; });
}

describe('synth', () => {
  test('builds every registered environment before it writes', () => {
    const out = tmp();
    const app = new GitOpsApp();
    app.addEnvironment(new Environment({ name: 'dev' }), () => {
      const chart = new RepositoryChart(app, 'dev', { path: 'dev/shop' });
      new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    });
    expect(synthesize(app, out).files).toEqual(['dev/release.yaml', 'dev/shop/configmap-cm.yaml']);
  });

  test('cdk8s-gitops synth writes the reference app; a second synth writes nothing and is byte-identical', async () => {
    const out = path.join(tmp(), 'dist');
    expect(await quiet(() => run(['--app', 'reference/main.ts', '--out', out]))).toBe(0);
    const first = listTree(out);
    expect(Object.keys(first)).toContain(path.join('dev', 'ab-testing', 'deployment-backend-v1.yaml'));
    expect(Object.keys(first)).toContain('.cdk8s-gitops-files');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--app', 'reference/main.ts', '--out', out])).toBe(0);
      expect(stdout.mock.calls.join('')).toBe(`synthesized ${Object.keys(first).length - 1} files into ${out}: 0 written, ${Object.keys(first).length - 1} unchanged, 0 removed\n`);
    } finally {
      stdout.mockRestore();
    }
    expect(listTree(out)).toEqual(first);
  });

  test('files of a previous synth that are gone are removed; files synth did not write are refused, then (after --force) kept', async () => {
    const out = tmp();
    const app = (names: string[]) => {
      const a = new GitOpsApp();
      const chart = new RepositoryChart(a, 'c', { path: 'dev/x' });
      for (const n of names) new ApiObject(chart, n, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n } });
      return a;
    };
    expect(synthesize(app(['a', 'old']), out).written).toEqual(['dev/x/configmap-a.yaml', 'dev/x/configmap-old.yaml']);
    expect(synthesize(app(['a']), out)).toEqual({ files: ['dev/x/configmap-a.yaml'], written: [], removed: ['dev/x/configmap-old.yaml'] });
    const stray = tmp();
    fs.mkdirSync(path.join(stray, 'dev', 'old'), { recursive: true });
    fs.writeFileSync(path.join(stray, 'dev', 'old', 'x.yaml'), 'x');
    fs.writeFileSync(path.join(stray, 'stray.yaml'), 'x');
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['synth', '--app', 'reference/main.ts', '--out', stray])).toBe(1);
      expect(err.mock.calls.join('')).toContain(`cdk8s-gitops synth: --out ${JSON.stringify(stray)}: refusing to write into ${stray}, nothing was changed:\n  dev/old/x.yaml: was not written by synth`);
    } finally {
      err.mockRestore();
    }
    expect(listTree(stray)).toEqual({ [path.join('dev', 'old', 'x.yaml')]: 'x', 'stray.yaml': 'x' });
    expect(await quiet(() => run(['--app', 'reference/main.ts', '--out', stray, '--force']))).toBe(0);
    expect(await quiet(() => run(['--app', 'reference/main.ts', '--out', stray]))).toBe(0);
    expect(listTree(stray)).toEqual(expect.objectContaining({ [path.join('dev', 'old', 'x.yaml')]: 'x', 'stray.yaml': 'x' }));
  });

  test('when synth fails nothing is written', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'dev'));
    fs.writeFileSync(path.join(out, 'dev', 'keep.yaml'), 'previous output\n');
    const app = new GitOpsApp();
    const chart = new RepositoryChart(app, 'c', { path: 'dev/x' });
    new ApiObject(chart, 'ok', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' } });
    chart.node.addValidation({ validate: () => ['something is wrong'] });
    expect(() => synthesize(app, out)).toThrow('[c] something is wrong');
    expect(listTree(out)).toEqual({ [path.join('dev', 'keep.yaml')]: 'previous output\n' });
    expect(fs.readdirSync(out)).toEqual(['dev']); // no staging folder, no record
  });

  test('two objects of one kind and name in one folder are refused, not overwritten', () => {
    const app = new GitOpsApp();
    const a = new RepositoryChart(app, 'a', { path: 'dev/x' });
    const b = new RepositoryChart(app, 'b', { path: 'dev/x' });
    new ApiObject(a, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' } });
    new ApiObject(b, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' } });
    expect(() => app.manifests()).toThrow('ConfigMap "same" is written to dev/x/configmap-same.yaml, which a/cm already writes');
  });

  test('usage errors exit 2', async () => {
    const err = process.stderr.write;
    process.stderr.write = (() => true) as any;
    try {
      expect(await main(['synth', '--bogus'])).toBe(2);
      expect(await main(['synth', '--app', '/nonexistent/app.js'])).toBe(2);
      expect(await main(['nope'])).toBe(2);
      expect(await quiet(() => main(['synth', '--help']))).toBe(0);
    } finally {
      process.stderr.write = err;
    }
  });
});

describe('synth --gitops-dir', () => {
  test('tags come from the repository release files; --out uses the program defaults', async () => {
    const repo = tmp();
    expect(await quiet(() => run(['--app', 'reference/main.ts', '--gitops-dir', repo]))).toBe(0);
    const file = path.join(repo, 'dev', 'release.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('v2: d1e6e9b5e0bdff11a489794ba11cd55e9f82c957', 'v2: abc1234'));
    expect(await quiet(() => run(['--app', 'reference/main.ts', '--gitops-dir', repo]))).toBe(0);
    const deployment = fs.readFileSync(path.join(repo, 'dev', 'ab-testing', 'deployment-backend-v2.yaml'), 'utf8');
    expect(deployment).toContain('image: ghcr.io/mcbtaguiad/istio-demo/backend:abc1234');
    expect(fs.readFileSync(file, 'utf8')).toContain('v2: abc1234');
    const out = tmp();
    expect(await quiet(() => run(['--app', 'reference/main.ts', '--out', out]))).toBe(0);
    expect(fs.readFileSync(path.join(out, 'dev', 'ab-testing', 'deployment-backend-v2.yaml'), 'utf8')).toContain('backend:d1e6e9b5e0bdff11a489794ba11cd55e9f82c957');
  });
});
