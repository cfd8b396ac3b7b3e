import { execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FAST_FORWARD_MARKER, fastForward, resumeFastForward } from '../../src/git/fast-forward';
import { GitOpsError } from '../../src/core/errors';
import { Git } from '../../src/git/git';
import { cleanup, git, isolateGit, tmpdir } from '../gitops/helpers';

beforeAll(isolateGit);
afterAll(cleanup);

/** A repository at commit `from` (a.yaml, b.yaml) with a commit `to` on top (a.yaml changed, c.yaml added, b.yaml removed) that no branch holds. */
function repo(): { dir: string; g: Git; from: string; to: string; marker: string } {
  const dir = tmpdir('ff');
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
  return { dir, g: Git.open(dir), from, to, marker: path.join(dir, '.git', FAST_FORWARD_MARKER) };
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

describe('resumeFastForward', () => {
  test('files at the new commit, branch at the old: moves the branch and says so', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(marker, `${from} ${to}\n`);
    git(dir, 'read-tree', '-u', '-m', from, to);
    const logs: string[] = [];
    resumeFastForward(g, dir, l => logs.push(l));
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(to);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(logs).toEqual([`finished the fast-forward of main to ${to.slice(0, 12)} that an interrupted cdk8s-gitops command had started (its files were in place, the branch was not yet moved)`]);
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
    expect(logs).toEqual([`finished the fast-forward of main to ${to.slice(0, 12)} that an interrupted cdk8s-gitops command had started (1 of its 3 file(s) were in place, the branch was not yet moved)`]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('files partly moved and another file changed: refused, the other change kept', () => {
    const { dir, g, from, to, marker } = repo();
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'd: 1\n');
    git(dir, 'add', 'd.yaml');
    git(dir, 'commit', '-qm', 'd');
    fs.writeFileSync(marker, `${from} ${to}\n`);
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'c: 1\n');
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'mine\n');
    expect(() => resumeFastForward(g, dir, () => undefined)).toThrow(GitOpsError);
    expect(fs.readFileSync(path.join(dir, 'd.yaml'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(marker)).toBe(true);
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
