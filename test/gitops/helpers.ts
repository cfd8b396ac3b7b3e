/**
 * Helpers for the GitOps tests: real git only (temporary bare origins and clones, no network),
 * with an isolated git configuration so the tests work on a bare machine.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { writeTree } from '../../src/git/write-tree';
import { main } from '../../src/cli/main';
import { CreateApp } from '../../src/gitops/repository';
import { parseReleaseFile, ReleaseState } from '../../src/release/release';

export const FIXTURE_APP = path.join(__dirname, 'fixture-app.ts');
export const FIXTURE_APP_MANY = path.join(__dirname, 'fixture-app-many.ts');
export const CLI = path.join(__dirname, 'cli.js');

const roots: string[] = [];

/** Isolate git from the machine's configuration: identity, default branch, no signing. */
export function isolateGit(): void {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitops-home-'));
  roots.push(home);
  const config = path.join(home, 'gitconfig');
  fs.writeFileSync(config, '[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n[user]\n\tname = Test\n\temail = test@example.com\n[advice]\n\tdetachedHead = false\n');
  Object.assign(process.env, {
    GIT_CONFIG_GLOBAL: config,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  });
}

/** A fresh temporary directory, removed by {@link cleanup}. */
export function tmpdir(name = 'repo'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-gitops-${name}-`));
  roots.push(d);
  return d;
}

/** Remove every temporary directory made so far. */
export function cleanup(): void {
  templates.clear();
  shared.clear();
  for (const d of roots.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Run git in `cwd`; throw with its stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * A real ssh signing key (ed25519, no passphrase) and an allowed-signers file naming it for the
 * test identity: what `git verify-commit` checks an ssh signature against.
 */
export function sshSigningKey(): { key: string; allowedSigners: string } {
  const dir = tmpdir('signing-key');
  const key = path.join(dir, 'key');
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@example.com', '-f', key], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`ssh-keygen failed (is openssh-client installed?): ${r.error?.message ?? r.stderr}`);
  const allowedSigners = path.join(dir, 'allowed_signers');
  fs.writeFileSync(allowedSigners, `test@example.com ${fs.readFileSync(`${key}.pub`, 'utf8')}`);
  return { key, allowedSigners };
}

/** Seeded origins by program, made once per test file: {@link seedRepo} hands out copies. */
const templates = new Map<CreateApp, string>();

/**
 * A bare origin whose `main` holds the full synth of `createApp({})` (the project's defaults),
 * and a clone of it. Returns both paths. The first call for a program seeds a template origin
 * (~0.45 s); every call returns a fresh bare copy of it (a local clone, ~0.06 s), so a test may
 * push to its origin without affecting another.
 */
export function seedRepo(createApp: CreateApp): { origin: string; clone: string } {
  let template = templates.get(createApp);
  if (template === undefined) {
    const root = tmpdir('template');
    template = path.join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', template);
    const seed = path.join(root, 'seed');
    git(root, 'clone', '-q', template, seed);
    writeTree(seed, createApp({}).files());
    fs.writeFileSync(path.join(seed, 'README.md'), '# GitOps repository\n');
    git(seed, 'add', '-A');
    git(seed, 'commit', '-q', '-m', 'synth: initial');
    git(seed, 'push', '-q', 'origin', 'main');
    templates.set(createApp, template);
  }
  const origin = path.join(tmpdir('origin'), 'origin.git');
  git(path.dirname(origin), 'clone', '-q', '--bare', template, origin);
  return { origin, clone: cloneOf(origin) };
}

/** A new clone of `origin`. */
export function cloneOf(origin: string): string {
  const dir = path.join(tmpdir('clone'), 'gitops');
  git(path.dirname(dir), 'clone', '-q', origin, dir);
  return dir;
}

/** Origins by program that the tests of a file share: {@link sharedClone}. */
const shared = new Map<CreateApp, string>();

/**
 * A new clone of one origin per program that the tests of a file share: for tests that never
 * push ({@link seedRepo} gives each caller an origin of its own, at the cost of a copy).
 */
export function sharedClone(createApp: CreateApp): string {
  let origin = shared.get(createApp);
  if (origin === undefined) {
    origin = seedRepo(createApp).origin;
    shared.set(createApp, origin);
  }
  return cloneOf(origin);
}

/** The release state of `env`: its release file in the working tree of `dir`, or at commit `rev`. */
export function releaseState(dir: string, env: string, rev?: string): ReleaseState {
  const text = rev === undefined ? read(dir, `${env}/release.yaml`) : git(dir, 'show', `${rev}:${env}/release.yaml`);
  return parseReleaseFile(text, { environment: env });
}

/**
 * Pathspec that leaves synth's ownership record out of a diff: every commit updates it with the
 * blob ids of the files it changes (bootstrap.test.ts checks it), the tests look at the manifests.
 */
export const NOT_RECORD = `:(exclude,glob)**/${OWNERSHIP_RECORD}`;

/** The files that `range` (by default the last commit) changes, but synth's ownership record. */
export function changedFiles(dir: string, range = 'HEAD~1..HEAD'): string[] {
  return git(dir, 'diff', '--name-only', range, '--', '.', NOT_RECORD).trim().split('\n').filter(Boolean);
}

/** The lines commit `rev` adds or removes (no file headers), but those of synth's ownership record. */
export function changedLines(dir: string, rev = 'HEAD'): string[] {
  return git(dir, 'diff', '-U0', `${rev}~1`, rev, '--', '.', NOT_RECORD).split('\n').filter(l => /^[-+](?![-+])/.test(l));
}

/** The trailers of commit `rev`'s message as git itself parses them (`git interpret-trailers --parse`): `Key: value` lines. */
export function commitTrailers(dir: string, rev = 'HEAD'): string[] {
  const r = spawnSync('git', ['interpret-trailers', '--parse'], { input: git(dir, 'log', '-1', '--format=%B', rev), encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean);
}

/** Everything that must not change when an operation fails: HEAD, branch, index, status, refs. */
export function snapshot(dir: string): Record<string, string> {
  const gitDir = path.join(dir, '.git');
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    symbolicHead: fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8'),
    status: git(dir, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
    index: git(dir, 'ls-files', '-s'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    files: listFiles(dir).map(f => `${f} ${fs.readFileSync(path.join(dir, f), 'utf8').length}`).join('\n'),
  };
}

/**
 * What git holds for `dir`: HEAD, index and status (ignored and untracked files included);
 * unlike {@link snapshot}, it never reads the files (a committed link to a folder is fine).
 */
export function gitState(dir: string): Record<string, string> {
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    index: git(dir, 'ls-files', '-s'),
    status: git(dir, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
  };
}

/** Every file of a working tree (without .git), sorted. */
export function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name === '.git') continue;
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, p)); else out.push(p);
  }
  return out.sort();
}

/** Run the CLI in this process; capture stdout, stderr and the exit code. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => { stdout += String(s); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { stderr += String(s); return true; });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** How {@link spawnCli} runs the CLI. */
export interface SpawnOptions {
  /** Variables added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the CLI's stdin (else stdin is closed). */
  readonly input?: string;
  /** The working directory (else this process's). */
  readonly cwd?: string;
  /** Milliseconds after which a CLI still running is sent SIGTERM (reported by `signal`); none by default. */
  readonly timeout?: number;
  /** Called with all of stderr so far each time the CLI writes to it. */
  readonly onStderr?: (stderr: string) => void;
}

/** What a CLI process did: its exit code (null when a signal ended it), the signal, its output. */
export interface SpawnResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI as a separate node process (TypeScript via the esbuild require hook). */
export function spawnCli(argv: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], {
      cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(options.input);
    const timer = options.timeout === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), options.timeout);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', d => { stdout += d; });
    child.stderr!.on('data', d => { stderr += d; options.onStderr?.(stderr); });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Read a file of a working tree. */
export function read(dir: string, rel: string): string {
  return fs.readFileSync(path.join(dir, rel), 'utf8');
}

/**
 * `stderr` of bin/cdk8s-gitops.js without the one line it writes on a Node.js older than the
 * package's engines (this machine's Node 20 for local runs; CI runs Node 22).
 */
export function withoutEnginesNote(stderr: string): string {
  return stderr.replace(/^cdk8s-gitops: Node\.js \S+ is older than this package supports \(engines: [^)]*\);.*\n/, '');
}
