import * as fs from 'fs';
import * as path from 'path';
import { FIXTURE_APP, listFiles, spawnCli } from '../gitops/helpers';
import { tempDir } from '../temp-dir';

/** Run the real CLI in `cwd` (a spawned node process, TypeScript through the esbuild hook). */
const run = (cwd: string, ...argv: string[]) => spawnCli(argv, { cwd });
const tmp = () => tempDir('app-module');

describe('the CLI finds the program in the user project, never falls back to one of its own', () => {
  test.each([
    ['synth'],
    ['synth', '--gitops-dir', '.'],
    ['diff', '--gitops-dir', '.'],
  ])('in an empty folder, `%s` exits 2, says how to name a program, and writes nothing', async (...argv) => {
    const dir = tmp();
    const r = await run(dir, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no program to render');
    expect(r.stderr).toContain('--app MODULE');
    expect(r.stderr).toContain('"cdk8s-gitops": { "app": "lib/main.js" }');
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('in a stock cdk8s project (package.json without the field), synth exits 2 naming package.json, writing nothing', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-app', main: 'main.js' }));
    fs.writeFileSync(path.join(dir, 'main.ts'), "import { App } from 'cdk8s';\nnew App().synth();\n");
    const r = await run(dir, 'synth');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(dir, 'package.json')} has no "cdk8s-gitops".app entry`);
    expect(listFiles(dir)).toEqual(['main.ts', 'package.json']);
  });

  test('a malformed field is a usage error naming the file, the field and the value', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ 'cdk8s-gitops': { app: '' } }));
    const r = await run(dir, 'synth');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"cdk8s-gitops".app: "" must name the program module');
  });

  test('a module without createApp is a usage error naming it', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'program.js'), 'exports.somethingElse = 1;\n');
    const r = await run(dir, 'synth', '--app', 'program.js');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`program module ${path.join(dir, 'program.js')} does not export createApp(props)`);
    expect(fs.readdirSync(dir)).toEqual(['program.js']);
  });

  test('the package.json field names the program; synth renders it', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ 'cdk8s-gitops': { app: path.relative(dir, FIXTURE_APP) } }));
    const r = await run(dir, 'synth', '--out', 'out');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(listFiles(path.join(dir, 'out'))).toContain('dev/release.yaml');
  });

  test('the top-level help says how the program is found', async () => {
    const r = await run(tmp(), '--help');
    expect(r.stdout).toContain('else the\n"app" entry of the "cdk8s-gitops" field in ./package.json');
  });
});
