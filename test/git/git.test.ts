import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsError } from '../../src/core/errors';
import { blobSha, Git } from '../../src/git/git';
import { cleanup, git, isolateGit, sshSigningKey, tmpdir } from '../gitops/helpers';

beforeAll(isolateGit);
afterAll(cleanup);

function repoWith(files: Record<string, string>): { dir: string; g: Git; head: string } {
  const dir = tmpdir('git');
  git(dir, 'init', '-q');
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const g = Git.open(dir);
  return { dir, g, head: g.resolve('HEAD')! };
}

const treeOf = (g: Git, tree: string) => new Map([...g.listTree(tree, '')].map(([p, e]) => [p, e.sha]));

describe('Git.buildTree', () => {
  test('replaces a folder: changed and new files written, unchanged kept, stale removed, the rest untouched', async () => {
    const { dir, g, head } = repoWith({ 'dev/a.yaml': 'a: 1\n', 'dev/b.yaml': 'b: 1\n', 'dev/old.yaml': 'old\n', 'prod/a.yaml': 'a: 1\n', 'README.md': '# x\n' });
    const statusBefore = git(dir, 'status', '--porcelain');
    const tree = g.buildTree(head, ['dev/'], new Map([['dev/a.yaml', 'a: 1\n'], ['dev/b.yaml', 'b: ✓ 2\n'], ['dev/sub/new.yaml', 'new\n']]));
    expect(treeOf(g, tree)).toEqual(new Map([
      ['README.md', blobSha('# x\n')],
      ['dev/a.yaml', blobSha('a: 1\n')],
      ['dev/b.yaml', blobSha('b: ✓ 2\n')],
      ['dev/sub/new.yaml', blobSha('new\n')],
      ['prod/a.yaml', blobSha('a: 1\n')],
    ]));
    expect(git(dir, 'cat-file', '-p', `${tree}:dev/sub/new.yaml`)).toBe('new\n');
    // object database only: working tree, index and HEAD as they were
    expect(git(dir, 'status', '--porcelain')).toBe(statusBefore);
    expect(g.resolve('HEAD')).toBe(head);
  });

  test('a file can become a folder and a folder a file', async () => {
    const { g, head } = repoWith({ 'dev/x': 'file\n', 'dev/y/z.yaml': 'z\n' });
    const tree = g.buildTree(head, ['dev/'], new Map([['dev/x/inner.yaml', 'inner\n'], ['dev/y', 'now a file\n']]));
    expect([...treeOf(g, tree).keys()].sort()).toEqual(['dev/x/inner.yaml', 'dev/y']);
  });

  test('without a base (unborn branch) and with no change at all', async () => {
    const dir = tmpdir('git');
    git(dir, 'init', '-q');
    const g = Git.open(dir);
    const tree = g.buildTree(undefined, ['dev/'], new Map([['dev/a.yaml', 'a\n']]));
    expect(treeOf(g, tree)).toEqual(new Map([['dev/a.yaml', blobSha('a\n')]]));
    const { g: g2, head } = repoWith({ 'dev/a.yaml': 'a\n' });
    expect(g2.buildTree(head, ['dev/'], new Map([['dev/a.yaml', 'a\n']]))).toBe(g2.treeOf(head));
  });

  test('no ref is written (the scratch commit is not kept), and an emptied tree is the empty tree', async () => {
    const { dir, g, head } = repoWith({ 'dev/a.yaml': 'a\n' });
    const refsBefore = git(dir, 'for-each-ref');
    const tree = g.buildTree(head, ['dev/'], new Map());
    expect(git(dir, 'for-each-ref')).toBe(refsBefore);
    expect(git(dir, 'ls-tree', tree)).toBe('');
    expect(git(dir, 'cat-file', '-t', tree).trim()).toBe('tree');
  });

  test('paths git fast-import would misread are quoted: a leading quote, spaces, backslashes', async () => {
    const { g, head } = repoWith({ 'dev/a.yaml': 'a\n' });
    const files = new Map([['dev/"quoted".yaml', 'q\n'], ['dev/with space.yaml', 's\n'], ['dev/back\\slash.yaml', 'b\n']]);
    const tree = g.buildTree(head, ['dev/'], files);
    expect(treeOf(g, tree)).toEqual(new Map([...files].map(([p, c]) => [p, blobSha(c)])));
  });
});

describe('Git.showAll', () => {
  test('reads several blobs in one call; missing paths and folders are left out; multi-byte content intact', () => {
    const { g, head } = repoWith({ 'dev/release.yaml': 'dev: ✓\nline 2\n', 'prod/release.yaml': '', 'staging/x.yaml': 'x\n' });
    const out = g.showAll(head, ['dev/release.yaml', 'staging/release.yaml', 'prod/release.yaml', 'staging']);
    expect(out).toEqual(new Map([['dev/release.yaml', 'dev: ✓\nline 2\n'], ['prod/release.yaml', '']]));
  });
});

describe('Git.blobSizes', () => {
  test('gives the size in bytes of each blob without reading it; missing paths and folders are left out', () => {
    const { g, head } = repoWith({ 'dev/release.yaml': 'dev: ✓\n', 'prod/release.yaml': '', 'staging/x.yaml': 'x\n' });
    expect(g.blobSizes(head, ['dev/release.yaml', 'staging/release.yaml', 'prod/release.yaml', 'staging'])).toEqual(new Map([['dev/release.yaml', 9], ['prod/release.yaml', 0]]));
  });
});

describe('blobSha', () => {
  test.each(['sha1', 'sha256'] as const)('is what git hash-object gives (%s), multi-byte content and empty files included', format => {
    const dir = tmpdir('git');
    git(dir, 'init', '-q', `--object-format=${format}`);
    for (const content of ['', 'a: 1\n', 'name: ✓ café — 日本\n', 'x'.repeat(70000)]) {
      fs.writeFileSync(path.join(dir, 'f'), content);
      expect(blobSha(content, format)).toBe(git(dir, 'hash-object', 'f').trim());
    }
  });
});

describe('Git.dirtyFiles', () => {
  test('lists modified and untracked files; a failing git throws with its stderr', () => {
    const { dir, g } = repoWith({ 'a.yaml': 'a\n' });
    expect(g.dirtyFiles()).toEqual([]);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'changed\n');
    fs.writeFileSync(path.join(dir, 'new.yaml'), 'new\n');
    expect(g.dirtyFiles()).toEqual([' M a.yaml', '?? new.yaml']);
    expect(() => g.run(['rev-parse', '--verify', 'no-such-branch'])).toThrow(/git rev-parse --verify no-such-branch failed \(exit 128\): fatal: Needed a single revision/);
  });

  test('an input larger than a pipe holds reaches git whole', () => {
    const { g } = repoWith({ 'a.yaml': 'a\n' });
    const input = 'line ✓ of a large input\n'.repeat(100_000); // 2.5 MB
    expect(g.run(['hash-object', '--stdin'], { input }).trim()).toBe(blobSha(input));
  });
});

describe('Git.commitTree signs when git is configured to', () => {
  const commitOn = (g: Git, head: string) => g.commitTree(g.treeOf(head), head, 'signed?');
  const verify = (dir: string, rev: string, allowedSigners: string) =>
    spawnSync('git', ['-c', `gpg.ssh.allowedSignersFile=${allowedSigners}`, 'verify-commit', rev], { cwd: dir, encoding: 'utf8' });

  test('commit.gpgSign unset or false: no signature (git commit-tree alone ignores the setting)', () => {
    const { key, allowedSigners } = sshSigningKey();
    const { dir, g, head } = repoWith({ 'a.yaml': 'a\n' });
    git(dir, 'config', 'gpg.format', 'ssh');
    git(dir, 'config', 'user.signingKey', key);
    const unsigned = commitOn(g, head);
    expect(git(dir, 'cat-file', 'commit', unsigned)).not.toContain('gpgsig');
    expect(verify(dir, unsigned, allowedSigners).status).not.toBe(0);
    git(dir, 'config', 'commit.gpgSign', 'false');
    expect(git(dir, 'cat-file', 'commit', commitOn(Git.open(dir), head))).not.toContain('gpgsig');
  });

  test('commit.gpgSign true with gpg.format ssh and user.signingKey: git verify-commit accepts the commit', () => {
    const { key, allowedSigners } = sshSigningKey();
    const { dir, head } = repoWith({ 'a.yaml': 'a\n' });
    git(dir, 'config', 'gpg.format', 'ssh');
    git(dir, 'config', 'user.signingKey', key);
    git(dir, 'config', 'commit.gpgSign', 'true');
    const signed = commitOn(Git.open(dir), head);
    expect(git(dir, 'cat-file', 'commit', signed)).toContain('gpgsig -----BEGIN SSH SIGNATURE-----');
    const v = verify(dir, signed, allowedSigners);
    expect([v.status, v.stderr]).toEqual([0, expect.stringContaining('Good "git" signature for test@example.com with ED25519 key')]);
    // the same commit object with another allowed key does not verify: the check can fail
    const other = sshSigningKey();
    expect(verify(dir, signed, other.allowedSigners).status).not.toBe(0);
  });

  test('a signing failure is a clear error and moves no ref', () => {
    const { dir, head } = repoWith({ 'a.yaml': 'a\n' });
    git(dir, 'config', 'gpg.format', 'ssh');
    git(dir, 'config', 'user.signingKey', path.join(dir, 'no-such-key'));
    git(dir, 'config', 'commit.gpgSign', 'yes');
    const refs = git(dir, 'for-each-ref');
    const g = Git.open(dir);
    expect(() => commitOn(g, head)).toThrow(GitOpsError);
    expect(() => commitOn(g, head)).toThrow(new RegExp(`^cannot sign the commit: git's configuration asks for signed commits \\(commit\\.gpgSign is true; gpg\\.format ssh, `
      + `user\\.signingKey ".*no-such-key"\\), and git commit-tree -S failed \\(exit \\d+\\): .*no-such-key.*; nothing was committed`, 's'));
    expect(git(dir, 'for-each-ref')).toBe(refs);
  });

  test('a commit.gpgSign that is not a boolean is an error naming it', () => {
    const { dir, head } = repoWith({ 'a.yaml': 'a\n' });
    git(dir, 'config', 'commit.gpgSign', 'sometimes');
    expect(() => commitOn(Git.open(dir), head)).toThrow(/git config --bool commit\.gpgSign failed \(exit 128\): fatal: bad boolean config value 'sometimes' for 'commit\.gpgsign'/);
  });
});
