import * as fs from 'fs';
import * as path from 'path';
import { yamlModule } from '../yaml-module';
import { Manifest } from '../manifest';

/** A file that cannot be read or is not YAML of Kubernetes objects: a usage error (exit 2), not a finding. */
export class ManifestLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestLoadError';
  }
}

/**
 * Read every `*.yaml` / `*.yml` file under `dir` (recursively, skipping dot folders), one
 * manifest per YAML document, sorted by path. Paths are relative to `dir` with `/`
 * separators. `dir` may also be a single file. Throws ManifestLoadError for an unreadable
 * file or folder, invalid YAML, or a document that is not a mapping.
 */
export function loadManifests(dir: string): Manifest[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e: any) {
    throw new ManifestLoadError(`cannot read ${dir}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
  }
  if (stat.isFile()) return parseManifests(readFile(dir), path.basename(dir));
  const files: string[] = [];
  walk(dir, '', files);
  return files.sort().flatMap(rel => parseManifests(readFile(path.join(dir, rel)), rel));
}

/**
 * Parse one (multi-document) YAML file into manifests; empty documents are skipped. Each
 * manifest's path is `file`, or `documentPath(index)` (0-based index in the stream) when given:
 * a stream that is not a file (stdin) names its documents `<stdin>#1`, `<stdin>#2`, ...
 */
export function parseManifests(text: string, file: string, documentPath?: (index: number) => string): Manifest[] {
  const out: Manifest[] = [];
  // loaded on demand: synth validates objects it made and never parses YAML
  const docs = yamlModule().parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new ManifestLoadError(`${file}: not valid YAML (document ${i + 1}): ${doc.errors[0].message.split('\n')[0]}`);
    }
    const object = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new ManifestLoadError(`${file}: document ${i + 1} is a ${Array.isArray(object) ? 'list' : typeof object}, not a Kubernetes object (a mapping with apiVersion and kind)`);
    }
    out.push({ path: documentPath?.(i) ?? file, object });
  });
  return out;
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e: any) {
    throw new ManifestLoadError(`cannot read ${file}: ${e.message}`);
  }
}

function walk(root: string, rel: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch (e: any) {
    throw new ManifestLoadError(`cannot read ${path.join(root, rel)}: ${e.message}`);
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const s = fs.statSync(path.join(root, child));
        isDir = s.isDirectory();
        isFile = s.isFile();
      } catch (err: any) {
        throw new ManifestLoadError(`cannot read ${path.join(root, child)}: ${err.message}`);
      }
    }
    if (isDir) walk(root, child, out);
    else if (isFile && /\.ya?ml$/.test(e.name)) out.push(child);
  }
}
