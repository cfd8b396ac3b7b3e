import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { unifiedDiff } from '../../src/git/unified-diff';
import { cleanup, git, tmpdir } from '../gitops/helpers';

afterAll(cleanup);

/**
 * `git diff --no-index -U3` of the two texts as files `a` and `b`, with only the header lines
 * (`diff --git`, `index`, `---`, `+++`, file modes) dropped and the function context after
 * `@@ ... @@` removed.
 */
function gitDiff(a: string | undefined, b: string | undefined): string {
  const d = tmpdir('diff');
  const args = ['diff', '--no-index', '--no-color', '-U3', '--', a === undefined ? '/dev/null' : 'a', b === undefined ? '/dev/null' : 'b'];
  if (a !== undefined) fs.writeFileSync(path.join(d, 'a'), a);
  if (b !== undefined) fs.writeFileSync(path.join(d, 'b'), b);
  const r = spawnSync('git', args, { cwd: d, encoding: 'utf8' });
  if (r.status !== 1) throw new Error(`git diff --no-index: exit ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const first = lines.findIndex(l => l.startsWith('@@'));
  return lines.slice(first).map(l => l.replace(/^(@@ [^@]* @@).*$/, '$1')).join('\n').replace(/\n$/, '');
}

/** Our diff without its header lines (up to the first hunk). */
function hunks(patch: string): string {
  const lines = patch.split('\n');
  return lines.slice(lines.findIndex(l => l.startsWith('@@'))).join('\n').replace(/\n$/, '');
}

function lines(n: number, prefix = 'line'): string {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('');
}

/** A YAML-like file of `n` lines with indentation and repeated lines, as manifests have. */
function yamlish(n: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) out.push(`- name: item-${i}\n`, '  image: registry.example/app:1.0.0\n', '  ports:\n', '  - containerPort: 8080\n', '    protocol: TCP\n');
  return out.slice(0, n).join('');
}

describe('unified diff', () => {
  test('equal files give nothing; added and removed files have git headers', () => {
    expect(unifiedDiff('x.yaml', 'a\n', 'a\n')).toBe('');
    expect(unifiedDiff('x.yaml', undefined, 'a\nb\n')).toBe('diff --git a/x.yaml b/x.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/x.yaml\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('x.yaml', 'a\n', undefined)).toBe('diff --git a/x.yaml b/x.yaml\ndeleted file mode 100644\n--- a/x.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n');
  });

  const big = yamlish(2000);
  test.each([
    ['one changed line in a 2,000-line file', big, big.replace('- name: item-200\n', '- name: item-200-renamed\n')],
    ['two changes far apart', big, big.replace('- name: item-10\n', '- name: x\n').replace('- name: item-390\n', '- name: y\n')],
    ['two changes 6 lines apart (one hunk)', lines(40), lines(40).replace('line 10\n', 'x\n').replace('line 17\n', 'y\n')],
    ['two changes 7 lines apart (two hunks)', lines(40), lines(40).replace('line 10\n', 'x\n').replace('line 18\n', 'y\n')],
    ['lines added at the start and the end', lines(30), `new 1\nnew 2\n${lines(30)}new 3\n`],
    ['lines removed at the start and the end', lines(30), lines(30).replace('line 1\nline 2\n', '').replace('line 30\n', '')],
    ['insertions and deletions', lines(12), lines(12).replace('line 2\n', '').replace('line 8\n', 'line 8\nnew a\nnew b\n')],
    ['a repeated block inserted', big, big.replace('- name: item-50\n', '- name: item-new\n  image: registry.example/app:1.0.0\n  ports:\n  - containerPort: 8080\n    protocol: TCP\n- name: item-50\n')],
    ['no newline at the end, last line changed', 'a\nb', 'a\nc'],
    ['newline added at the end', 'a\nb', 'a\nb\n'],
    ['newline removed at the end', lines(10), lines(10).replace(/\n$/, '')],
    ['file added', undefined, lines(5)],
    ['file removed', lines(5), undefined],
    ['file added without a newline at the end', undefined, 'only line'],
  ])('hunks are git diff\'s: %s', (_, a, b) => {
    expect(hunks(unifiedDiff('f', a, b))).toBe(gitDiff(a, b));
  });

  test('three one-line changes in a 2,100-line file make a diff of ~25 lines, not thousands', () => {
    const a = yamlish(2100);
    // near the start, the middle and the end: the whole file lies between the first and last change
    const b = a.replace('- name: item-2\n', '- name: a\n').replace('- name: item-200\n', '- name: b\n').replace('- name: item-415\n', '- name: c\n');
    const patch = unifiedDiff('f.yaml', a, b);
    const n = patch.split('\n').length - 1;
    expect(n).toBeGreaterThanOrEqual(20);
    expect(n).toBeLessThanOrEqual(30);
    expect(hunks(patch)).toBe(gitDiff(a, b));
  });

  test('two changes in a 20,000-line file: two small hunks, quickly', () => {
    const a = lines(20_000);
    const b = a.replace('line 100\n', 'x\n').replace('line 19000\n', 'y\n');
    const t = Date.now();
    const patch = unifiedDiff('f', a, b);
    expect(Date.now() - t).toBeLessThan(10_000); // a hang detector: the unbounded search takes minutes
    expect(patch.split('\n').filter(l => l.startsWith('@@'))).toEqual(['@@ -97,7 +97,7 @@', '@@ -18997,7 +18997,7 @@']);
    expect(hunks(patch)).toBe(gitDiff(a, b));
  });

  test('a large file rewritten whole stays within the work budget and gives a patch git applies', () => {
    const a = `${lines(3)}${lines(15_000, 'old')}${lines(3, 'end')}`.replace(/\n$/, '');
    const b = `${lines(3)}${lines(15_000, 'new')}${lines(3, 'end')}`;
    const t = Date.now();
    const patch = unifiedDiff('f', a, b);
    expect(Date.now() - t).toBeLessThan(10_000); // the full search would take minutes
    const d = tmpdir('rewrite');
    git(d, 'init', '-q');
    fs.writeFileSync(path.join(d, 'f'), a);
    fs.writeFileSync(path.join(d, 'f.patch'), patch);
    git(d, 'apply', 'f.patch');
    expect(fs.readFileSync(path.join(d, 'f'), 'utf8')).toBe(b);
  });
});
