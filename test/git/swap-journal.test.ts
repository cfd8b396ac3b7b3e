import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { STAGING_FOLDER, swapStateDir } from '../../src/git/swap-journal';
import { writeTree } from '../../src/git/write-tree';
import { tempDir } from '../temp-dir';
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
