/**
 * The `--source-commit` / `--source-repo` flags of the commands that commit (release, promote,
 * rollback, shift) and the provenance they write into each commit (see `Provenance`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Provenance, sourceProvenance } from '../git/commit-message';
import { packageInfo } from '../core/package-info';
import { defineOptions, OptionValues } from './args';

/** The provenance flags, described as for release (the default: the CI's variables); see {@link provenanceOptions}. */
export const PROVENANCE_OPTIONS = provenanceOptions(true);

/**
 * The provenance flags: the default is the CI's variables (`fromCi`, release), or the source of
 * the release the command adopts (promote, rollback, shift).
 */
export function provenanceOptions(fromCi: boolean) {
  return defineOptions({
    'source-commit': {
      type: 'string',
      value: 'SHA',
      description: `commit the image was built from, written as a trailer of the commit\n(default: ${fromCi ? "the CI's GITHUB_SHA, CI_COMMIT_SHA or GIT_COMMIT" : 'the one recorded with the release it adopts'})`,
    },
    'source-repo': { type: 'string', value: 'URL', description: `repository of that commit (default: ${fromCi ? "the CI's repository URL" : 'likewise'})` },
  });
}

/**
 * The provenance of a commit this run makes: the source flags (else, when `fromCi`, the CI's
 * variables), the source commit's author, date, subject and body when the repository the
 * program module `program` is in has that commit (a CI building the image from the program's
 * own repository), the commit of the program (`git rev-parse HEAD` there, `-dirty` when it has
 * uncommitted changes there) and this tool's version.
 */
export function provenanceFor(values: OptionValues, fromCi: boolean, program: string): Provenance {
  const flags = { sourceCommit: values['source-commit'] as string | undefined, sourceRepository: values['source-repo'] as string | undefined };
  const source = sourceProvenance(flags, fromCi ? process.env : {});
  const dir = path.dirname(program);
  const metadata = source.sourceCommit === undefined ? {} : sourceMetadata(dir, source.sourceCommit);
  return {
    ...source,
    ...(Object.keys(metadata).length === 0 && fromCi && source.sourceCommit !== undefined ? githubEventMetadata(source.sourceCommit, process.env) : metadata),
    programCommit: programCommit(dir),
    tool: `cdk8s-gitops ${packageInfo().version}`,
  };
}

/** Run git in `dir`, in the C locale, never prompting. */
function gitIn(dir: string, ...args: string[]) {
  return spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } });
}

/**
 * The author (`Name <email>`), author date (RFC 3339), subject and body of `commit` in the
 * repository of `dir`, as Argo CD's reference-commit trailers take them; nothing when `dir` is
 * not in a repository that has the commit. An author without an email address is left out
 * (Argo CD reads the trailer as an RFC 5322 address).
 */
function sourceMetadata(dir: string, commit: string): Pick<Provenance, 'sourceAuthor' | 'sourceDate' | 'sourceSubject' | 'sourceBody'> {
  const r = gitIn(dir, 'log', '-1', '--no-show-signature', '--format=%an%x00%ae%x00%aI%x00%s%x00%b', `${commit}^{commit}`, '--');
  if (r.status !== 0) return {};
  const [name, email, date, subject, body] = r.stdout.split('\0');
  if (body === undefined) return {};
  const trimmedBody = body.replace(/\s+$/, '');
  return {
    ...(/^[^\s@<>]+@[^\s@<>]+$/.test(email) ? { sourceAuthor: mailbox(name, email) } : {}),
    sourceDate: date,
    sourceSubject: subject,
    ...(trimmedBody !== '' ? { sourceBody: trimmedBody } : {}),
  };
}

/**
 * The same from GitHub Actions' event (the JSON file `GITHUB_EVENT_PATH` names): the
 * `head_commit` of a push event when it is `commit`; nothing otherwise.
 */
function githubEventMetadata(commit: string, env: NodeJS.ProcessEnv): Pick<Provenance, 'sourceAuthor' | 'sourceDate' | 'sourceSubject' | 'sourceBody'> {
  const file = env.GITHUB_EVENT_PATH;
  if (file === undefined || file === '') return {};
  let head: any;
  try {
    head = JSON.parse(fs.readFileSync(file, 'utf8'))?.head_commit;
  } catch {
    return {};
  }
  if (head?.id !== commit || typeof head.message !== 'string') return {};
  const [subject, ...rest] = head.message.replace(/\r\n/g, '\n').split('\n');
  const body = rest.join('\n').replace(/^\n+/, '').replace(/\s+$/, '');
  const { name, email } = head.author ?? {};
  return {
    ...(typeof email === 'string' && /^[^\s@<>]+@[^\s@<>]+$/.test(email) ? { sourceAuthor: mailbox(typeof name === 'string' ? name : '', email) } : {}),
    ...(typeof head.timestamp === 'string' && RFC3339.test(head.timestamp) ? { sourceDate: head.timestamp } : {}),
    sourceSubject: subject,
    ...(body !== '' ? { sourceBody: body } : {}),
  };
}

/** A date and time as RFC 3339 writes it (Argo CD parses the date trailer so). */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** `Name <email>` as RFC 5322 writes it: the name quoted when it holds a character an unquoted one may not. */
function mailbox(name: string, email: string): string {
  if (name.trim() === '') return `<${email}>`;
  const plain = /^[^()<>[\]:;@\\,"\u0000-\u001f\u007f]+$/.test(name) && name.trim() === name;
  return `${plain ? name : `"${name.replace(/["\\]/g, c => `\\${c}`)}"`} <${email}>`;
}

/** The commit the program in `dir` is at, or undefined outside a git working tree. */
function programCommit(dir: string): string | undefined {
  const git = (...args: string[]) => gitIn(dir, ...args);
  const head = git('rev-parse', '-q', '--verify', 'HEAD^{commit}');
  if (head.status !== 0) return undefined;
  const status = git('--no-optional-locks', 'status', '--porcelain', '--untracked-files=no', '--', '.');
  return `${head.stdout.trim()}${status.status === 0 && status.stdout.trim() !== '' ? '-dirty' : ''}`;
}
