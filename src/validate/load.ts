import * as fs from 'fs';
import * as path from 'path';
import { yamlModule } from '../yaml-module';
import { Manifest } from '../manifest';
import { readRegularFile, UnsafePathError, walkRegularFiles } from '../safe-fs';

/** A file that cannot be read or is not YAML of Kubernetes objects: a usage error (exit 2), not a finding. */
export class ManifestLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestLoadError';
  }
}

/**
 * Read every `*.yaml` / `*.yml` file under `dir` (recursively, skipping dot files, dot folders
 * and node_modules), one manifest per YAML document, sorted by path. Only regular files are
 * read: a FIFO, socket or device is refused without being opened, a symbolic link that leaves
 * `dir` is refused (one to a file inside is read, one to a folder inside is not entered).
 * Paths are relative to `dir` with `/` separators. `dir` may also be a single file. Throws ManifestLoadError for an unreadable
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
  return yamlFiles(dir).flatMap(rel => parseManifests(readWalked(dir, rel), rel));
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

/**
 * The `*.yaml` / `*.yml` files under `root`, skipping dot files and folders and node_modules: regular
 * files only (see `walkRegularFiles`: a FIFO, socket or device is refused unopened, a symbolic
 * link leaving the folder is refused).
 */
function yamlFiles(root: string): string[] {
  try {
    return walkRegularFiles(root, {
      include: rel => /(^|\/)[^./][^/]*\.ya?ml$/.test(rel),
      skipFolder: rel => /(^|\/)(\.[^/]*|node_modules)$/.test(rel),
    });
  } catch (e: any) {
    throw new ManifestLoadError(e instanceof UnsafePathError ? e.message : `cannot read ${e.path ?? root}: ${e.message}`);
  }
}

/** The text of `rel` under `root`, read as a regular file inside it (see `readRegularFile`). */
function readWalked(root: string, rel: string): string {
  try {
    const text = readRegularFile(root, rel);
    if (text === undefined) throw new Error('no such file (removed while reading the folder?)');
    return text;
  } catch (e: any) {
    throw new ManifestLoadError(e instanceof UnsafePathError ? e.message : `cannot read ${path.join(root, rel)}: ${e.message}`);
  }
}
