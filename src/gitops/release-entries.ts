import type { GitOpsApp } from '../app/gitops-app';
import { didYouMean } from '../core/closest-name';
import { compareText } from '../core/compare';
import { ReleaseState } from '../release/release';
import { ReleaseServices, ReleaseWeights } from '../release/environment-release';
import { GitOpsError } from '../core/errors';
import { own } from '../core/own';

/**
 * An entry of a stored release state that the program does not have: a service it does not
 * run in that environment, a version of a service it does not have, or a tag where it runs
 * versions (or versions where it runs one tag); a pinned split of a service without versions,
 * naming a version the service does not have, or of a service no route splits by its default
 * split. The program ignores such an entry, so rendering drops it from the release file and
 * the service runs the program's default tag (split): a typo (`bakend`) would silently become
 * a rollback.
 */
export interface UnknownReleaseEntry {
  /** Field of the release file, `services.bakend`, `services.backend.v3`, `weights.backend` or `clusters.prod-eu.services.backend`. */
  readonly field: string;
  /** The cluster named by the entry, for an entry of the `clusters` section. */
  readonly cluster?: string;
  /** The service named by the entry (none for an entry of a whole cluster). */
  readonly service?: string;
  /** The version named by the entry, for an entry of a version. */
  readonly version?: string;
  /** What the program has instead, e.g. `unknown service (did you mean "backend"?)`. */
  readonly problem: string;
}

/** What the program runs in each cluster of an environment (see {@link knownClusters}), keyed by cluster name. */
export type KnownClusters = Readonly<Record<string, { readonly services: ReleaseServices; readonly weights?: ReleaseWeights }>>;

/**
 * The entries of `stored` (a release file's state) that `known` (what the program runs in the
 * same environment, `app.releaseState(env)`: its keys are the program's services and versions)
 * does not have, sorted by field. The entries of the `clusters` section are checked against
 * `clusters`, what the program runs in each cluster of the environment (see {@link knownClusters}):
 * a cluster the program does not have, or a service (version) it does not run there, is unknown.
 * A pure function: nothing is read or written.
 */
export function unknownReleaseEntries(stored: ReleaseState, known: ReleaseState, clusters: KnownClusters = {}): UnknownReleaseEntry[] {
  const out = unknownServices(stored.services, known.services, 'services', 'unknown service');
  const names = Object.keys(clusters).sort();
  for (const cluster of Object.keys(stored.clusters ?? {}).sort()) {
    const runs = own(clusters, cluster);
    const field = `clusters.${cluster}`;
    if (runs === undefined) {
      const problem = names.length === 0
        ? `unknown cluster: the program runs ${known.environment} in one cluster (its Environment lists no clusters)`
        : `unknown cluster${didYouMean(cluster, names)}; the clusters of ${known.environment}: ${names.join(', ')}`;
      out.push({ field, cluster, problem });
      continue;
    }
    const entries = [
      ...unknownServices(stored.clusters![cluster].services ?? {}, runs.services, `${field}.services`, `is not a service the program runs in cluster ${cluster}`),
      ...unknownSplits(stored.clusters![cluster].weights ?? {}, runs.services, s => own(runs.weights, s) !== undefined, `${field}.weights`, ` in cluster ${cluster}`),
    ];
    out.push(...entries.map(e => ({ ...e, cluster })));
  }
  // a split of the environment applies where any cluster takes it
  const taken = (s: string) => own(known.weights, s) !== undefined || Object.values(clusters).some(c => own(c.weights, s) !== undefined);
  out.push(...unknownSplits(stored.weights ?? {}, known.services, taken, 'weights', ''));
  return out.sort((a, b) => compareText(a.field, b.field));
}

/** The entries of a services mapping (`services`, `clusters.<name>.services`) that `runs` does not have. */
function unknownServices(stored: ReleaseState['services'], runs: ReleaseState['services'], at: string, unknown: string): UnknownReleaseEntry[] {
  const out: UnknownReleaseEntry[] = [];
  const services = Object.keys(runs).sort();
  for (const service of Object.keys(stored).sort()) {
    const entry = stored[service];
    const has = own(runs, service);
    const field = `${at}.${service}`;
    if (has === undefined) {
      out.push({ field, service, problem: `${unknown}${didYouMean(service, services)}` });
    } else if (typeof entry === 'string' && typeof has !== 'string') {
      out.push({ field, service, problem: `is one tag, but the program runs ${service} as versions ${Object.keys(has).sort().join(', ')}` });
    } else if (typeof entry !== 'string' && typeof has === 'string') {
      out.push({ field, service, problem: `lists versions, but the program runs ${service} without versions (one tag)` });
    } else if (typeof entry !== 'string' && typeof has !== 'string') {
      const versions = Object.keys(has).sort();
      for (const version of Object.keys(entry).sort()) {
        if (own(has, version) === undefined) {
          out.push({ field: `${field}.${version}`, service, version, problem: `unknown version of ${service}${didYouMean(version, versions)}; its versions: ${versions.join(', ')}` });
        }
      }
    }
  }
  return out;
}

/**
 * The pinned splits of a weights mapping (`weights`, `clusters.<name>.weights`: `at`) the program
 * does not have (see {@link unknownReleaseEntries}): one entry per split, which rendering drops
 * whole (a split without one of its versions would no longer sum to 100), so the service's routes
 * split as the code says. `services` is what the program runs there, `taken` whether a route
 * there takes the service's pinned split.
 */
function unknownSplits(weights: NonNullable<ReleaseState['weights']>, services: ReleaseState['services'], taken: (service: string) => boolean,
  at: string, where: string): UnknownReleaseEntry[] {
  const out: UnknownReleaseEntry[] = [];
  for (const service of Object.keys(weights).sort()) {
    const split = weights[service];
    const runs = own(services, service);
    const field = `${at}.${service}`;
    if (runs === undefined || typeof runs === 'string') {
      out.push({ field, service, problem: `a split of ${runs === undefined ? `a service the program does not run${where}` : `${service}, which the program runs without versions`}` });
      continue;
    }
    const versions = Object.keys(runs).sort();
    const unknown = Object.keys(split).sort().filter(v => own(runs, v) === undefined);
    if (unknown.length > 0) {
      out.push({ field, service, problem: `names ${unknown.map(v => `${v}${didYouMean(v, versions)}`).join(', ')}, not a version of ${service} (its versions: ${versions.join(', ')}): the split is dropped whole` });
    } else if (!taken(service)) {
      out.push({ field, service, problem: `no route of the program${where} sends ${service}'s traffic by its default split (RouteTarget.split(service) without weights): the pinned split would change nothing` });
    }
  }
  return out;
}

/** What the program runs in each cluster of environment `env` (built), for {@link unknownReleaseEntries}. */
export function knownClusters(app: GitOpsApp, env: string): KnownClusters {
  const release = app._releaseOf(env);
  return Object.fromEntries((app._environment(env)?.clusters ?? []).map(c => [c.name, release.runs(c.name)]));
}

/** Options of {@link checkReleaseEntries}. */
export interface CheckReleaseEntriesOptions {
  /** The release file the state was read from, for messages (`dev/release.yaml`). */
  readonly source: string;
  /** What the program runs in each cluster of the environment (see {@link knownClusters}). @default - no clusters */
  readonly clusters?: KnownClusters;
  /**
   * Accept unknown entries (they are dropped when the environment is rendered) instead of
   * refusing them; the caller reports the returned entries as removed. @default false
   */
  readonly prune?: boolean;
  /** How to drop the entries deliberately, ending the error. @default 'run with --prune-releases to drop it' */
  readonly pruneHint?: string;
}

/**
 * Check a stored release state against what the program runs (see {@link unknownReleaseEntries}).
 *
 * @returns the unknown entries (empty when there are none); with `prune` they are returned
 *   for the caller to report instead of thrown
 * @throws GitOpsError naming the file, each entry, the closest known name and the program's
 *   services, when there are unknown entries and `prune` is not set
 */
export function checkReleaseEntries(stored: ReleaseState, known: ReleaseState, options: CheckReleaseEntriesOptions): UnknownReleaseEntry[] {
  const unknown = unknownReleaseEntries(stored, known, options.clusters);
  if (unknown.length === 0 || options.prune) return unknown;
  const services = Object.keys(known.services).sort();
  const lines = unknown.map(e => `${options.source}: ${e.field}: ${e.problem}`);
  throw new GitOpsError(`${lines.join('\n')}\n`
    + `The program's services in ${known.environment}: ${services.join(', ') || 'none'}. The program does not have ${unknown.length === 1 ? 'this entry' : 'these entries'}: `
    + 'rendering would drop it from the release file (a misspelt service would run its default tag). '
    + `Fix the file, or ${options.pruneHint ?? 'run with --prune-releases to drop it'}.`);
}

/** The unknown entries of one environment's release file. */
export interface PrunedReleaseEntries {
  readonly environment: string;
  readonly source: string;
  readonly entries: readonly UnknownReleaseEntry[];
}

/**
 * {@link checkReleaseEntries} for every stored release state of an environment the program
 * has (`app.environments`); a release file of an environment the program does not have is
 * left to the caller.
 *
 * @param source the release file of an environment, for messages
 * @returns the environments with unknown entries (only with `prune`; otherwise they throw)
 */
export function checkStoredReleases(releases: Readonly<Record<string, ReleaseState>>, app: GitOpsApp,
  source: (env: string) => string, options: Omit<CheckReleaseEntriesOptions, 'source' | 'clusters'> = {}): PrunedReleaseEntries[] {
  const out: PrunedReleaseEntries[] = [];
  for (const env of app.environments) {
    const stored = releases[env];
    if (stored === undefined) continue;
    app._build([env]); // what the program has is known once the environment is built
    const entries = checkReleaseEntries(stored, app._releaseOf(env).toFile(), { ...options, source: source(env), clusters: knownClusters(app, env) });
    if (entries.length > 0) out.push({ environment: env, source: source(env), entries });
  }
  return out;
}
