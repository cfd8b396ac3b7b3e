import * as fs from 'fs';
import * as path from 'path';
import { CdkGitOpsError } from '../core/errors';
import { yamlModule } from '../core/yaml-module';
import { Manifest } from '../core/manifest';
import { readRegularFile, readRegularFileAt, UnsafePathError, walkRegularFiles } from '../core/safe-fs';

/**
 * A file (or a document of it) that cannot be read or is not YAML of Kubernetes objects. The
 * message names the file; `file` is its path as manifests name it (relative to the folder
 * read, `<stdin>#N` for a document of a stream), undefined when the folder itself is unreadable.
 */
export class ManifestLoadError extends CdkGitOpsError {
  /**
   * @param message what is wrong, naming the file
   * @param file the file's path as manifests name it
   */
  constructor(message: string, public readonly file?: string) {
    super(message);
    this.name = 'ManifestLoadError';
  }
}

/** Options of {@link loadManifests}. */
export interface LoadOptions {
  /**
   * Called for each file (or document) that cannot be read or is not YAML of Kubernetes
   * objects, which is then skipped: every other file is still read. A folder that cannot be
   * read at all (missing, or its listing fails) still throws.
   * @default - the first such file throws its ManifestLoadError
   */
  readonly onError?: (error: ManifestLoadError) => void;
}

/** Most aliases a document may expand: more is an "alias bomb" (billion laughs), refused. */
const MAX_ALIASES = 100;

/**
 * Read every `*.yaml` / `*.yml` file under `dir` (recursively, skipping dot files, dot folders
 * and node_modules), one manifest per YAML document, sorted by path. Only regular files are
 * read: a FIFO, socket or device is refused without being opened, a symbolic link that leaves
 * `dir` is refused (one to a file inside is read, one to a folder inside is not entered).
 * Paths are relative to `dir` with `/` separators. `dir` may also be a single file. Throws ManifestLoadError for an unreadable
 * file or folder, invalid YAML, or a document that is not a mapping.
 */
export function loadManifests(dir: string, options: LoadOptions = {}): Manifest[] {
  const onError = options.onError ?? (e => { throw e; });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e: any) {
    throw new ManifestLoadError(`cannot read ${dir}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
  }
  const parse = (file: string, read: () => string): Manifest[] => {
    let text: string;
    try {
      text = read();
    } catch (e) {
      if (!(e instanceof ManifestLoadError)) throw e;
      onError(e);
      return [];
    }
    return parseManifests(text, file, undefined, onError);
  };
  if (stat.isFile()) return parse(path.basename(dir), () => readFile(dir, path.basename(dir)));
  return yamlFiles(dir, onError).flatMap(rel => parse(rel, () => readWalked(dir, rel)));
}

/**
 * Parse one (multi-document) YAML file into manifests; empty documents are skipped. Each
 * manifest's path is `file`, or `documentPath(index)` (0-based index in the stream) when given:
 * a stream that is not a file (stdin) names its documents `<stdin>#1`, `<stdin>#2`, ...
 * A document that is not valid YAML, expands more than 100 aliases (an alias bomb) or is not
 * a mapping is a ManifestLoadError: thrown, or, with `onError`, passed to it and skipped (the
 * other documents are still read).
 */
export function parseManifests(text: string, file: string, documentPath?: (index: number) => string, onError?: (error: ManifestLoadError) => void): Manifest[] {
  const out: Manifest[] = [];
  const fail = (message: string, index?: number) => {
    const error = new ManifestLoadError(message, index !== undefined && documentPath ? documentPath(index) : file);
    if (onError === undefined) throw error;
    onError(error);
  };
  let docs: ReturnType<ReturnType<typeof yamlModule>['parseAllDocuments']>;
  try {
    // loaded on demand: synth validates objects it made and never parses YAML
    docs = yamlModule().parseAllDocuments(text, { prettyErrors: true });
  } catch (e: any) {
    fail(`${file}: not valid YAML: ${firstLine(e)}`);
    return out;
  }
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, i) => {
    const where = documentPath ? documentPath(i) : `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) return fail(`${where}: not valid YAML: ${firstLine(doc.errors[0])}`, i);
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e: any) {
      return fail(e instanceof ReferenceError && /alias/i.test(e.message)
        ? `${where}: expands aliases more than ${MAX_ALIASES} times (an alias bomb, "billion laughs"): not read`
        : `${where}: cannot be read as YAML: ${firstLine(e)}`, i);
    }
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      return fail(`${where}: is a ${Array.isArray(object) ? 'list' : typeof object}, not a Kubernetes object (a mapping with apiVersion and kind)`, i);
    }
    out.push({ path: documentPath?.(i) ?? file, object });
  });
  return out;
}

/** The first line of an error's message, without the colon that introduces the YAML excerpt. */
function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].replace(/:$/, '');
}

/** The text of the single file the user named (a symbolic link to it is followed): a regular file of at most 64 MiB. */
function readFile(file: string, name: string): string {
  try {
    return readRegularFileAt(fs.realpathSync(file));
  } catch (e: any) {
    throw new ManifestLoadError(e instanceof UnsafePathError ? e.message : `cannot read ${file}: ${e.message}`, name);
  }
}

/**
 * The `*.yaml` / `*.yml` files under `root`, skipping dot files and folders and node_modules: regular
 * files only (see `walkRegularFiles`: a FIFO, socket or device is refused unopened, a symbolic
 * link leaving the folder is refused).
 */
function yamlFiles(root: string, onError: (error: ManifestLoadError) => void): string[] {
  try {
    return walkRegularFiles(root, {
      include: rel => /(^|\/)[^./][^/]*\.ya?ml$/.test(rel),
      skipFolder: rel => /(^|\/)(\.[^/]*|node_modules)$/.test(rel),
      onRefused: (e, rel) => onError(new ManifestLoadError(e.message, rel)),
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
    throw new ManifestLoadError(e instanceof UnsafePathError ? e.message : `cannot read ${path.join(root, rel)}: ${e.message}`, rel);
  }
}
