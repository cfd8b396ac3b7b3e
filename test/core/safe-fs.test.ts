import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { readRegularFile, UnsafePathError, walkRegularFiles } from '../../src/core/safe-fs';
import { tempDir } from '../temp-dir';
import { put } from '../tree-snapshot';

function thrown(f: () => unknown): UnsafePathError {
  try {
    f();
  } catch (e: any) {
    expect(e).toBeInstanceOf(UnsafePathError);
    return e;
  }
  throw new Error('expected an UnsafePathError');
}

describe('readRegularFile', () => {
  test('reads a regular file; undefined when it, or a folder along it, does not exist', () => {
    const root = tempDir('safe-fs');
    put(root, 'dev/release.yaml', 'x: 1\n');
    expect(readRegularFile(root, 'dev/release.yaml')).toBe('x: 1\n');
    expect(readRegularFile(root, 'dev/other.yaml')).toBeUndefined();
    expect(readRegularFile(root, 'prod/release.yaml')).toBeUndefined();
  });

  test('a FIFO is refused at once, never opened (opening it would wait for a writer)', () => {
    const root = tempDir('safe-fs');
    fs.mkdirSync(path.join(root, 'dev'));
    execFileSync('mkfifo', [path.join(root, 'dev', 'release.yaml')]);
    const start = Date.now();
    const e = thrown(() => readRegularFile(root, 'dev/release.yaml'));
    expect(Date.now() - start).toBeLessThan(10_000); // opening it would wait forever
    expect(e.message).toBe(`${path.join(root, 'dev', 'release.yaml')} is a FIFO (named pipe): only regular files are read (it was not opened)`);
    expect(e.path).toBe(path.join(root, 'dev', 'release.yaml'));
  });

  test('a socket and a link to a device are refused', async () => {
    const root = tempDir('safe-fs');
    const server = net.createServer();
    await new Promise<void>(resolve => server.listen(path.join(root, 'sock.yaml'), resolve));
    try {
      expect(thrown(() => readRegularFile(root, 'sock.yaml')).message).toContain('is a socket');
    } finally {
      server.close();
    }
    fs.symlinkSync('/dev/null', path.join(root, 'null.yaml'));
    expect(thrown(() => readRegularFile(root, 'null.yaml')).message).toContain('is a symbolic link to "/dev/null", outside');
  });

  test('symbolic links: to a file inside the folder, read; leaving it, broken, or as a folder along the path, refused', () => {
    const root = tempDir('safe-fs');
    const outside = tempDir('outside');
    put(outside, 'secret/release.yaml', 'outside\n');
    put(root, 'prod/release.yaml', 'prod\n');
    fs.mkdirSync(path.join(root, 'dev'));
    fs.symlinkSync('../prod/release.yaml', path.join(root, 'dev', 'release.yaml'));
    expect(readRegularFile(root, 'dev/release.yaml')).toBe('prod\n');
    fs.symlinkSync(path.join(outside, 'secret', 'release.yaml'), path.join(root, 'dev', 'out.yaml'));
    expect(thrown(() => readRegularFile(root, 'dev/out.yaml')).message).toContain(`outside ${root}: not followed`);
    fs.symlinkSync('nowhere', path.join(root, 'dev', 'broken.yaml'));
    expect(thrown(() => readRegularFile(root, 'dev/broken.yaml')).message).toContain('a symbolic link to "nowhere", which does not exist');
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'qa'));
    expect(thrown(() => readRegularFile(root, 'qa/release.yaml')).message).toBe(`${path.join(root, 'qa')} is a symbolic link to ${JSON.stringify(path.join(outside, 'secret'))}, not a folder: only files inside ${root} are read, through real folders`);
  });

  test('a folder, or a file larger than maxBytes, is refused', () => {
    const root = tempDir('safe-fs');
    fs.mkdirSync(path.join(root, 'dir.yaml'));
    put(root, 'big.yaml', 'x'.repeat(100));
    expect(thrown(() => readRegularFile(root, 'dir.yaml')).message).toContain('is a directory');
    expect(thrown(() => readRegularFile(root, 'big.yaml', { maxBytes: 99 })).message).toContain('is 100 bytes: files of more than 99 bytes are not read');
    expect(readRegularFile(root, 'big.yaml', { maxBytes: 100 })).toHaveLength(100);
  });
});

describe('walkRegularFiles', () => {
  test('lists wanted regular files, sorted, skipping folders as told; links to files inside are listed, to folders inside not entered', () => {
    const root = tempDir('walk');
    put(root, 'b/x.yaml', 'x');
    put(root, 'a/y.yaml', 'y');
    put(root, 'a/notes.txt', 'n');
    put(root, '.git/c.yaml', 'c');
    fs.symlinkSync('../b/x.yaml', path.join(root, 'a', 'link.yaml'));
    fs.symlinkSync('b', path.join(root, 'c'));
    const outside = tempDir('outside');
    put(outside, 'o.txt', 'o');
    fs.symlinkSync(path.join(outside, 'o.txt'), path.join(root, 'a', 'outside.txt')); // not wanted: ignored
    execFileSync('mkfifo', [path.join(root, 'a', 'pipe.txt')]); // not wanted: ignored
    expect(walkRegularFiles(root, { include: rel => rel.endsWith('.yaml'), skipFolder: rel => rel === '.git' })).toEqual(['a/link.yaml', 'a/y.yaml', 'b/x.yaml']);
  });

  test('a wanted FIFO, a link to a folder outside, a wanted link to a file outside and a wanted broken link are refused', () => {
    const outside = tempDir('outside');
    put(outside, 'h.yaml', 'h');
    const cases: [string, (root: string) => void, string][] = [
      ['FIFO', root => execFileSync('mkfifo', [path.join(root, 'd', 'x.yaml')]), 'is a FIFO (named pipe)'],
      ['folder outside', root => fs.symlinkSync('/etc', path.join(root, 'd', 'etc')), 'is a symbolic link to "/etc", outside'],
      ['file outside', root => fs.symlinkSync(path.join(outside, 'h.yaml'), path.join(root, 'd', 'h.yaml')), `is a symbolic link to ${JSON.stringify(path.join(outside, 'h.yaml'))}, outside`],
      ['broken', root => fs.symlinkSync('missing.yaml', path.join(root, 'd', 'b.yaml')), 'which does not exist'],
    ];
    for (const [, make, message] of cases) {
      const root = tempDir('walk');
      put(root, 'd/ok.yaml', 'ok');
      make(root);
      expect(thrown(() => walkRegularFiles(root, { include: rel => rel.endsWith('.yaml') })).message).toContain(message);
    }
  });

  test('with onRefused, each refused path is reported with its relative path and the walk goes on', () => {
    const root = tempDir('walk');
    put(root, 'a/ok.yaml', 'ok');
    put(root, 'z/ok.yaml', 'ok');
    execFileSync('mkfifo', [path.join(root, 'a', 'x.yaml')]);
    fs.symlinkSync('/etc', path.join(root, 'etc'));
    fs.symlinkSync('missing.yaml', path.join(root, 'z', 'b.yaml'));
    const refused: string[] = [];
    expect(walkRegularFiles(root, { include: rel => rel.endsWith('.yaml'), onRefused: (e, rel) => refused.push(`${rel}: ${e.message.slice(e.message.indexOf(' is ') + 1)}`) }))
      .toEqual(['a/ok.yaml', 'z/ok.yaml']);
    expect(refused.sort()).toEqual([
      'a/x.yaml: is a FIFO (named pipe): only regular files are read (it was not opened)',
      expect.stringMatching(/^etc: is a symbolic link to "\/etc", outside /),
      'z/b.yaml: is a symbolic link to "missing.yaml", which does not exist',
    ]);
  });
});
