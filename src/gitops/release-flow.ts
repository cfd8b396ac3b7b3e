import { prepareChange } from './environment-change';
import { publish } from './publish';
import { GitOpsRepository, RepositoryOptions } from './repository';
import { assertClusterName, assertEnvironmentName, assertServiceNames, assertValidTag } from '../release/release-file';
import { changesBetween, describeReleaseChanges, rotate, TagChange, WeightChange, weightChangesBetween } from './rotation';
import { clusterLabel } from '../release/environment-release';

/** Options of {@link release}. */
export interface ReleaseOptions extends RepositoryOptions {
  /** Environment to release into, e.g. `dev`. */
  readonly env: string;
  /** The new image tag. */
  readonly tag: string;
  /** Services to rotate. @default - every service of the environment */
  readonly services?: readonly string[];
  /** Release into this cluster of the environment only (`--cluster`). @default - every cluster */
  readonly cluster?: string;
  /**
   * Release as a canary: the newest version takes the tag at weight 0 (reachable only through
   * header or cookie routes) and the other versions keep serving 100%; `shift` then moves the
   * traffic. Every rotated service needs two or more versions.
   * @default false - a rotated service's pinned split is removed (back to the program's default)
   */
  readonly canary?: boolean;
}

/** The outcome of {@link release}. */
export interface ReleaseResult {
  /** Whether a commit was made (false: the tag already runs, nothing to do). */
  readonly committed: boolean;
  /** The commit the branch points to afterwards. */
  readonly commit?: string;
  /** The commit message (`dev: deploy TAG`, `prod: canary TAG`, `prod/prod-eu: deploy TAG` for one cluster). */
  readonly message: string;
  /** Tags that changed. */
  readonly changes: TagChange[];
  /** Pinned splits that changed (set by a canary release, removed by a normal one). */
  readonly weightChanges: WeightChange[];
  /** Files of the environment that changed. */
  readonly changedFiles: string[];
  /** Whether the commit was pushed. */
  readonly pushed: boolean;
  /** How often the release was rendered (more than 1 when pushes were rejected and retried). */
  readonly attempts: number;
}

/**
 * Roll `tag` into environment `env` of the GitOps repository with A/B rotation (v1 takes the
 * tag v2 had, v2 takes `tag`; a service without versions takes `tag`), re-render that
 * environment and commit `ENV: deploy TAG`. The commit touches only the environment's files.
 * Releasing the tag that already runs is a no-op. With `push`, a rejected push re-applies the
 * rotation to the new tip's release state and retries. With `cluster`, only that cluster of the
 * environment rotates (`ENV/CLUSTER: deploy TAG`); without it, every cluster rotates its own tags.
 * The pinned split of each named service is removed (releasing the tag a canary runs completes
 * the canary); with `canary` a rotated service's split is set to the newest version at 0%
 * instead, committed as `ENV: canary TAG`.
 */
export async function release(options: ReleaseOptions): Promise<ReleaseResult> {
  assertValidTag(options.tag, '--tag');
  assertEnvironmentName(options.env);
  assertServiceNames(options.services ?? []);
  assertClusterName(options.cluster);
  const message = `${clusterLabel(options.env, options.cluster)}: ${options.canary ? 'canary' : 'deploy'} ${options.tag}`;
  const result = await GitOpsRepository.with(options, repo => publish(repo, options, base => prepareChange(repo, options, base, options.env, (current, _base, clusters) => {
    const rotation = rotate(current, options.tag, options.services && options.services.length > 0 ? options.services : undefined, { canary: options.canary, clusters });
    if (rotation.rotated.length === 0 && rotation.reset.length === 0) return undefined;
    const body = describeReleaseChanges(current, rotation.release);
    return { release: rotation.release, message: { subject: message, body: body.join('\n') } };
  })));
  const change = result.change;
  return {
    committed: change !== undefined,
    commit: result.commit,
    message,
    changes: change ? changesBetween(change.before, change.after) : [],
    weightChanges: change ? weightChangesBetween(change.before, change.after) : [],
    changedFiles: change?.changedFiles ?? [],
    pushed: result.pushed,
    attempts: result.attempts,
  };
}
