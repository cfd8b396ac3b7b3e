import { faultPoint } from '../core/fault-point';
import type { PreparedChange } from './environment-change';
import { GitOpsError, PushedNotLandedError } from '../core/errors';
import { fastForward, FastForwardError } from '../git/fast-forward';
import { GitOpsRepository, RepositoryOptions } from './repository';

/** The outcome of {@link publish}. */
export interface PublishResult {
  /** The commit the branch now points to (the new commit, or the unchanged base on a no-op). */
  readonly commit: string | undefined;
  /** The prepared change, or undefined when there was nothing to do. */
  readonly change?: PreparedChange;
  /** Whether the commit was pushed. */
  readonly pushed: boolean;
  /** How many times the change was prepared (1 + retries after rejected pushes). */
  readonly attempts: number;
}

/** How often a push the remote could not lock its ref for is tried again while the remote branch does not move (then the lock is taken for stale). */
const LOCKED_RETRIES = 3;

/**
 * Prepare a change with `prepare` and land it on the current branch, atomically:
 *
 * - the commit is built aside (object database only) on top of the base;
 * - with `push`, the base is the freshly fetched remote branch; the commit is pushed first and
 *   only then is the local branch fast-forwarded to it. A push rejected because someone pushed
 *   first fetches the new tip and calls `prepare` again on it (re-rendering the intent, not
 *   rebasing text), up to `retries` times with jittered exponential backoff. A push the remote
 *   could not lock its ref for is tried again while the branch does not move, then refused as a
 *   stale lock; any other rejection (a hook, a protected branch) ends at once with git's reason;
 * - without `push`, the local branch, index and working tree are fast-forwarded to the commit;
 * - with `push` and nothing to do, a local branch behind the remote one (a previous run pushed
 *   and was interrupted before it updated it) is fast-forwarded to it, and `log` says so.
 *
 * Until that final fast-forward the working tree, index and branch are untouched, so any
 * failure (bad input, a validation finding, a killed process, a push that gives up) leaves them
 * exactly as they were. A pushed commit the local branch cannot be brought to ends in a
 * {@link PushedNotLandedError} (exit code 3). A fast-forward that fails halfway (a full disk:
 * git wrote some files, not the index) ends in an error that says where the branch, index and
 * files are and how to finish the move (see `fastForward`).
 */
export async function publish(repo: GitOpsRepository, options: RepositoryOptions, prepare: (base: string | undefined) => PreparedChange | undefined): Promise<PublishResult> {
  const git = repo.git;
  const log = options.log ?? (() => undefined);
  const retries = options.retries ?? 10;
  const backoff = options.backoff ?? defaultBackoff;
  const target = `${repo.remote}/${repo.branch}`;
  const start = repo.head();
  let base = start;
  let unpushedLocal = false;
  if (options.push) {
    const tip = git.fetchBranch(repo.remote, repo.branch);
    faultPoint('release:fetched');
    if (tip !== undefined) {
      if (start === undefined || git.isAncestor(start, tip)) {
        base = tip;
      } else if (git.isAncestor(tip, start)) {
        // Stryker disable next-line ConditionalExpression: equivalent, start === tip took the branch above (start is its own ancestor)
        unpushedLocal = start !== tip;
      } else {
        throw new GitOpsError(`branch ${repo.branch} has diverged from ${target} (${start.slice(0, 12)} vs ${tip.slice(0, 12)}): reconcile them first (e.g. \`git pull --rebase\`)`);
      }
    }
  }
  for (let attempt = 1; ; attempt++) {
    const change = prepare(base);
    faultPoint('release:prepared');
    // Stryker disable next-line ConditionalExpression: equivalent, base is undefined only when start is (no commit, nothing fetched)
    const behind = base !== start && base !== undefined
      ? `${repo.branch} was behind ${target} (a previous run pushed and was interrupted before it updated ${repo.branch}, or someone else pushed)` : undefined;
    if (change === undefined) {
      if (behind !== undefined) {
        fastForward(git, base!, options.dir);
        log(`${behind}: fast-forwarded it to ${base!.slice(0, 12)}`);
      }
      return { commit: base, pushed: false, attempts: attempt };
    }
    if (!options.push) {
      fastForward(git, change.commit, options.dir);
      return { commit: change.commit, change, pushed: false, attempts: attempt };
    }
    let outcome = git.push(repo.remote, change.commit, repo.branch);
    for (let locked = 1; !outcome.ok && outcome.rejected === 'locked'; locked++) {
      // someone's push holds the remote's ref lock right now (then the branch moves), or a crashed git left it
      if (git.fetchBranch(repo.remote, repo.branch) !== base) break;
      if (locked > LOCKED_RETRIES) {
        throw new GitOpsError(`push to ${target} failed: the remote could not lock ${repo.branch} (${outcome.message}), and ${repo.branch} did not move in ${LOCKED_RETRIES} retries: `
          + `most likely a lock file a crashed git process left in the remote repository (refs/heads/${repo.branch}.lock); whoever runs the remote can remove it once no push is running. `
          + 'Nothing was pushed and nothing was changed locally');
      }
      await sleep(backoff(locked));
      outcome = git.push(repo.remote, change.commit, repo.branch);
    }
    if (outcome.ok) {
      faultPoint('release:pushed');
      land(repo, change.commit, options.dir);
      if (behind !== undefined) log(`${behind}: fast-forwarded it to ${base!.slice(0, 12)} and the new commit`);
      return { commit: change.commit, change, pushed: true, attempts: attempt };
    }
    if (outcome.rejected === 'refused') {
      throw new GitOpsError(`push to ${target} was refused: ${outcome.message}. Nothing was pushed and nothing was changed locally`);
    }
    if (attempt > retries) {
      throw new GitOpsError(`push to ${target} gave up after ${attempt} attempt(s): the remote kept moving (last rejection: ${outcome.message}); nothing was changed locally, run the command again`);
    }
    if (unpushedLocal) {
      throw new GitOpsError(`push to ${target} was rejected because the remote moved, and local ${repo.branch} has unpushed commits that cannot be re-rendered: push or drop them first (nothing was changed)`);
    }
    const wait = Math.round(backoff(attempt));
    log(`push rejected (someone pushed first); fetching and re-rendering onto the new tip in ${wait} ms (attempt ${attempt + 1} of ${retries + 1})`);
    await sleep(wait);
    base = git.fetchBranch(repo.remote, repo.branch);
  }
}

/** After a push: the remote-tracking branch and the local branch to the pushed commit, or a {@link PushedNotLandedError} saying what is where. */
function land(repo: GitOpsRepository, commit: string, dir: string): void {
  const git = repo.git;
  try {
    git.run(['update-ref', `refs/remotes/${repo.remote}/${repo.branch}`, commit]);
    faultPoint('release:tracking-updated');
    fastForward(git, commit, dir);
  } catch (e: any) {
    if (e instanceof FastForwardError && e.moved) {
      throw new PushedNotLandedError(`pushed ${commit.slice(0, 12)} to ${repo.remote}/${repo.branch}, but the local fast-forward of ${repo.branch} to it stopped halfway: ${e.message}`, commit);
    }
    throw new PushedNotLandedError(`pushed ${commit.slice(0, 12)} to ${repo.remote}/${repo.branch}, but local ${repo.branch} was not updated: ${e?.message ?? e}. `
      + `The change is on ${repo.remote}; once that is fixed, \`git pull --ff-only\` brings ${repo.branch} up to date (so does running release again: it finds nothing left to do)`, commit);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Jittered exponential backoff: about 100 ms, 200 ms, 400 ms ... capped at 3 s, times 0.5 to 1.5.
 * @internal
 */
export function defaultBackoff(attempt: number): number {
  return Math.min(3000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random());
}
