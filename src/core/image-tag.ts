import { ConfigError } from './errors';

/** The distribution reference tag grammar (github.com/distribution/reference, regexp.go). */
export const IMAGE_TAG_PATTERN = '[\\w][\\w.-]{0,127}';
const TAG_ONLY = new RegExp(`^${IMAGE_TAG_PATTERN}$`);

/**
 * Why `tag` is not an acceptable image tag, or `undefined` when it is: the distribution
 * reference tag grammar `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, and not `latest` (mutable: a
 * GitOps repository must pin what runs). The one definition of the tag rule (constructs,
 * release files and the CLI's `--tag` use it).
 */
export function tagProblem(tag: unknown): string | undefined {
  if (typeof tag !== 'string' || !TAG_ONLY.test(tag)) {
    return 'is not an image tag: allowed are 1 to 128 characters of [A-Za-z0-9_.-], not starting with "." or "-" (e.g. a git SHA, sha-abc1234 or 1.4.2)';
  }
  if (tag === 'latest') return 'is mutable: release an immutable tag (e.g. the git SHA the image was built from), not "latest"';
  return undefined;
}

/** Throw a ConfigError unless `tag` is a valid, non-`latest` image tag (see {@link tagProblem}). */
export function checkTag(path: string, field: string, tag: string): string {
  const problem = tagProblem(tag);
  if (problem !== undefined) throw new ConfigError(path, field, tag, problem);
  return tag;
}
