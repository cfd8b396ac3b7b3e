import * as fs from 'fs';
import * as path from 'path';
import { faultPoint } from '../core/fault-point';
import { shellQuote } from '../core/shell-quote';
import { GitOpsError } from '../core/errors';
import { Git } from './git';

/**
 * Name of the file (in the git directory, per working tree) that records a fast-forward in
 * progress: `FROM TO`, the commits HEAD moves between (FROM is empty on an unborn branch).
 */
export const FAST_FORWARD_MARKER = 'cdk8s-gitops-fast-forward';

/**
 * A fast-forward failed (git refused a step, or could not write: a full disk). The message says
 * where the branch, index and working tree are now, and how to finish or undo the move.
 */
export class FastForwardError extends GitOpsError {
  /**
   * @param moved whether anything moved (the index, a file or the branch): then the record of the
   *   move is kept, and the next run finishes it or says how
   */
  constructor(message: string, public readonly moved: boolean) {
    super(message);
    this.name = 'FastForwardError';
  }
}

/**
 * Move the current branch, its index and working tree forward to `commit` (a descendant of
 * HEAD, or any commit on an unborn branch), in an order a killed process can be recovered from:
 *
 * 1. record `HEAD commit` in {@link FAST_FORWARD_MARKER};
 * 2. `git read-tree -u -m HEAD commit`: index and working tree to `commit` (a two-tree merge:
 *    refuses to overwrite local changes);
 * 3. `git update-ref HEAD commit HEAD-before`: the branch moves only if nobody moved it;
 * 4. remove the marker.
 *
 * A run killed between these steps leaves the marker, and {@link resumeFastForward} (every
 * repository-changing command calls it first) finishes or drops the move. When a step fails
 * (git refuses, or cannot write: git writes the files before the index, so a full disk can stop
 * it halfway), the branch, index and files are looked at again: nothing moved drops the
 * marker, anything that moved keeps it, and the error says which. Runs no hooks.
 *
 * @param dir the working tree as the user named it, for messages
 * @throws FastForwardError when a step fails, saying what moved
 */
export function fastForward(git: Git, commit: string, dir: string = git.cwd): void {
  const [marker] = git.gitPaths([FAST_FORWARD_MARKER]);
  const from = git.resolve('HEAD');
  try {
    fs.writeFileSync(marker, `${from ?? ''} ${commit}\n`);
  } catch (e: any) {
    dropRecord(marker);
    // Stryker disable next-line OptionalChaining: fs throws Errors
    throw new FastForwardError(`${dir}: could not record the fast-forward to ${commit.slice(0, 12)} in ${marker} (${e?.message ?? e}): nothing was changed in ${dir}`, false);
  }
  faultPoint('release:fast-forward:marked');
  let before: MoveState | undefined;
  try {
    before = inspectMove(git, from, commit);
    git.run(from === undefined ? ['read-tree', '-u', '-m', commit] : ['read-tree', '-u', '-m', from, commit]);
    faultPoint('release:fast-forward:tree');
    git.run(['update-ref', '-m', `cdk8s-gitops: fast-forward to ${commit}`, 'HEAD', commit, from ?? '']);
  } catch (e: any) {
    if (before === undefined) {
      dropRecord(marker);
      throw e;
    }
    const state = inspectMove(git, from, commit);
    if (state.head === commit && state.index === 'to' && state.files.to === state.files.total) {
      dropRecord(marker); // git reported a failure after the move was complete (e.g. its reflog)
      return;
    }
    // Stryker disable next-line OptionalChaining,LogicalOperator: fs and git throw Errors, with a message
    const reason = e?.message ?? String(e);
    if (state.head === from && state.index === before.index && [...state.actual].every(([p, id]) => before!.actual.get(p) === id)) {
      dropRecord(marker);
      throw new FastForwardError(`${reason}. Nothing was changed in ${dir}: ${branchName(git)} is still at ${short(from)}, its index and files are as they were`, false);
    }
    throw new FastForwardError(`${reason}. ${dir} was left between ${short(from)} and ${commit.slice(0, 12)}: ${describeMove(git, state, from, commit)}. `
      + `Once the cause is fixed (e.g. space freed on the disk), ${recovery(git, dir, state, from, commit)}`, true);
  }
  faultPoint('release:fast-forward:ref');
  dropRecord(marker);
}

/** Remove the record of a move ({@link FAST_FORWARD_MARKER}). */
function dropRecord(marker: string): void {
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: the record is there wherever it is dropped (written or read before), except after a write refused at open, which a test running as root cannot make
  fs.rmSync(marker, { force: true });
}

/** Where HEAD, the index and the files a move changes are, between its two commits. */
interface MoveState {
  readonly head: string | undefined;
  /** The index at the old commit, the new one, or neither. */
  readonly index: 'from' | 'to' | 'other';
  /** The files that differ between the two commits: how many there are, how many are as in each commit, and the ones as in neither. */
  readonly files: { readonly total: number; readonly from: number; readonly to: number; readonly other: readonly string[]; readonly paths: ReadonlySet<string> };
  /** What each of those files holds now: its blob id, or undefined when it is not there. */
  readonly actual: ReadonlyMap<string, string | undefined>;
}

/**
 * Look at where a fast-forward from `from` to `to` has got: HEAD, the index (compared with both
 * commits), and each file that differs between the two (its content hashed as git would store
 * it, or its absence). Writes nothing (it works on a full disk).
 */
function inspectMove(git: Git, from: string | undefined, to: string): MoveState {
  const head = git.resolve('HEAD');
  // Stryker disable next-line ConditionalExpression: asked for no commit only once the index is not at the new one: git writes the index whole, so it is then empty
  const indexAt = (rev: string | undefined) => (rev === undefined
    ? git.run(['ls-files', '-z', '--full-name', ':/']) === ''
    : git.tryRun(['--no-optional-locks', 'diff', '--cached', '--quiet', '--no-ext-diff', rev, '--']).status === 0);
  const index = indexAt(to) ? 'to' : indexAt(from) ? 'from' : 'other';
  // path -> [blob in from, blob in to] (undefined: not there), gitlinks left out
  const changed = new Map<string, [string | undefined, string | undefined]>();
  if (from === undefined) {
    for (const rec of git.run(['ls-tree', '-r', '-z', '--full-tree', to]).split('\0')) {
      // Stryker disable next-line Regex: every record of ls-tree -z is one whole match; the anchors only say so
      const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(rec);
      if (m && m[2] === 'blob') changed.set(m[4], [undefined, m[3]]);
    }
  } else {
    const out = git.run(['diff-tree', '-r', '-z', '--no-renames', '--no-commit-id', from, to]).split('\0');
    for (let i = 0; i + 1 < out.length; i += 2) {
      // Stryker disable next-line Regex: every status record of diff-tree -z starts with the colon
      const m = /^:(\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) /.exec(out[i]);
      if (!m || m[1] === '160000' || m[2] === '160000') continue;
      // Stryker disable next-line Regex: a blob id is 40 (or 64) hex digits: all zeros, or not zeros to its end
      const none = /^0+$/;
      changed.set(out[i + 1], [none.test(m[3]) ? undefined : m[3], none.test(m[4]) ? undefined : m[4]]);
    }
  }
  const top = git.run(['rev-parse', '--show-toplevel']).trim();
  const paths = [...changed.keys()];
  const actual = new Map<string, string | undefined>();
  const regular: string[] = [];
  for (const p of paths) {
    const st = fs.lstatSync(path.join(top, p), { throwIfNoEntry: false });
    // Stryker disable next-line CallExpression: a path not set reads as undefined too
    if (st === undefined) actual.set(p, undefined);
    else if (st.isFile()) regular.push(p);
    else if (st.isSymbolicLink()) actual.set(p, git.run(['hash-object', '--stdin'], { input: fs.readlinkSync(path.join(top, p)) }).trim());
    // Stryker disable next-line StringLiteral: any text that is no blob id marks it as in neither commit
    else actual.set(p, 'not a file');
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: hash-object of no paths prints nothing; the test only saves the command
  if (regular.length > 0) {
    const ids = new Git(top).run(['hash-object', '--stdin-paths'], { input: regular.map(p => `${p}\n`).join('') }).split('\n');
    regular.forEach((p, i) => actual.set(p, ids[i]));
  }
  let atFrom = 0;
  let atTo = 0;
  const other: string[] = [];
  for (const [p, [a, b]] of changed) {
    const now = actual.get(p);
    if (now === b) atTo++;
    else if (now === a) atFrom++;
    else other.push(p);
  }
  return { head, index, files: { total: changed.size, from: atFrom, to: atTo, other, paths: new Set(paths) }, actual };
}

/** The state of a move in words: where the branch, the index and the files are. */
function describeMove(git: Git, state: MoveState, from: string | undefined, to: string): string {
  const at = (rev: string | undefined) => (rev === to ? `the new commit ${to.slice(0, 12)}` : rev === from ? `the old commit ${short(from)}` : short(rev));
  const f = state.files;
  const files = f.to === f.total ? `all ${f.total} file(s) the move changes are as in the new commit`
    : f.from === f.total ? `the ${f.total} file(s) the move changes are still as in the old commit`
      : `of the ${f.total} file(s) the move changes, ${f.to} are as in the new commit, ${f.from} as in the old`
        + (f.other.length > 0 ? `, ${f.other.length} as in neither (${f.other.slice(0, 5).join(', ')}${f.other.length > 5 ? ', ...' : ''})` : '');
  const index = state.index === 'other' ? 'the index is at neither commit' : `the index is at ${at(state.index === 'to' ? to : from)}`;
  return `${branchName(git)} is at ${at(state.head)}, ${index}, ${files}`;
}

/** What brings a half-moved clone to the new commit: the command run again when {@link resumeFastForward} can finish it, else `git reset --hard`. */
function recovery(git: Git, dir: string, state: MoveState, from: string | undefined, to: string): string {
  const reset = `\`git -C ${shellQuote(dir)} reset --hard ${to}\``;
  return finishable(state, from)
    ? `run the command again: it finishes the move (recorded in ${git.gitPaths([FAST_FORWARD_MARKER])[0]}); or finish it yourself with ${reset}`
    : `finish the move with ${reset} (this discards any change made in the working tree since), then run the command again`;
}

/** Whether {@link resumeFastForward} finishes a move in this state by itself: the branch not moved, and every file it changes as in one of the two commits. */
function finishable(state: MoveState, from: string | undefined): boolean {
  return state.head === from && state.index !== 'other' && state.files.other.length === 0;
}

function short(rev: string | undefined): string {
  return rev?.slice(0, 12) ?? '(no commit)';
}

function branchName(git: Git): string {
  return git.currentBranch() ?? 'HEAD';
}

/**
 * Finish or drop a fast-forward that a killed or failed run left (see {@link fastForward}),
 * before anything else looks at the working tree:
 *
 * - index and every file the move changes at HEAD (FROM; or TO, or wherever the user has moved
 *   it since, when the working tree is clean): nothing was half done, the marker is dropped;
 * - HEAD still at FROM, and the index and every file the move changes as in FROM or as in TO,
 *   nothing else modified (the run was killed between steps 2 and 3, or git could not write
 *   them all: a full disk): the move is finished (`git read-tree -u --reset TO`, then the branch);
 * - anything else (a file as in neither commit: git itself was killed or ran out of space while
 *   it wrote it, or files were changed since): refused, with the commands that finish or undo the move.
 *
 * @param log told what was done
 * @throws GitOpsError when the working tree is between the two commits
 */
export function resumeFastForward(git: Git, dir: string, log: (line: string) => void): void {
  const [marker] = git.gitPaths([FAST_FORWARD_MARKER]);
  let text: string;
  try {
    text = fs.readFileSync(marker, 'utf8');
  } catch (e: any) {
    // Stryker disable next-line OptionalChaining: fs throws Errors
    if (e?.code === 'ENOENT') return;
    throw e;
  }
  const [from, to = ''] = text.trimEnd().split(' '); // not trim(): FROM is empty on an unborn branch (split always gives it)
  const head = git.resolve('HEAD');
  const clean = () => git.tryRun(['--no-optional-locks', 'diff', '--quiet', '--']).status === 0;
  const treeAt = (rev: string | undefined) => rev !== undefined && rev !== ''
    && git.tryRun(['--no-optional-locks', 'diff', '--cached', '--quiet', rev, '--']).status === 0 && clean();
  const state = to === '' || git.resolve(to) === undefined ? undefined : inspectMove(git, from || undefined, to);
  const atHead = state === undefined || head !== (from || undefined) || (state.index === 'from' && state.files.from === state.files.total);
  if (atHead && treeAt(head)) {
    dropRecord(marker);
    return;
  }
  if (state !== undefined && finishable(state, from || undefined) && otherwiseClean(git, state)) {
    const whole = state.index === 'to' && state.files.to === state.files.total;
    if (!whole) git.run(['read-tree', '-u', '--reset', to]);
    git.run(['update-ref', '-m', `cdk8s-gitops: finish the fast-forward to ${to}`, 'HEAD', to, from]);
    dropRecord(marker);
    log(`finished the fast-forward of ${branchName(git)} to ${to.slice(0, 12)} that an interrupted cdk8s-gitops command had started (${whole
      ? 'its files were in place, the branch was not yet moved' : `${state.files.to} of its ${state.files.total} file(s) were in place, the branch was not yet moved`})`);
    return;
  }
  const quoted = shellQuote(dir);
  throw new GitOpsError(`${dir}: an interrupted cdk8s-gitops command was moving ${branchName(git)} from ${from.slice(0, 12) || '(no commit)'} to ${to.slice(0, 12)} `
    + `and left the index or working tree between the two${state === undefined ? '' : ` (${describeMove(git, state, from || undefined, to)})`}. If you changed nothing since, finish the move with `
    + `\`git -C ${quoted} reset --hard ${to}\`${from ? `, or undo it with \`git -C ${quoted} reset --hard ${to} && git -C ${quoted} reset --hard ${from}\`` : ''}, then run the command again (the record of the move, ${marker}, is dropped then)`);
}

/** Whether nothing but the files a move changes differs from the index (those are checked by {@link inspectMove}). */
function otherwiseClean(git: Git, state: MoveState): boolean {
  const modified = git.run(['--no-optional-locks', 'diff', '--name-only', '-z', '--no-renames']).split('\0').filter(p => p !== '');
  return modified.every(p => state.files.paths.has(p));
}
