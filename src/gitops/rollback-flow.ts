import { ReleaseState, RELEASE_FILE, sameRelease } from '../release';
import { GitOpsError, InputError } from './errors';
import { assertClusterName, assertEnvironmentName } from './release-file';
import { inheritSource } from './commit-message';
import { CLUSTER_TRAILER, prepareChange } from './environment-change';
import { clusterLabel, clusterView } from '../release-clusters';
import { publish } from './publish';
import { GitOpsRepository, RepositoryOptions } from './repository';
import { adopt, changesBetween, describeReleaseChanges, headlineTag, TagChange, WeightChange, weightChangesBetween } from './rotation';

/** Trailer a rollback commit carries: the commit whose release it restored. */
export const ROLLBACK_TRAILER = 'Rollback-To';

/** Options of {@link rollback}. */
export interface RollbackOptions extends RepositoryOptions {
  /** Environment to roll back, e.g. `dev`. */
  readonly env: string;
  /** Roll back this cluster of the environment only (`--cluster`): to the previous release it ran. @default - the whole environment */
  readonly cluster?: string;
}

/** The outcome of {@link rollback}. */
export interface RollbackResult {
  /** Whether a commit was made. */
  readonly committed: boolean;
  /** The commit the branch points to afterwards. */
  readonly commit?: string;
  /** The commit whose release was restored. */
  readonly restoredFrom: string;
  /** The tag that names the restored release. */
  readonly tag: string;
  /** The commit message subject (`dev: rollback to TAG`). */
  readonly message: string;
  /** Tags that changed. */
  readonly changes: TagChange[];
  /** Pinned splits that changed. */
  readonly weightChanges: WeightChange[];
  /** Whether the commit was pushed. */
  readonly pushed: boolean;
}

/** A release of an environment found in history. */
interface HistoricRelease {
  /** The commit that wrote it. */
  readonly commit: string;
  /** That commit's message. */
  readonly message: string;
  readonly state: ReleaseState;
}

/**
 * The release of `env` before the current one, as of `rev`: walking back through the commits
 * that changed `<env>/release.yaml`, the first release that differs from the current one.
 * A rollback commit counts as the release it restored (its `Rollback-To:` trailer), so
 * repeated rollbacks go further back instead of toggling. With `cluster`, releases are compared
 * by what that cluster runs, and only rollbacks of the whole environment or of that cluster
 * count as the release they restored.
 *
 * @returns undefined when there is no earlier release
 */
function previousRelease(repo: GitOpsRepository, rev: string, env: string, cluster?: string): HistoricRelease | undefined {
  const file = repo.repoPath(`${env}/${RELEASE_FILE}`);
  const history = repo.git.fileHistory(rev, file);
  if (history.length === 0) return undefined;
  const index = new Map(history.map((c, i) => [c.sha, i]));
  let i = 0;
  const seen = new Set<number>();
  for (;;) {
    seen.add(i);
    const m = new RegExp(`^${ROLLBACK_TRAILER}: ([0-9a-f]{40,64})\\s*$`, 'm').exec(history[i].message);
    const scope = new RegExp(`^${CLUSTER_TRAILER}: (\\S+)\\s*$`, 'm').exec(history[i].message)?.[1];
    const target = m && (scope === undefined || scope === cluster) ? index.get(m[1]) : undefined;
    if (target === undefined || seen.has(target)) break;
    i = target;
  }
  const view = (state: ReleaseState): ReleaseState => (cluster === undefined ? state : clusterView(state, cluster));
  const current = repo.releaseAt(history[i].sha, env);
  for (let j = i + 1; j < history.length; j++) {
    const state = repo.releaseAt(history[j].sha, env);
    if (state === undefined) continue;
    if (current === undefined || !sameRelease(view(state), view(current))) return { commit: history[j].sha, message: history[j].message, state };
  }
  return undefined;
}

/**
 * Restore the previous release of `env` (see {@link previousRelease}) as a new commit
 * `ENV: rollback to TAG`, re-rendered with the current program; history is never rewritten.
 * The release file is restored whole: tags and pinned splits (a shift is a release here, so
 * rolling back after a shift restores the split before it).
 * With `push`, a rejected push re-applies the same restored release to the new tip.
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  assertEnvironmentName(options.env);
  assertClusterName(options.cluster);
  const label = clusterLabel(options.env, options.cluster);
  return GitOpsRepository.with(options, async repo => {
    const start = repo.startingPoint(options.push);
    if (start === undefined) throw new GitOpsError(`branch ${repo.branch} has no commits: nothing to roll back`);
    if (!repo.releaseAt(start, options.env)) {
      const known = Object.keys(repo.releasesAt(start));
      throw new InputError(`--env: ${JSON.stringify(options.env)} has no ${RELEASE_FILE} in ${options.dir} (environments: ${known.join(', ') || 'none'})`);
    }
    const previous = previousRelease(repo, start, options.env, options.cluster);
    if (previous === undefined) throw new GitOpsError(`${label} has no earlier release to roll back to (its ${RELEASE_FILE} never held a different release${options.cluster !== undefined ? ' for that cluster' : ''})`);
    // with --cluster: what the cluster ran then (tags and splits)
    const restore: ReleaseState = options.cluster === undefined ? previous.state : clusterView(previous.state, options.cluster);
    const tag = headlineTag(restore) ?? 'nothing';
    const message = `${label}: rollback to ${tag}`;
    // the restored release keeps the source it was built from, unless the caller names another
    const provenance = inheritSource(options.provenance, previous.message);
    const result = await publish(repo, options, base => prepareChange(repo, { ...options, provenance }, base, options.env, current => {
      // the previous release file whole: its tags and its pinned splits
      const state = adopt(current, restore, { weights: true });
      const changes = describeReleaseChanges(current, state);
      const body = `Restores the release of ${label} from ${previous.commit.slice(0, 12)}.\n\n${changes.join('\n')}`;
      return { state, message: { subject: message, body, trailers: [[ROLLBACK_TRAILER, previous.commit]] } };
    }));
    return {
      committed: result.change !== undefined,
      commit: result.commit,
      restoredFrom: previous.commit,
      tag,
      message,
      changes: result.change ? changesBetween(result.change.before, result.change.after) : [],
      weightChanges: result.change ? weightChangesBetween(result.change.before, result.change.after) : [],
      pushed: result.pushed,
    };
  });
}
