import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import {
  CdkGitOpsError, ConfigError, ExitCode, exitCodeOf, GitOpsError, InputError, isCdkGitOpsError, PushedNotLandedError, UsageError,
} from '../../src/core/errors';
import { FastForwardError } from '../../src/git/fast-forward';
import { GitError } from '../../src/git/git';
import { PrometheusError } from '../../src/gate/prometheus';
import { ReleaseFileError } from '../../src/release/release';
import { UnsafePathError } from '../../src/core/safe-fs';
import { ManifestLoadError, ValidationError } from '../../src/validate';

/** The classes of a second copy of the errors module (a program that installed its own cdk8s-gitops). */
function secondCopy(): typeof import('../../src/core/errors') {
  let copy: typeof import('../../src/core/errors') | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<typeof import('../../src/core/errors')>('../../src/core/errors');
  });
  return copy!;
}

describe('one hierarchy, each error with its exit code', () => {
  test.each([
    ['ConfigError', new ConfigError('dev/app', 'replicas', -1, 'must be at least 0'), ExitCode.FAILED],
    ['UsageError', new UsageError('--env is required'), ExitCode.USAGE],
    ['InputError', new InputError('--env: "qa" is not an environment'), ExitCode.USAGE],
    ['GitOpsError', new GitOpsError('the clone has uncommitted changes'), ExitCode.FAILED],
    ['PushedNotLandedError', new PushedNotLandedError('pushed, not landed', 'abc'), ExitCode.PUSHED_NOT_LANDED],
    ['GitError', new GitError(['status'], { status: 128, stdout: '', stderr: 'fatal' }), ExitCode.FAILED],
    ['FastForwardError', new FastForwardError('stopped', false), ExitCode.FAILED],
    ['ReleaseFileError', new ReleaseFileError('dev/release.yaml: bad'), ExitCode.FAILED],
    ['ManifestLoadError', new ManifestLoadError('a.yaml: not YAML', 'a.yaml'), ExitCode.FAILED],
    ['ValidationError', new ValidationError({ ok: false, findings: [], waived: [] } as any), ExitCode.FAILED],
    ['PrometheusError', new PrometheusError('unreachable'), ExitCode.FAILED],
    ['UnsafePathError', new UnsafePathError('x', 'x is a FIFO'), ExitCode.FAILED],
  ])('%s: its own name, branded, its exit code', (name, e, code) => {
    expect(e).toBeInstanceOf(CdkGitOpsError);
    expect(e.name).toBe(name);
    expect(isCdkGitOpsError(e)).toBe(true);
    expect(e.exitCode).toBe(code);
    expect(exitCodeOf(e)).toBe(code);
  });

  test('messages are kept as given (ConfigError: path, field, value, what is allowed)', () => {
    expect(new ConfigError('dev/app', 'replicas', -1, 'must be at least 0').message).toBe('[dev/app] replicas: -1 must be at least 0');
    expect(new InputError('--tag: "latest" is refused').message).toBe('--tag: "latest" is refused');
  });

  test('an error of a second copy of the package is recognised by its brand, not its class', () => {
    const copy = secondCopy();
    expect(copy.UsageError).not.toBe(UsageError);
    const usage = new copy.InputError('--env: "qa" is not an environment');
    expect(usage).not.toBeInstanceOf(UsageError);
    expect(isCdkGitOpsError(usage)).toBe(true);
    expect(exitCodeOf(usage)).toBe(ExitCode.USAGE);
    expect(exitCodeOf(new copy.PushedNotLandedError('pushed', 'abc'))).toBe(ExitCode.PUSHED_NOT_LANDED);
    expect(exitCodeOf(new copy.ConfigError('a', 'b', 1, 'is wrong'))).toBe(ExitCode.FAILED);
  });

  test('no duck typing: a foreign error named UsageError or with exitCode 3 is a failure (exit code 1)', () => {
    expect(isCdkGitOpsError(Object.assign(new Error('x'), { name: 'UsageError' }))).toBe(false);
    expect(exitCodeOf(Object.assign(new Error('x'), { name: 'UsageError' }))).toBe(ExitCode.FAILED);
    expect(exitCodeOf(Object.assign(new Error('x'), { exitCode: 3 }))).toBe(ExitCode.FAILED);
    expect(exitCodeOf('a string')).toBe(ExitCode.FAILED);
    expect(exitCodeOf(undefined)).toBe(ExitCode.FAILED);
    expect(exitCodeOf(null)).toBe(ExitCode.FAILED);
  });
});

describe('the CLI ends with the exit code the error carries', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitops-errors-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Run `synth` with a program whose createApp throws `globalThis.__programError`. */
  async function synthThrowing(error: unknown): Promise<{ code: number; stderr: string }> {
    const program = path.join(dir, 'program.js');
    fs.writeFileSync(program, 'exports.createApp = () => { throw globalThis.__programError; };\n');
    (globalThis as any).__programError = error;
    let stderr = '';
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(s => { stderr += String(s); return true; });
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await main(['synth', '--app', program, '--out', path.join(dir, 'out')]);
      return { code, stderr };
    } finally {
      err.mockRestore();
      out.mockRestore();
      delete (globalThis as any).__programError;
    }
  }

  test('a usage error of a second copy (the program\'s own cdk8s-gitops): exit 2 with the usage hint', async () => {
    const r = await synthThrowing(new (secondCopy().UsageError)('--thing is wrong'));
    expect(r).toEqual({ code: 2, stderr: 'cdk8s-gitops synth: --thing is wrong\nRun `cdk8s-gitops synth --help` for usage.\n' });
  });

  test('pushed but not landed, of a second copy: exit 3', async () => {
    expect((await synthThrowing(new (secondCopy().PushedNotLandedError)('pushed abc', 'abc'))).code).toBe(3);
  });

  test('an error that only looks like one (by name, by an exitCode field) is a failure: exit 1', async () => {
    expect(await synthThrowing(Object.assign(new Error('named so'), { name: 'UsageError' }))).toEqual({ code: 1, stderr: 'cdk8s-gitops synth: named so\n' });
    expect((await synthThrowing(Object.assign(new Error('exit 3?'), { exitCode: 3 }))).code).toBe(1);
  });
});
