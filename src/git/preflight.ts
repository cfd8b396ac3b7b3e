import * as fs from 'fs';
import { shellQuote } from '../core/shell-quote';
import { GitOpsError } from '../core/errors';
import { resumeFastForward } from './fast-forward';
import { Git } from './git';

/** Operations git can be in the middle of: the file in the git directory that shows it, what it is, how to end it. */
const OPERATIONS: readonly (readonly [file: string, what: string, end: string])[] = [
  ['MERGE_HEAD', 'a merge', 'conclude it (`git commit`) or abort it (`git merge --abort`)'],
  ['rebase-merge', 'a rebase', 'finish it (`git rebase --continue`) or abort it (`git rebase --abort`)'],
  ['rebase-apply', 'a rebase or `git am`', 'finish it (`git rebase --continue` or `git am --continue`) or abort it (`git rebase --abort` or `git am --abort`)'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick', 'finish it (`git cherry-pick --continue`) or abort it (`git cherry-pick --abort`)'],
  ['REVERT_HEAD', 'a revert', 'finish it (`git revert --continue`) or abort it (`git revert --abort`)'],
  ['BISECT_LOG', 'a bisect', 'end it (`git bisect reset`)'],
];

/** Lock files git leaves behind when it is killed, and that make the git commands of a change fail. */
const LOCKS = ['index.lock', 'HEAD.lock', 'packed-refs.lock'];

/** Options of {@link preflight}. */
export interface PreflightOptions {
  /** The working tree as the user named it (`--gitops-dir`), for messages. */
  readonly dir: string;
  /** Whether the change is pushed (then the remote-tracking branch is checked, not the upstream). */
  readonly push?: boolean;
  /** The remote pushed to. */
  readonly remote: string;
  /** Told what was recovered (an interrupted fast-forward finished). */
  readonly log: (line: string) => void;
}

/**
 * Check, before anything is fetched, rendered or pushed, that the working tree of `git` is in a
 * state a change can start from, and return its branch:
 *
 * - no merge, rebase, `git am`, cherry-pick, revert or bisect in progress;
 * - no lock file a killed git left behind (`index.lock`, `HEAD.lock`, `packed-refs.lock`, the
 *   branch's ref lock and, when pushing, the remote-tracking branch's): each is named with the
 *   command that removes it;
 * - HEAD on a branch (not detached);
 * - when pushing, the remote exists;
 * - a fast-forward an interrupted command left half done is finished or refused (see
 *   `resumeFastForward`);
 * - without push, the branch is not behind its upstream (its remote-tracking branch as last
 *   fetched): a commit on an old tip could not be pushed later.
 *
 * Nothing is written (except to finish an interrupted fast-forward).
 *
 * @throws GitOpsError naming the state and how to get out of it
 */
export function preflight(git: Git, options: PreflightOptions): string {
  const dir = options.dir;
  const branch = git.currentBranch();
  const refLocks = branch === undefined ? [] : [`refs/heads/${branch}.lock`, ...(options.push ? [`refs/remotes/${options.remote}/${branch}.lock`] : [])];
  const names = [...OPERATIONS.map(([file]) => file), ...LOCKS, ...refLocks];
  const paths = git.gitPaths(names);
  const present = new Set(names.filter((_, i) => fs.existsSync(paths[i])));
  for (const [file, what, end] of OPERATIONS) {
    if (present.has(file)) throw new GitOpsError(`${dir}: ${what} is in progress: ${end} first (nothing was changed)`);
  }
  const locks = names.map((n, i) => [n, paths[i]]).filter(([n]) => present.has(n) && n.endsWith('.lock')).map(([, p]) => p);
  if (locks.length > 0) {
    throw new GitOpsError(`${dir}: ${locks.length === 1 ? 'a git lock file exists' : 'git lock files exist'}: ${locks.join(', ')}. `
      + `A git command is running in this clone, or one was killed and left ${locks.length === 1 ? 'it' : 'them'} behind. `
      + `Make sure no git process works here, then remove ${locks.length === 1 ? 'it' : 'them'}: rm ${locks.map(shellQuote).join(' ')} (nothing was changed)`);
  }
  if (branch === undefined) {
    throw new GitOpsError(`${dir}: HEAD is detached (at ${git.resolve('HEAD')?.slice(0, 12) ?? '?'}): check out the branch to change first, e.g. \`git -C ${shellQuote(dir)} checkout main\``);
  }
  if (options.push && git.remoteUrl(options.remote) === undefined) {
    throw new GitOpsError(`--push: ${dir} has no remote ${JSON.stringify(options.remote)} to push to (add it with \`git remote add ${options.remote} URL\`, or leave out --push)`);
  }
  resumeFastForward(git, dir, options.log);
  if (!options.push) assertNotBehind(git, dir, branch);
  return branch;
}

/** Throw when `branch` lacks commits of its upstream (as last fetched). */
function assertNotBehind(git: Git, dir: string, branch: string): void {
  const out = git.run(['for-each-ref', '--format=%(upstream:short)%00%(upstream:track,nobracket)', `refs/heads/${branch}`]).trim();
  const [upstream = '', track = ''] = out.split('\0');
  const behind = /behind (\d+)/.exec(track)?.[1];
  if (upstream === '' || behind === undefined) return;
  const fix = /ahead \d+/.test(track)
    ? `it has diverged (${track}): reconcile them first (e.g. \`git -C ${shellQuote(dir)} pull --rebase\`)`
    : `bring it up to date first: \`git -C ${shellQuote(dir)} pull --ff-only\``;
  throw new GitOpsError(`${dir}: ${branch} is ${behind} commit(s) behind ${upstream}, so a commit on it could not be pushed: ${fix} (nothing was changed)`);
}
