import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blobSha } from '../../src/git/git';
import { OWNERSHIP_RECORD } from '../../src/git/ownership-record';
import { STAGING_FOLDER, swapStateDir } from '../../src/git/swap-journal';
import { writeTree } from '../../src/git/write-tree';
import { InputError } from '../../src/core/errors';
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

/** A git working tree holding synth's output of V1 and `extra` files, committed as "synth". */
function committedOutput(dir: string, extra: Record<string, string> = {}, options: Parameters<typeof writeTree>[2] = quiet): void {
  git(dir, 'init', '-q');
  writeTree(dir, V1, options);
  for (const [rel, content] of Object.entries(extra)) put(dir, rel, content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'synth');
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

  test.each([
    [['dev/a.yaml/x.yaml', 'dev/a.yaml'], '"dev/a.yaml" into', 'is also the folder of "dev/a.yaml/x.yaml" in the same rendering'],
    [['dev/a.yaml', 'dev/a.yaml/x.yaml'], '"dev/a.yaml/x.yaml" into', 'is inside "dev/a.yaml", a file of the same rendering'],
    [['dev/a.yaml', 'ok.yaml', 'dev/a.yaml/b/x.yaml'], '"dev/a.yaml/b/x.yaml" into', 'is inside "dev/a.yaml", a file of the same rendering'],
  ])('a rendering of %j (a path both a file and a folder) is refused naming both, with or without --force, over a file or not', (paths, written, why) => {
    for (const force of [false, true]) {
      for (const before of [{}, { 'dev/a.yaml': 'not synth\'s\n' }]) {
        const out = tempDir('write-tree');
        for (const [rel, content] of Object.entries(before)) put(out, rel, content);
        const error = expectRefused(out, () => writeTree(out, new Map(paths.map(p => [p, 'x\n'])), { ...quiet, force }), written, why);
        expect(error.constructor.name).toBe('GitOpsError');
        expect(fs.readdirSync(out).sort()).toEqual(Object.keys(before).length === 0 ? [] : ['dev']);
      }
    }
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
    committedOutput(dir, { 'README.md': '# GitOps\n', '.gitignore': '*.tmp\n' }, {});
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

  test('more than a thousand paths to ask git about (too many for one command line): git status of the folder, the same answers', () => {
    const dir = repo();
    const files = new Map([...V2]);
    for (let i = 0; i < 1001; i++) {
      const rel = `dev/many/f${String(i).padStart(4, '0')}.yaml`;
      put(dir, rel, i === 1000 ? 'untracked\n' : 'committed by hand\n');
      files.set(rel, 'rendered\n');
    }
    git(dir, 'add', '-A', '--', ':!dev/many/f1000.yaml');
    git(dir, 'commit', '-q', '-m', 'by hand');
    // the committed ones need --force; the untracked one is refused even with it
    expectRefused(dir, () => writeTree(dir, files, quiet), 'dev/many/f0000.yaml: would be replaced but was not written by synth (it is not in .cdk8s-gitops-files) (git has it committed)');
    expect(expectRefused(dir, () => writeTree(dir, files, { ...quiet, force: true })).message)
      .toMatch(/^ {2}dev\/many\/f1000\.yaml: would be replaced but was not written by synth .*, and is untracked: git cannot give it back$/m);
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

describe('writeTree: what it refuses and says, exactly', () => {
  const FORCE_NO_RECORD = 'Choose an empty or new folder; or, if synth should take this folder over (e.g. one synthesized by an older cdk8s-gitops, which kept no record), run once with --force: files at the paths synth writes are replaced, every other file stays as it is (synth never removes a file it did not write).';
  const NEVER = 'Synth writes only regular files, through real folders, outside the program\'s folders: move what is in the way (--force does not change this).';

  test('a plain folder without a record: the folder as given (quoted) or its label, the paths sorted, what each is, what to do', () => {
    const out = tempDir('write-tree');
    put(out, 'dev/a/one.yaml', 'mine\n'); // at a path synth writes (listed first, found first)
    put(out, 'a-notes.txt', 'notes'); // beside it (found after, sorted before)
    const message = `refusing to write into ${out}, nothing was changed:\n`
      + '  a-notes.txt: was not written by synth (the folder has no .cdk8s-gitops-files): it would stay, unowned\n'
      + '  dev/a/one.yaml: would be replaced but was not written by synth (it is not in .cdk8s-gitops-files)\n'
      + FORCE_NO_RECORD;
    expect(expectRefused(out, () => writeTree(out, V1, quiet)).message).toBe(`${JSON.stringify(out)}: ${message}`);
    expect(expectRefused(out, () => writeTree(out, V1, { ...quiet, label: '--out "dist"' })).message).toBe(`--out "dist": ${message}`);
  });

  test('a folder with a record: a changed file, and what to do', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    put(out, 'dev/a/one.yaml', 'hand edit\n');
    expect(expectRefused(out, () => writeTree(out, V2, quiet)).message).toBe(`${JSON.stringify(out)}: refusing to write into ${out}, nothing was changed:\n`
      + '  dev/a/one.yaml: would be replaced but changed since synth wrote it\n'
      + 'Move these files away, or run with --force to replace them (every file not listed stays as it is).');
  });

  test('only what is not a regular file in the way: that line alone, --force or not', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    fs.rmSync(path.join(out, 'prod/b/x.yaml'));
    execFileSync('mkfifo', [path.join(out, 'prod/b/x.yaml')]);
    for (const force of [false, true]) {
      expect(expectRefused(out, () => writeTree(out, V1, { ...quiet, force })).message).toBe(`${JSON.stringify(out)}: refusing to write into ${out}, nothing was changed:\n`
        + '  prod/b/x.yaml: is a FIFO (named pipe); synth writes a regular file there\n' + NEVER);
    }
  });

  test('a regular file where a folder along a path is: named once, as not a folder', () => {
    const out = tempDir('write-tree');
    writeTree(out, new Map([['top.yaml', 'x\n']]), quiet);
    put(out, 'dev', 'a file\n');
    expect(expectRefused(out, () => writeTree(out, new Map([['top.yaml', 'x\n'], ['dev/a/one.yaml', 'one\n'], ['dev/a/two.yaml', 'two\n'], ['dev/b.yaml', 'b\n']]), quiet)).message)
      .toBe(`${JSON.stringify(out)}: refusing to write into ${out}, nothing was changed:\n`
        + '  dev: is a regular file, not a folder: synth writes only through real folders\n' + NEVER);
  });

  test('a symbolic link high up along a path is named, not the real folder behind it', () => {
    const out = tempDir('write-tree');
    writeTree(out, new Map([['top.yaml', 'x\n']]), quiet);
    const outside = tempDir('outside');
    put(outside, 'a/one.yaml', 'outside\n');
    fs.symlinkSync(outside, path.join(out, 'dev'));
    const e = expectRefused(out, () => writeTree(out, new Map([['top.yaml', 'x\n'], ['dev/a/one.yaml', 'one\n']]), { ...quiet, force: true }));
    expect(e.message).toBe(`${JSON.stringify(out)}: refusing to write into ${out}, nothing was changed:\n`
      + `  dev: is a symbolic link to ${JSON.stringify(outside)}, not a folder: synth writes only through real folders\n` + NEVER);
    expect(snapshotTree(outside)).toEqual({ 'a/one.yaml': 'outside\n' });
  });

  test('exactly ten offending paths are listed without "... and more"; eleven with it; the first ten in order', () => {
    const out = tempDir('write-tree');
    for (let i = 0; i < 10; i++) put(out, `f${String(i).padStart(2, '0')}`, 'x');
    expect(expectRefused(out, () => writeTree(out, V1)).message).not.toContain('... and more');
    put(out, 'f10', 'x');
    const e = expectRefused(out, () => writeTree(out, V1));
    expect(e.message.match(/^ {2}(f\d\d): /gm)).toEqual(Array.from({ length: 10 }, (_, i) => `  f${String(i).padStart(2, '0')}: `));
    expect(e.message).toContain('\n  ... and more\n');
  });

  test('the listing stops after the first files found, folder by folder (a big folder is not walked whole)', () => {
    const out = tempDir('write-tree');
    for (let i = 0; i < 11; i++) put(out, `a/f${String(i).padStart(2, '0')}`, 'x');
    put(out, 'a.txt', 'x'); // sorts before a/..., found after them
    const e = expectRefused(out, () => writeTree(out, V1));
    expect(e.message.match(/^ {2}(\S+): /gm)).toEqual(Array.from({ length: 10 }, (_, i) => `  a/f${String(i).padStart(2, '0')}: `));
  });

  test('synth\'s names below the top of the folder are files like any other', () => {
    const out = tempDir('write-tree');
    put(out, 'sub/.cdk8s-gitops-files', 'x');
    put(out, 'sub/.git', 'x');
    expectRefused(out, () => writeTree(out, V1), '  sub/.cdk8s-gitops-files: was not written by synth', '  sub/.git: was not written by synth');
  });

  test('the output folder is a file, or one of the program\'s folders: refused (InputError), nothing written', () => {
    const parent = tempDir('write-tree');
    const file = path.join(parent, 'out');
    fs.writeFileSync(file, 'x');
    expect(() => writeTree(file, V1)).toThrow(new InputError(`${JSON.stringify(file)}: ${file} is a regular file, not a folder`));
    const program = tempDir('write-tree');
    expect(() => writeTree(program, V1, { protect: [program] })).toThrow(InputError);
    expect(fs.readdirSync(program)).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('writeTree: what it writes, and when', () => {
  test('what it recovered is told to onNotice, else written to standard error; nothing when there was nothing', () => {
    const out = tempDir('write-tree');
    const notices: string[] = [];
    writeTree(out, V1, { onNotice: m => notices.push(m) });
    expect(notices).toEqual([]);
    const state = swapStateDir(out);
    const token = 'ab'.repeat(16);
    put(out, `${STAGING_FOLDER}/owner`, `${token}\n`);
    const ended = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    put(state, 'owner', `${JSON.stringify({ pid: ended, host: os.hostname(), started: '2026-01-01T00:00:00.000Z', token })}\n`);
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(chunk => { written.push(String(chunk)); return true; });
    try {
      writeTree(out, V2);
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([`synth: removed ${path.join(out, STAGING_FOLDER)}, left by a synth that was stopped before its swap began: ${out} holds the output from before that run, whole\n`]);
  });

  /** A rendering that records, after each file was taken, whether its new content is in the staging folder yet. */
  function* watched(out: string, files: Iterable<readonly [string, string]>, seen: boolean[]): Generator<readonly [string, string]> {
    for (const [rel, content] of files) {
      yield [rel, content];
      seen.push(fs.existsSync(path.join(out, STAGING_FOLDER, 'files', rel)));
    }
  }

  test('files are staged as they come into a new or empty folder, a folder holding only .git, and a folder synth owns', () => {
    const parent = tempDir('write-tree');
    const repo = tempDir('write-tree');
    git(repo, 'init', '-q');
    const owned = tempDir('write-tree');
    writeTree(owned, V2, quiet);
    for (const out of [path.join(parent, 'new'), tempDir('write-tree'), repo, owned]) {
      const seen: boolean[] = [];
      writeTree(out, watched(out, V1, seen), quiet);
      expect(seen).toEqual([true, true, true]);
      expect(outputFiles(out)).toEqual(Object.fromEntries(V1));
    }
  });

  test('a new folder is moved into place whole (one rename), beside a new folder whose name starts with its name', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    let staged: number | undefined;
    function* files(): Generator<[string, string]> {
      yield* V1;
      yield ['new/deep/n.yaml', 'n\n'];
      yield ['new/deep/m.yaml', 'm\n'];
      staged = fs.statSync(path.join(out, STAGING_FOLDER, 'files', 'new')).ino;
      yield ['newer/y.yaml', 'y\n'];
      yield ['dev/b/z.yaml', 'z\n'];
    }
    const result = writeTree(out, files(), quiet);
    expect(result.written).toEqual(['dev/b/z.yaml', 'new/deep/m.yaml', 'new/deep/n.yaml', 'newer/y.yaml']);
    expect(fs.statSync(path.join(out, 'new')).ino).toBe(staged);
    expect(outputFiles(out)).toEqual({ ...Object.fromEntries(V1), 'new/deep/n.yaml': 'n\n', 'new/deep/m.yaml': 'm\n', 'newer/y.yaml': 'y\n', 'dev/b/z.yaml': 'z\n' });
  });

  test('written is sorted whatever order the files come in', () => {
    const out = tempDir('write-tree');
    expect(writeTree(out, [['z.yaml', 'z\n'], ['m/a.yaml', 'a\n'], ['a.yaml', 'a\n']], quiet).written).toEqual(['a.yaml', 'm/a.yaml', 'z.yaml']);
  });

  test('a run that changes nothing touches nothing: not the folder, not the record, no state', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    const before = { folder: fs.statSync(out, { bigint: true }).mtimeNs, record: fs.statSync(path.join(out, OWNERSHIP_RECORD), { bigint: true }) };
    expect(writeTree(out, V1, quiet)).toEqual({ files: [...V1.keys()].sort(), written: [], removed: [] });
    expect(fs.statSync(out, { bigint: true }).mtimeNs).toBe(before.folder);
    const record = fs.statSync(path.join(out, OWNERSHIP_RECORD), { bigint: true });
    expect([record.ino, record.mtimeNs]).toEqual([before.record.ino, before.record.mtimeNs]);
    expect(fs.existsSync(swapStateDir(out))).toBe(false);
  });

  test('a path given twice whose last content is what is there already: nothing written, nothing staged left', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    const result = writeTree(out, [...V1, ['dev/a/one.yaml', 'changed\n'], ['dev/a/one.yaml', 'one\n']], quiet);
    expect(result.written).toEqual([]);
    expect(snapshotTree(out)).toEqual(expect.not.objectContaining({ [`${STAGING_FOLDER}/owner`]: expect.anything() }));
    expect(outputFiles(out)).toEqual(Object.fromEntries(V1));
    expect(fs.existsSync(swapStateDir(out))).toBe(false);
  });

  test('a file restored to what synth renders (--force) is rewritten; the record, unchanged, is not', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    put(out, 'dev/a/one.yaml', 'hand edit\n');
    const record = fs.statSync(path.join(out, OWNERSHIP_RECORD)).ino;
    expect(writeTree(out, V1, { ...quiet, force: true })).toEqual({ files: [...V1.keys()].sort(), written: ['dev/a/one.yaml'], removed: [] });
    expect(outputFiles(out)).toEqual(Object.fromEntries(V1));
    expect(fs.statSync(path.join(out, OWNERSHIP_RECORD)).ino).toBe(record);
  });

  test('a recorded file deleted by hand is written again without --force', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    fs.rmSync(path.join(out, 'dev/a/one.yaml'));
    expect(writeTree(out, V1, quiet).written).toEqual(['dev/a/one.yaml']);
    expect(outputFiles(out)).toEqual(Object.fromEntries(V1));
  });

  test('recorded files the rendering no longer has: removed in order when they are regular files; gone, a folder or a link now: left alone', () => {
    const out = tempDir('write-tree');
    writeTree(out, new Map([['keep.yaml', 'k\n'], ['z.yaml', 'z\n'], ['gone.yaml', 'g\n'], ['folder.yaml', 'f\n'], ['link.yaml', 'l\n'], ['a.yaml', 'a\n']]), quiet);
    // the record reordered by hand (it stays valid)
    const record = path.join(out, OWNERSHIP_RECORD);
    const lines = fs.readFileSync(record, 'utf8').split('\n').filter(l => l !== '');
    fs.writeFileSync(record, `${[...lines].reverse().join('\n')}\n`);
    fs.rmSync(path.join(out, 'gone.yaml'));
    fs.rmSync(path.join(out, 'folder.yaml'));
    put(out, 'folder.yaml/inside', 'i\n');
    fs.rmSync(path.join(out, 'link.yaml'));
    fs.symlinkSync('keep.yaml', path.join(out, 'link.yaml'));
    expect(writeTree(out, new Map([['keep.yaml', 'k\n']]), quiet).removed).toEqual(['a.yaml', 'z.yaml']);
    expect(snapshotTree(out)).toEqual(expect.objectContaining({ 'keep.yaml': 'k\n', 'folder.yaml/inside': 'i\n', 'link.yaml': '<symlink to keep.yaml>' }));
    expect(Object.keys(outputFiles(out)).sort()).toEqual(['folder.yaml/inside', 'keep.yaml', 'link.yaml']);
  });

  test('a record larger than a KiB, or than 64 MiB, is read', () => {
    const out = tempDir('write-tree');
    const many = new Map(Array.from({ length: 40 }, (_, i) => [`env/service-${i}/deployment.yaml`, `${i}\n`] as [string, string]));
    writeTree(out, many, quiet);
    expect(fs.statSync(path.join(out, OWNERSHIP_RECORD)).size).toBeGreaterThan(1024);
    expect(writeTree(out, many, quiet).written).toEqual([]);
    fs.appendFileSync(path.join(out, OWNERSHIP_RECORD), `# ${'x'.repeat(65 * 1024 * 1024)}\n`);
    expect(writeTree(out, new Map([...many].slice(1)), quiet).removed).toEqual(['env/service-0/deployment.yaml']);
  });

  test('a big file synth did not write at a path it writes is replaced with --force without being read', () => {
    const out = tempDir('write-tree');
    writeTree(out, V1, quiet);
    fs.writeFileSync(path.join(out, 'big.yaml'), '');
    fs.truncateSync(path.join(out, 'big.yaml'), 65 * 1024 * 1024); // larger than anything read
    expectRefused(out, () => writeTree(out, new Map([...V1, ['big.yaml', 'small\n']]), quiet), 'big.yaml: would be replaced but was not written by synth');
    writeTree(out, new Map([...V1, ['big.yaml', 'small\n']]), { ...quiet, force: true });
    expect(fs.readFileSync(path.join(out, 'big.yaml'), 'utf8')).toBe('small\n');
  });

  test('a folder with a .git that is not a repository\'s is a plain folder (the .git is not synth\'s concern)', () => {
    const out = tempDir('write-tree');
    fs.writeFileSync(path.join(out, '.git'), 'gitdir: /nowhere\n');
    put(out, 'dev/a/one.yaml', 'mine\n');
    expectRefused(out, () => writeTree(out, V1, quiet), /^"[^\n]*": refusing to write into [^\n]*\n {2}dev\/a\/one.yaml: would be replaced but was not written by synth \(it is not in .cdk8s-gitops-files\)\nChoose/);
    writeTree(out, V1, { ...quiet, force: true });
    expect(outputFiles(out)).toEqual(Object.fromEntries(V1));
    expect(fs.readFileSync(path.join(out, '.git'), 'utf8')).toBe('gitdir: /nowhere\n');
  });

  test('outside git, git is not needed (not even installed)', () => {
    const out = tempDir('write-tree');
    put(out, 'dev/a/one.yaml', 'mine\n');
    const saved = process.env.PATH;
    process.env.PATH = path.join(out, 'no-such-bin');
    try {
      expectRefused(out, () => writeTree(out, V1, quiet), 'dev/a/one.yaml: would be replaced but was not written by synth');
      writeTree(out, V1, { ...quiet, force: true });
    } finally {
      process.env.PATH = saved;
    }
    expect(outputFiles(out)).toEqual(Object.fromEntries(V1));
  });
});

describe('writeTree: the program\'s folders, and git\'s view', () => {
  beforeAll(isolateGit);

  test('a path that is a program\'s folder, or along the path to one, is refused naming that folder', () => {
    const dir = tempDir('write-tree');
    put(dir, 'apps/web/package.json', '{}\n');
    fs.mkdirSync(path.join(dir, 'apps', 'web', 'src'));
    const protect = [path.join(dir, 'apps', 'web', 'src')];
    writeTree(dir, V1, { ...quiet, force: true, protect });
    expectRefused(dir, () => writeTree(dir, new Map([...V1, ['apps/web', 'x\n']]), { ...quiet, force: true, protect }),
      `\n  apps/web: is in the program's folder apps/web/ (${path.join(dir, 'apps', 'web')}): synth never writes there`);
    expectRefused(dir, () => writeTree(dir, new Map([...V1, ['apps', 'x\n']]), { ...quiet, force: true, protect }),
      `\n  apps: is in the program's folder apps/web/ (${path.join(dir, 'apps', 'web')}): synth never writes there`);
  });

  test('a recorded file inside what is now a program\'s folder is not removed; its files need no --force in a plain folder', () => {
    const dir = tempDir('write-tree');
    writeTree(dir, new Map([...V1, ['program/old.yaml', 'old\n']]), quiet);
    put(dir, 'program/package.json', '{}\n');
    const protect = [path.join(dir, 'program')];
    expect(writeTree(dir, V1, { ...quiet, protect }).removed).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'program/old.yaml'), 'utf8')).toBe('old\n');
    const fresh = tempDir('write-tree');
    put(fresh, 'program/package.json', '{}\n');
    writeTree(fresh, V1, { ...quiet, protect: [path.join(fresh, 'program')] });
    expect(outputFiles(fresh)).toEqual({ 'program/package.json': '{}\n', ...Object.fromEntries(V1) });
  });

  test('in a git working tree: what git ignores inside a program\'s folder, and synth\'s own ignored staging folder, need no --force', () => {
    const dir = tempDir('write-tree-git');
    git(dir, 'init', '-q');
    put(dir, '.git/info/exclude', '.cdk8s-gitops-*\nnode_modules/\n');
    writeTree(dir, V1, quiet); // staged as it comes (the folder holds only .git): git ignores the staging folder
    put(dir, 'program/package.json', '{}\n');
    put(dir, 'program/node_modules/x/index.js', 'x\n');
    fs.rmSync(path.join(dir, OWNERSHIP_RECORD));
    writeTree(dir, V1, { ...quiet, protect: [path.join(dir, 'program')] });
    expect(fs.existsSync(path.join(dir, OWNERSHIP_RECORD))).toBe(true);
  });

  test('in a git working tree: an untracked file at a path synth writes is refused, even a one-letter one, saying to commit or stash', () => {
    const dir = tempDir('write-tree-git');
    committedOutput(dir);
    put(dir, 'x', 'untracked\n');
    expect(expectRefused(dir, () => writeTree(dir, new Map([...V1, ['x', 'x\n']]), { ...quiet, force: true })).message).toBe(`${JSON.stringify(dir)}: refusing to write into ${dir}, nothing was changed:\n`
      + `  x: would be replaced but was not written by synth (it is not in ${OWNERSHIP_RECORD}), and is untracked: git cannot give it back\n`
      + 'Commit or stash these changes first (--force does not change this: git could not give them back).');
  });

  test('in a git working tree: a committed file synth did not write is replaced with --force', () => {
    const dir = tempDir('write-tree-git');
    committedOutput(dir, { 'dev/a/three.yaml': 'committed by hand\n' });
    writeTree(dir, V2, { ...quiet, force: true });
    expect(outputFiles(dir)).toEqual(Object.fromEntries(V2));
  });

  test('in a git working tree: a rename in the index is one entry of git status (its source is no status of another path)', () => {
    const dir = tempDir('write-tree-git');
    committedOutput(dir, { 'xx/dev/a/one.yaml': 'a file of mine\n' });
    put(dir, 'dev/a/one.yaml', 'changed by a release\n');
    git(dir, 'commit', '-qam', 'release');
    git(dir, 'mv', 'xx/dev/a/one.yaml', 'dev/a/three.yaml');
    put(dir, 'xx/dev/a/one.yaml', 'a new file of mine\n'); // both paths rendered: git status shows the rename
    const e = expectRefused(dir, () => writeTree(dir, new Map([...V2, ['xx/dev/a/one.yaml', 'x\n']]), { ...quiet, force: true }));
    expect(e.message).toBe(`${JSON.stringify(dir)}: refusing to write into ${dir}, nothing was changed:\n`
      + `  dev/a/three.yaml: would be replaced but was not written by synth (it is not in ${OWNERSHIP_RECORD}), and has uncommitted changes (git status "R ")\n`
      + `  xx/dev/a/one.yaml: would be replaced but was not written by synth (it is not in ${OWNERSHIP_RECORD}), and is untracked: git cannot give it back\n`
      + 'Commit or stash these changes first (--force does not change this: git could not give them back).');
  });
});
