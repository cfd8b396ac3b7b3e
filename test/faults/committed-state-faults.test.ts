/**
 * Fault suite: what a commit to the GitOps repository (a pull request, a compromised CI token)
 * can make the next `synth --gitops-dir` on a fresh clone do. The hostile commit holds a
 * staging folder with a journal, as an interrupted synth leaves one, whose paths lead through
 * committed symbolic links two levels deep out of the clone and into `.git/hooks`. Synth must
 * refuse it, naming the folder and the fix, and change nothing: no file outside the clone, no
 * hook, nothing in the clone. Real CLI in a separate process, real git, local bare origins.
 */
import * as fs from 'fs';
import * as path from 'path';
import { blobSha } from '../../src/git/git';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { STAGING_FOLDER, swapStateDir } from '../../src/git/swap-journal';
import { createApp } from '../gitops/fixture-app';
import { cleanup, cloneOf, FIXTURE_APP, git, gitState, isolateGit, seedRepo, spawnCli } from '../gitops/helpers';
import { put, snapshotTree } from '../tree-snapshot';

beforeAll(isolateGit);
afterAll(cleanup);

const PRECIOUS = 'a file of the machine, outside the clone\n';
const HOOK = '#!/bin/sh\necho pwned > "$(git rev-parse --git-dir)/../../pwned"\n';

/**
 * A bare origin whose main holds, on top of a synthesized GitOps repository, the hostile commit
 * (`notes/deep/escape` -> `../../../victim`, a sibling of the clone; `notes/hooks` ->
 * `../.git/hooks`; a staging folder whose journal removes `victim/keep.txt` and moves a file
 * into `victim/` and a `pre-commit` hook into `.git/hooks`), and a fresh clone of it with the
 * `victim` folder beside it.
 */
function hostileClone(journal: object = hostileJournal()): { clone: string; victim: string } {
  const { origin, clone: work } = seedRepo(createApp);
  fs.mkdirSync(path.join(work, 'notes', 'deep'), { recursive: true });
  fs.symlinkSync('../../../victim', path.join(work, 'notes', 'deep', 'escape'));
  fs.symlinkSync('../.git/hooks', path.join(work, 'notes', 'hooks'));
  put(work, `${STAGING_FOLDER}/journal`, `${JSON.stringify(journal)}\n`);
  put(work, `${STAGING_FOLDER}/files/notes/deep/escape/planted.txt`, 'planted outside the clone\n');
  put(work, `${STAGING_FOLDER}/files/notes/hooks/pre-commit`, HOOK);
  fs.chmodSync(path.join(work, STAGING_FOLDER, 'files', 'notes', 'hooks', 'pre-commit'), 0o755);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'docs: notes');
  git(work, 'push', '-q', 'origin', 'main');
  const clone = cloneOf(origin);
  const victim = path.join(path.dirname(clone), 'victim');
  put(victim, 'keep.txt', PRECIOUS);
  return { clone, victim };
}

function hostileJournal(): object {
  return {
    version: 1,
    removes: [{ path: 'notes/deep/escape/keep.txt', blob: blobSha(PRECIOUS) }],
    installs: ['notes/deep/escape/planted.txt', 'notes/hooks/pre-commit'],
  };
}

const synth = (dir: string, ...more: string[]) => spawnCli(['synth', '--app', FIXTURE_APP, '--gitops-dir', dir, ...more], { timeout: 20_000 });

describe('a staging folder committed to the GitOps repository', () => {
  test('is refused by synth --gitops-dir on a fresh clone: nothing outside the clone changes, no hook is installed, nothing in the clone changes', async () => {
    const { clone, victim } = hostileClone();
    const before = { git: gitState(clone), tree: snapshotTree(clone), hooks: fs.readdirSync(path.join(clone, '.git', 'hooks')).sort() };
    const [plain, forced] = [await synth(clone), await synth(clone, '--force')];
    // first what matters most: nothing outside the clone was removed or planted, and no hook
    expect({ victim: snapshotTree(victim), hook: fs.existsSync(path.join(clone, '.git', 'hooks', 'pre-commit')) }).toEqual({ victim: { 'keep.txt': PRECIOUS }, hook: false });
    const staging = path.join(clone, STAGING_FOLDER);
    for (const r of [plain, forced]) {
      expect(r).toMatchObject({ code: 1, signal: null, stdout: '' });
      expect(r.stderr).toBe(`cdk8s-gitops synth: ${staging}: synth did not make this staging folder on this machine `
        + `(it has no record of it in ${swapStateDir(clone)}), and git tracks it (it was committed to the repository). `
        + 'Synth never replays, removes or trusts a staging folder it did not make: its journal could make synth write or delete files anywhere. '
        + `Nothing was changed. Look at what it holds (a commit adding it is not from synth), then remove it: git -C '${clone}' rm -r -q -- '${STAGING_FOLDER}' && git -C '${clone}' commit -m 'remove a staging folder synth did not make'; and run synth again\n`);
    }
    // the outside: untouched, nothing planted
    expect(snapshotTree(victim)).toEqual({ 'keep.txt': PRECIOUS });
    expect(fs.existsSync(path.join(path.dirname(clone), 'pwned'))).toBe(false);
    // no hook, nothing else in .git
    expect(fs.existsSync(path.join(clone, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(fs.readdirSync(path.join(clone, '.git', 'hooks')).sort()).toEqual(before.hooks);
    expect(fs.readdirSync(path.join(clone, '.git')).filter(f => f.startsWith('cdk8s-gitops'))).toEqual([]);
    expect({ git: gitState(clone), tree: snapshotTree(clone) }).toEqual({ git: before.git, tree: before.tree });
    // a commit runs no hook either
    git(clone, 'commit', '-q', '--allow-empty', '-m', 'a commit after the synth');
    expect(fs.existsSync(path.join(path.dirname(clone), 'pwned'))).toBe(false);
  });

  test('removed as the message says, synth runs; the committed links are left alone and nothing is written through them', async () => {
    const { clone, victim } = hostileClone();
    git(clone, 'rm', '-r', '-q', '--', STAGING_FOLDER);
    git(clone, 'commit', '-q', '-m', 'remove a staging folder synth did not make');
    const r = await synth(clone);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(git(clone, 'status', '--porcelain', '--untracked-files=all', '--ignored')).toBe('');
    expect(snapshotTree(victim)).toEqual({ 'keep.txt': PRECIOUS });
    expect(fs.existsSync(path.join(clone, '.git', 'hooks', 'pre-commit'))).toBe(false);
  });

  test('a staging folder that git does not track but this machine did not make (e.g. unpacked from an archive) is refused too, with rm as the fix', async () => {
    const { clone } = seedRepo(createApp);
    const victim = path.join(path.dirname(clone), 'victim');
    put(victim, 'keep.txt', PRECIOUS);
    fs.mkdirSync(path.join(clone, 'notes', 'deep'), { recursive: true });
    fs.symlinkSync('../../../victim', path.join(clone, 'notes', 'deep', 'escape'));
    put(clone, `${STAGING_FOLDER}/journal`, `${JSON.stringify(hostileJournal())}\n`);
    put(clone, `${STAGING_FOLDER}/files/notes/deep/escape/planted.txt`, 'planted\n');
    git(clone, 'add', 'notes');
    git(clone, 'commit', '-q', '-m', 'notes');
    const before = snapshotTree(clone);
    const r = await synth(clone);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(clone, STAGING_FOLDER)}: synth did not make this staging folder on this machine (it has no record of it in `);
    expect(r.stderr).toContain(`then remove it: rm -r -- '${path.join(clone, STAGING_FOLDER)}'; and run synth again\n`);
    expect(snapshotTree(victim)).toEqual({ 'keep.txt': PRECIOUS });
    expect(snapshotTree(clone)).toEqual(before);
  });

  test('a committed ownership record naming files beyond a committed link: they are not removed, synth writes nothing through the link', async () => {
    const { origin, clone: work } = seedRepo(createApp);
    fs.mkdirSync(path.join(work, 'notes', 'deep'), { recursive: true });
    fs.symlinkSync('../../../victim', path.join(work, 'notes', 'deep', 'escape'));
    const record = fs.readFileSync(path.join(work, OWNERSHIP_RECORD), 'utf8');
    fs.writeFileSync(path.join(work, OWNERSHIP_RECORD), `${record}${blobSha(PRECIOUS)} notes/deep/escape/keep.txt\n`);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'record');
    git(work, 'push', '-q', 'origin', 'main');
    const clone = cloneOf(origin);
    const victim = path.join(path.dirname(clone), 'victim');
    put(victim, 'keep.txt', PRECIOUS);
    const r = await synth(clone);
    expect(r.code).toBe(0);
    expect(snapshotTree(victim)).toEqual({ 'keep.txt': PRECIOUS });
    expect(fs.lstatSync(path.join(clone, 'notes', 'deep', 'escape')).isSymbolicLink()).toBe(true);
  });

  test.each([
    ['a .git segment deeper down', 'sub/.git/hooks/pre-commit'],
    ['.GIT in capitals (one folder on a case-insensitive file system)', '.GIT/hooks/pre-commit'],
  ])('a committed ownership record naming %s is refused, naming the line', async (_name, rel) => {
    const { origin, clone: work } = seedRepo(createApp);
    const record = fs.readFileSync(path.join(work, OWNERSHIP_RECORD), 'utf8');
    fs.writeFileSync(path.join(work, OWNERSHIP_RECORD), `${record}${blobSha(HOOK)} ${rel}\n`);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'record');
    git(work, 'push', '-q', 'origin', 'main');
    const clone = cloneOf(origin);
    const before = snapshotTree(clone);
    const r = await synth(clone);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(clone, OWNERSHIP_RECORD)} line ${record.split('\n').length}: ${JSON.stringify(`${blobSha(HOOK)} ${rel}`)} names a path that is inside .git`);
    expect(snapshotTree(clone)).toEqual(before);
  });
});
