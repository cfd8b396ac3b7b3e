import { execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FAST_FORWARD_MARKER, fastForward, FastForwardError, resumeFastForward } from '../../src/git/fast-forward';
import { GitOpsError } from '../../src/core/errors';
import { Git } from '../../src/git/git';
import { cleanup, git, isolateGit, tmpdir } from '../gitops/helpers';

beforeAll(isolateGit);
afterAll(cleanup);

/** The line resumeFastForward logs when it finishes a move to `to`, `inPlace` saying how far the files had got. */
function finished(to: string, inPlace: string): string {
  return `finished the fast-forward of main to ${to.slice(0, 12)} that an interrupted cdk8s-gitops command had started (${inPlace}, the branch was not yet moved)`;
}

/** Copy the repository `template` into a new folder, its index refreshed there (a copied file has another inode and ctime): one git call instead of the ~10 that make it. */
function copyOf(template: string, name: string): string {
  const dir = tmpdir(name);
  fs.cpSync(template, dir, { recursive: true, preserveTimestamps: true });
  if (fs.existsSync(path.join(dir, '.git', 'index'))) git(dir, 'update-index', '-q', '--refresh');
  return dir;
}

/** Made once: the repository of {@link repo} and the commits in it. */
let fixture: { dir: string; from: string; to: string } | undefined;

/** A repository at commit `from` (a.yaml, b.yaml) with a commit `to` on top (a.yaml changed, c.yaml added, b.yaml removed) that no branch holds. */
function repo(): { dir: string; g: Git; from: string; to: string; marker: string } {
  if (fixture === undefined) {
    const dir = tmpdir('ff-template');
    git(dir, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 1\n');
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'b: 1\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'from');
    const from = git(dir, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 2\n');
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'c: 1\n');
    git(dir, 'rm', '-q', 'b.yaml');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'to');
    const to = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'reset', '-q', '--hard', from);
    fixture = { dir, from, to };
  }
  const dir = copyOf(fixture.dir, 'ff');
  return { dir, g: Git.open(dir), from: fixture.from, to: fixture.to, marker: path.join(dir, '.git', FAST_FORWARD_MARKER) };
}

/** Made once: a clone on an unborn branch main that has fetched the `to` of {@link repo}. */
let unbornFixture: string | undefined;

/** A clone on an unborn branch main that has fetched `to` (what a first fast-forward starts from). */
function unborn(): { dir: string; to: string; marker: string } {
  if (unbornFixture === undefined) {
    const { dir: src, to } = repo();
    unbornFixture = tmpdir('ff-unborn-template');
    git(unbornFixture, 'init', '-q', '-b', 'main');
    git(unbornFixture, 'fetch', '-q', src, to);
  }
  const dir = copyOf(unbornFixture, 'ff-unborn');
  return { dir, to: fixture!.to, marker: path.join(dir, '.git', FAST_FORWARD_MARKER) };
}

test('moves branch, index and working tree, with a reflog entry, and leaves no marker', () => {
  const { dir, g, to, marker } = repo();
  fastForward(g, to);
  expect(git(dir, 'rev-parse', 'main').trim()).toBe(to);
  expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'a.yaml', 'c.yaml']);
  expect(git(dir, 'reflog', '-1', '--format=%gs', 'main').trim()).toBe(`cdk8s-gitops: fast-forward to ${to}`);
  expect(fs.existsSync(marker)).toBe(false);
});

test('refuses to overwrite a local change, moving nothing and leaving no marker', () => {
  const { dir, g, from, to, marker } = repo();
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'mine\n');
  expect(() => fastForward(g, to)).toThrow(/Entry 'a.yaml' not uptodate|would be overwritten/);
  expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(from);
  expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('mine\n');
  expect(fs.existsSync(marker)).toBe(false);
});

test('a staged change of a file the move does not change is kept (a two-tree merge; a one-tree read-tree would drop it)', () => {
  const { dir, g, to } = repo();
  git(dir, 'reset', '-q', '--hard', to);
  fs.writeFileSync(path.join(dir, 'c.yaml'), 'c: 2\n');
  git(dir, 'commit', '-qam', 'next');
  const next = git(dir, 'rev-parse', 'HEAD').trim();
  git(dir, 'reset', '-q', '--hard', to);
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: staged\n');
  git(dir, 'add', 'a.yaml');
  fastForward(g, next);
  expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(next);
  expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('M  a.yaml\n');
  expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('a: staged\n');
});

describe('resumeFastForward', () => {
  test('files at the new commit, branch at the old: moves the branch and says so', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    git(dir, 'read-tree', '-u', '-m', from, to);
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(logs).toEqual([finished(to, 'its files were in place')]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test.each(['before the files moved', 'after the branch moved'])('killed %s: the marker is dropped, nothing else changes', when => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    if (when === 'after the branch moved') git(dir, 'reset', '-q', '--hard', to);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(logs).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('files partly moved (the index, or some files, at the new commit; the rest at the old): finishes the move and says so', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'c: 1\n'); // written; a.yaml and b.yaml not yet, index still at from
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'a.yaml', 'c.yaml']);
    expect(logs).toEqual([finished(to, '1 of its 3 file(s) were in place')]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('files moved and another file changed: refused, the other change kept', () => {
    const { dir, g } = repo();
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'd: 1\n');
    git(dir, 'add', 'd.yaml');
    git(dir, 'commit', '-qm', 'd');
    const from = git(dir, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(dir, 'e.yaml'), 'e: 1\n');
    git(dir, 'add', 'e.yaml');
    git(dir, 'commit', '-qm', 'e');
    const to = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'reset', '-q', '--hard', from);
    const marker = path.join(dir, '.git', FAST_FORWARD_MARKER);
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.writeFileSync(path.join(dir, 'e.yaml'), 'e: 1\n'); // the move's one file, in place
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'mine\n');
    expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(`(main is at the old commit ${from.slice(0, 12)}, the index is at the old commit ${from.slice(0, 12)}, all 1 file(s) the move changes are as in the new commit). If you changed`);
    expect(fs.readFileSync(path.join(dir, 'd.yaml'), 'utf8')).toBe('mine\n');
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(from);
    expect(fs.existsSync(marker)).toBe(true);
  });

  test('a file written as in the new commit while the index is still at the old (killed between the files and the index): finished', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 2\n'); // modified against the index: one of the move's files
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(logs).toEqual([finished(to, '1 of its 3 file(s) were in place')]);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  test('a file as in neither commit is refused with the commands that finish or undo the move, and both work', () => {
    for (const way of ['finish', 'undo'] as const) {
      const { dir, g, from, to, marker } = repo();
      fs.writeFileSync(marker, `${from} ${to}\n`);
      fs.writeFileSync(path.join(dir, 'c.yaml'), 'c: 1\n');
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'a:'); // half written
      expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(GitOpsError);
      let message = '';
      try { resumeFastForward(g, dir, () => undefined); } catch (e: any) { message = e.message; }
      expect(message).toContain('(main is at the old commit');
      expect(message).toContain('1 as in neither (a.yaml)');
      const finish = `git -C '${dir}' reset --hard ${to}`;
      const undo = `git -C '${dir}' reset --hard ${to} && git -C '${dir}' reset --hard ${from}`;
      expect(message).toContain(`\`${finish}\`, or undo it with \`${undo}\``);
      expect(fs.existsSync(marker)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('a:');
      // the command given works: afterwards the clone is clean at one of the two commits, and the next run drops the record
      execSync(way === 'finish' ? finish : undo, { stdio: 'pipe' });
      expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
      expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(way === 'finish' ? to : from);
      resumeFastForward(g, dir, () => undefined);
      expect(fs.existsSync(marker)).toBe(false);
    }
  });
});

describe('fastForward: what it says when a step fails', () => {
  const lock = (dir: string) => path.join(dir, '.git', 'refs', 'heads', 'main.lock');

  test('an unborn branch: index and files to the commit, the branch created', () => {
    const { dir, to } = unborn();
    const g = Git.open(dir);
    fastForward(g, to, 'the clone');
    expect(git(dir, 'rev-parse', 'main').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'a.yaml', 'c.yaml']);
    expect(fs.existsSync(path.join(dir, '.git', FAST_FORWARD_MARKER))).toBe(false);
  });

  test('git refuses before anything moved: a FastForwardError that says nothing moved, no marker left', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'mine\n'); // untracked, the move would overwrite it
    let error: any;
    try { fastForward(g, to, 'the clone'); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FastForwardError);
    expect(error.moved).toBe(false);
    expect(error.message).toMatch(new RegExp(`c\\.yaml.*\\. Nothing was changed in the clone: main is still at ${from.slice(0, 12)}, its index and files are as they were$`, 's'));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(from);
    expect(fs.readFileSync(path.join(dir, 'c.yaml'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('the record of the move cannot be written (a full disk): a FastForwardError that says nothing was changed, nothing left', () => {
    const { dir, g, from, to, marker } = repo();
    fs.symlinkSync('/dev/full', marker); // every write fails with ENOSPC
    let error: any;
    try { fastForward(g, to); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FastForwardError);
    expect(error.name).toBe('FastForwardError');
    expect(error.moved).toBe(false);
    expect(error.message).toBe(`${dir}: could not record the fast-forward to ${to.slice(0, 12)} in ${marker} (ENOSPC: no space left on device, write): nothing was changed in ${dir}`);
    expect(fs.lstatSync(marker, { throwIfNoEntry: false })).toBeUndefined();
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(from);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  /**
   * Run `f` with `git` on the PATH a script that runs the real git, except for the commands
   * `step` (a shell `case` body, `$REAL` the real git) handles: how git fails part-way.
   */
  function withFailingGit<T>(step: string, f: () => T): T {
    const bin = tmpdir('ff-bin');
    const real = execSync('command -v git', { encoding: 'utf8', shell: '/bin/sh' }).trim();
    fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nREAL=${JSON.stringify(real)}\ncase " $* " in\n${step}\nesac\nexec "$REAL" "$@"\n`, { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      return f();
    } finally {
      process.env.PATH = saved;
    }
  }

  test('git reports a failure after it moved the branch (e.g. of its reflog): the move is complete, no error, no marker', () => {
    const { dir, g, to, marker } = repo();
    withFailingGit('*" update-ref "*) "$REAL" "$@"; echo "error: could not write the reflog" >&2; exit 1;;', () => fastForward(g, to, 'the clone'));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('git stops after writing some files (a full disk): says how many are where, keeps the marker, and the next run finishes the move', () => {
    const { dir, g, from, to, marker } = repo();
    let error: any;
    try {
      withFailingGit(`*" read-tree "*) "$REAL" show ${to}:c.yaml > c.yaml; echo "error: unable to write file a.yaml" >&2; exit 128;;`, () => fastForward(g, to, 'the clone'));
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FastForwardError);
    expect(error.moved).toBe(true);
    expect(error.message).toMatch(/error: unable to write file a\.yaml/);
    expect(error.message).toContain(`. the clone was left between ${from.slice(0, 12)} and ${to.slice(0, 12)}: main is at the old commit ${from.slice(0, 12)}, the index is at the old commit ${from.slice(0, 12)}, of the 3 file(s) the move changes, 1 are as in the new commit, 2 as in the old. `
      + `Once the cause is fixed (e.g. space freed on the disk), run the command again: it finishes the move (recorded in ${marker}); or finish it yourself with \`git -C 'the clone' reset --hard ${to}\``);
    expect(fs.readFileSync(marker, 'utf8')).toBe(`${from} ${to}\n`);
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(logs).toEqual([finished(to, '1 of its 3 file(s) were in place')]);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  test('git stops half-way through a file: says which, and that only git reset --hard finishes the move', () => {
    const { g, from, to } = repo();
    let error: any;
    try {
      withFailingGit('*" read-tree "*) printf "a:" > a.yaml; echo "error: unable to write file a.yaml" >&2; exit 128;;', () => fastForward(g, to, 'the clone'));
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FastForwardError);
    expect(error.moved).toBe(true);
    expect(error.message).toContain(`main is at the old commit ${from.slice(0, 12)}, the index is at the old commit ${from.slice(0, 12)}, of the 3 file(s) the move changes, 0 are as in the new commit, 2 as in the old, 1 as in neither (a.yaml). `
      + `Once the cause is fixed (e.g. space freed on the disk), finish the move with \`git -C 'the clone' reset --hard ${to}\` (this discards any change made in the working tree since), then run the command again`);
    expect(error.message.endsWith('then run the command again')).toBe(true);
  });

  test('a commit git cannot read: its error as it is, no marker left', () => {
    const { g, marker } = repo();
    let error: any;
    try { fastForward(g, 'f'.repeat(40)); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(FastForwardError);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('the branch cannot be moved after the files were (a ref lock): says where everything is, keeps the marker, and the next run finishes the move', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(lock(dir), '');
    let error: any;
    try { fastForward(g, to, 'the clone'); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FastForwardError);
    expect(error.moved).toBe(true);
    expect(error.message).toContain(`. the clone was left between ${from.slice(0, 12)} and ${to.slice(0, 12)}: main is at the old commit ${from.slice(0, 12)}, the index is at the new commit ${to.slice(0, 12)}, all 3 file(s) the move changes are as in the new commit. `
      + `Once the cause is fixed (e.g. space freed on the disk), run the command again: it finishes the move (recorded in ${marker}); or finish it yourself with \`git -C 'the clone' reset --hard ${to}\``);
    expect(fs.readFileSync(marker, 'utf8')).toBe(`${from} ${to}\n`);
    fs.rmSync(lock(dir));
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(logs).toEqual([finished(to, 'its files were in place')]);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('on an unborn branch whose branch cannot be created: says it is between no commit and the new one', () => {
    const { dir, to } = unborn();
    fs.mkdirSync(path.join(dir, '.git', 'refs', 'heads'), { recursive: true });
    fs.writeFileSync(lock(dir), '');
    let error: any;
    try { fastForward(Git.open(dir), to, 'the clone'); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(FastForwardError);
    expect(error.moved).toBe(true);
    expect(error.message).toContain(`. the clone was left between (no commit) and ${to.slice(0, 12)}: main is at the old commit (no commit), the index is at the new commit ${to.slice(0, 12)}, all 2 file(s) the move changes are as in the new commit. `);
    expect(fs.readFileSync(path.join(dir, '.git', FAST_FORWARD_MARKER), 'utf8')).toBe(` ${to}\n`);
  });
});

describe('resumeFastForward: more states', () => {
  test('no marker: nothing to do', () => {
    const { dir, g } = repo();
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(logs).toEqual([]);
  });

  test('a marker that cannot be read (a folder): its error', () => {
    const { dir, g, marker } = repo();
    fs.mkdirSync(marker);
    expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(/EISDIR/);
  });

  test('a marker naming a commit git does not have, the clone clean: dropped', () => {
    const { dir, g, from, marker } = repo();
    fs.writeFileSync(marker, `${from} ${'f'.repeat(40)}\n`);
    resumeFastForward(g, dir, () => undefined);
    expect(fs.existsSync(marker)).toBe(false);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(from);
  });

  test('a marker naming no commit, the clone modified: refused without a description of the move', () => {
    const { dir, g, from, marker } = repo();
    fs.writeFileSync(marker, `${from}\n`);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'mine\n');
    expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(new GitOpsError(`${dir}: an interrupted cdk8s-gitops command was moving main from ${from.slice(0, 12)} to  `
      + `and left the index or working tree between the two. If you changed nothing since, finish the move with \`git -C '${dir}' reset --hard \`, or undo it with \`git -C '${dir}' reset --hard  && git -C '${dir}' reset --hard ${from}\`, then run the command again (the record of the move, ${marker}, is dropped then)`));
    expect(fs.existsSync(marker)).toBe(true);
  });

  test('the branch moved elsewhere since and the clone is clean there: dropped, nothing else changes', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'd: 1\n');
    git(dir, 'add', 'd.yaml');
    git(dir, 'commit', '-qm', 'elsewhere');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    resumeFastForward(g, dir, () => undefined);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('the branch moved to a third commit and the clone is modified: refused, naming where the branch is', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'd: 1\n');
    git(dir, 'add', 'd.yaml');
    git(dir, 'commit', '-qm', 'elsewhere');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'mine\n');
    fs.writeFileSync(marker, `${from} ${to}\n`);
    expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(`(main is at ${head.slice(0, 12)}, the index is at neither commit, the 3 file(s) the move changes are still as in the old commit)`);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(fs.existsSync(marker)).toBe(true);
  });

  test('the branch moved elsewhere and the clone is modified: refused', () => {
    const { dir, g, from, to, marker } = repo();
    git(dir, 'reset', '-q', '--hard', to);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'mine\n');
    fs.writeFileSync(marker, `${from} ${to}\n`);
    expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(`(main is at the new commit ${to.slice(0, 12)}, the index is at the new commit ${to.slice(0, 12)}, of the 3 file(s) the move changes, 2 are as in the new commit, 0 as in the old, 1 as in neither (a.yaml))`);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(marker)).toBe(true);
  });

  /** A clone on an unborn branch main that has fetched `to`, with the record of a move to it: what an interrupted first fast-forward leaves. */
  function unbornMove(): { dir: string; to: string; marker: string } {
    const { dir, to, marker } = unborn();
    fs.writeFileSync(marker, ` ${to}\n`);
    return { dir, to, marker };
  }

  test('an interrupted move on an unborn branch, files partly written: finished', () => {
    const { dir, to, marker } = unbornMove();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 2\n');
    const logs: string[] = [];
    resumeFastForward(Git.open(dir), dir, l => logs.push(l));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'a.yaml', 'c.yaml']);
    expect(logs).toEqual([finished(to, '1 of its 2 file(s) were in place')]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('an interrupted move on an unborn branch, no file written yet: finished', () => {
    const { dir, to, marker } = unbornMove();
    const logs: string[] = [];
    resumeFastForward(Git.open(dir), dir, l => logs.push(l));
    expect(logs).toEqual([finished(to, '0 of its 2 file(s) were in place')]);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('an interrupted move on an unborn branch with a file as in neither: refused without an undo command', () => {
    const { dir, to, marker } = unbornMove();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a:');
    expect(() => resumeFastForward(Git.open(dir), dir, () => undefined)).toThrow(new GitOpsError(`${dir}: an interrupted cdk8s-gitops command was moving main from (no commit) to ${to.slice(0, 12)} `
      + `and left the index or working tree between the two (main is at the old commit (no commit), the index is at the old commit (no commit), of the 2 file(s) the move changes, 0 are as in the new commit, 1 as in the old, 1 as in neither (a.yaml)). If you changed nothing since, finish the move with \`git -C '${dir}' reset --hard ${to}\`, then run the command again (the record of the move, ${marker}, is dropped then)`));
  });

  test('files as in neither commit: the message lists the first five', () => {
    const dir = tmpdir('ff-many');
    git(dir, 'init', '-q', '-b', 'main');
    const names = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'].map(n => `${n}.yaml`);
    for (const n of names) fs.writeFileSync(path.join(dir, n), 'old\n');
    fs.writeFileSync(path.join(dir, 'same.yaml'), 'same\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'from');
    const from = git(dir, 'rev-parse', 'HEAD').trim();
    for (const n of names) fs.writeFileSync(path.join(dir, n), 'new\n');
    git(dir, 'commit', '-qam', 'to');
    const to = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'reset', '-q', '--hard', from);
    const marker = path.join(dir, '.git', FAST_FORWARD_MARKER);
    fs.writeFileSync(marker, `${from} ${to}\n`);
    for (const n of names.slice(0, 6)) fs.writeFileSync(path.join(dir, n), 'half');
    let message = '';
    try { resumeFastForward(Git.open(dir), dir, () => undefined); } catch (e: any) { message = e.message; }
    expect(message).toContain(`(main is at the old commit ${from.slice(0, 12)}, the index is at the old commit ${from.slice(0, 12)}, of the 7 file(s) the move changes, 0 are as in the new commit, 1 as in the old, 6 as in neither (f1.yaml, f2.yaml, f3.yaml, f4.yaml, f5.yaml, ...))`);
  });

  test('a path the move changes that is now a folder, or a link: as in neither commit', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.rmSync(path.join(dir, 'a.yaml'));
    fs.mkdirSync(path.join(dir, 'a.yaml'));
    fs.writeFileSync(path.join(dir, 'a.yaml', 'x'), 'x\n');
    fs.symlinkSync('elsewhere', path.join(dir, 'c.yaml'));
    let message = '';
    try { resumeFastForward(g, dir, () => undefined); } catch (e: any) { message = e.message; }
    expect(message).toContain('of the 3 file(s) the move changes, 0 are as in the new commit, 1 as in the old, 2 as in neither (a.yaml, c.yaml)');
  });

  test('every file as in the old commit, the index too: says so', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.writeFileSync(path.join(dir, 'other.yaml'), 'x\n');
    git(dir, 'add', 'other.yaml'); // the index at neither commit
    let message = '';
    try { resumeFastForward(g, dir, () => undefined); } catch (e: any) { message = e.message; }
    expect(message).toContain(`(main is at the old commit ${from.slice(0, 12)}, the index is at neither commit, the 3 file(s) the move changes are still as in the old commit)`);
    expect(message).toContain(`finish the move with \`git -C '${dir}' reset --hard ${to}\`, or undo it with`);
  });
});

describe('a move with a symbolic link and a submodule (gitlink) in it', () => {
  /**
   * Commits `from` (a.yaml, link -> x, gitlinks sub and old) and `to` (a.yaml changed, link -> y,
   * sub at another commit, old removed, new added), HEAD at `from`.
   */
  function kinds(): { dir: string; from: string; to: string; marker: string } {
    const dir = tmpdir('ff-kinds');
    git(dir, 'init', '-q', '-b', 'main');
    const commit = (a: string, link: string, gitlinks: Record<string, string>, removed: string[] = []) => {
      fs.writeFileSync(path.join(dir, 'a.yaml'), a);
      fs.rmSync(path.join(dir, 'link'), { force: true });
      fs.symlinkSync(link, path.join(dir, 'link'));
      git(dir, 'add', 'a.yaml', 'link');
      for (const [name, digit] of Object.entries(gitlinks)) git(dir, 'update-index', '--add', '--cacheinfo', `160000,${digit.repeat(40)},${name}`);
      for (const name of removed) git(dir, 'update-index', '--force-remove', name);
      git(dir, 'commit', '-qm', a);
      return git(dir, 'rev-parse', 'HEAD').trim();
    };
    const from = commit('a: 1\n', 'x', { sub: '1', old: '3' });
    const to = commit('a: 2\n', 'y', { sub: '2', new: '4' }, ['old']);
    git(dir, 'reset', '-q', '--hard', from);
    return { dir, from, to, marker: path.join(dir, '.git', FAST_FORWARD_MARKER) };
  }

  test('moves them', () => {
    const { dir, to } = kinds();
    fastForward(Git.open(dir), to);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(fs.readlinkSync(path.join(dir, 'link'))).toBe('y');
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  test('interrupted: the link as in the old commit counts as in place there, the submodule is no file of the move; finished', () => {
    const { dir, from, to, marker } = kinds();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 2\n');
    fs.mkdirSync(path.join(dir, 'new')); // as git makes a submodule's folder
    const logs: string[] = [];
    resumeFastForward(Git.open(dir), dir, l => logs.push(l));
    expect(logs).toEqual([finished(to, '1 of its 2 file(s) were in place')]);
    expect(fs.readlinkSync(path.join(dir, 'link'))).toBe('y');
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  test('interrupted on an unborn branch: the submodule is no file of the move; finished', () => {
    const { dir: src, to } = kinds();
    const dir = tmpdir('ff-kinds-unborn');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'fetch', '-q', src, to);
    fs.writeFileSync(path.join(dir, '.git', FAST_FORWARD_MARKER), ` ${to}\n`);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 2\n');
    const logs: string[] = [];
    resumeFastForward(Git.open(dir), dir, l => logs.push(l));
    expect(logs).toEqual([finished(to, '1 of its 2 file(s) were in place')]);
    expect(fs.readlinkSync(path.join(dir, 'link'))).toBe('y');
  });
});
