/** Folder snapshots for the tests of synth's writing: what a folder holds, to compare before and after. */
import * as fs from 'fs';
import * as path from 'path';

/**
 * Everything under `dir` except `.git`, dot files included: path -> content, `<fifo>`,
 * `<symlink to TARGET>` (never followed), or `<dir>` for an empty folder.
 */
export function snapshotTree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  if (entries.length === 0 && rel !== '') out[rel] = '<dir>';
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (p === '.git') continue;
    if (e.isDirectory()) Object.assign(out, snapshotTree(dir, p));
    else if (e.isSymbolicLink()) out[p] = `<symlink to ${fs.readlinkSync(path.join(dir, p))}>`;
    else if (e.isFIFO()) out[p] = '<fifo>';
    else out[p] = fs.readFileSync(path.join(dir, p), 'utf8');
  }
  return out;
}

/** Write `content` to `dir/rel`, making its folders. */
export function put(dir: string, rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), content);
}
