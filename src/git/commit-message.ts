import { escapeControl, escapeJsonControl, hasControl, redactUrl } from '../core/redact';
import { InputError } from '../core/errors';

/**
 * Where a commit of cdk8s-gitops comes from, written into it as git trailers (as Argo CD's
 * Source Hydrator links its hydrated commits to the commit they were rendered from):
 *
 * - `Argocd-reference-commit-repourl` / `Argocd-reference-commit-sha`: the repository and commit
 *   the image was built from (Argo CD's own trailers for "the code commit"), and that commit's
 *   `Argocd-reference-commit-author` (`Name <email>`), `-date` (RFC 3339), `-subject` and
 *   `-body` (a JSON string), which Argo CD shows with the hydrated commit;
 * - `Cdk8s-gitops-program-commit`: the commit of the program that rendered the manifests;
 * - `Cdk8s-gitops-version`: `cdk8s-gitops <version>`.
 *
 * The repository URL is written without credentials, query or fragment (see `redactUrl`), and
 * no value carries a control character (each is written as an escape such as `\x1b`).
 */
export interface Provenance {
  /** URL of the repository the image was built from. @default - not recorded */
  readonly sourceRepository?: string;
  /** Commit the image was built from. @default - not recorded */
  readonly sourceCommit?: string;
  /** Author of {@link sourceCommit}, `Name <email>` (RFC 5322, as git's `%an <%ae>`). @default - not recorded */
  readonly sourceAuthor?: string;
  /** Author date of {@link sourceCommit}, RFC 3339 (git's `%aI`), e.g. `2026-03-01T09:30:00+01:00`. @default - not recorded */
  readonly sourceDate?: string;
  /** Subject of {@link sourceCommit}'s message (git's `%s`). @default - not recorded */
  readonly sourceSubject?: string;
  /** Body of {@link sourceCommit}'s message, without the subject (git's `%b`). @default - not recorded */
  readonly sourceBody?: string;
  /** Commit of the program that rendered the manifests. @default - not recorded */
  readonly programCommit?: string;
  /** The tool and its version, e.g. `cdk8s-gitops 0.1.0`. @default - not recorded */
  readonly tool?: string;
}

/** The trailer keys of {@link Provenance}, in the order they are written. */
export const PROVENANCE_TRAILERS = {
  sourceRepository: 'Argocd-reference-commit-repourl',
  sourceCommit: 'Argocd-reference-commit-sha',
  sourceAuthor: 'Argocd-reference-commit-author',
  sourceDate: 'Argocd-reference-commit-date',
  sourceSubject: 'Argocd-reference-commit-subject',
  sourceBody: 'Argocd-reference-commit-body',
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

/**
 * The text of a commit message: subject, blank line, body, blank line, one trailer block.
 * Control characters are written as escapes (`\x1b`): in the subject and the trailers all of
 * them (a newline there would end the line, or start a forged trailer), in the body all but
 * newlines and tabs. The source repository is written without credentials, query or fragment;
 * the source commit's body as a JSON string (Argo CD reads it so).
 */
export function renderCommitMessage(message: CommitMessage, provenance: Provenance = {}): string {
  const trailers: Array<readonly [string, string]> = [...(message.trailers ?? [])];
  for (const [field, key] of Object.entries(PROVENANCE_TRAILERS) as Array<[keyof Provenance, string]>) {
    const value = provenance[field];
    if (value === undefined) continue;
    trailers.push([key, field === 'sourceRepository' ? redactUrl(value) : field === 'sourceBody' ? escapeJsonControl(JSON.stringify(value)) : value]);
  }
  const parts = [escapeControl(message.subject)];
  if (message.body !== undefined && message.body.trim() !== '') parts.push(escapeControl(message.body.replace(/\n+$/, ''), true));
  if (trailers.length > 0) parts.push(trailers.map(([k, v]) => `${k}: ${escapeControl(v)}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/**
 * The provenance a commit message records (its trailer block), as {@link renderCommitMessage}
 * writes it. What a commit may hold that this tool never writes is not passed on: a source
 * repository is read without credentials, query or fragment (a commit made by another tool,
 * or by an older version), and a body that is not a JSON string is left out.
 */
export function provenanceOf(message: string): Provenance {
  const out: Record<string, string> = {};
  const block = message.replace(/\s+$/, '').split(/\n\s*\n/).pop() ?? '';
  for (const line of block.split('\n')) {
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (!m) continue;
    const field = (Object.entries(PROVENANCE_TRAILERS) as Array<[keyof Provenance, string]>).find(([, key]) => key.toLowerCase() === m[1].toLowerCase())?.[0];
    if (field === undefined) continue;
    const value = m[2].trim();
    if (field === 'sourceRepository') out[field] = redactUrl(value);
    else if (field === 'sourceBody') {
      const body = jsonString(value);
      if (body !== undefined) out[field] = body;
    } else out[field] = value;
  }
  return out;
}

/** The string a JSON string literal holds, or undefined when `text` is not one. */
function jsonString(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of the source commit's metadata: inherited with it, never without it. */
const SOURCE_METADATA = ['sourceAuthor', 'sourceDate', 'sourceSubject', 'sourceBody'] as const;

/**
 * The provenance of a commit that adopts a release another commit made (rollback, promote, a
 * traffic step): `explicit`, with the source (the image's commit and repository) that the
 * `message` of that commit records where `explicit` names none; a source commit given without its
 * repository does not take the recorded repository.
 */
export function inheritSource(explicit: Provenance | undefined, message: string | undefined): Provenance | undefined {
  if (message === undefined) return explicit;
  const recorded = provenanceOf(message);
  const inherited = explicit?.sourceCommit === undefined;
  const metadata: Partial<Record<typeof SOURCE_METADATA[number], string>> = {};
  for (const field of SOURCE_METADATA) {
    const value = inherited ? recorded[field] : explicit?.[field];
    if (value !== undefined) metadata[field] = value;
  }
  return {
    ...explicit,
    sourceCommit: explicit?.sourceCommit ?? recorded.sourceCommit,
    sourceRepository: explicit?.sourceRepository ?? (inherited ? recorded.sourceRepository : undefined),
    ...metadata,
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
  const given = flags.sourceRepository ?? ci.sourceRepository;
  const sourceRepository = given === undefined ? undefined : redactUrl(given);
  if (sourceCommit !== undefined && !COMMIT.test(sourceCommit)) {
    throw new InputError(`${flags.sourceCommit !== undefined ? '--source-commit' : 'the CI\'s commit variable'}: ${escapeControl(JSON.stringify(sourceCommit))} is not a commit id (7 to 64 lower-case hex digits)`);
  }
  if (sourceRepository !== undefined && (/\s/.test(sourceRepository) || hasControl(sourceRepository) || sourceRepository === '')) {
    throw new InputError(`${flags.sourceRepository !== undefined ? '--source-repo' : 'the CI\'s repository variable'}: ${escapeControl(JSON.stringify(sourceRepository))} is not a repository URL (shown without credentials, query or fragment; a URL holds no space or control character)`);
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
