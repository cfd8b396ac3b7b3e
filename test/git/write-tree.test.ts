import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blobSha } from '../../src/git/git';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { STAGING_FOLDER, swapStateDir } from '../../src/git/swap-journal';
import { writeTree } from '../../src/git/write-tree';
import { tempDir } from '../temp-dir';
import { put, snapshotTree } from '../tree-snapshot';
import { git, isolateGit } from '../gitops/helpers';

/** The files of `dir` without synth's record. */
function outputFiles(dir: string): Record<string, string> {
  const { [OWNERSHIP_RECORD]: _, ...rest } = snapshotTree(dir);
  return rest;
}

const quiet = { onNotice: () => undefined };
const V1 = new Map([['dev/a/one.yaml', 'one\n'], ['dev/a/two.yaml', 'two\n'], ['prod/b/x.yaml', 'x\n']]);
const V2 = new Map([['dev/a/one.yaml', 'one v2\n'], ['dev/a/three.yaml', 'three\n']]);

/** Expect `f` to throw a refusal and `dir` to be exactly as it was. */
function expectRefused(dir: string, f: () => unknown, ...messages: (string | RegExp)[]): Error {
  const before = snapshotTree(dir);
  let error: Error | undefined;
  try {
    f();
  } catch (e: any) {
    error = e;
  }
  expect(error).toBeDefined();
  for (const m of messages) expect(error!.message).toMatch(m);
  expect(snapshotTree(dir)).toEqual(before);
  return error!;
}

describe('writeTree', () => {
  test('writes files as an iterable hands them out and records them; a path given twice gets its last content', () => {
    const out = path.join(tempDir('write-tree'), 'out');
    function* files(): Generator<[string, string]> {
      yield ['b/x.yaml', 'first\n'];
      yield ['a/deep/er/y.yaml', 'y\n'];
      yield ['b/x.yaml', 'second\n'];
      yield ['b/z.yaml', 'z\n'];
    }
    const result = writeTree(out, files());
    expect(result).toEqual({ files: ['a/deep/er/y.yaml', 'b/x.yaml', 'b/z.yaml'], written: ['a/deep/er/y.yaml', 'b/x.yaml', 'b/z.yaml'], removed: [] });
    expect(outputFiles(out)).toEqual({ 'a/deep/er/y.yaml': 'y\n', 'b/x.yaml': 'second\n', 'b/z.yaml': 'z\n' });
    const record = fs.readFileSync(path.join(out, OWNERSHIP_RECORD), 'utf8').split('\n').filter(l => l && !l.startsWith('#'));
    expect(record).toEqual([`${blobSha('y\n')} a/deep/er/y.yaml`, `${blobSha('second\n')} b/x.yaml`, `${blobSha('z\n')} b/z.yaml`]);
  });

  test('a second run writes only what changed, removes what it wrote that is gone (and folders left empty), keeps the rest', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    put(out, 'prod/b/notes.txt', 'mine\n'); // not synth's: keeps prod/b
    put(out, 'README.md', 'mine\n');
    const inode = fs.statSync(path.join(out, 'dev/a/two.yaml')).ino;
    const result = writeTree(out, new Map([...V2, ['dev/a/two.yaml', 'two\n']]), quiet);
    expect(result).toEqual({ files: ['dev/a/one.yaml', 'dev/a/three.yaml', 'dev/a/two.yaml'], written: ['dev/a/one.yaml', 'dev/a/three.yaml'], removed: ['prod/b/x.yaml'] });
    expect(fs.statSync(path.join(out, 'dev/a/two.yaml')).ino).toBe(inode); // unchanged: not rewritten
    expect(outputFiles(out)).toEqual({ 'dev/a/one.yaml': 'one v2\n', 'dev/a/three.yaml': 'three\n', 'dev/a/two.yaml': 'two\n', 'prod/b/notes.txt': 'mine\n', 'README.md': 'mine\n' });
    writeTree(out, V2, quiet);
    expect(outputFiles(out)).toEqual({ 'dev/a/one.yaml': 'one v2\n', 'dev/a/three.yaml': 'three\n', 'prod/b/notes.txt': 'mine\n', 'README.md': 'mine\n' });
    fs.rmSync(path.join(out, 'prod/b/notes.txt'));
    writeTree(out, new Map([['dev/a/one.yaml', 'one v2\n']]), quiet);
    expect(snapshotTree(out)).toEqual(expect.objectContaining({ 'prod/b': '<dir>' })); // emptied by someone else: not synth's to remove
    expect(fs.existsSync(path.join(out, STAGING_FOLDER))).toBe(false);
  });

  test('an error while the files are made leaves the previous tree exactly as it was, and no staging folder', () => {
    const out = path.join(tempDir('write-tree'), 'out');
    writeTree(out, new Map([['dev/keep.yaml', 'previous\n']]));
    const before = snapshotTree(out);
    let made = 0;
    function* failing(): Generator<[string, string]> {
      yield ['dev/new.yaml', 'new\n'];
      made++;
      yield ['prod/new.yaml', 'new\n'];
      made++;
      throw new Error('rendering failed half-way');
    }
    expect(() => writeTree(out, failing())).toThrow('rendering failed half-way');
    expect(made).toBe(2); // two files were written to staging before the error
    expect(snapshotTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
  });

  test('a staging folder of a synth that still runs on this host is left alone and refused; one of a process that has ended is cleared', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    // what a synth records while it stages (swap-journal.ts): its token in the folder, itself in the state folder
    const state = swapStateDir(out);
    const token = 'ab'.repeat(16);
    put(out, `${STAGING_FOLDER}/files/dev/a/one.yaml`, 'half-staged\n');
    put(out, `${STAGING_FOLDER}/owner`, `${token}\n`);
    const record = (pid: number) => put(state, 'owner', `${JSON.stringify({ pid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z', token })}\n`);
    record(process.ppid); // the test runner's parent: it runs
    expectRefused(out, () => writeTree(out, V2, quiet), `another synth (process ${process.ppid}, started 2026-01-01T00:00:00.000Z) is writing ${out} now`);
    const ended = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    record(ended);
    const notices: string[] = [];
    writeTree(out, V2, { onNotice: m => notices.push(m) });
    expect(notices).toEqual([expect.stringMatching(/^synth: removed .*, left by a synth that was stopped before its swap began/)]);
    expect(outputFiles(out)).toEqual(Object.fromEntries(V2));
    expect(fs.existsSync(state)).toBe(false);
  });

  test('a staging folder the state folder has no record of, or another one than recorded, is refused and left alone', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    put(out, `${STAGING_FOLDER}/files/dev/a/one.yaml`, 'not ours\n');
    const before = snapshotTree(out);
    expectRefused(out, () => writeTree(out, V2, quiet), `${path.join(out, STAGING_FOLDER)}: synth did not make this staging folder on this machine (it has no record of it in ${swapStateDir(out)})`);
    const ended = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    put(swapStateDir(out), 'owner', `${JSON.stringify({ pid: ended, host: os.hostname(), started: '2026-01-01T00:00:00.000Z', token: 'cd'.repeat(16) })}\n`);
    put(out, `${STAGING_FOLDER}/owner`, `${'ef'.repeat(16)}\n`);
    expectRefused(out, () => writeTree(out, V2, quiet), `it is not the one recorded in ${path.join(swapStateDir(out), 'owner')}`);
    expect(snapshotTree(out)).toEqual({ ...before, [`${STAGING_FOLDER}/owner`]: `${'ef'.repeat(16)}\n` });
  });

  test('an output folder inside a .git folder (e.g. .git/hooks of a clone) is refused, nothing written', () => {
    const repo = tempDir('write-tree');
    execFileSync('git', ['init', '-q', repo]);
    const hooks = path.join(repo, '.git', 'hooks');
    const before = fs.readdirSync(hooks).sort();
    expect(() => writeTree(hooks, V1, quiet)).toThrow(`${hooks} is inside a .git folder (git's own files); synth never writes there, even with --force`);
    expect(fs.readdirSync(hooks).sort()).toEqual(before);
  });

  test('a new output folder is removed again when the run fails', () => {
    const parent = tempDir('write-tree');
    expect(() => writeTree(path.join(parent, 'new', 'out'), new Map([['../x.yaml', 'x']]))).toThrow('refusing to write "../x.yaml" into');
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  test.each([
    ['../escape.yaml', 'has an empty, "." or ".." segment'],
    ['/etc/passwd', 'is not a relative path'],
    ['.git/config', 'is inside .git'],
    ['.cdk8s-gitops-files', 'is reserved'],
    ['a\nb.yaml', 'control character'],
  ])('refuses to write the path %j', (rel, why) => {
    const out = tempDir('write-tree');
    expectRefused(out, () => writeTree(out, new Map([['ok.yaml', 'x'], [rel, 'x']])), why);
  });

  test('a folder of unrelated files without a record is refused, listing them, and nothing is changed; --force writes beside them', () => {
    const out = tempDir('write-tree');
    put(out, 'photos/cat.jpg', 'jpeg');
    put(out, 'notes.txt', 'notes');
    put(out, '.hidden', 'hidden');
    put(out, '.config/app/settings', 'settings');
    const seen: string[][] = [];
    function* rendering(): Generator<[string, string]> {
      for (const entry of V1) {
        yield entry;
        seen.push(fs.readdirSync(out).sort()); // nothing is staged in a folder synth may not own
      }
    }
    const e = expectRefused(out, () => writeTree(out, rendering()), 'refusing to write into', '.config/app/settings: was not written by synth', '.hidden:', 'notes.txt:', 'photos/cat.jpg:', 'run once with --force');
    expect(e.name).toBe('GitOpsError');
    expect(seen).toEqual([...V1].map(() => ['.config', '.hidden', 'notes.txt', 'photos']));
    writeTree(out, V1, { force: true });
    expect(outputFiles(out)).toEqual({ 'photos/cat.jpg': 'jpeg', 'notes.txt': 'notes', '.hidden': 'hidden', '.config/app/settings': 'settings', ...Object.fromEntries(V1) });
    // the folder is synth's now: the unrelated files stay, never removed, and need no --force
    writeTree(out, V2, quiet);
    expect(outputFiles(out)).toEqual({ 'photos/cat.jpg': 'jpeg', 'notes.txt': 'notes', '.hidden': 'hidden', '.config/app/settings': 'settings', ...Object.fromEntries(V2) });
  });

  test('lists at most ten offending paths', () => {
    const out = tempDir('write-tree');
    for (let i = 0; i < 30; i++) put(out, `f${String(i).padStart(2, '0')}`, 'x');
    const e = expectRefused(out, () => writeTree(out, V1));
    expect(e.message.match(/^ {2}f\d\d: /gm)).toHaveLength(10);
    expect(e.message).toContain('... and more');
  });

  test('files identical to the rendering are adopted without --force (an older synth of the same program)', () => {
    const out = tempDir('write-tree');
    for (const [rel, content] of V1) put(out, rel, content);
    expect(writeTree(out, V1).written).toEqual([]);
    expect(fs.readFileSync(path.join(out, OWNERSHIP_RECORD), 'utf8')).toContain(`${blobSha('x\n')} prod/b/x.yaml`);
  });

  test('a file changed since synth wrote it, or one at a path synth writes that it did not write, is refused; --force replaces it', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1);
    put(out, 'dev/a/one.yaml', 'hand edit\n');
    put(out, 'dev/a/three.yaml', 'mine\n');
    put(out, 'prod/b/x.yaml', 'edited, and the new rendering has no x\n');
    expectRefused(out, () => writeTree(out, V2),
      'dev/a/one.yaml: would be replaced but changed since synth wrote it',
      'dev/a/three.yaml: would be replaced but was not written by synth',
      'prod/b/x.yaml: would be removed but changed since synth wrote it',
      'run with --force');
    writeTree(out, V2, { force: true });
    expect(outputFiles(out)).toEqual(Object.fromEntries(V2));
  });

  test('a record that is not synth\'s format is refused, naming the line', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1);
    fs.appendFileSync(path.join(out, OWNERSHIP_RECORD), `${blobSha('x')} ../../etc/passwd\n`);
    expectRefused(out, () => writeTree(out, V2, { force: true }), `${OWNERSHIP_RECORD} line 6: `, 'names a path that has an empty, "." or ".." segment');
  });

  test('a FIFO, a folder or a symbolic link at a path synth writes is refused even with --force (the FIFO is not opened)', () => {
    const out = tempDir('write-tree');
    const outside = tempDir('outside');
    put(outside, 'a/one.yaml', 'outside\n');
    fs.mkdirSync(path.join(out, 'dev'));
    fs.symlinkSync(outside, path.join(out, 'dev', 'a'));
    execFileSync('mkfifo', [path.join(out, 'prod-fifo')]);
    fs.mkdirSync(path.join(out, 'prod', 'b', 'x.yaml'), { recursive: true });
    const start = Date.now();
    expectRefused(out, () => writeTree(out, new Map([...V1, ['prod-fifo', 'x\n']]), { force: true }),
      `dev/a: is a symbolic link to ${JSON.stringify(outside)}, not a folder`,
      'prod-fifo: is a FIFO (named pipe); synth writes a regular file there',
      'prod/b/x.yaml: is a directory',
      '--force does not change this');
    expect(Date.now() - start).toBeLessThan(5000);
    expect(snapshotTree(outside)).toEqual({ 'a/one.yaml': 'outside\n' });
  });
});

describe('writeTree in a git working tree', () => {
  beforeAll(isolateGit);

  /** A repository holding synth's output of V1 and a README, committed, plus .gitignore. */
  function repo(): string {
    const dir = tempDir('write-tree-git');
    git(dir, 'init', '-q');
    writeTree(dir, V1);
    put(dir, 'README.md', '# GitOps\n');
    put(dir, '.gitignore', '*.tmp\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'synth');
    return dir;
  }

  test('untracked and ignored files are never removed, even in folders synth empties; tracked files it did not write stay', () => {
    const dir = repo();
    put(dir, 'prod/b/notes.txt', 'untracked\n');
    put(dir, 'prod/b/cache.tmp', 'ignored\n');
    put(dir, 'dev/a/scratch.tmp', 'ignored\n');
    expect(writeTree(dir, V2).removed).toEqual(['prod/b/x.yaml', 'dev/a/two.yaml'].sort());
    expect(outputFiles(dir)).toEqual({ ...Object.fromEntries(V2), 'README.md': '# GitOps\n', '.gitignore': '*.tmp\n', 'prod/b/notes.txt': 'untracked\n', 'prod/b/cache.tmp': 'ignored\n', 'dev/a/scratch.tmp': 'ignored\n' });
  });

  test('an uncommitted or staged edit of a file synth would change is refused, even with --force', () => {
    const dir = repo();
    put(dir, 'dev/a/one.yaml', 'uncommitted edit\n');
    expectRefused(dir, () => writeTree(dir, V2, { force: true }), 'dev/a/one.yaml: would be replaced but changed since synth wrote it, and has uncommitted changes (git status " M")', 'Commit or stash');
    git(dir, 'add', 'dev/a/one.yaml');
    expectRefused(dir, () => writeTree(dir, V2, { force: true }), 'git status "M "');
    put(dir, 'prod/b/x.yaml', 'uncommitted edit of a file synth would remove\n');
    expectRefused(dir, () => writeTree(dir, V2, { force: true }), 'prod/b/x.yaml: would be removed but changed since synth wrote it, and has uncommitted changes');
  });

  test('an untracked file at a path synth would write is refused even with --force; an ignored one only without it', () => {
    const dir = repo();
    put(dir, 'dev/a/three.yaml', 'untracked\n');
    expectRefused(dir, () => writeTree(dir, V2, { force: true }), 'dev/a/three.yaml: would be replaced but was not written by synth', 'and is untracked: git cannot give it back');
    fs.rmSync(path.join(dir, 'dev/a/three.yaml'));
    put(dir, 'dev/a/three.tmp', 'ignored\n');
    const files = new Map([...V2, ['dev/a/three.tmp', 'three\n']]);
    expectRefused(dir, () => writeTree(dir, files), 'dev/a/three.tmp: would be replaced but was not written by synth', 'git ignores it');
    writeTree(dir, files, { force: true });
    expect(fs.readFileSync(path.join(dir, 'dev/a/three.tmp'), 'utf8')).toBe('three\n');
  });

  test('a committed change of a recorded file (e.g. by a release) is replaced without --force; a committed file synth did not write needs it', () => {
    const dir = repo();
    put(dir, 'dev/a/one.yaml', 'committed by a release\n');
    put(dir, 'dev/a/three.yaml', 'committed by hand\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'release');
    expectRefused(dir, () => writeTree(dir, V2), 'dev/a/three.yaml: would be replaced but was not written by synth (it is not in .cdk8s-gitops-files) (git has it committed)');
    writeTree(dir, new Map([...V2].filter(([p]) => p !== 'dev/a/three.yaml')));
    expect(fs.readFileSync(path.join(dir, 'dev/a/one.yaml'), 'utf8')).toBe('one v2\n');
  });

  test('the output files of an earlier run, not committed yet, are synth\'s to replace (two synths before a commit)', () => {
    const dir = repo();
    writeTree(dir, V2);
    expect(git(dir, 'status', '--porcelain')).not.toBe('');
    writeTree(dir, new Map([['dev/a/one.yaml', 'one v3\n']]));
    expect(outputFiles(dir)).toEqual({ 'dev/a/one.yaml': 'one v3\n', 'README.md': '# GitOps\n', '.gitignore': '*.tmp\n' });
  });

  test('output in an ignored folder of a project repository (dist/) behaves like a plain folder', () => {
    const dir = repo();
    fs.appendFileSync(path.join(dir, '.gitignore'), 'dist/\n');
    const out = path.join(dir, 'dist');
    writeTree(out, V1);
    put(out, 'dev/a/one.yaml', 'hand edit\n');
    expectRefused(out, () => writeTree(out, V2), 'dev/a/one.yaml: would be replaced but changed since synth wrote it, and git ignores it');
  });

  test('a repository\'s own files (README, .github/, CODEOWNERS, the program, untracked files) stay without --force when synth first writes it; a path synth writes is still guarded', () => {
    const dir = tempDir('write-tree-git');
    git(dir, 'init', '-q');
    const own = { 'README.md': '# GitOps\n', '.github/workflows/ci.yml': 'on: push\n', CODEOWNERS: '* @platform\n', 'renovate.json': '{}\n', 'program/package.json': '{}\n', 'program/main.ts': 'export {};\n' };
    for (const [rel, content] of Object.entries(own)) put(dir, rel, content);
    put(dir, 'dev/a/two.yaml', 'committed by hand\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'the repository');
    put(dir, 'notes.txt', 'untracked, not at a path synth writes\n');
    // what git ignores is not shown by git: as in a plain folder, synth asks before writing beside it
    put(dir, '.gitignore', '.cache/\n*.log\n');
    put(dir, '.cache/a/b', 'ignored\n');
    put(dir, 'debug.log', 'ignored\n');
    expectRefused(dir, () => writeTree(dir, new Map([...V1].filter(([p]) => p !== 'dev/a/two.yaml')), quiet),
      '.cache/: holds files synth did not write, and git ignores it (the folder has no .cdk8s-gitops-files): it would stay, unowned',
      'debug.log: was not written by synth, and git ignores it', 'run once with --force');
    fs.rmSync(path.join(dir, '.cache'), { recursive: true });
    fs.rmSync(path.join(dir, 'debug.log'));
    // a committed file at a path synth writes that it did not write still needs --force
    expectRefused(dir, () => writeTree(dir, V1, quiet), 'dev/a/two.yaml: would be replaced but was not written by synth (it is not in .cdk8s-gitops-files) (git has it committed)');
    git(dir, 'rm', '-q', 'dev/a/two.yaml');
    git(dir, 'commit', '-q', '-m', 'make room');
    expect(writeTree(dir, V1, quiet).written).toEqual([...V1.keys()].sort());
    expect(outputFiles(dir)).toEqual({ ...own, '.gitignore': '.cache/\n*.log\n', 'notes.txt': 'untracked, not at a path synth writes\n', ...Object.fromEntries(V1) });
  });

  test('the program\'s folders inside the output folder are never written or removed into, even with --force', () => {
    const dir = repo();
    put(dir, 'program/package.json', '{}\n');
    fs.mkdirSync(path.join(dir, 'program', 'lib', 'src'), { recursive: true });
    const protect = [path.join(dir, 'program', 'lib', 'src')]; // the app module's folder: its project (program/) is guarded too
    const into = new Map([...V1, ['program/dev/x.yaml', 'x\n']]);
    expectRefused(dir, () => writeTree(dir, into, { ...quiet, force: true, protect }),
      `program/dev/x.yaml: is in the program's folder program/ (${path.join(dir, 'program')}): synth never writes there`, '--force does not change this');
    expectRefused(dir, () => writeTree(dir, new Map([...V1, ['program', 'a file where the program is\n']]), { ...quiet, force: true, protect }), 'program: is in the program\'s folder program/');
    expect(writeTree(dir, V2, { ...quiet, protect }).removed).toEqual(['dev/a/two.yaml', 'prod/b/x.yaml']);
    expect(fs.readFileSync(path.join(dir, 'program/package.json'), 'utf8')).toBe('{}\n');
  });
});
