import { compareText, compareVersions } from '../core/compare';
import { EnvironmentRelease, ReleaseRuns, ReleaseServices, sameSplit } from '../release/environment-release';
import { InputError } from '../core/errors';
import { own } from '../core/own';

type Services = ReleaseServices;

/** The versions of a versioned service entry, oldest first (`v1, v2, ...`). */
export function versionsOf(entry: string | Readonly<Record<string, string>>): string[] {
  return typeof entry === 'string' ? [] : Object.keys(entry).sort(compareVersions);
}

/** The tag the newest version of a service runs (or the tag of a service without versions). */
export function newestTag(entry: string | Readonly<Record<string, string>>): string {
  if (typeof entry === 'string') return entry;
  const versions = versionsOf(entry);
  return entry[versions[versions.length - 1]];
}

/** Options of {@link rotate}. */
export interface RotateOptions {
  /**
   * Release as a canary: the newest version of each rotated service takes the tag at weight 0
   * (pinned), the other versions share 100 (equally, the remainder to the newest of them).
   * Every rotated service must have at least two versions.
   * @default false - a rotated service's pinned split is removed (back to the program's default)
   */
  readonly canary?: boolean;
  /**
   * Every cluster of the environment: each rotates what it runs (a cluster without entries runs
   * the environment's). Needed for a canary, where a cluster that already ran the tag
   * keeps the program's split while the others pin the canary split.
   * @default - the clusters that run something of their own
   */
  readonly clusters?: readonly string[];
}

/** The result of {@link rotate}. */
export interface Rotation {
  /** The new release. */
  readonly release: EnvironmentRelease;
  /** Services whose tags changed (in the environment or in a cluster), sorted. */
  readonly rotated: string[];
  /** Services that already ran the tag (their newest version) everywhere, sorted: their tags left as they were. */
  readonly unchanged: string[];
  /**
   * Services among `unchanged` whose pinned split was removed (a normal release of the tag a
   * canary runs completes it: the split is the program's again), sorted.
   */
  readonly reset: string[];
}

/**
 * A/B rotation as the A/B testing platform's CI does it: for each named service, every version takes the tag
 * of the next newer one and the newest version takes `tag` (with v1/v2: v1 takes the tag v2
 * had, v2 takes `tag`); a service without versions takes `tag`. A service whose newest version
 * already runs `tag` keeps its tags, so releasing a tag twice is a no-op. A pinned split is
 * removed (the routes split as the code says again) from each named service, rotated or not:
 * a normal release of the tag a canary runs completes the canary. With `options.canary` a
 * rotated service's split is set to the canary split instead (the newest version at 0), and a
 * service already running the tag keeps its split. In a release with clusters every
 * cluster rotates its own tags and splits (a cluster that runs other tags keeps its entries
 * where the rotation leaves them different). Pure.
 *
 * @param release the release to rotate
 * @param services services to rotate (default: every service of the release)
 * @param tag the new tag
 * @throws InputError when a named service is not in `release`, or a canary's service has fewer than two versions
 */
export function rotate(release: EnvironmentRelease, tag: string, services?: readonly string[], options: RotateOptions = {}): Rotation {
  const runs = release.runs().services;
  const names = [...new Set(services ?? Object.keys(runs))].sort();
  for (const name of names) {
    if (!Object.hasOwn(runs, name)) {
      const known = Object.keys(runs).sort();
      throw new InputError(`--service: ${JSON.stringify(name)} is not a service of environment ${JSON.stringify(release.environment)} (services: ${known.join(', ') || 'none'})`);
    }
    const entry = runs[name];
    if (options.canary && versionsOf(entry).length < 2) {
      throw new InputError(`--canary: ${JSON.stringify(name)} ${typeof entry === 'string' ? 'has no versions' : 'has one version'}: a canary takes the newest of two or more versions of a service `
        + '(name the services with versions with --service)');
    }
  }
  const rotated = new Set<string>();
  const reset = new Set<string>();
  const next = release.map(runs => {
    const r = rotateRuns(runs, tag, names, options);
    r.rotated.forEach(n => rotated.add(n));
    r.reset.forEach(n => reset.add(n));
    return r.runs;
  }, options.clusters);
  return { release: next, rotated: [...rotated].sort(), unchanged: names.filter(n => !rotated.has(n)), reset: [...reset].filter(n => !rotated.has(n)).sort() };
}

/** {@link rotate} of what one cluster runs (or the environment): its tags and splits. */
function rotateRuns(runs: ReleaseRuns, tag: string, names: readonly string[], options: RotateOptions): { runs: ReleaseRuns; rotated: string[]; reset: string[] } {
  const services: Record<string, string | Record<string, string>> = { ...runs.services };
  const weights: Record<string, Readonly<Record<string, number>>> = { ...runs.weights };
  const rotated: string[] = [];
  const reset: string[] = [];
  for (const name of names) {
    const entry = own(runs.services, name);
    if (entry === undefined) continue;
    if (newestTag(entry) === tag) {
      if (!options.canary && own(weights, name) !== undefined) {
        delete weights[name];
        reset.push(name);
      }
      continue;
    }
    rotated.push(name);
    delete weights[name];
    if (typeof entry === 'string') {
      services[name] = tag;
    } else {
      const versions = versionsOf(entry);
      const shifted: Record<string, string> = {};
      versions.forEach((v, i) => { shifted[v] = i + 1 < versions.length ? entry[versions[i + 1]] : tag; });
      services[name] = shifted;
      if (options.canary) weights[name] = canarySplit(versions);
    }
  }
  return { runs: { services, weights }, rotated, reset };
}

/** The split of a canary release: the newest version 0, the others 100 in equal parts (the remainder to the newest of them). */
export function canarySplit(versions: readonly string[]): Record<string, number> {
  const others = versions.slice(0, -1);
  const share = Math.floor(100 / others.length);
  const split: Record<string, number> = {};
  others.forEach((v, i) => { split[v] = i === others.length - 1 ? 100 - share * (others.length - 1) : share; });
  split[versions[versions.length - 1]] = 0;
  return split;
}

/** Options of {@link adopt}. */
export interface AdoptOptions {
  /**
   * Adopt the pinned splits too: each shared service takes `source`'s split, or none when
   * `source` pins none (rollback; promote with `--with-weights`).
   * @default false - `target` keeps its own splits
   */
  readonly weights?: boolean;
}

/**
 * `target` with the tags of `source` for every service the two share: what promotion does
 * (services only `target` has keep their tags); with `options.weights` their pinned splits
 * too. Where either has cluster entries, each such cluster of `target` takes the tags (and
 * splits) the same cluster of `source` runs (a source without clusters: its environment's). Pure.
 */
export function adopt(target: EnvironmentRelease, source: EnvironmentRelease, options: AdoptOptions = {}): EnvironmentRelease {
  return target.map((runs, c) => adoptRuns(runs, source.runs(c), options), source.clusters);
}

/** {@link adopt} of what one cluster runs (or an environment). */
function adoptRuns(target: ReleaseRuns, source: ReleaseRuns, options: AdoptOptions): ReleaseRuns {
  const services: Record<string, string | Readonly<Record<string, string>>> = { ...target.services };
  const weights: Record<string, Readonly<Record<string, number>>> = { ...target.weights };
  for (const name of Object.keys(source.services)) {
    if (!Object.hasOwn(target.services, name)) continue;
    services[name] = source.services[name];
    if (!options.weights) continue;
    const split = own(source.weights, name);
    if (split === undefined) delete weights[name];
    else weights[name] = split;
  }
  return { services, weights };
}

/**
 * The tag that names a release: the tag most services' newest version runs (ties: the
 * alphabetically first), e.g. for `promote-TAG` branch names and commit messages.
 */
export function headlineTag(state: { readonly services: Services }): string | undefined {
  const counts = new Map<string, number>();
  for (const entry of Object.values(state.services)) {
    const tag = newestTag(entry);
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [tag, n] of [...counts].sort(([a], [b]) => compareText(a, b))) {
    if (best === undefined || n > counts.get(best)!) best = tag;
  }
  return best;
}

/** One changed tag between two release states. */
export interface TagChange {
  /** The cluster whose tag changed differently from the environment's (see {@link changesBetween}), or undefined for the environment's. */
  readonly cluster?: string;
  readonly service: string;
  /** Version name, or undefined for a service without versions. */
  readonly version?: string;
  /** Tag before, undefined when the service (version) is new. */
  readonly from?: string;
  /** Tag after, undefined when the service (version) is gone. */
  readonly to?: string;
}

/**
 * The tags that differ between two release states, sorted by service then version: the
 * environment's, then for each cluster with entries (before or after) the changes of what it
 * runs that are not the environment's change (`cluster` set), sorted by cluster. Pure.
 */
export function changesBetween(before: EnvironmentRelease, after: EnvironmentRelease): TagChange[] {
  return withClusterChanges(before, after, (a, b) => servicesChanges(a.services, b.services), c => JSON.stringify(c));
}

/**
 * `changes` between the environment's runs of `before` and `after`, then for each cluster with
 * entries in either (sorted) the changes between what it runs that are not one of the
 * environment's (the same `key`), with `cluster` set.
 */
function withClusterChanges<C extends { readonly cluster?: string }>(before: EnvironmentRelease, after: EnvironmentRelease, changes: (a: ReleaseRuns, b: ReleaseRuns) => C[], key: (c: C) => string): C[] {
  const out = changes(before.runs(), after.runs());
  const same = new Set(out.map(key));
  for (const cluster of [...new Set([...before.clusters, ...after.clusters])].sort(compareText)) {
    for (const c of changes(before.runs(cluster), after.runs(cluster))) {
      if (!same.has(key(c))) out.push({ cluster, ...c });
    }
  }
  return out;
}

function servicesChanges(before: Services, after: Services): TagChange[] {
  const out: TagChange[] = [];
  const flat = (s: Services) => {
    const m = new Map<string, { service: string; version?: string; tag: string }>();
    for (const [service, entry] of Object.entries(s)) {
      if (typeof entry === 'string') m.set(`${service}\0`, { service, tag: entry });
      else for (const [version, tag] of Object.entries(entry)) m.set(`${service}\0${version}`, { service, version, tag });
    }
    return m;
  };
  const a = flat(before);
  const b = flat(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => {
    const [sx, vx] = x.split('\0');
    const [sy, vy] = y.split('\0');
    return compareText(sx, sy) || compareVersions(vx, vy);
  });
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (x?.tag === y?.tag) continue;
    const ref = (x ?? y)!;
    out.push({ service: ref.service, ...(ref.version !== undefined ? { version: ref.version } : {}), from: x?.tag, to: y?.tag });
  }
  return out;
}

/** `backend v2: abc -> def` lines describing tag changes. */
export function describeChanges(changes: readonly TagChange[]): string[] {
  return changes.map(c => `${c.cluster !== undefined ? `[${c.cluster}] ` : ''}${c.service}${c.version !== undefined ? ` ${c.version}` : ''}: ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`);
}

/** One changed pinned split between two release states. */
export interface WeightChange {
  /** The cluster whose split changed differently from the environment's (see {@link weightChangesBetween}), or undefined for the environment's. */
  readonly cluster?: string;
  readonly service: string;
  /** The split before (version -> percent), undefined when none was pinned (the program's default). */
  readonly from?: Readonly<Record<string, number>>;
  /** The split after, undefined when none is pinned any more (the program's default). */
  readonly to?: Readonly<Record<string, number>>;
}

/**
 * The pinned splits that differ between two release states, sorted by service: the
 * environment's, then for each cluster with entries (before or after) the changes of the splits
 * it takes that are not the environment's change (`cluster` set), sorted by cluster. Pure.
 */
export function weightChangesBetween(before: EnvironmentRelease, after: EnvironmentRelease): WeightChange[] {
  return withClusterChanges(before, after, (x, y) => splitChanges(x.weights, y.weights), c => JSON.stringify([c.service, formatSplit(c.from), formatSplit(c.to)]));
}

function splitChanges(a: ReleaseRuns['weights'], b: ReleaseRuns['weights']): WeightChange[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    .filter(service => !sameSplit(own(a, service), own(b, service)))
    .map(service => ({ service, ...(own(a, service) !== undefined ? { from: a[service] } : {}), ...(own(b, service) !== undefined ? { to: b[service] } : {}) }));
}

/** A split as `v1=90% v2=10%` (versions oldest first), or `the program's split` for none. */
export function formatSplit(split: Readonly<Record<string, number>> | undefined): string {
  if (split === undefined) return "the program's split";
  return Object.keys(split).sort(compareVersions).map(v => `${v}=${split[v]}%`).join(' ');
}

/** `backend split: v1=100% v2=0% -> v1=90% v2=10%` lines describing split changes. */
export function describeWeightChanges(changes: readonly WeightChange[]): string[] {
  return changes.map(c => `${c.cluster !== undefined ? `[${c.cluster}] ` : ''}${c.service} split: ${formatSplit(c.from)} -> ${formatSplit(c.to)}`);
}

/** Lines describing what changes from `before` to `after`: the tags ({@link describeChanges}), then the pinned splits ({@link describeWeightChanges}). */
export function describeReleaseChanges(before: EnvironmentRelease, after: EnvironmentRelease): string[] {
  return [...describeChanges(changesBetween(before, after)), ...describeWeightChanges(weightChangesBetween(before, after))];
}
