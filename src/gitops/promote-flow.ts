import { compareText, compareVersions } from '../core/compare';
import { RELEASE_FILE } from '../release/release';
import { GitOpsError, InputError } from '../core/errors';
import { tagProblem } from '../core/image-tag';
import { assertClusterName, assertEnvironmentName } from '../release/release-file';
import { clusterLabel, EnvironmentRelease, ReleaseRuns } from '../release/environment-release';
import { inheritSource } from '../git/commit-message';
import { prepareChange } from './environment-change';
import { GitOpsRepository, RepositoryOptions } from './repository';
import { adopt, changesBetween, describeReleaseChanges, formatSplit, headlineTag, TagChange, WeightChange, weightChangesBetween } from './rotation';

/** Options of {@link promote}. */
export interface PromoteOptions extends Omit<RepositoryOptions, 'retries' | 'backoff'> {
  /** Environment whose release is promoted, e.g. `dev`. */
  readonly from: string;
  /** Environment that gets it, e.g. `prod`. */
  readonly to: string;
  /** Give the release to this cluster of `to` only (`--cluster`). @default - every cluster of `to` */
  readonly cluster?: string;
  /**
   * Copy the pinned splits too: each service they share takes `from`'s split (or the
   * program's default where `from` pins none).
   * @default false - `to` keeps its own splits
   */
  readonly withWeights?: boolean;
}

/** The outcome of {@link promote}. */
export interface PromoteResult {
  /** Whether a promotion branch was created (false: `to` already runs `from`'s release). */
  readonly created: boolean;
  /** The tag that names the release. */
  readonly tag: string;
  /** The promotion branch: `promote-TAG`, or `promote-CLUSTER-TAG` for one cluster. */
  readonly branch: string;
  /** The commit on the promotion branch. */
  readonly commit?: string;
  /** The branch the pull request targets (the current branch). */
  readonly base: string;
  /** Pull request title and body (Markdown), for `gh pr create`. */
  readonly title: string;
  readonly body: string;
  /** Tags that change in `to`. */
  readonly changes: TagChange[];
  /** Pinned splits that change in `to` (only with `withWeights`). */
  readonly weightChanges: WeightChange[];
  /** Whether the branch was pushed. */
  readonly pushed: boolean;
}

/**
 * Give environment `to` exactly the release of `from` (every service they share runs the same
 * tags), on a new branch `promote-TAG` whose single commit `TO: deploy TAG` re-renders only
 * `to`'s folder. The current branch, index and working tree are not touched; with `push` the
 * branch is pushed before it is created locally. Returns the pull request's title and body.
 * What is promoted is `from`'s environment-wide tags (not the entries of a cluster staged there);
 * with `cluster` only that cluster of `to` gets them (`TO/CLUSTER: deploy TAG`, branch
 * `promote-CLUSTER-TAG`); without it every cluster of `to` does.
 */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  assertEnvironmentName(options.from, '--from');
  assertEnvironmentName(options.to, '--to');
  if (options.from === options.to) throw new InputError(`--to: ${JSON.stringify(options.to)} must differ from --from`);
  assertClusterName(options.cluster);
  const to = clusterLabel(options.to, options.cluster);
  return GitOpsRepository.with(options, async repo => {
    const git = repo.git;
    const base = repo.startingPoint(options.push);
    if (base === undefined) throw new GitOpsError(`branch ${repo.branch} has no commits yet: synth the environments and commit them first`);
    const releases = repo.releasesAt(base);
    const from = releases[options.from];
    if (from === undefined) {
      throw new InputError(`--from: environment ${JSON.stringify(options.from)} has no ${RELEASE_FILE} in ${options.dir} (environments with a release: ${Object.keys(releases).join(', ') || 'none'})`);
    }
    // the environment's tags (and splits): a cluster staged in --from is not promoted
    const source = EnvironmentRelease.of(from.environment, EnvironmentRelease.fromFile(from).runs());
    // the commit that last released --from: its subject may name the release, and the promoted release keeps the source it was built from (unless the caller names another)
    const last = repo.lastRelease(base, options.from);
    const tag = releaseTag(options.from, source.runs(), last?.message);
    const branch = `promote-${options.cluster !== undefined ? `${options.cluster}-` : ''}${tag}`;
    if (git.tryRun(['check-ref-format', '--branch', branch]).status !== 0) {
      throw new GitOpsError(`cannot name a branch after tag ${JSON.stringify(tag)}: ${JSON.stringify(branch)} is not a valid branch name`);
    }
    const message = `${to}: deploy ${tag}`;
    const provenance = inheritSource(options.provenance, last?.message);
    const change = prepareChange(repo, { ...options, provenance }, base, options.to, current => {
      const release = adopt(current, source, { weights: options.withWeights });
      const body = describeReleaseChanges(current, release);
      return { release, message: { subject: message, body: body.join('\n'), trailers: [['Promoted-From', `${options.from}@${base}`]] } };
    }, '--to');
    const title = `Promote to ${to}: ${tag}`;
    if (change === undefined) {
      return { created: false, tag, branch, base: repo.branch, title, body: `${to} already runs ${options.from}'s release (${tag}).`, changes: [], weightChanges: [], pushed: false };
    }
    const changes = changesBetween(change.before, change.after);
    const weightChanges = weightChangesBetween(change.before, change.after);
    const body = pullRequestBody(options.from, to, tag, base, changes, weightChanges, change.changedFiles, options.cluster);
    const existing = git.resolve(`refs/heads/${branch}`);
    if (existing !== undefined && git.treeOf(existing) !== git.treeOf(change.commit)) {
      throw new GitOpsError(`branch ${branch} already exists (at ${existing.slice(0, 12)}) with a different ${to}: merge or delete it first (\`git branch -D ${branch}\`)`);
    }
    const commit = existing ?? change.commit;
    let pushed = false;
    if (options.push) {
      const outcome = git.push(repo.remote, commit, branch);
      if (!outcome.ok && outcome.rejected === 'refused') {
        throw new GitOpsError(`push of ${branch} to ${repo.remote} was refused: ${outcome.message}. Nothing was pushed and no branch was created`);
      }
      if (!outcome.ok) {
        const remoteTip = git.fetchBranch(repo.remote, branch);
        if (remoteTip === undefined || git.treeOf(remoteTip) !== git.treeOf(commit)) {
          throw new GitOpsError(`${repo.remote} already has a branch ${branch} with a different ${to}: merge or delete it first (${outcome.message})`);
        }
        if (existing === undefined) git.run(['branch', branch, remoteTip]);
        return { created: true, tag, branch, commit: remoteTip, base: repo.branch, title, body, changes, weightChanges, pushed: true };
      }
      pushed = true;
    }
    if (existing === undefined) git.run(['branch', branch, commit]);
    return { created: true, tag, branch, commit, base: repo.branch, title, body, changes, weightChanges, pushed };
  });
}

/**
 * The tag that names what `env` runs (`state`): the tag of its last `ENV: deploy TAG`
 * (or rollback/promotion) commit (`message`: of the commit that last changed its release file)
 * when that tag still runs there, else the tag most of its services' newest versions run.
 */
function releaseTag(env: string, state: ReleaseRuns, message: string | undefined): string {
  const subject = message?.split('\n')[0] ?? '';
  // a rollback's subject goes on with what ran before: `dev: rollback to 1.4.0 (was 1.5.0)`
  const m = new RegExp(`^${env}: (?:deploy|canary|rollback to) (\\S+)(?: \\(was \\S+\\))?$`).exec(subject);
  const running = new Set(Object.values(state.services).flatMap(e => (typeof e === 'string' ? [e] : Object.values(e))));
  if (m && running.has(m[1]) && tagProblem(m[1]) === undefined) return m[1];
  const tag = headlineTag(state);
  if (tag === undefined) throw new GitOpsError(`${env} has no services in its ${RELEASE_FILE}: nothing to promote`);
  return tag;
}

function pullRequestBody(from: string, to: string, tag: string, base: string, changes: readonly TagChange[], weightChanges: readonly WeightChange[],
  files: readonly string[], cluster: string | undefined): string {
  const rows = [...changes]
    .sort((a, b) => compareText(a.service, b.service) || compareVersions(a.version ?? '', b.version ?? ''))
    .map(c => `| ${c.cluster !== undefined ? `${c.service} (${c.cluster})` : c.service} | ${c.version ?? '-'} | \`${c.from ?? '(none)'}\` | \`${c.to ?? '(none)'}\` |`);
  const splits = weightChanges.length === 0 ? [] : [
    `| service | ${to} split now | after merge |`,
    '|---|---|---|',
    ...weightChanges.map(c => `| ${c.service} | ${formatSplit(c.from)} | ${formatSplit(c.to)} |`),
    '',
  ];
  return [
    `Promotes the release running in **${from}** to **${to}**: \`${tag}\`.`,
    '',
    `| service | version | ${to} now | after merge |`,
    '|---|---|---|---|',
    ...rows,
    '',
    ...splits,
    `Changed files (${files.length}):`,
    ...files.map(f => `- \`${f}\``),
    '',
    `Rendered by \`cdk8s-gitops promote --from ${from} --to ${to.split('/')[0]}${cluster !== undefined ? ` --cluster ${cluster}` : ''}\` from ${base.slice(0, 12)}. `
      + `Argo CD syncs ${to} once this is merged.`,
  ].join('\n') + '\n';
}
