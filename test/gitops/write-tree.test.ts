import * as fs from 'fs';
import * as path from 'path';
import { writeTree } from '../../src/gitops/write-tree';
import { tempDir } from '../temp-dir';

function listTree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, listTree(dir, p)); else out[p] = fs.readFileSync(path.join(dir, p), 'utf8');
  }
  return out;
}

describe('writeTree', () => {
  test('writes files as an iterable hands them out, returns the paths sorted and once; a path given twice gets its last content', () => {
    const out = path.join(tempDir('write-tree'), 'out');
    function* files(): Generator<[string, string]> {
      yield ['b/x.yaml', 'first\n'];
      yield ['a/deep/er/y.yaml', 'y\n'];
      yield ['b/x.yaml', 'second\n'];
      yield ['b/z.yaml', 'z\n'];
    }
    expect(writeTree(out, files())).toEqual(['a/deep/er/y.yaml', 'b/x.yaml', 'b/z.yaml']);
    expect(listTree(out)).toEqual({ 'a/deep/er/y.yaml': 'y\n', 'b/x.yaml': 'second\n', 'b/z.yaml': 'z\n' });
  });

  test('an error while the files are made leaves the previous tree exactly as it was, and no staging folder', () => {
    const out = path.join(tempDir('write-tree'), 'out');
    writeTree(out, new Map([['dev/keep.yaml', 'previous\n']]));
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
    expect(listTree(out)).toEqual({ 'dev/keep.yaml': 'previous\n' });
    expect(fs.readdirSync(path.dirname(out))).toEqual(['out']);
  });
});
