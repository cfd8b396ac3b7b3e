import { ReleaseState } from '../release';
import { clusterServices, clustersWithEntries, differingServices } from '../release-clusters';
import { InputError } from './errors';

/** Services of a release state: service -> tag, or service -> version -> tag. */
type Services = ReleaseState['services'];

/**
 * Order version names naturally: `v1 < v2 < v10`, then by plain string order.
 */
export function compareVersions(a: string, b: string): number {
  const na = /^(\D*)(\d+)$/.exec(a);
  const nb = /^(\D*)(\d+)$/.exec(b);
  if (na && nb && na[1] === nb[1]) return Number(na[2]) - Number(nb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}

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

/** The result of {@link rotate}. */
export interface Rotation {
  /** The new release state. */
  readonly state: ReleaseState;
  /** Services whose tags changed, sorted. */
  readonly rotated: string[];
  /** Services that already ran the tag (their newest version), sorted: left as they were. */
  readonly unchanged: string[];
}

/**
 * A/B rotation as the A/B testing platform's CI does it: for each named service, every version takes the tag
 * of the next newer one and the newest version takes `tag` (with v1/v2: v1 takes the tag v2
 * had, v2 takes `tag`); a service without versions takes `tag`. A service whose newest version
 * already runs `tag` is left unchanged, so releasing a tag twice is a no-op. In a state with
 * cluster entries every cluster rotates its own tags (a cluster that runs other tags keeps its
 * entries where the rotation leaves them different). Pure.
 *
 * @param state the release state to rotate
 * @param services services to rotate (default: every service of the state)
 * @param tag the new tag
 * @throws InputError when a named service is not in `state`
 */
export function rotate(state: ReleaseState, tag: string, services?: readonly string[]): Rotation {
  const names = [...new Set(services ?? Object.keys(state.services))].sort();
  for (const name of names) {
    if (!(name in state.services)) {
      const known = Object.keys(state.services).sort();
      throw new InputError(`--service: ${JSON.stringify(name)} is not a service of environment ${JSON.stringify(state.environment)} (services: ${known.join(', ') || 'none'})`);
    }
  }
  const environment = rotateServices(state.services, tag, names);
  const rotated = new Set(environment.rotated);
  const perCluster = clustersWithEntries(state).map(cluster => {
    const r = rotateServices(clusterServices(state, cluster), tag, names);
    r.rotated.forEach(n => rotated.add(n));
    return [cluster, r.services] as const;
  });
  const next = withClusters({ environment: state.environment, services: environment.services }, perCluster);
  return { state: next, rotated: [...rotated].sort(), unchanged: names.filter(n => !rotated.has(n)) };
}

/** {@link rotate} of one set of services (an environment's, or a cluster's view). */
function rotateServices(state: Services, tag: string, names: readonly string[]): { services: Services; rotated: string[] } {
  const next: Record<string, string | Record<string, string>> = { ...state };
  const rotated: string[] = [];
  for (const name of names) {
    const entry = state[name];
    if (entry === undefined || newestTag(entry) === tag) continue;
    rotated.push(name);
    if (typeof entry === 'string') {
      next[name] = tag;
    } else {
      const versions = versionsOf(entry);
      const shifted: Record<string, string> = {};
      versions.forEach((v, i) => { shifted[v] = i + 1 < versions.length ? entry[versions[i + 1]] : tag; });
      next[name] = shifted;
    }
  }
  return { services: next, rotated };
}

/**
 * `target` with the tags of `source` for every service the two share: what promotion does
 * (services only `target` has keep their tags). Where either has cluster entries, each such
 * cluster of `target` takes the tags the same cluster of `source` runs (a source without
 * clusters: its environment's tags). Pure.
 */
export function adopt(target: ReleaseState, source: ReleaseState): ReleaseState {
  const services = adoptServices(target.services, source.services);
  const clusters = [...new Set([...clustersWithEntries(target), ...clustersWithEntries(source)])].sort();
  return withClusters({ environment: target.environment, services },
    clusters.map(c => [c, adoptServices(clusterServices(target, c), clusterServices(source, c))] as const));
}

function adoptServices(target: Services, source: Services): Services {
  const services: Record<string, string | Readonly<Record<string, string>>> = { ...target };
  for (const name of Object.keys(source)) {
    if (name in target) services[name] = source[name];
  }
  return services;
}

/** `state` (without cluster entries) with each cluster running the given services: their entries are what differs from the environment's. */
function withClusters(state: ReleaseState, clusters: ReadonlyArray<readonly [string, Services]>): ReleaseState {
  const entries: Record<string, { services: Services }> = {};
  for (const [cluster, services] of clusters) {
    const differing = differingServices(services, state.services);
    if (Object.keys(differing).length > 0) entries[cluster] = { services: differing };
  }
  return Object.keys(entries).length > 0 ? { ...state, clusters: entries } : state;
}

/**
 * The tag that names a release: the tag most services' newest version runs (ties: the
 * alphabetically first), e.g. for `promote-TAG` branch names and commit messages.
 */
export function headlineTag(state: ReleaseState): string | undefined {
  const counts = new Map<string, number>();
  for (const entry of Object.values(state.services)) {
    const tag = newestTag(entry);
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [tag, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
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
export function changesBetween(before: ReleaseState, after: ReleaseState): TagChange[] {
  const out = servicesChanges(before.services, after.services);
  const same = new Set(out.map(c => JSON.stringify(c)));
  for (const cluster of [...new Set([...clustersWithEntries(before), ...clustersWithEntries(after)])].sort()) {
    for (const c of servicesChanges(clusterServices(before, cluster), clusterServices(after, cluster))) {
      if (!same.has(JSON.stringify(c))) out.push({ cluster, ...c });
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
    return sx !== sy ? (sx < sy ? -1 : 1) : compareVersions(vx, vy);
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
