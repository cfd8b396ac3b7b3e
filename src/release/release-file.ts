import * as fs from 'fs';
import * as path from 'path';
import { isDnsLabel } from '../core/names';
import { assertReleaseFileSize, parseReleaseFile, RELEASE_FILE, RELEASE_FILE_LIMITS, ReleaseState } from './release';
import { readRegularFile, UnsafePathError, walkRegularFiles } from '../core/safe-fs';
import { tagProblem } from '../core/image-tag';
import { GitOpsError, InputError } from '../core/errors';

/**
 * The release files of a GitOps directory on disk, and the checks of the flags that name
 * environments, services and tags. The format itself (parse, render, limits) is `src/release/release.ts`.
 */

/** Throw an {@link InputError} naming `flag` when `tag` is not an acceptable image tag. */
export function assertValidTag(tag: string, flag = '--tag'): string {
  const problem = tagProblem(tag);
  if (problem) throw new InputError(`${flag}: ${JSON.stringify(tag)} ${problem}`);
  return tag;
}

/** Throw an {@link InputError} naming `--cluster` unless `cluster` (when given) is a cluster name (a DNS-1123 label). */
export function assertClusterName(cluster: string | undefined): void {
  if (cluster !== undefined && !isDnsLabel(cluster)) throw new InputError(`--cluster: ${JSON.stringify(cluster)} is not a cluster name (a DNS-1123 label such as prod-eu)`);
}

/** Throw an {@link InputError} naming `flag` unless `env` is an environment name (a DNS-1123 label). */
export function assertEnvironmentName(env: string, flag = '--env'): void {
  if (!isDnsLabel(env)) throw new InputError(`${flag}: ${JSON.stringify(env)} is not an environment name (a DNS-1123 label such as dev or prod)`);
}

/** Throw an {@link InputError} naming `--service` for the first of `services` that is not a service name (a DNS-1123 label). */
export function assertServiceNames(services: readonly string[]): void {
  const bad = services.find(s => !isDnsLabel(s));
  if (bad !== undefined) throw new InputError(`--service: ${JSON.stringify(bad)} is not a service name (a DNS-1123 label)`);
}

/**
 * Read the release state of every environment from a GitOps directory on disk: each
 * top-level folder (not a dot folder) that holds a `release.yaml`. A missing directory gives
 * no releases (synth then uses the project's defaults). Only regular files are read: a
 * release file that is a FIFO, socket or device is refused without being opened, and a
 * symbolic link (an environment folder or release file) that leaves the directory is refused.
 *
 * @throws GitOpsError when a release file is malformed or not a regular file inside `dir`
 */
export function readReleases(dir: string): Record<string, ReleaseState> {
  const releases: Record<string, ReleaseState> = Object.create(null); // keyed by folder names: `constructor` is not an environment
  if (!fs.existsSync(dir)) return releases;
  try {
    const files = walkRegularFiles(dir, {
      include: rel => rel === `${rel.split('/')[0]}/${RELEASE_FILE}`,
      skipFolder: rel => rel.startsWith('.') || rel.includes('/'), // the top-level folders only
    });
    for (const rel of files) {
      const env = rel.slice(0, rel.indexOf('/'));
      // its size first: an oversized file is refused without reading it
      assertReleaseFileSize(fs.lstatSync(path.join(dir, rel)).size, path.join(dir, rel));
      const text = readRegularFile(dir, rel, { maxBytes: RELEASE_FILE_LIMITS.bytes });
      if (text !== undefined) releases[env] = parseReleaseFile(text, { environment: env, source: path.join(dir, rel) });
    }
  } catch (e) {
    if (e instanceof UnsafePathError) throw new GitOpsError(e.message);
    throw e;
  }
  return releases;
}

