import { InputError } from './errors';

/**
 * Where a commit of cdk8s-gitops comes from, written into it as git trailers (as Argo CD's
 * Source Hydrator links its hydrated commits to the commit they were rendered from):
 *
 * - `Argocd-reference-commit-repourl` / `Argocd-reference-commit-sha`: the repository and commit
 *   the image was built from (Argo CD's own trailers for "the code commit");
 * - `Cdk8s-gitops-program-commit`: the commit of the program that rendered the manifests;
 * - `Cdk8s-gitops-version`: `cdk8s-gitops <version>`.
 */
export interface Provenance {
  /** URL of the repository the image was built from. @default - not recorded */
  readonly sourceRepository?: string;
  /** Commit the image was built from. @default - not recorded */
  readonly sourceCommit?: string;
  /** Commit of the program that rendered the manifests. @default - not recorded */
  readonly programCommit?: string;
  /** The tool and its version, e.g. `cdk8s-gitops 0.1.0`. @default - not recorded */
  readonly tool?: string;
}

/** The trailer keys of {@link Provenance}, in the order they are written. */
export const PROVENANCE_TRAILERS = {
  sourceRepository: 'Argocd-reference-commit-repourl',
  sourceCommit: 'Argocd-reference-commit-sha',
  programCommit: 'Cdk8s-gitops-program-commit',
  tool: 'Cdk8s-gitops-version',
} as const satisfies Record<keyof Provenance, string>;

/** A commit message: subject, body paragraphs, trailers. */
export interface CommitMessage {
  /** The first line, e.g. `dev: deploy 1.4.2`. */
  readonly subject: string;
  /** What changed, one line per change. @default - no body */
  readonly body?: string;
  /** Trailers of the change itself (`Rollback-To`, `Promoted-From`), before the provenance. @default - none */
  readonly trailers?: ReadonlyArray<readonly [string, string]>;
}

/** The text of a commit message: subject, blank line, body, blank line, one trailer block. */
export function renderCommitMessage(message: CommitMessage, provenance: Provenance = {}): string {
  const trailers: Array<readonly [string, string]> = [...(message.trailers ?? [])];
  for (const [field, key] of Object.entries(PROVENANCE_TRAILERS) as Array<[keyof Provenance, string]>) {
    const value = provenance[field];
    if (value !== undefined) trailers.push([key, value]);
  }
  const parts = [message.subject];
  if (message.body !== undefined && message.body.trim() !== '') parts.push(message.body.replace(/\n+$/, ''));
  if (trailers.length > 0) parts.push(trailers.map(([k, v]) => `${k}: ${v}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** The provenance a commit message records (its trailer block), as {@link renderCommitMessage} writes it. */
export function provenanceOf(message: string): Provenance {
  const out: Record<string, string> = {};
  const block = message.replace(/\s+$/, '').split(/\n\s*\n/).pop() ?? '';
  for (const line of block.split('\n')) {
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (!m) continue;
    const field = (Object.entries(PROVENANCE_TRAILERS) as Array<[keyof Provenance, string]>).find(([, key]) => key.toLowerCase() === m[1].toLowerCase())?.[0];
    if (field !== undefined) out[field] = m[2].trim();
  }
  return out;
}

/**
 * The provenance of a commit that adopts a release another commit made (rollback, promote, a
 * traffic step): `explicit`, with the source (the image's commit and repository) that the
 * `message` of that commit records where `explicit` names none; a source commit given without its
 * repository does not take the recorded repository.
 */
export function inheritSource(explicit: Provenance | undefined, message: string | undefined): Provenance | undefined {
  if (message === undefined) return explicit;
  const recorded = provenanceOf(message);
  return {
    ...explicit,
    sourceCommit: explicit?.sourceCommit ?? recorded.sourceCommit,
    sourceRepository: explicit?.sourceRepository ?? (explicit?.sourceCommit === undefined ? recorded.sourceRepository : undefined),
  };
}

/** A commit id: 7 to 64 hex digits. */
const COMMIT = /^[0-9a-f]{7,64}$/;

/**
 * The source provenance of a CI run: `--source-commit`/`--source-repo` when given, else the
 * CI's own variables (GitHub Actions: `GITHUB_SHA`, `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`;
 * GitLab CI: `CI_COMMIT_SHA`, `CI_PROJECT_URL`; Jenkins' git plugin: `GIT_COMMIT`, `GIT_URL`).
 *
 * @throws InputError when a given value is not a commit id or a URL
 */
export function sourceProvenance(flags: { readonly sourceCommit?: string; readonly sourceRepository?: string }, env: NodeJS.ProcessEnv = process.env): Pick<Provenance, 'sourceCommit' | 'sourceRepository'> {
  const ci = ciSource(env);
  const sourceCommit = flags.sourceCommit ?? ci.sourceCommit;
  const sourceRepository = withoutCredentials(flags.sourceRepository ?? ci.sourceRepository);
  if (sourceCommit !== undefined && !COMMIT.test(sourceCommit)) {
    throw new InputError(`${flags.sourceCommit !== undefined ? '--source-commit' : 'the CI\'s commit variable'}: ${JSON.stringify(sourceCommit)} is not a commit id (7 to 64 lower-case hex digits)`);
  }
  if (sourceRepository !== undefined && /[\s]/.test(sourceRepository)) {
    throw new InputError(`${flags.sourceRepository !== undefined ? '--source-repo' : 'the CI\'s repository variable'}: ${JSON.stringify(sourceRepository)} is not a repository URL`);
  }
  return { sourceCommit, sourceRepository };
}

function ciSource(env: NodeJS.ProcessEnv): Pick<Provenance, 'sourceCommit' | 'sourceRepository'> {
  const set = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  if (set(env.GITHUB_SHA)) {
    const repo = set(env.GITHUB_REPOSITORY);
    return { sourceCommit: set(env.GITHUB_SHA), sourceRepository: repo && `${set(env.GITHUB_SERVER_URL) ?? 'https://github.com'}/${repo}` };
  }
  if (set(env.CI_COMMIT_SHA)) return { sourceCommit: set(env.CI_COMMIT_SHA), sourceRepository: set(env.CI_PROJECT_URL) };
  if (set(env.GIT_COMMIT)) return { sourceCommit: set(env.GIT_COMMIT), sourceRepository: set(env.GIT_URL) };
  return {};
}

/** A repository URL without the user name and password a CI may put into it (Jenkins' `GIT_URL`). */
function withoutCredentials(url: string | undefined): string | undefined {
  if (url === undefined || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
