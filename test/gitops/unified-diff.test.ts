import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { unifiedDiff } from '../../src/gitops/unified-diff';
import { cleanup, tmpdir } from './helpers';

afterAll(cleanup);

function gitDiff(a: string, b: string): string {
  const d = tmpdir('diff');
  fs.writeFileSync(path.join(d, 'a'), a);
  fs.writeFileSync(path.join(d, 'b'), b);
  const r = spawnSync('git', ['diff', '--no-index', '--no-color', '--minimal', '-U3', 'a', 'b'], { cwd: d, encoding: 'utf8' });
  return r.stdout.split('\n').filter(l => l.startsWith('@@') || /^[-+ \\]/.test(l)).filter(l => !l.startsWith('--- ') && !l.startsWith('+++ ')).map(l => l.replace(/^(@@ [^@]* @@).*$/, '$1')).join('\n');
}

function body(patch: string): string {
  return patch.split('\n').slice(3).join('\n').replace(/\n$/, '');
}

describe('unified diff', () => {
  test('added, removed and equal files', () => {
    expect(unifiedDiff('x.yaml', 'a\n', 'a\n')).toBe('');
    expect(unifiedDiff('x.yaml', undefined, 'a\nb\n')).toBe('diff --git a/x.yaml b/x.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/x.yaml\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('x.yaml', 'a\n', undefined)).toBe('diff --git a/x.yaml b/x.yaml\ndeleted file mode 100644\n--- a/x.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n');
  });

  test.each([
    ['one changed line among many', lines(20), lines(20).replace('line 10', 'line ten')],
    ['two distant changes make two hunks', lines(30), lines(30).replace('line 3\n', 'x\n').replace('line 25\n', 'y\n')],
    ['insertions and deletions', lines(12), lines(12).replace('line 2\n', '').replace('line 8\n', 'line 8\nnew a\nnew b\n')],
    ['missing newline at the end', 'a\nb', 'a\nc'],
  ])('matches git diff: %s', (_, a, b) => {
    expect(body(unifiedDiff('f', a, b))).toBe(gitDiff(a, b));
  });
});

function lines(n: number): string {
  return Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');
}
