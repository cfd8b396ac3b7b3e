import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitOpsError, InputError } from '../../src/core/errors';
import { blobSha } from '../../src/git/git';
import { recoverInterruptedSwap, STAGING_FOLDER, Staging, swapStateDir } from '../../src/git/swap-journal';
import { writeTree } from '../../src/git/write-tree';
import { tempDir } from '../temp-dir';
import { put, snapshotTree } from '../tree-snapshot';
import { isolateGit, spawnCli } from '../gitops/helpers';

const VARIANTS = path.join(__dirname, '..', 'faults', 'fixture-variants.ts');

beforeAll(isolateGit);

const V1 = new Map([['dev/a/one.yaml', 'one\n']]);

/** Run `f` with environment variables set (undefined: unset), then restore them. */
function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map(k => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  };
  set(vars);
  try {
    return f();
  } finally {
    set(saved);
  }
}

describe('swapStateDir: where synth keeps what it trusts, outside the output folder', () => {
  test('in a git working tree: in its git directory, one folder per output folder (by its path in the working tree)', () => {
    const repo = tempDir('state');
    execFileSync('git', ['init', '-q', repo]);
    fs.mkdirSync(path.join(repo, 'a', 'b'), { recursive: true });
    const top = swapStateDir(repo);
    const sub = swapStateDir(path.join(repo, 'a', 'b'));
    expect(path.dirname(top)).toBe(path.join(repo, '.git', 'cdk8s-gitops-synth'));
    expect(path.dirname(sub)).toBe(path.join(repo, '.git', 'cdk8s-gitops-synth'));
    expect(top).not.toBe(sub);
    // a moved clone keeps its state (the key is the path inside the working tree)
    const moved = `${repo}-moved`;
    fs.renameSync(repo, moved);
    expect(swapStateDir(moved)).toBe(path.join(moved, path.relative(repo, top)));
    fs.renameSync(moved, repo);
  });

  test('in a linked worktree: in that worktree\'s own git directory', () => {
    const repo = tempDir('state');
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', ['-C', repo, 'commit', '-q', '--allow-empty', '-m', 'x']);
    const linked = path.join(tempDir('state'), 'linked');
    execFileSync('git', ['-C', repo, 'worktree', 'add', '-q', linked]);
    expect(swapStateDir(linked)).toMatch(new RegExp(`^${repo}/\\.git/worktrees/linked/cdk8s-gitops-synth/[0-9a-f]{16}$`));
  });

  test('outside git: $XDG_STATE_HOME/cdk8s-gitops/synth, one folder per output folder by its real path', () => {
    const out = tempDir('state');
    expect(withEnv({ XDG_STATE_HOME: '/x/state' }, () => swapStateDir(out))).toMatch(/^\/x\/state\/cdk8s-gitops\/synth\/[0-9a-f]{16}$/);
    const link = path.join(tempDir('state'), 'link');
    fs.symlinkSync(out, link);
    expect(swapStateDir(link)).toBe(swapStateDir(out));
    expect(swapStateDir(tempDir('state'))).not.toBe(swapStateDir(out));
  });

  /** Run a synth into `out` with `env` that is killed once it has staged (its state recorded). */
  async function stateOfKilledSynth(out: string, env: NodeJS.ProcessEnv): Promise<void> {
    const r = await spawnCli(['synth', '--app', VARIANTS, '--out', out], { timeout: 20_000, env: { FAULT_FIXTURE_VARIANT: 'old', CDK8S_GITOPS_FAULT_POINT: 'synth:staged', ...env } });
    expect(r.signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(out, STAGING_FOLDER))).toBe(true);
  }

  test('outside git, without XDG_STATE_HOME: ~/.local/state/cdk8s-gitops/synth', async () => {
    const home = tempDir('home');
    const out = path.join(tempDir('state'), 'out');
    await stateOfKilledSynth(out, { HOME: home, XDG_STATE_HOME: '' });
    const expected = withEnv({ XDG_STATE_HOME: path.join(home, '.local', 'state') }, () => swapStateDir(out));
    expect(fs.readdirSync(expected)).toEqual(['owner']);
  });

  test('no usable home folder (a CI container): a folder of this user alone in the temporary folder; one open to others is refused', async () => {
    const tmp = tempDir('tmp');
    const file = path.join(tmp, 'not-a-home');
    fs.writeFileSync(file, '');
    const env = { HOME: file, XDG_STATE_HOME: '', TMPDIR: tmp };
    const own = path.join(tmp, `cdk8s-gitops-${process.getuid!()}`);
    const out = path.join(tempDir('state'), 'out');
    await stateOfKilledSynth(out, env);
    expect((fs.statSync(own).mode & 0o777).toString(8)).toBe('700');
    const state = withEnv({ XDG_STATE_HOME: tmp }, () => swapStateDir(out)).replace(`${tmp}/cdk8s-gitops/`, `${own}/`);
    expect(fs.readdirSync(state)).toEqual(['owner']);
    // the next run finds it there, recovers, and leaves nothing
    const next = await spawnCli(['synth', '--app', VARIANTS, '--out', out], { timeout: 20_000, env: { FAULT_FIXTURE_VARIANT: 'old', ...env } });
    expect(next).toMatchObject({ code: 0, stderr: expect.stringMatching(/^synth: removed .*, left by a synth that was stopped before its swap began/) });
    expect(fs.readdirSync(own)).toEqual([]);
    fs.chmodSync(own, 0o777);
    const refused = await spawnCli(['synth', '--app', VARIANTS, '--out', out], { timeout: 20_000, env: { FAULT_FIXTURE_VARIANT: 'new', ...env } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${own} is a folder of user ${process.getuid!()} or open to others (mode 777): synth keeps its state there when ${file}/.local/state/cdk8s-gitops cannot be made, and trusts only a folder of its own user, closed to others`);
  });

  test('an output folder inside a git directory not named .git is refused (InputError), nothing written', () => {
    const parent = tempDir('state');
    execFileSync('git', ['init', '-q', parent]);
    execFileSync('git', ['init', '-q', `--separate-git-dir=${path.join(parent, 'sep-git')}`, path.join(parent, 'work')]);
    const hooks = path.join(parent, 'sep-git', 'hooks');
    const before = fs.readdirSync(hooks).sort();
    expect(() => swapStateDir(hooks)).toThrow(InputError);
    expect(() => writeTree(hooks, V1)).toThrow(`${hooks} is inside a git directory (${path.join(parent, 'sep-git')}): synth never writes there, even with --force`);
    expect(fs.readdirSync(hooks).sort()).toEqual(before);
    expect(fs.existsSync(path.join(hooks, STAGING_FOLDER))).toBe(false);
  });
});

/** An output folder and a state folder for it (inside a folder of its own, which an emptied state leaves empty). */
function folders(): { out: string; state: string } {
  return { out: tempDir('swap-out'), state: path.join(tempDir('swap-state'), 'synth', 'key') };
}

/** The message of what `f` throws (fails the test when it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e: any) {
    return e;
  }
  throw new Error('expected a refusal');
}

/** A staging folder of this process in `out` with `files` staged and `journal` committed in `state`, as a run killed right after committing its journal leaves them. */
function committedSwap(out: string, state: string, files: Record<string, string>, journal: unknown): void {
  const staging = Staging.create(out, state);
  for (const [rel, content] of Object.entries(files)) staging.write(rel, content);
  fs.writeFileSync(path.join(state, 'journal'), typeof journal === 'string' ? journal : `${JSON.stringify(journal)}\n`);
}

/** The pid of a process that has ended. */
function endedPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
}

describe('Staging: the swap of staged files into place', () => {
  test('records its writer in the state folder (closed to others) and its token in the staging folder', () => {
    const { out, state } = folders();
    Staging.create(out, state);
    const token = fs.readFileSync(path.join(out, STAGING_FOLDER, 'owner'), 'utf8');
    expect(token).toMatch(/^[0-9a-f]{32}\n$/);
    const owner = JSON.parse(fs.readFileSync(path.join(state, 'owner'), 'utf8'));
    expect(owner).toEqual({ pid: process.pid, host: os.hostname(), started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), token: token.trim() });
    expect(fs.statSync(state).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(state, 'owner')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(state)).toEqual(['owner']); // no temporary file left beside it
  });

  test('moves the staged files and new folders into place, removes the listed files and the folders that leaves empty, then leaves no staging folder and no state', () => {
    const { out, state } = folders();
    put(out, 'x.yaml', 'old x\n');
    put(out, 'old/deep/gone.yaml', 'gone\n');
    put(out, 'keep/gone.yaml', 'gone\n');
    put(out, 'keep/mine.txt', 'mine\n');
    const staging = Staging.create(out, state);
    staging.write('x.yaml', 'new x\n');
    staging.write('new/deep/n.yaml', 'n\n');
    staging.write('new/deep/m.yaml', 'm\n');
    staging.write('keep/added.yaml', 'added\n');
    staging.swap({ removes: [{ path: 'old/deep/gone.yaml', blob: blobSha('gone\n') }, { path: 'keep/gone.yaml', blob: blobSha('gone\n') }], installs: ['x.yaml', 'new', 'keep/added.yaml'] });
    expect(snapshotTree(out)).toEqual({ 'x.yaml': 'new x\n', 'new/deep/n.yaml': 'n\n', 'new/deep/m.yaml': 'm\n', 'keep/added.yaml': 'added\n', 'keep/mine.txt': 'mine\n' });
    expect(fs.existsSync(path.dirname(state))).toBe(false);
    expect(fs.readdirSync(path.dirname(path.dirname(state)))).toEqual([]);
  });

  test('the state of another output folder beside it stays', () => {
    const { out, state } = folders();
    const other = path.join(path.dirname(state), 'other');
    put(other, 'owner', 'x\n');
    const staging = Staging.create(out, state);
    staging.write('a.yaml', 'a\n');
    staging.swap({ removes: [], installs: ['a.yaml'] });
    expect(fs.readdirSync(path.dirname(state))).toEqual(['other']);
  });

  test('a file to remove that no longer holds what was checked, or is not a regular file, stays', () => {
    const { out, state } = folders();
    put(out, 'changed.yaml', 'changed since\n');
    fs.mkdirSync(path.join(out, 'folder.yaml'));
    fs.symlinkSync('changed.yaml', path.join(out, 'link.yaml'));
    const before = snapshotTree(out);
    Staging.create(out, state).swap({
      removes: ['changed.yaml', 'folder.yaml', 'link.yaml', 'gone.yaml', 'no/such/folder.yaml'].map(p => ({ path: p, blob: blobSha('changed\n') })),
      installs: [],
    });
    expect(snapshotTree(out)).toEqual(before);
    expect(fs.existsSync(state)).toBe(false);
  });

  test('discarded before its swap: the staging folder and the state are removed, the output is untouched', () => {
    const { out, state } = folders();
    put(out, 'a.yaml', 'a\n');
    const staging = Staging.create(out, state);
    staging.write('a.yaml', 'new\n');
    staging.discard();
    expect(snapshotTree(out)).toEqual({ 'a.yaml': 'a\n' });
    expect(fs.existsSync(path.dirname(state))).toBe(false);
  });

  test('refused while another run has recorded itself, or a staging folder appeared: nothing of the other run is touched', () => {
    const { out, state } = folders();
    put(state, 'owner', 'the other run\n');
    expect(() => Staging.create(out, state)).toThrow(new GitOpsError(`another synth started writing ${out} meanwhile (${path.join(state, 'owner')} appeared): run one at a time`));
    expect(fs.readdirSync(state)).toEqual(['owner']);
    expect(fs.readFileSync(path.join(state, 'owner'), 'utf8')).toBe('the other run\n');
    expect(fs.readdirSync(out)).toEqual([]);
    fs.rmSync(state, { recursive: true });
    put(out, `${STAGING_FOLDER}/files/a.yaml`, 'the other run\n');
    expect(() => Staging.create(out, state)).toThrow(new GitOpsError(`${path.join(out, STAGING_FOLDER)} appeared while synth was writing: another synth is writing ${out}; run one at a time`));
    expect(snapshotTree(out)).toEqual({ [`${STAGING_FOLDER}/files/a.yaml`]: 'the other run\n' });
    expect(fs.existsSync(state)).toBe(false);
  });

  test('a folder along a path that is a symbolic link stops the swap half-way, nothing written through it; the journal stays, and the next run completes the swap once it is moved away', () => {
    const { out, state } = folders();
    const outside = tempDir('outside');
    fs.symlinkSync(outside, path.join(out, 'dev'));
    put(out, 'gone.yaml', 'gone\n');
    const staging = Staging.create(out, state);
    staging.write('a.yaml', 'a\n');
    staging.write('dev/x.yaml', 'x\n');
    const journal = { removes: [{ path: 'gone.yaml', blob: blobSha('gone\n') }], installs: ['a.yaml', 'dev/x.yaml'] };
    expect(() => staging.swap(journal)).toThrow(new GitOpsError(`synth stopped half-way through its swap: ${path.join(out, 'dev')} is a symbolic link to ${JSON.stringify(outside)}, not a folder: synth writes only through real folders inside ${out} (it would have led dev/x.yaml elsewhere); move it away and run synth again; `
      + `its journal stays in ${state} and its files in ${path.join(out, STAGING_FOLDER)}: fix the cause and run synth again, which completes the swap`));
    staging.discard(); // committed: the next run's to complete
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(snapshotTree(out)).toEqual({ 'a.yaml': 'a\n', dev: `<symlink to ${outside}>`, [`${STAGING_FOLDER}/files/dev/x.yaml`]: 'x\n', [`${STAGING_FOLDER}/owner`]: expect.any(String) });
    expect(fs.readdirSync(state).sort()).toEqual(['journal', 'owner']);
    // the next run (here the same process) stops at the same place until the link is moved
    expect(() => recoverInterruptedSwap(out, state)).toThrow(`${path.join(out, 'dev')} is a symbolic link to ${JSON.stringify(outside)}, not a folder`);
    fs.unlinkSync(path.join(out, 'dev'));
    expect(recoverInterruptedSwap(out, state)).toBe(`completed the swap of a synth that was stopped half-way (2 files or new folders moved into place, 1 files removed, as its journal lists): ${out} holds that run's output, whole`);
    expect(snapshotTree(out)).toEqual({ 'a.yaml': 'a\n', 'dev/x.yaml': 'x\n' });
    expect(fs.existsSync(path.dirname(state))).toBe(false);
  });

  test('a file to remove behind a folder that is a symbolic link is not removed (the swap stops, naming the folder)', () => {
    const { out, state } = folders();
    const outside = tempDir('outside');
    put(outside, 'x.yaml', 'x\n');
    fs.symlinkSync(outside, path.join(out, 'dev'));
    expect(() => Staging.create(out, state).swap({ removes: [{ path: 'dev/x.yaml', blob: blobSha('x\n') }], installs: [] })).toThrow(`${path.join(out, 'dev')} is a symbolic link to ${JSON.stringify(outside)}, not a folder`);
    expect(snapshotTree(outside)).toEqual({ 'x.yaml': 'x\n' });
  });
});

describe('recoverInterruptedSwap', () => {
  test('nothing left: nothing to do', () => {
    const { out, state } = folders();
    expect(recoverInterruptedSwap(out, state)).toBeUndefined();
    expect(fs.existsSync(state)).toBe(false);
  });

  test('a run killed after recording itself, before it made its staging folder: its record is cleared, nothing said', () => {
    const { out, state } = folders();
    put(state, 'owner', `${JSON.stringify({ pid: endedPid(), host: os.hostname(), started: '2026-01-01T00:00:00.000Z', token: 'ab'.repeat(16) })}\n`);
    expect(recoverInterruptedSwap(out, state)).toBeUndefined();
    expect(fs.existsSync(path.dirname(state))).toBe(false);
  });

  test('a run killed before its swap: its staging folder is removed (also one it had not written its token into yet), the output kept', () => {
    for (const token of [true, false]) {
      const { out, state } = folders();
      put(out, 'a.yaml', 'a\n');
      Staging.create(out, state);
      if (!token) fs.rmSync(path.join(out, STAGING_FOLDER, 'owner'));
      expect(recoverInterruptedSwap(out, state)).toBe(`removed ${path.join(out, STAGING_FOLDER)}, left by a synth that was stopped before its swap began: ${out} holds the output from before that run, whole`);
      expect(snapshotTree(out)).toEqual({ 'a.yaml': 'a\n' });
      expect(fs.existsSync(path.dirname(state))).toBe(false);
    }
  });

  test('a run killed half-way through its swap: completed, the files already moved and removed skipped', () => {
    const { out, state } = folders();
    put(out, 'b.yaml', 'b\n');
    committedSwap(out, state, { 'a.yaml': 'a\n', 'new/c.yaml': 'c\n' }, { version: 1, removes: [{ path: 'gone/x.yaml', blob: blobSha('x\n') }, { path: 'b.yaml', blob: blobSha('b\n') }], installs: ['done.yaml', 'a.yaml', 'new'] });
    put(out, 'done.yaml', 'moved before the kill\n');
    expect(recoverInterruptedSwap(out, state)).toBe(`completed the swap of a synth that was stopped half-way (3 files or new folders moved into place, 2 files removed, as its journal lists): ${out} holds that run's output, whole`);
    expect(snapshotTree(out)).toEqual({ 'a.yaml': 'a\n', 'new/c.yaml': 'c\n', 'done.yaml': 'moved before the kill\n' });
    expect(fs.existsSync(path.dirname(state))).toBe(false);
  });

  test('a run recorded on another host is not taken for one running here', () => {
    const { out, state } = folders();
    const staging = Staging.create(out, state);
    staging.write('a.yaml', 'a\n');
    const owner = JSON.parse(fs.readFileSync(path.join(state, 'owner'), 'utf8'));
    fs.writeFileSync(path.join(state, 'owner'), JSON.stringify({ ...owner, pid: process.ppid, host: `not-${os.hostname()}` }));
    expect(recoverInterruptedSwap(out, state)).toMatch(/^removed .*, left by a synth that was stopped before its swap began/);
  });

  test('a staging folder this machine did not make is refused, nothing changed: with no record, another token, files but no token, or a token that is not a file', () => {
    const cases: [string, (out: string, state: string) => void, string][] = [
      ['no record', () => undefined, 'it has no record of it in '],
      ['another token', (out, state) => { Staging.create(out, state); put(out, `${STAGING_FOLDER}/owner`, `${'cd'.repeat(16)}\n`); }, 'it is not the one recorded in '],
      ['files but no token', (out, state) => { Staging.create(out, state); fs.rmSync(path.join(out, STAGING_FOLDER, 'owner')); }, 'it is not the one recorded in '],
      ['a token that is a folder', (out, state) => { Staging.create(out, state); fs.rmSync(path.join(out, STAGING_FOLDER, 'owner')); fs.mkdirSync(path.join(out, STAGING_FOLDER, 'owner')); }, 'it is not the one recorded in '],
    ];
    for (const [, setUp, why] of cases) {
      const { out, state } = folders();
      setUp(out, state);
      put(out, `${STAGING_FOLDER}/files/a.yaml`, 'not ours\n');
      const before = snapshotTree(out);
      const dir = path.join(out, STAGING_FOLDER);
      const e = thrown(() => recoverInterruptedSwap(out, state));
      expect(e).toBeInstanceOf(GitOpsError);
      expect(e.message).toContain(`${dir}: synth did not make this staging folder on this machine (${why}`);
      expect(e.message).toContain(`Nothing was changed. Look at what it holds, then remove it: rm -r -- '${dir}'; and run synth again`);
      expect(e.message).not.toContain('git tracks it');
      expect(snapshotTree(out)).toEqual(before);
    }
  });

  test('a staging folder committed to the repository is refused with the git commands that remove it, which work', () => {
    const repo = tempDir('swap-repo');
    execFileSync('git', ['init', '-q', repo]);
    put(repo, `${STAGING_FOLDER}/files/a.yaml`, 'committed\n');
    execFileSync('git', ['-C', repo, 'add', '-A']);
    execFileSync('git', ['-C', repo, 'commit', '-q', '-m', 'x']);
    const e = thrown(() => recoverInterruptedSwap(repo));
    expect(e.message).toContain(`(it has no record of it in ${swapStateDir(repo)}), and git tracks it (it was committed to the repository). `);
    const fix = `git -C '${repo}' rm -r -q -- '${STAGING_FOLDER}' && git -C '${repo}' commit -m 'remove a staging folder synth did not make'`;
    expect(e.message).toContain(`Look at what it holds (a commit adding it is not from synth), then remove it: ${fix}; and run synth again`);
    execSync(fix, { stdio: 'pipe' });
    expect(recoverInterruptedSwap(repo)).toBeUndefined();
  });

  test('a staging folder that is not a folder is refused', () => {
    const { out, state } = folders();
    Staging.create(out, state);
    fs.rmSync(path.join(out, STAGING_FOLDER), { recursive: true });
    put(out, STAGING_FOLDER, 'a file\n');
    expect(() => recoverInterruptedSwap(out, state)).toThrow(new GitOpsError(`${path.join(out, STAGING_FOLDER)} is a regular file: synth keeps its staging folder there; remove it`));
    expect(fs.readFileSync(path.join(out, STAGING_FOLDER), 'utf8')).toBe('a file\n');
  });

  test.each([
    ['not JSON', 'x'],
    ['JSON but no record', 'null'],
    ['no pid', JSON.stringify({ host: 'h', started: 's', token: 'ab'.repeat(16) })],
    ['a pid that is not a number', JSON.stringify({ pid: '1', host: 'h', started: 's', token: 'ab'.repeat(16) })],
    ['no host', JSON.stringify({ pid: 1, started: 's', token: 'ab'.repeat(16) })],
    ['no start', JSON.stringify({ pid: 1, host: 'h', token: 'ab'.repeat(16) })],
    ['no token', JSON.stringify({ pid: 1, host: 'h', started: 's' })],
    ['a short token', JSON.stringify({ pid: 1, host: 'h', started: 's', token: 'ab'.repeat(15) })],
    ['a token with more around it', JSON.stringify({ pid: 1, host: 'h', started: 's', token: `x${'ab'.repeat(16)}x` })],
  ])('a damaged record of the writing run (%s) is refused, nothing removed', (_, text) => {
    const { out, state } = folders();
    put(state, 'owner', text);
    put(out, `${STAGING_FOLDER}/files/a.yaml`, 'a\n');
    const file = path.join(state, 'owner');
    expect(() => recoverInterruptedSwap(out, state)).toThrow(new GitOpsError(`${file}: synth's record of a run writing ${out} is damaged: if no synth runs there, remove it (rm '${file}') and ${path.join(out, STAGING_FOLDER)} if there is one, check the output (e.g. git status) and run synth again`));
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(snapshotTree(out)).toEqual({ [`${STAGING_FOLDER}/files/a.yaml`]: 'a\n' });
  });

  test('a record of the writing run that is a symbolic link out of the state folder is refused as such', () => {
    const { out, state } = folders();
    fs.mkdirSync(state, { recursive: true });
    const elsewhere = path.join(tempDir('elsewhere'), 'owner');
    fs.writeFileSync(elsewhere, '{}');
    fs.symlinkSync(elsewhere, path.join(state, 'owner'));
    const e = thrown(() => recoverInterruptedSwap(out, state));
    expect(e).toBeInstanceOf(GitOpsError);
    expect(e.message).toContain(path.join(state, 'owner'));
    expect(e.message).toMatch(new RegExp(`; it is synth's record of a run writing ${out}: if no synth runs there, remove it$`));
  });

  test.each([
    ['not JSON', 'x', 'not JSON: '],
    ['another version', { version: 2, removes: [], installs: [] }, 'not a version 1 journal'],
    ['no list of removes', { version: 1, installs: [] }, 'not a version 1 journal'],
    ['no list of installs', { version: 1, removes: [] }, 'not a version 1 journal'],
    ['a remove out of the folder', { version: 1, removes: [{ path: '../x', blob: 'a'.repeat(40) }], installs: [] }, 'bad entry {"path":"../x","blob":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}'],
    ['a remove of the ownership record', { version: 1, removes: [{ path: '.cdk8s-gitops-files', blob: 'a'.repeat(40) }], installs: [] }, 'bad entry'],
    ['a remove without a path', { version: 1, removes: [{ blob: 'a'.repeat(40) }], installs: [] }, 'bad entry'],
    ['a remove that is not an object', { version: 1, removes: [null], installs: [] }, 'bad entry null'],
    ['a remove without a blob id', { version: 1, removes: [{ path: 'a.yaml' }], installs: [] }, 'bad entry'],
    ['a remove with a short blob id', { version: 1, removes: [{ path: 'a.yaml', blob: 'a'.repeat(39) }], installs: [] }, 'bad entry'],
    ['a remove with more around its blob id', { version: 1, removes: [{ path: 'a.yaml', blob: `${'a'.repeat(40)}\n` }], installs: [] }, 'bad entry'],
    ['an install inside .git', { version: 1, removes: [], installs: ['.git/config'] }, 'bad path ".git/config"'],
    ['an install that is not a string', { version: 1, removes: [], installs: [1] }, 'bad path 1'],
  ])('a damaged journal (%s) is refused, nothing changed', (_, journal, why) => {
    const { out, state } = folders();
    put(out, 'a.yaml', 'a\n');
    committedSwap(out, state, { 'b.yaml': 'b\n' }, journal);
    const before = snapshotTree(out);
    const file = path.join(state, 'journal');
    const e = thrown(() => recoverInterruptedSwap(out, state));
    expect(e).toBeInstanceOf(GitOpsError);
    expect(e.message).toContain(`${file}: the journal of an interrupted synth is damaged (${why}`);
    expect(e.message).toContain(`); the output folder may hold a mix of two runs: check it (e.g. git status), remove ${state} and ${path.join(out, STAGING_FOLDER)} and run synth again`);
    expect(snapshotTree(out)).toEqual(before);
    expect(fs.readdirSync(state).sort()).toEqual(['journal', 'owner']);
  });

  test('a journal may install the ownership record', () => {
    const { out, state } = folders();
    committedSwap(out, state, { '.cdk8s-gitops-files': 'record\n' }, { version: 1, removes: [], installs: ['.cdk8s-gitops-files'] });
    expect(recoverInterruptedSwap(out, state)).toMatch(/^completed the swap/);
    expect(snapshotTree(out)).toEqual({ '.cdk8s-gitops-files': 'record\n' });
  });
});

describe('swapStateDir: the user\'s state folder, and the temporary folder when that cannot be made', () => {
  // HOME and TMPDIR are read from the real environment, which a test in the jest process cannot
  // set (the spawned synths above cover them); XDG_STATE_HOME is read from process.env
  const uid = process.getuid!();
  const fallback = path.join(os.tmpdir(), `cdk8s-gitops-${uid}`);

  test('an XDG_STATE_HOME that is empty or not absolute is ignored, as if unset', () => {
    const out = tempDir('state');
    const unset = withEnv({ XDG_STATE_HOME: undefined }, () => swapStateDir(out));
    expect(withEnv({ XDG_STATE_HOME: 'relative/state' }, () => swapStateDir(out))).toBe(unset);
    expect(withEnv({ XDG_STATE_HOME: '' }, () => swapStateDir(out))).toBe(unset);
  });

  test.each([
    ['is a file', (xdg: string) => { fs.writeFileSync(path.join(xdg, 'cdk8s-gitops'), ''); return xdg; }],
    ['lies under a file', (xdg: string) => { fs.writeFileSync(path.join(xdg, 'file'), ''); return path.join(xdg, 'file', 'state'); }],
  ])('a state folder that %s cannot be made: cdk8s-gitops-<uid> in the temporary folder, closed to others', (_, setUp) => {
    const xdg = setUp(tempDir('xdg'));
    const out = tempDir('state');
    expect(withEnv({ XDG_STATE_HOME: xdg }, () => swapStateDir(out))).toMatch(new RegExp(`^${fallback}/synth/[0-9a-f]{16}$`));
    const s = fs.statSync(fallback);
    expect([s.uid, s.mode & 0o777]).toEqual([uid, 0o700]);
    expect(withEnv({ XDG_STATE_HOME: xdg }, () => swapStateDir(out))).toMatch(new RegExp(`^${fallback}/synth/`)); // found again
  });

  test('a .git that is not a repository\'s: the user\'s state folder', () => {
    const out = tempDir('state');
    fs.writeFileSync(path.join(out, '.git'), 'not a repository\n');
    expect(withEnv({ XDG_STATE_HOME: '/x/state' }, () => swapStateDir(out))).toMatch(/^\/x\/state\/cdk8s-gitops\/synth\/[0-9a-f]{16}$/);
  });
});

describe('swapStateDir in the jest process: the home folder, and the temporary folder when it cannot be used', () => {
  // as above: XDG_STATE_HOME is set in this process, HOME and TMPDIR are the run's (TMPDIR: a folder of this test run)
  const uid = process.getuid!();
  const fallback = path.join(os.tmpdir(), `cdk8s-gitops-${uid}`);

  test('without XDG_STATE_HOME: ~/.local/state/cdk8s-gitops/synth', () => {
    const out = tempDir('state');
    expect(withEnv({ XDG_STATE_HOME: undefined }, () => swapStateDir(out))).toMatch(new RegExp(`^${os.homedir()}/\\.local/state/cdk8s-gitops/synth/[0-9a-f]{16}$`));
  });

  test('the folder in the temporary folder is refused when it is open to others, another user\'s, or not a folder', () => {
    const xdg = tempDir('xdg');
    fs.writeFileSync(path.join(xdg, 'cdk8s-gitops'), '');
    const out = tempDir('state');
    const state = () => withEnv({ XDG_STATE_HOME: xdg }, () => swapStateDir(out));
    expect(state()).toMatch(new RegExp(`^${fallback}/synth/[0-9a-f]{16}$`));
    const why = `: synth keeps its state there when ${xdg}/cdk8s-gitops cannot be made, and trusts only a folder of its own user, closed to others; remove it, or set XDG_STATE_HOME to a folder of yours`;
    try {
      fs.chmodSync(fallback, 0o750);
      expect(state).toThrow(new GitOpsError(`${fallback} is a folder of user ${uid} or open to others (mode 750)${why}`));
      fs.chmodSync(fallback, 0o700);
      fs.chownSync(fallback, uid + 1000, process.getgid!());
      expect(state).toThrow(new GitOpsError(`${fallback} is a folder of user ${uid + 1000} or open to others (mode 700)${why}`));
      fs.renameSync(fallback, `${fallback}.saved`);
      fs.symlinkSync(`${fallback}.saved`, fallback);
      expect(state).toThrow(new GitOpsError(`${fallback} is a symbolic link to ${JSON.stringify(`${fallback}.saved`)}${why}`));
      fs.rmSync(fallback);
      fs.writeFileSync(fallback, '');
      expect(state).toThrow(new GitOpsError(`${fallback} is a regular file${why}`));
      fs.rmSync(fallback);
    } finally {
      if (fs.existsSync(`${fallback}.saved`)) fs.renameSync(`${fallback}.saved`, fallback);
      fs.chownSync(fallback, uid, process.getgid!());
      fs.chmodSync(fallback, 0o700);
    }
    expect(state()).toMatch(new RegExp(`^${fallback}/synth/`));
  });

  test('a .git above the folder that git cannot look at (git not installed): the user\'s state folder', () => {
    const out = tempDir('state');
    fs.writeFileSync(path.join(out, '.git'), 'gitdir: /nowhere\n');
    const saved = process.env.PATH;
    process.env.PATH = path.join(out, 'no-such-bin');
    try {
      expect(withEnv({ XDG_STATE_HOME: '/x/state' }, () => swapStateDir(out))).toMatch(/^\/x\/state\/cdk8s-gitops\/synth\/[0-9a-f]{16}$/);
    } finally {
      process.env.PATH = saved;
    }
  });

  test('a repository whose folder is no working tree (core.bare set): the user\'s state folder', () => {
    const repo = tempDir('state');
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', ['-C', repo, 'config', 'core.bare', 'true']);
    expect(withEnv({ XDG_STATE_HOME: '/x/state' }, () => swapStateDir(repo))).toMatch(/^\/x\/state\/cdk8s-gitops\/synth\/[0-9a-f]{16}$/);
  });
});

describe('the swap: more of its edges', () => {
  test('a staging folder that cannot be made for another reason than being there: that error, the state cleared', () => {
    const parent = tempDir('swap-out');
    const file = path.join(parent, 'out');
    fs.writeFileSync(file, '');
    const state = path.join(tempDir('swap-state'), 'synth', 'key');
    const e: any = thrown(() => Staging.create(file, state));
    expect(e).not.toBeInstanceOf(GitOpsError);
    expect(e.code).toBe('ENOTDIR');
    expect(fs.existsSync(state)).toBe(false);
  });

  test('a folder emptied by a removal and written again by an install of the same swap', () => {
    const { out, state } = folders();
    put(out, 'prod/b/x.yaml', 'x\n');
    const staging = Staging.create(out, state);
    staging.write('prod/b/y.yaml', 'y\n');
    staging.swap({ removes: [{ path: 'prod/b/x.yaml', blob: blobSha('x\n') }], installs: ['prod/b/y.yaml'] });
    expect(snapshotTree(out)).toEqual({ 'prod/b/y.yaml': 'y\n' });
  });

  test('a replay after a kill while the staging folder was removed: the journal is carried out again, finding nothing to do, and the output folder stays', () => {
    const { out, state } = folders();
    put(out, 'a/x.yaml', 'x\n');
    committedSwap(out, state, {}, { version: 1, removes: [{ path: 'a/x.yaml', blob: blobSha('x\n') }], installs: ['b.yaml'] });
    fs.rmSync(path.join(out, STAGING_FOLDER), { recursive: true });
    expect(recoverInterruptedSwap(out, state)).toBe(`completed the swap of a synth that was stopped half-way (1 files or new folders moved into place, 1 files removed, as its journal lists): ${out} holds that run's output, whole`);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(fs.existsSync(path.dirname(state))).toBe(false);
  });

  test('a journal larger than a KiB, or than 64 MiB, is read', () => {
    for (const pad of [2048, 65 * 1024 * 1024]) {
      const { out, state } = folders();
      committedSwap(out, state, { 'a.yaml': 'a\n' }, `${JSON.stringify({ version: 1, removes: [], installs: ['a.yaml'] })}${' '.repeat(pad)}\n`);
      expect(recoverInterruptedSwap(out, state)).toMatch(/^completed the swap/);
      expect(snapshotTree(out)).toEqual({ 'a.yaml': 'a\n' });
    }
  });

  test('a synth that runs on this host: refused with its process, and the record to remove if there is none', () => {
    const { out, state } = folders();
    put(state, 'owner', `${JSON.stringify({ pid: process.ppid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z', token: 'ab'.repeat(16) })}\n`);
    expect(() => recoverInterruptedSwap(out, state)).toThrow(new GitOpsError(`another synth (process ${process.ppid}, started 2026-01-01T00:00:00.000Z) is writing ${out} now: wait for it to finish (if there is no such process, remove ${path.join(state, 'owner')})`));
  });

  test('a record of the writing run larger than 4 KiB is refused, even when it is JSON', () => {
    const { out, state } = folders();
    put(state, 'owner', `${JSON.stringify({ pid: endedPid(), host: os.hostname(), started: '2026-01-01T00:00:00.000Z', token: 'ab'.repeat(16) })}${' '.repeat(5000)}\n`);
    const e = thrown(() => recoverInterruptedSwap(out, state));
    expect(e).toBeInstanceOf(GitOpsError);
    expect(e.message).toMatch(new RegExp(`; it is synth's record of a run writing ${out}: if no synth runs there, remove it$`));
    expect(fs.existsSync(path.join(state, 'owner'))).toBe(true);
  });

  test('an untracked staging folder in a git working tree, with no record: refused with rm, not with git', () => {
    const repo = tempDir('swap-repo');
    execFileSync('git', ['init', '-q', repo]);
    put(repo, `${STAGING_FOLDER}/files/a.yaml`, 'not ours\n');
    const dir = path.join(repo, STAGING_FOLDER);
    expect(() => recoverInterruptedSwap(repo)).toThrow(new GitOpsError(`${dir}: synth did not make this staging folder on this machine (it has no record of it in ${swapStateDir(repo)}). `
      + 'Synth never replays, removes or trusts a staging folder it did not make: its journal could make synth write or delete files anywhere. '
      + `Nothing was changed. Look at what it holds, then remove it: rm -r -- '${dir}'; and run synth again`));
  });

  test('a staging folder under a .git git cannot look at (git not installed): refused with rm', () => {
    const { out, state } = folders();
    fs.writeFileSync(path.join(out, '.git'), 'gitdir: /nowhere\n');
    put(out, `${STAGING_FOLDER}/files/a.yaml`, 'not ours\n');
    const saved = process.env.PATH;
    process.env.PATH = path.join(out, 'no-such-bin');
    let e: Error;
    try {
      e = thrown(() => recoverInterruptedSwap(out, state));
    } finally {
      process.env.PATH = saved;
    }
    expect(e.message).toContain(`then remove it: rm -r -- '${path.join(out, STAGING_FOLDER)}'; and run synth again`);
  });

  test('a swap leaves no file open', () => {
    const open = () => fs.readdirSync('/proc/self/fd').length;
    const { out, state } = folders();
    const before = open();
    const staging = Staging.create(out, state);
    staging.write('a.yaml', 'a\n');
    staging.swap({ removes: [], installs: ['a.yaml'] });
    expect(open()).toBe(before);
  });

  test.each([
    ['a token with more before it', { token: `x${'ab'.repeat(16)}` }],
    ['a token with more after it', { token: `${'ab'.repeat(16)}x` }],
    ['a token that is not a string', { token: ['ab'.repeat(16)] }],
  ])('a damaged record of the writing run (%s) is refused', (_, fields) => {
    const { out, state } = folders();
    put(state, 'owner', JSON.stringify({ pid: 1, host: 'h', started: 's', ...fields }));
    expect(() => recoverInterruptedSwap(out, state)).toThrow(`${path.join(state, 'owner')}: synth's record of a run writing ${out} is damaged`);
  });

  test.each([
    ['JSON but no object', 'null', 'not a version 1 journal'],
    ['a blob id with more before it', { version: 1, removes: [{ path: 'a.yaml', blob: `x${'a'.repeat(40)}` }], installs: [] }, 'bad entry'],
    ['a blob id that is not a string', { version: 1, removes: [{ path: 'a.yaml', blob: ['a'.repeat(40)] }], installs: [] }, 'bad entry'],
  ])('a damaged journal (%s) is refused', (_, journal, why) => {
    const { out, state } = folders();
    committedSwap(out, state, {}, journal);
    expect(() => recoverInterruptedSwap(out, state)).toThrow(`${path.join(state, 'journal')}: the journal of an interrupted synth is damaged (${why}`);
  });
});
