import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatCount, Progress } from '../../src/cli/progress';
import { CLI, FIXTURE_APP } from '../gitops/helpers';
import { tempDir } from '../temp-dir';

/** Keep the main thread busy, as rendering or parsing does: no timer of this thread can fire meanwhile. */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy */ }
}

/** A file standing in for a terminal: its descriptor, and what was written to it. */
function fakeTerminal(isTTY = true): { stream: { isTTY: boolean; fd: number }; text: () => string } {
  const file = path.join(tempDir('progress'), 'tty');
  const fd = fs.openSync(file, 'w');
  return { stream: { isTTY, fd }, text: () => fs.readFileSync(file, 'utf8') };
}

/** Wait (without blocking) until `f` holds, at most `ms`. */
async function until(f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise(r => setTimeout(r, 10));
}

describe('Progress', () => {
  test('on a terminal: the current phase once the delay has passed, even while the main thread is blocked; then each new phase; then done', async () => {
    const tty = fakeTerminal();
    const progress = Progress.start({ stream: tty.stream, delayMs: 200 });
    progress.phase('reading…');
    block(1500); // the worker's clock runs meanwhile
    expect(tty.text()).toBe('cdk8s-gitops: reading…\n');
    progress.phase(`validating ${formatCount(28602)} objects…`);
    await until(() => tty.text().includes('validating'));
    expect(tty.text()).toBe('cdk8s-gitops: reading…\ncdk8s-gitops: validating 28,602 objects…\n');
    progress.finish();
    expect(tty.text()).toMatch(/^cdk8s-gitops: reading…\ncdk8s-gitops: validating 28,602 objects…\ncdk8s-gitops: done in \d+\.\d s\n$/);
    // nothing after the end
    const final = tty.text();
    progress.phase('late…');
    progress.stop();
    await new Promise(r => setTimeout(r, 300));
    expect(tty.text()).toBe(final);
  });

  test('work shorter than the delay prints nothing', async () => {
    const tty = fakeTerminal();
    const progress = Progress.start({ stream: tty.stream, delayMs: 500 });
    progress.phase('reading…');
    block(50);
    progress.phase('validating…');
    progress.finish();
    await new Promise(r => setTimeout(r, 700));
    expect(tty.text()).toBe('');
  });

  test('not a terminal: nothing, however long the work', async () => {
    const file = fakeTerminal(false);
    const progress = Progress.start({ stream: file.stream, delayMs: 0 });
    progress.phase('reading…');
    block(300);
    progress.finish();
    await new Promise(r => setTimeout(r, 200));
    expect(file.text()).toBe('');
  });
});

describe('the CLI on a terminal', () => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  /** An app that takes 1.5 s to construct (a busy main thread). */
  function slowApp(): string {
    const file = path.join(tempDir('slow-app'), 'slow-app.js');
    fs.writeFileSync(file, `const { createApp } = require(${JSON.stringify(FIXTURE_APP)});\n`
      + 'exports.createApp = props => { const end = Date.now() + 1500; while (Date.now() < end); return createApp(props); };\n');
    return file;
  }

  (hasScript ? test : test.skip)('synth prints phases on stderr when it is a terminal (a pseudo-terminal from script(1)), and nothing when it is a pipe', async () => {
    const app = slowApp();
    const out = path.join(tempDir('synth'), 'out');
    const command = [process.execPath, CLI, 'synth', '--app', app, '--out', out].map(a => `'${a}'`).join(' ');
    const onTty = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', d => { output += d; });
      child.on('error', reject);
      child.on('close', code => resolve({ code, output: output.replace(/\r\n/g, '\n') }));
    });
    expect(onTty.code).toBe(0);
    const lines = onTty.output.split('\n');
    // the app is still being constructed after 1 s (unless the machine is so busy that the worker started late)
    expect(lines[0]).toMatch(/^cdk8s-gitops: (constructing the app|rendering|validating 10 objects)…$/);
    expect(lines).toContain('cdk8s-gitops: validating 10 objects…');
    expect(lines.slice(-3)).toEqual([expect.stringMatching(/^cdk8s-gitops: done in \d+\.\d s$/), `synthesized 12 files into ${out}: 12 written, 0 unchanged, 0 removed`, '']);

    const piped = spawnSync(process.execPath, [CLI, 'synth', '--app', app, '--out', `${out}2`], { encoding: 'utf8' });
    expect({ status: piped.status, stderr: piped.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
