import { own } from '../core/own';
import { ReleaseState, RELEASE_FILE } from '../release/release';
import { GitOpsError, InputError } from '../core/errors';
import { assertClusterName, assertEnvironmentName } from '../release/release-file';
import { inheritSource } from '../git/commit-message';
import { CLUSTER_TRAILER, prepareChange } from './environment-change';
import { clusterLabel, EnvironmentRelease } from '../release/environment-release';
import { publish } from './publish';
import { GitOpsRepository, RepositoryOptions } from './repository';
import { adopt, changesBetween, describeReleaseChanges, formatSplit, headlineTag, newestTag, TagChange, WeightChange, weightChangesBetween } from './rotation';

/** Trailer a rollback commit carries: the commit whose release it restored. */
export const ROLLBACK_TRAILER = 'Rollback-To';

/**
 * Trailer a rollback commit carries: the commit whose release it undid (the last commit that
 * changed the release file before it). A rerun of a rollback whose push landed while the
 * local branch stayed behind recognises it by this (see {@link rollback}).
 */
export const ROLLBACK_OF_TRAILER = 'Rollback-Of';

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
  /** The commit message subject (`dev: rollback to TAG (was TAG)`; see {@link rollbackSubject}); of the landed rollback when {@link alreadyLanded}. */
  readonly message: string;
  /** Tags that changed. */
  readonly changes: TagChange[];
  /** Pinned splits that changed. */
  readonly weightChanges: WeightChange[];
  /** Whether the commit was pushed. */
  readonly pushed: boolean;
  /**
   * With `push`: the rollback commit on the remote that already undid the release the local
   * branch is at (an earlier run pushed it and was interrupted before it updated the local
   * branch); nothing was committed and the local branch was fast-forwarded to the remote.
   * @default - undefined: no such commit
   */
  readonly alreadyLanded?: string;
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
  const view = (state: ReleaseState): EnvironmentRelease => EnvironmentRelease.fromFile(state).view(cluster);
  const current = repo.releaseAt(history[i].sha, env);
  for (let j = i + 1; j < history.length; j++) {
    const state = repo.releaseAt(history[j].sha, env);
    if (state === undefined) continue;
    if (current === undefined || !view(state).equals(view(current))) return { commit: history[j].sha, message: history[j].message, state };
  }
  return undefined;
}

/** The value of trailer `key` in a commit message (the last such line), if any. */
function trailer(message: string, key: string): string | undefined {
  const all = [...message.matchAll(new RegExp(`^${key}: (\\S+)\\s*$`, 'gm'))];
  return all.length > 0 ? all[all.length - 1][1] : undefined;
}

/**
 * With `push`, the rollback commit of `env` (of `cluster`, when given) that the remote tip
 * `tip` has and the local branch at `local` lacks, and that undid the very release `local`
 * is at: a rollback whose push landed while the local branch stayed behind (killed after
 * the push, or the fast-forward failed). Recognised when the last commit that changed the
 * release file as of `tip` is not in `local`, is a rollback of the same scope, and names in its
 * `Rollback-Of:` trailer the last commit that changed the release file as of `local` (a
 * rollback written before that trailer existed: its parent's release equals `local`'s).
 * A rollback of a release made after `local` (someone released and rolled back meanwhile) is
 * not one: the rollback then proceeds from the remote tip as usual.
 */
function landedRollback(repo: GitOpsRepository, local: string, tip: string, env: string, cluster: string | undefined): { sha: string; message: string } | undefined {
  if (local === tip || !repo.git.isAncestor(local, tip)) return undefined;
  const last = repo.lastRelease(tip, env);
  if (last === undefined || repo.git.isAncestor(last.sha, local)) return undefined;
  if (trailer(last.message, ROLLBACK_TRAILER) === undefined || trailer(last.message, CLUSTER_TRAILER) !== cluster) return undefined;
  const undid = trailer(last.message, ROLLBACK_OF_TRAILER);
  const localRelease = repo.lastRelease(local, env);
  if (undid !== undefined) return undid === localRelease?.sha ? last : undefined;
  const before = repo.releaseAt(`${last.sha}~1`, env);
  const now = repo.releaseAt(local, env);
  return before !== undefined && now !== undefined && EnvironmentRelease.fromFile(before).equals(EnvironmentRelease.fromFile(now)) ? last : undefined;
}

/**
 * The subject of a rollback commit: what it restores and what ran before, by the tag of each
 * service's newest version. `prod: rollback to 1.4.0 (was 1.5.0)` when every service moves
 * from the same tag to the same tag; else the services that move, `prod: rollback backend to
 * 1.4.0 (was 1.5.0), frontend to 2.0.0 (was 2.1.0)` (three at most, then `and N more`); when
 * no newest tag moves (a split, an older version), the first change: `prod: rollback to 1.4.0:
 * backend split v1=100% v2=0% (was v1=50% v2=50%)`.
 */
export function rollbackSubject(label: string, current: EnvironmentRelease, restored: EnvironmentRelease): string {
  const services = [...new Set([...Object.keys(current.runs().services), ...Object.keys(restored.runs().services)])].sort();
  const tagOf = (release: EnvironmentRelease, service: string) => {
    const entry = own(release.runs().services, service);
    return entry === undefined ? undefined : newestTag(entry);
  };
  const moved = services.map(service => ({ service, from: tagOf(current, service), to: tagOf(restored, service) })).filter(m => m.from !== m.to);
  const tag = headlineTag(restored.runs()) ?? 'nothing';
  if (moved.length === 0) {
    const changes = [
      ...weightChangesBetween(current, restored).map(c => `${c.service} split ${formatSplit(c.to)} (was ${formatSplit(c.from)})`),
      ...changesBetween(current, restored).map(c => `${c.service}${c.version !== undefined ? ` ${c.version}` : ''} ${c.to ?? '(none)'} (was ${c.from ?? '(none)'})`),
    ];
    return `${label}: rollback to ${tag}${changes.length > 0 ? `: ${changes[0]}${changes.length > 1 ? `, and ${changes.length - 1} more` : ''}` : ''}`;
  }
  const from = new Set(moved.map(m => m.from));
  const to = new Set(moved.map(m => m.to));
  if (moved.length === services.length && from.size === 1 && to.size === 1) {
    return `${label}: rollback to ${moved[0].to ?? '(none)'} (was ${moved[0].from ?? '(none)'})`;
  }
  const shown = moved.slice(0, 3).map(m => `${m.service} to ${m.to ?? '(none)'} (was ${m.from ?? '(none)'})`);
  return `${label}: rollback ${shown.join(', ')}${moved.length > 3 ? `, and ${moved.length - 3} more` : ''}`;
}

/**
 * Restore the previous release of `env` (see {@link previousRelease}) as a new commit
 * `ENV: rollback to TAG (was TAG)` (see {@link rollbackSubject}) with the trailers
 * `Rollback-To: <commit restored>` and `Rollback-Of: <commit undone>`, re-rendered with the
 * current program; history is never rewritten. The release file is restored whole: tags and
 * pinned splits (a shift is a release here, so rolling back after a shift restores the split
 * before it). With `push`, the rollback starts from the fetched remote branch, and a rejected
 * push re-applies the same restored release to the new tip. With `push`, a rerun after a run
 * whose push landed but that did not update the local branch (see {@link landedRollback})
 * commits nothing: it fast-forwards the local branch to the remote and reports the landed
 * commit (`alreadyLanded`), instead of going one release further back.
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  assertEnvironmentName(options.env);
  assertClusterName(options.cluster);
  const label = clusterLabel(options.env, options.cluster);
  return GitOpsRepository.with(options, async repo => {
    const local = repo.head();
    const start = repo.startingPoint(options.push);
    if (start === undefined) throw new GitOpsError(`branch ${repo.branch} has no commits: nothing to roll back`);
    const landed = options.push && local !== undefined ? landedRollback(repo, local, start, options.env, options.cluster) : undefined;
    if (landed !== undefined) {
      // nothing to commit: publish brings the local branch to the remote tip (and says so)
      const result = await publish(repo, options, () => undefined);
      const restoredFrom = trailer(landed.message, ROLLBACK_TRAILER)!;
      const state = repo.releaseAt(landed.sha, options.env);
      return {
        committed: false,
        commit: result.commit,
        restoredFrom,
        tag: (state && headlineTag(EnvironmentRelease.fromFile(state).runs(options.cluster))) ?? 'nothing',
        message: landed.message.split('\n')[0],
        changes: [],
        weightChanges: [],
        pushed: false,
        alreadyLanded: landed.sha,
      };
    }
    if (!repo.releaseAt(start, options.env)) {
      const known = Object.keys(repo.releasesAt(start));
      throw new InputError(`--env: ${JSON.stringify(options.env)} has no ${RELEASE_FILE} in ${options.dir} (environments: ${known.join(', ') || 'none'})`);
    }
    const previous = previousRelease(repo, start, options.env, options.cluster);
    if (previous === undefined) throw new GitOpsError(`${label} has no earlier release to roll back to (its ${RELEASE_FILE} never held a different release${options.cluster !== undefined ? ' for that cluster' : ''})`);
    // with --cluster: what the cluster ran then (tags and splits)
    const restore = EnvironmentRelease.fromFile(previous.state).view(options.cluster);
    const tag = headlineTag(restore.runs()) ?? 'nothing';
    let message = `${label}: rollback to ${tag}`;
    // the restored release keeps the source it was built from, unless the caller names another
    const provenance = inheritSource(options.provenance, previous.message);
    const result = await publish(repo, options, base => prepareChange(repo, { ...options, provenance }, base, options.env, current => {
      // the previous release file whole: its tags and its pinned splits
      const release = adopt(current, restore, { weights: true });
      const changes = describeReleaseChanges(current, release);
      message = rollbackSubject(label, current.view(options.cluster), release.view(options.cluster));
      const undone = base === undefined ? undefined : repo.lastRelease(base, options.env)?.sha;
      const body = `Restores the release of ${label} from ${previous.commit.slice(0, 12)}.\n\n${changes.join('\n')}`;
      const trailers: Array<[string, string]> = [[ROLLBACK_TRAILER, previous.commit]];
      if (undone !== undefined) trailers.push([ROLLBACK_OF_TRAILER, undone]);
      return { release, message: { subject: message, body, trailers } };
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
