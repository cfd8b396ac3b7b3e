import { GitOpsError } from '../core/errors';

/**
 * The ownership record: a file at the root of synth's output folder that lists every file
 * synth wrote there, with the git blob id of the content it wrote. Synth replaces or removes
 * only the files listed, and only while they still hold that content (or git holds what they
 * hold); every other file in the folder is left alone.
 *
 * Format: comment lines starting with `#`, then one line per file, sorted: the 40-character
 * git blob id (`git hash-object`), a space, the path relative to the folder.
 */
export const OWNERSHIP_RECORD = '.cdk8s-gitops-files';

const HEADER = `# Files written by cdk8s-gitops synth, which replaces or removes only these (and only while
# they hold what it wrote). One per line: git blob id of the content, space, path. Do not edit.
`;

const LINE = /^([0-9a-f]{40}) (.+)$/;

/**
 * Why `rel` is not a path synth may write, or undefined when it may: a path relative to the
 * output folder with `/` separators, no empty, `.` or `..` segment, no control character or
 * backslash, no `.git` segment (in any case: one folder on a case-insensitive file system)
 * anywhere, and not one of synth's own `.cdk8s-gitops*` files.
 */
export function outputPathProblem(rel: string): string | undefined {
  if (rel === '' || rel.startsWith('/')) return 'is not a relative path';
  const segments = rel.split('/');
  if (segments.some(s => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." segment';
  if (/[\u0000-\u001f\u007f\\]/.test(rel)) return 'holds a control character or a backslash';
  if (segments.some(s => s.toLowerCase() === '.git')) return 'is inside .git';
  if (segments[0].startsWith('.cdk8s-gitops')) return 'is reserved for synth\'s own files (.cdk8s-gitops*)';
  return undefined;
}

/** The text of an ownership record of `files` (path -> git blob id). */
export function renderOwnershipRecord(files: ReadonlyMap<string, string>): string {
  const lines = [...files.keys()].sort().map(rel => `${files.get(rel)} ${rel}\n`); // code-unit order
  return HEADER + lines.join('');
}

/**
 * Parse an ownership record (path -> git blob id).
 *
 * @param source the file's path, for messages
 * @throws GitOpsError naming the line, what it holds and what is allowed
 */
export function parseOwnershipRecord(text: string, source: string): Map<string, string> {
  const files = new Map<string, string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    if (line.startsWith('#')) return;
    const fail = (problem: string): never => {
      throw new GitOpsError(`${source} line ${i + 1}: ${JSON.stringify(line.slice(0, 200))} ${problem}; synth writes this file: restore it (e.g. git checkout -- ${OWNERSHIP_RECORD}), or delete it and run synth once with --force`);
    };
    const m = LINE.exec(line);
    if (!m) return fail('is not "<40-hex-digit git blob id> <path>"');
    const problem = outputPathProblem(m[2]);
    if (problem !== undefined) fail(`names a path that ${problem}`);
    if (files.has(m[2])) fail('names a path twice');
    files.set(m[2], m[1]);
  });
  return files;
}
