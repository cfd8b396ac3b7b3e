import { ConfigError } from '../core/errors';
import { checkTag, IMAGE_TAG_PATTERN } from '../core/image-tag';

// The distribution reference grammar (github.com/distribution/reference, regexp.go).
const ALPHANUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUM}(?:${SEPARATOR}${ALPHANUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const HOST = `(?:${DOMAIN_NAME}|${IPV6})`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = IMAGE_TAG_PATTERN;
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const REPOSITORY = new RegExp(`^${NAME}$`);
const MAX_NAME = 255;

const ALLOWED = 'must be a pinned image reference "[registry/]repository:tag" or "...@sha256:<digest>" (distribution reference grammar; tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, not "latest")';

/**
 * A container image reference pinned to a tag or digest. Never `latest`, never missing.
 */
export class ImageReference {
  /**
   * Parse and check a full reference such as `ghcr.io/org/app:1.2.3` or `app@sha256:...`.
   *
   * @throws ConfigError naming the reference and what is allowed (a pinned reference, never `latest`)
   */
  public static parse(reference: string): ImageReference {
    return ImageReference.parseAt('ImageReference.parse', 'reference', reference);
  }

  /**
   * A repository (`ghcr.io/org/app`) at a tag (`1.2.3`).
   *
   * @throws ConfigError naming the repository or tag and what is allowed
   */
  public static fromTag(repository: string, tag: string): ImageReference {
    return ImageReference.fromTagAt('ImageReference.fromTag', 'repository', repository, 'tag', tag);
  }

  /**
   * {@link ImageReference.parse}, its error naming the construct `path` and the prop `field`.
   * @internal
   */
  public static parseAt(path: string, field: string, reference: string): ImageReference {
    const m = typeof reference === 'string' ? REFERENCE.exec(reference) : null;
    if (!m || m[1].length > MAX_NAME) throw new ConfigError(path, field, reference, ALLOWED);
    const [, repository, tag, digest] = m;
    if (tag === undefined && digest === undefined) {
      throw new ConfigError(path, field, reference, `has no tag or digest: ${ALLOWED}`);
    }
    if (tag === 'latest' && digest === undefined) {
      throw new ConfigError(path, field, reference, `uses the mutable tag "latest": ${ALLOWED}`);
    }
    return new ImageReference(repository, tag, digest);
  }

  /**
   * {@link ImageReference.fromTag}, its errors naming the construct `path` and the props.
   * @internal
   */
  public static fromTagAt(path: string, repositoryField: string, repository: string, tagField: string, tag: string): ImageReference {
    if (typeof repository !== 'string' || !REPOSITORY.test(repository) || repository.length > MAX_NAME) {
      throw new ConfigError(path, repositoryField, repository, 'is not an image repository: "[registry[:port]/]path" in lower case, e.g. "ghcr.io/org/backend" (distribution reference grammar)');
    }
    checkTag(path, tagField, tag);
    return new ImageReference(repository, tag, undefined);
  }

  private constructor(
    /** Repository, e.g. `ghcr.io/org/app`. */
    public readonly repository: string,
    /** Tag, if pinned by tag. */
    public readonly tag: string | undefined,
    /** Digest, if pinned by digest. */
    public readonly digest: string | undefined,
  ) {}

  /** The reference as written into a pod spec. */
  public toString(): string {
    return `${this.repository}${this.tag !== undefined ? `:${this.tag}` : ''}${this.digest !== undefined ? `@${this.digest}` : ''}`;
  }
}
