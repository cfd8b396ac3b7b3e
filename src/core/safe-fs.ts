import * as fs from 'fs';
import * as path from 'path';
import { CdkGitOpsError } from './errors';

/**
 * Reading files of a folder the user named (a GitOps repository, synth's output, manifests to
 * validate) without being led out of it or made to wait forever: only regular files are read;
 * a FIFO, socket or device is refused without being opened (opening a FIFO blocks until a
 * writer comes); a symbolic link is followed only when it stays inside the folder.
 */

/** A path that is not a regular file inside the folder where one is read. Carries the path. */
export class UnsafePathError extends CdkGitOpsError {
  constructor(public readonly path: string, message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/** Largest file read unless the caller says otherwise: 64 MiB. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions {
  /**
   * Refuse a larger file (it is not opened).
   * @default DEFAULT_MAX_BYTES (64 MiB)
   */
  readonly maxBytes?: number;
}

/**
 * What `stats` is, for messages: "a FIFO (named pipe)", "a directory", ...; a symbolic link
 * with its target when `file` (the link's path) is given: `a symbolic link to "/etc"`.
 */
export function describeKind(stats: fs.Stats, file?: string): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return file === undefined ? 'a symbolic link' : `a symbolic link to ${JSON.stringify(fs.readlinkSync(file))}`;
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isCharacterDevice()) return 'a character device';
  return 'not a regular file';
}

/** `lstat`, or undefined when nothing is there. */
export function lstatIfExists(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Whether `inner` is `outer` or lies under it (both absolute, normalized). */
export function isInside(outer: string, inner: string): boolean {
  if (inner === outer) return true;
  const prefix = outer.endsWith(path.sep) ? outer : `${outer}${path.sep}`;
  return inner.startsWith(prefix);
}

/**
 * Read `root/rel` (`rel` with `/` separators) as UTF-8 text, or undefined when it does not
 * exist. Throws {@link UnsafePathError}, naming the path and what it is, when a folder along
 * `rel` is a symbolic link or not a folder; when the file is a FIFO, socket, device or folder
 * (never opened); when it is a symbolic link whose target leaves `root` or is not a regular
 * file (a link to a regular file inside `root` is read); or when it is larger than `maxBytes`.
 */
export function readRegularFile(root: string, rel: string, options: ReadRegularFileOptions = {}): string | undefined {
  const parts = rel.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const s = lstatIfExists(dir);
    if (s === undefined) return undefined;
    if (!s.isDirectory()) throw new UnsafePathError(dir, `${dir} is ${describeKind(s, dir)}, not a folder: only files inside ${root} are read, through real folders`);
  }
  const file = path.join(root, rel);
  const s = lstatIfExists(file);
  if (s === undefined) return undefined;
  let target = file;
  if (s.isSymbolicLink()) {
    target = linkTargetInside(root, file);
  } else if (!s.isFile()) {
    throw notRegular(file, s);
  }
  return readRegularFileAt(target, options);
}

/**
 * Read the regular file `file` (never through a symbolic link) as UTF-8 text. Opened without
 * following a link and without blocking, and checked again once open, so a file swapped for
 * a FIFO or link meanwhile is refused too. Throws {@link UnsafePathError} for anything else.
 */
export function readRegularFileAt(file: string, options: ReadRegularFileOptions = {}): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const s = fs.lstatSync(file);
  if (!s.isFile()) throw notRegular(file, s);
  if (s.size > maxBytes) throw tooLarge(file, s.size, maxBytes);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const open = fs.fstatSync(fd);
    if (!open.isFile()) throw notRegular(file, open);
    if (open.size > maxBytes) throw tooLarge(file, open.size, maxBytes);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Options of {@link walkRegularFiles}. */
export interface WalkOptions {
  /**
   * Which files are wanted, by path relative to the root. Only these are listed, and only
   * these are refused when they are not regular files.
   * @default - every file
   */
  readonly include?: (rel: string) => boolean;
  /**
   * Folders not entered, by path relative to the root.
   * @default - every folder is entered
   */
  readonly skipFolder?: (rel: string) => boolean;
  /**
   * Called for each path that is refused (with the error and the path relative to the root),
   * which is then left out: the walk goes on.
   * @default - the first refused path throws its UnsafePathError
   */
  readonly onRefused?: (error: UnsafePathError, rel: string) => void;
}

/**
 * Every regular file under `root` that `include` wants, relative to `root` with `/`
 * separators, sorted; read them with {@link readRegularFile}. A wanted FIFO, socket or device
 * is refused ({@link UnsafePathError}) without being opened. Symbolic links: one to a regular
 * file inside `root` is listed (as `readRegularFile` reads it); one to a folder inside `root`
 * is not entered (the folder is walked where it is); one that leaves `root`, or is broken, is
 * refused when it names a folder or a wanted file (its files would be read from outside, or
 * silently missed).
 */
export function walkRegularFiles(root: string, options: WalkOptions = {}): string[] {
  const include = options.include ?? (() => true);
  const skipFolder = options.skipFolder ?? (() => false);
  const refuse = (error: UnsafePathError, rel: string): void => {
    if (options.onRefused === undefined) throw error;
    options.onRefused(error, rel);
  };
  const realRoot = fs.realpathSync(root);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(rel === '' ? root : path.join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      const abs = path.join(root, child);
      if (e.isDirectory()) {
        if (!skipFolder(child)) walk(child);
      } else if (e.isFile()) {
        if (include(child)) out.push(child);
      } else if (e.isSymbolicLink()) {
        const real = realpathIfExists(abs);
        const isFolder = real !== undefined && fs.statSync(real).isDirectory();
        if (isFolder && isInside(realRoot, real)) continue; // walked where it is
        if (!isFolder && !include(child)) continue;
        try {
          linkTargetInside(root, abs); // throws unless it leads to a regular file inside root
        } catch (e) {
          if (!(e instanceof UnsafePathError)) throw e;
          refuse(e, child);
          continue;
        }
        out.push(child);
      } else if (include(child)) {
        refuse(notRegular(abs, fs.lstatSync(abs)), child);
      }
    }
  };
  walk('');
  return out.sort(); // code-unit order, as every sorted output
}

/** The real path of the regular file a symbolic link inside `root` points to; refuses any other link. */
function linkTargetInside(root: string, link: string): string {
  const real = realpathIfExists(link);
  if (real === undefined) throw new UnsafePathError(link, `${link} is ${symlinkDescription(link)}, which does not exist`);
  if (!isInside(fs.realpathSync(root), real)) throw new UnsafePathError(link, `${link} is ${symlinkDescription(link)}, outside ${root}: not followed (only files inside the folder are read)`);
  const s = fs.statSync(real);
  if (!s.isFile()) throw new UnsafePathError(link, `${link} is ${symlinkDescription(link)}, which is ${describeKind(s)}: only regular files are read`);
  return real;
}

function realpathIfExists(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

function symlinkDescription(link: string): string {
  return describeKind(fs.lstatSync(link), link);
}

function notRegular(file: string, s: fs.Stats): UnsafePathError {
  return new UnsafePathError(file, `${file} is ${describeKind(s)}: only regular files are read (it was not opened)`);
}

function tooLarge(file: string, size: number, maxBytes: number): UnsafePathError {
  return new UnsafePathError(file, `${file} is ${size} bytes: files of more than ${maxBytes} bytes are not read`);
}
