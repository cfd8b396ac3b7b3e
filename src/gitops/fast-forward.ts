import * as fs from 'fs';
import { faultPoint } from '../fault-point';
import { shellQuote } from '../shell-quote';
import { GitOpsError } from './errors';
import { Git } from './git';

/**
 * Name of the file (in the git directory, per working tree) that records a fast-forward in
 * progress: `FROM TO`, the commits HEAD moves between (FROM is empty on an unborn branch).
 */
export const FAST_FORWARD_MARKER = 'cdk8s-gitops-fast-forward';

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
 * repository-changing command calls it first) finishes or drops the move. Runs no hooks.
 *
 * @throws GitError when git refuses a step (after step 2, the marker tells the next run where it stopped)
 */
export function fastForward(git: Git, commit: string): void {
  const [marker] = git.gitPaths([FAST_FORWARD_MARKER]);
  const from = git.resolve('HEAD');
  fs.writeFileSync(marker, `${from ?? ''} ${commit}\n`);
  faultPoint('release:fast-forward:marked');
  try {
    git.run(from === undefined ? ['read-tree', '-u', '-m', commit] : ['read-tree', '-u', '-m', from, commit]);
  } catch (e) {
    fs.rmSync(marker, { force: true }); // git checks every file before it writes one: it refused, nothing moved
    throw e;
  }
  faultPoint('release:fast-forward:tree');
  git.run(['update-ref', '-m', `cdk8s-gitops: fast-forward to ${commit}`, 'HEAD', commit, from ?? '']);
  faultPoint('release:fast-forward:ref');
  fs.rmSync(marker, { force: true });
}

/**
 * Finish or drop a fast-forward that a killed run left (see {@link fastForward}), before
 * anything else looks at the working tree:
 *
 * - HEAD still at FROM and index and working tree at TO: the branch is moved to TO (the run
 *   was killed between steps 2 and 3);
 * - index and working tree at HEAD (FROM, TO, or wherever the user has moved it since): nothing
 *   was half done, the marker is dropped;
 * - anything else (git itself was killed while it wrote the working tree, or files were changed
 *   since): refused, with the commands that finish or undo the move.
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
    if (e?.code === 'ENOENT') return;
    throw e;
  }
  const [from = '', to = ''] = text.trim().split(' ');
  const head = git.resolve('HEAD');
  const treeAt = (rev: string | undefined) => rev !== undefined && rev !== ''
    && git.tryRun(['--no-optional-locks', 'diff', '--cached', '--quiet', rev, '--']).status === 0
    && git.tryRun(['--no-optional-locks', 'diff', '--quiet', '--']).status === 0;
  if (treeAt(head)) {
    fs.rmSync(marker, { force: true });
    return;
  }
  if (head === (from || undefined) && to !== '' && treeAt(to)) {
    git.run(['update-ref', '-m', `cdk8s-gitops: finish the fast-forward to ${to}`, 'HEAD', to, from]);
    fs.rmSync(marker, { force: true });
    log(`finished the fast-forward of ${git.currentBranch() ?? 'HEAD'} to ${to.slice(0, 12)} that an interrupted cdk8s-gitops command had started (its files were in place, the branch was not yet moved)`);
    return;
  }
  throw new GitOpsError(`${dir}: an interrupted cdk8s-gitops command was moving ${git.currentBranch() ?? 'HEAD'} from ${from.slice(0, 12) || '(no commit)'} to ${to.slice(0, 12)} `
    + 'and left the index or working tree between the two. If you changed nothing since, finish the move with '
    + `\`git -C ${shellQuote(dir)} reset --hard ${to}\`${from ? `, or undo it with \`git -C ${shellQuote(dir)} reset --hard ${from}\`` : ''}, then run the command again (the record of the move, ${marker}, is dropped then)`);
}
