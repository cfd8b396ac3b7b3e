import * as fs from 'fs';
import * as path from 'path';

/**
 * Write a rendered repository into `dir` so that a reader never sees a half-written tree.
 *
 * Every top-level folder named in `files` is rendered completely into a sibling temporary
 * directory first; only then are the folders swapped in (rename), and the folders of the
 * previous output that the new rendering no longer has are removed. A plain folder is replaced
 * whole; in a git working tree (has `.git`) only the rendered top-level folders (and `owned`)
 * are replaced, everything else is left alone.
 * On any error before the swap (a bad path, or an error thrown while `files` is iterated),
 * `dir` is unchanged and the temporary directory removed.
 *
 * `files` is iterated once, each file written as it comes: a generator that makes the contents
 * one by one (`GitOpsApp.fileEntries`) never holds them all. A path given twice is written
 * with its last content. Returns the paths written, sorted, each once.
 */
export function writeTree(dir: string, files: Iterable<readonly [string, string]>, options: { owned?: readonly string[] } = {}): string[] {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(root), `.${path.basename(root)}.staging-`));
  const trash = `${staging}.old`;
  try {
    const made = new Set<string>(); // folders made so far: one mkdir per folder, not per file
    const written = new Set<string>();
    for (const [rel, content] of files) {
      if (rel === '' || rel.startsWith('/') || rel.split('/').some(s => s === '..' || s === '.' || s === '') || rel.split('/')[0] === '.git') throw new Error(`refusing to write outside ${root}: ${rel}`);
      const target = path.join(staging, rel);
      const folder = path.dirname(target);
      if (!made.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      fs.writeFileSync(target, content);
      written.add(rel);
    }
    const top = new Set([...written].map(f => f.split('/')[0]));
    for (const o of options.owned ?? []) top.add(o);
    // A plain output folder (not a git working tree) is ours entirely: stale folders go too.
    if (!fs.existsSync(path.join(root, '.git'))) for (const o of fs.readdirSync(root)) top.add(o);
    top.delete('.git');
    fs.mkdirSync(trash);
    // Swap; if a rename fails half-way, undo the swaps done so far so `dir` stays as it was.
    const undo: (() => void)[] = [];
    try {
      for (const name of [...top].sort()) {
        const current = path.join(root, name);
        const next = path.join(staging, name);
        const old = path.join(trash, name);
        if (fs.existsSync(current)) {
          fs.renameSync(current, old);
          undo.push(() => fs.renameSync(old, current));
        }
        if (fs.existsSync(next)) {
          fs.renameSync(next, current);
          undo.push(() => fs.renameSync(current, next));
        }
      }
    } catch (e) {
      for (const step of undo.reverse()) {
        try { step(); } catch { /* keep undoing the rest */ }
      }
      throw e;
    }
    return [...written].sort(); // code-unit order, as every sorted output
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(trash, { recursive: true, force: true });
  }
}
