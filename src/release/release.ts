import { compareText } from '../core/compare';
import { tagProblem } from '../core/image-tag';
import { isDnsLabel } from '../core/names';
import { emitYaml } from '../core/yaml-emitter';
import { yamlModule } from '../core/yaml-module';
import { own } from '../core/own';
import { useOriginals } from '../core/originals';
import { CdkGitOpsError } from '../core/errors';

/**
 * Which image tag runs as which version of which service, in one environment.
 *
 * Versioned services map version name -> tag (`backend: { v1: abc, v2: def }`);
 * a service without versions maps straight to its tag (`frontend: '1.4.2'`).
 * The GitOps repository keeps one per environment in `<env>/release.yaml`; synth reads it.
 */
export interface ReleaseState {
  /** Environment name, e.g. `dev`. */
  readonly environment: string;
  /** Service name -> tag, or version name -> tag. */
  readonly services: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  /**
   * Traffic split per versioned service (version -> integer percent, summing to 100), where the
   * release state pins one; routes that use the service's default split take it from here.
   * @default - none pinned: every split is the one in code
   */
  readonly weights?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /**
   * Per-cluster entries of a change staged cluster by cluster: cluster name -> the services
   * (and splits) whose tags (split) differ from the environment's in that cluster.
   * @default - none: every cluster runs the environment's state
   */
  readonly clusters?: Readonly<Record<string, ReleaseClusterState>>;
}

/**
 * The entries of one cluster of an environment that differ from the environment's
 * (`clusters.<name>` of the release file): what a change staged with `--cluster` wrote.
 */
export interface ReleaseClusterState {
  /**
   * Service name -> tag, or version name -> tag, for the services (versions) whose tag in this
   * cluster differs from the environment's. A versioned service lists only the versions that differ.
   * @default - none: the cluster runs the environment's tags
   */
  readonly services?: ReleaseState['services'];
  /**
   * Traffic split per versioned service where this cluster's differs from the environment's.
   * @default - none: the environment's split
   */
  readonly weights?: ReleaseState['weights'];
}

/** File name of the release state inside each environment folder. */
export const RELEASE_FILE = 'release.yaml';

/** `apiVersion` of a release file. */
export const RELEASE_API_VERSION = 'cdk8s-gitops/v1';

/** `kind` of a release file. */
export const RELEASE_KIND = 'Release';

/**
 * Serialize a release state as the `<env>/release.yaml` file: `apiVersion, kind, environment,
 * services`, then `weights` only when a split is pinned and `clusters` only when a cluster has
 * entries (so a file without them is written as before), keys sorted.
 */
export function renderRelease(state: ReleaseState): string {
  const weights = sortedWeights(state.weights);
  return '# Managed by cdk8s-gitops: the image tag each service (version) runs in this environment.\n'
    + '# Change it with `cdk8s-gitops release`, `promote` or `rollback`, not by hand.\n'
    + emitYaml({
      apiVersion: RELEASE_API_VERSION, kind: RELEASE_KIND, environment: state.environment, services: state.services,
      ...(weights !== undefined ? { weights } : {}),
      ...clustersSection(state.clusters),
    });
}

/** The pinned splits sorted by service and version (code-unit order), or undefined when there are none. */
function sortedWeights(weights: ReleaseState['weights']): Record<string, Record<string, number>> | undefined {
  const services = Object.keys(weights ?? {}).sort(compareText);
  if (services.length === 0) return undefined;
  const out: Record<string, Record<string, number>> = {};
  for (const service of services) {
    const split = weights![service];
    out[service] = Object.fromEntries(Object.keys(split).sort(compareText).map(v => [v, split[v]]));
  }
  return out;
}

/**
 * The `clusters:` section of a release file: cluster names, services, splits and versions sorted,
 * each cluster's `services` then `weights` (each only when it has entries), clusters without
 * entries left out; nothing when no cluster has an entry.
 */
function clustersSection(clusters: ReleaseState['clusters']): { clusters?: Record<string, ReleaseClusterState> } {
  const out: Record<string, ReleaseClusterState> = {};
  for (const name of Object.keys(clusters ?? {}).sort(compareText)) {
    const services = sortedServices(clusters![name].services ?? {});
    const weights = sortedWeights(clusters![name].weights);
    const entry = { ...(Object.keys(services).length > 0 ? { services } : {}), ...(weights !== undefined ? { weights } : {}) };
    if (Object.keys(entry).length > 0) out[name] = entry;
  }
  return Object.keys(out).length > 0 ? { clusters: out } : {};
}

/** `services` with its keys (and each service's versions) in code-unit order, empty version maps left out. */
function sortedServices(services: ReleaseState['services']): Record<string, string | Record<string, string>> {
  const sorted: Record<string, string | Record<string, string>> = {};
  for (const name of Object.keys(services).sort(compareText)) {
    const entry = services[name];
    if (typeof entry === 'string') {
      sorted[name] = entry;
    } else if (Object.keys(entry).length > 0) {
      const versions: Record<string, string> = {};
      for (const v of Object.keys(entry).sort(compareText)) versions[v] = entry[v];
      sorted[name] = versions;
    }
  }
  return sorted;
}

/**
 * A release file is malformed or over its limits. The message names the file (and the line,
 * or the field), the bad value and what is allowed. Exit code 1 in the CLI.
 */
export class ReleaseFileError extends CdkGitOpsError {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseFileError';
  }
}

/**
 * Limits of a release file, far above any real one (1,000 services with 3 versions each and
 * 40-character tags take about 160 KB) and low enough that a hostile or broken file is refused
 * at once instead of exhausting memory, the stack or the patience of the YAML parser.
 */
export const RELEASE_FILE_LIMITS = {
  /** Bytes of YAML text. */
  bytes: 1024 * 1024,
  /** Levels of nesting (block indentation levels, `- ` items and `[`/`{` together); a release file has at most 5. */
  depth: 16,
  /** Entries: services plus versions. */
  entries: 20_000,
} as const;

/**
 * Parse and validate the text of a release file.
 *
 * @param text YAML text of `<env>/release.yaml`
 * @param options.environment the environment folder the file was read from: its `environment`
 *   field must match
 * @param options.source where the text came from, for error messages
 * @throws ReleaseFileError naming the source, the field (or the line), the bad value and what is allowed
 */
export function parseReleaseFile(text: string, options: { environment?: string; source?: string } = {}): ReleaseState {
  const source = options.source ?? RELEASE_FILE;
  assertReleaseFileSize(Buffer.byteLength(text, 'utf8'), source);
  // A file exactly as cdk8s-gitops writes it is read without a YAML parser (at a thousand
  // services that parser is most of the time); anything else goes through the YAML parser.
  const canonical = useOriginals('release-file-reader') ? undefined : parseCanonical(text);
  if (canonical !== undefined) {
    try {
      const state = checkRelease(canonical, options);
      if (renderRelease(state) === text) return state;
    } catch {
      // the YAML path below reports it
    }
  }
  return checkRelease(parseYaml(text, source), options);
}

/**
 * Throw a ReleaseFileError naming `source` when a release file of `bytes` bytes is over
 * {@link RELEASE_FILE_LIMITS}`.bytes` (callers that can learn the size before reading the file
 * check it first).
 */
export function assertReleaseFileSize(bytes: number, source: string): void {
  if (bytes > RELEASE_FILE_LIMITS.bytes) {
    throw new ReleaseFileError(`${source}: is ${bytes} bytes, over the limit of ${RELEASE_FILE_LIMITS.bytes} bytes (${RELEASE_FILE_LIMITS.bytes / 1024 / 1024} MiB) for a release file `
      + '(one line per service version: 1,000 services with 3 versions each take about 160 KB); restore the file from history or write it anew');
  }
}

/** The data of a YAML release file; errors name the source and the line. Aliases are refused (a release file has no use for them, and they make alias bombs). */
function parseYaml(text: string, source: string): unknown {
  const yaml = yamlModule();
  const lineCounter = new yaml.LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${source}: line ${line}, column ${col}`;
  };
  const deep = tooDeep(text);
  if (deep !== undefined) {
    throw new ReleaseFileError(`${source}: line ${deep}: nested more than ${RELEASE_FILE_LIMITS.depth} levels deep (a release file has at most 5: clusters, cluster, services, service, version)`);
  }
  // duplicate keys are found below: the parser's own check compares every key with every other
  const doc = yaml.parseDocument(text, { version: '1.1', prettyErrors: false, uniqueKeys: false, lineCounter });
  if (doc.errors.length > 0) throw new ReleaseFileError(`${at(doc.errors[0].pos[0])}: is not valid YAML: ${doc.errors[0].message}`);
  let problem: string | undefined;
  yaml.visit(doc, {
    Alias(_key, node) {
      problem = `${at(node.range?.[0] ?? 0)}: alias *${node.source} is not allowed in a release file (write each tag out)`;
      return yaml.visit.BREAK;
    },
    Map(_key, node) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = yaml.isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          const offset = yaml.isNode(pair.key) ? pair.key.range?.[0] ?? 0 : 0;
          problem = `${at(offset)}: is not valid YAML: duplicate key ${JSON.stringify(key) ?? String(key)} (each key may appear once in a mapping)`;
          return yaml.visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  if (problem !== undefined) throw new ReleaseFileError(problem);
  return doc.toJS();
}

/**
 * The line where `text` nests deeper than {@link RELEASE_FILE_LIMITS}`.depth`, or undefined.
 * A conservative scan before parsing (the YAML parser recurses, and a file of a million `[`
 * takes it seconds to reject): block indentation levels, `- ` items and open flow brackets
 * (outside quotes and comments) each count as a level.
 */
function tooDeep(text: string): number | undefined {
  const limit = RELEASE_FILE_LIMITS.depth;
  const indents: number[] = [];
  let flow = 0;
  let quote: string | undefined;
  let line = 0;
  for (const content of text.split('\n')) {
    line++;
    let i = 0;
    let depth = 0;
    if (flow === 0 && quote === undefined) {
      while (content[i] === ' ') i++;
      if (i === content.length || content[i] === '#') continue;
      while (indents.length > 0 && indents[indents.length - 1] >= i) indents.pop();
      indents.push(i);
      while ((content[i] === '-' || content[i] === '?') && (content[i + 1] === ' ' || i + 1 === content.length)) {
        depth++;
        i += 2;
        while (content[i] === ' ') i++;
      }
    }
    for (; i < content.length; i++) {
      const c = content[i];
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '#' && (i === 0 || content[i - 1] === ' ')) {
        break;
      } else if (c === '[' || c === '{') {
        flow++;
        if (indents.length + depth + flow > limit) return line;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
    }
    if (indents.length + depth + flow > limit) return line;
  }
  return undefined;
}

/**
 * The data of a release file in the layout `renderRelease` writes (comments, four top-level
 * fields, services with plain tags or version maps, the weights and clusters sections), or undefined for any
 * other layout. The caller accepts it only if rendering the result gives back the same text.
 */
function parseCanonical(text: string): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {};
  const lines = text.split('\n');
  if (lines.pop() !== '') return undefined;
  for (let i = 0; i < lines.length;) {
    const line = lines[i];
    let m: RegExpExecArray | null;
    if (line.startsWith('#')) {
      i++;
    } else if ((m = /^(apiVersion|kind|environment): ([A-Za-z0-9][-A-Za-z0-9./]*)$/.exec(line))) {
      data[m[1]] = m[2];
      i++;
    } else if (line === 'services:' || line === 'services: {}') {
      const services: Record<string, unknown> = {};
      data.services = services;
      i = canonicalBlock(lines, i + 1, CANONICAL_SERVICES, services);
    } else if (line === 'weights:' && data.weights === undefined && data.clusters === undefined) {
      const weights: Record<string, unknown> = {};
      data.weights = weights;
      i = canonicalBlock(lines, i + 1, CANONICAL_WEIGHTS, weights);
    } else if (line === 'clusters:' && data.clusters === undefined) {
      const clusters: Record<string, unknown> = {};
      data.clusters = clusters;
      i = canonicalClusters(lines, i + 1, clusters);
    } else {
      return undefined;
    }
  }
  return data;
}

/**
 * The line patterns of a services or weights block at one indentation: a service (with its tag,
 * or opening its versions) and a version (with its tag, or its percent).
 */
interface BlockLines {
  readonly service: RegExp;
  readonly version: RegExp;
  /** The value of a version line. */
  readonly value: (text: string) => string | number;
}

function serviceLines(indent: number): BlockLines {
  const pad = ' '.repeat(indent);
  return {
    service: new RegExp(`^${pad}([a-z0-9][-a-z0-9]*):(?: ([A-Za-z0-9][A-Za-z0-9_.-]*))?$`),
    version: new RegExp(`^${pad}  ([a-z0-9][-a-z0-9]*): ([A-Za-z0-9][A-Za-z0-9_.-]*)$`),
    value: text => text,
  };
}

function weightLines(indent: number): BlockLines {
  const pad = ' '.repeat(indent);
  return {
    service: new RegExp(`^${pad}([a-z0-9][-a-z0-9]*):$`),
    version: new RegExp(`^${pad}  ([a-z0-9][-a-z0-9]*): (0|[1-9][0-9]?|100)$`),
    value: Number,
  };
}

/** Services and splits at the top level (`services:`, `weights:`) and inside a cluster (`clusters.<name>.services:`, ...). */
const CANONICAL_SERVICES = serviceLines(2);
const CANONICAL_CLUSTER_SERVICES = serviceLines(6);
const CANONICAL_WEIGHTS = weightLines(2);
const CANONICAL_CLUSTER_WEIGHTS = weightLines(6);

/** Read the lines of a services or weights block from line `i` into `into`; returns the index of the first line that is not one. */
function canonicalBlock(lines: readonly string[], i: number, at: BlockLines, into: Record<string, unknown>): number {
  let versions: Record<string, unknown> | undefined;
  for (; i < lines.length; i++) {
    let m: RegExpExecArray | null;
    if ((m = at.service.exec(lines[i]))) {
      versions = undefined;
      if (m[2] !== undefined) into[m[1]] = m[2];
      else into[m[1]] = versions = {};
    } else if (versions && (m = at.version.exec(lines[i]))) {
      versions[m[1]] = at.value(m[2]);
    } else {
      break;
    }
  }
  return i;
}

/**
 * Read the clusters of a `clusters:` section from line `i` into `into` (each `  <name>:` with its
 * `    services:`, then its `    weights:`, each optional); returns the index of the first line after it.
 */
function canonicalClusters(lines: readonly string[], i: number, into: Record<string, unknown>): number {
  let m: RegExpExecArray | null;
  while (i + 1 < lines.length && (m = /^  ([a-z0-9][-a-z0-9]*):$/.exec(lines[i])) && (lines[i + 1] === '    services:' || lines[i + 1] === '    weights:')) {
    const entry: Record<string, Record<string, unknown>> = {};
    into[m[1]] = entry;
    i++;
    if (lines[i] === '    services:') i = canonicalBlock(lines, i + 1, CANONICAL_CLUSTER_SERVICES, entry.services = {});
    if (lines[i] === '    weights:') i = canonicalBlock(lines, i + 1, CANONICAL_CLUSTER_WEIGHTS, entry.weights = {});
  }
  return i;
}

/** Check the data of a release file; throws ReleaseFileError naming the source, field, value and what is allowed. */
function checkRelease(data: unknown, options: { environment?: string; source?: string }): ReleaseState {
  const source = options.source ?? RELEASE_FILE;
  const fail = (field: string, problem: string): never => {
    throw new ReleaseFileError(`${source}: ${field}${field ? ': ' : ''}${problem}`);
  };
  if (!isPlainObject(data)) return fail('', 'must be a mapping with apiVersion, kind, environment and services');
  for (const key of Object.keys(data)) {
    if (!['apiVersion', 'kind', 'environment', 'services', 'weights', 'clusters'].includes(key)) {
      fail(key, 'unknown field (allowed: apiVersion, kind, environment, services, weights, clusters)');
    }
  }
  if (data.apiVersion !== RELEASE_API_VERSION) fail('apiVersion', `${show(data.apiVersion)} must be ${JSON.stringify(RELEASE_API_VERSION)}`);
  if (data.kind !== RELEASE_KIND) fail('kind', `${show(data.kind)} must be ${JSON.stringify(RELEASE_KIND)}`);
  const environment = data.environment;
  if (typeof environment !== 'string' || !isDnsLabel(environment)) {
    fail('environment', `${show(environment)} must be an environment name (a DNS-1123 label)`);
  }
  if (options.environment !== undefined && environment !== options.environment) {
    fail('environment', `${show(environment)} does not match the folder it is in (${JSON.stringify(options.environment)})`);
  }
  const rawServices = data.services;
  if (!isPlainObject(rawServices)) {
    // a missing or empty `services:` is not "no entries": it would roll every service back to the program's default
    return fail('services', `${show(rawServices)} must be a mapping of service name to tag or to {version: tag} (an environment that pins no tag has \`services: {}\`)`);
  }
  let entries = 0;
  const count = (field: string, n: number) => {
    entries += n;
    if (entries > RELEASE_FILE_LIMITS.entries) fail(field, `more than ${RELEASE_FILE_LIMITS.entries} entries (services and versions) in one release file: the limit of a release file`);
  };
  const services = checkServices(rawServices, 'services', fail, count);
  const weights = checkWeights(data.weights, services, fail, count);
  return {
    environment: environment as string,
    services,
    ...(weights !== undefined ? { weights } : {}),
    ...(data.clusters !== undefined ? { clusters: checkClusters(data.clusters, services, fail, count) } : {}),
  };
}

/** Report a problem of a field of a release file (throws). */
type Fail = (field: string, problem: string) => never;

/**
 * Check a services mapping of a release file (`services`, `clusters.<name>.services`): service
 * name -> image tag, or -> a non-empty mapping of version name -> image tag. Sorted copy.
 */
function checkServices(raw: Record<string, unknown>, field: string, fail: Fail, count: (field: string, n: number) => void): Record<string, string | Record<string, string>> {
  const services: Record<string, string | Record<string, string>> = {};
  count(field, Object.keys(raw).length);
  for (const name of Object.keys(raw).sort()) {
    if (!isDnsLabel(name)) fail(`${field}.${name}`, 'is not a service name (a DNS-1123 label)');
    const entry = raw[name];
    if (typeof entry === 'string') {
      const problem = tagProblem(entry);
      if (problem) fail(`${field}.${name}`, `${JSON.stringify(entry)} ${problem}`);
      services[name] = entry;
    } else if (isPlainObject(entry) && Object.keys(entry).length > 0) {
      count(`${field}.${name}`, Object.keys(entry).length);
      const versions: Record<string, string> = {};
      for (const version of Object.keys(entry).sort()) {
        const tag = entry[version];
        if (!isDnsLabel(version)) fail(`${field}.${name}.${version}`, 'is not a version name (a DNS-1123 label, e.g. v1)');
        if (typeof tag !== 'string') fail(`${field}.${name}.${version}`, `${show(tag)} must be an image tag (a string)`);
        const problem = tagProblem(tag as string);
        if (problem) fail(`${field}.${name}.${version}`, `${JSON.stringify(tag)} ${problem}`);
        versions[version] = tag as string;
      }
      services[name] = versions;
    } else {
      fail(`${field}.${name}`, `${show(entry)} must be an image tag or a non-empty mapping of version name to image tag`);
    }
  }
  return services;
}

/**
 * Check a weights mapping (`weights`, `clusters.<name>.weights`) against the environment's
 * services: each split belongs to a versioned service of `services`, names only its versions,
 * and holds whole percents from 0 to 100 that sum to 100. Returns the splits sorted, or
 * undefined when there are none (absent or `{}`).
 */
function checkWeights(raw: unknown, services: ReleaseState['services'], fail: Fail, count: (field: string, n: number) => void,
  field = 'weights'): Record<string, Record<string, number>> | undefined {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) return fail(field, `${show(raw)} must be a mapping of service name to {version: percent} (leave it out to use the splits in code)`);
  count(field, Object.keys(raw).length);
  const out: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(raw).sort()) {
    const entry = raw[name];
    out[name] = checkSplit(`${field}.${name}`, name, entry, own(services, name), fail);
    count(`${field}.${name}`, Object.keys(out[name]).length);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One pinned split (`field`: where it is, for errors) of service `name`, whose entry in `services` is `versions`. */
function checkSplit(field: string, name: string, entry: unknown, versions: string | Readonly<Record<string, string>> | undefined, fail: Fail): Record<string, number> {
  if (versions === undefined) fail(field, `${JSON.stringify(name)} is not in services: a split belongs to a service with versions`);
  if (typeof versions === 'string') fail(field, `${JSON.stringify(name)} has no versions (services.${name} is one tag): only a service with versions has a split`);
  const known = Object.keys(versions as Record<string, string>).sort();
  if (!isPlainObject(entry) || Object.keys(entry).length === 0) {
    return fail(field, `${show(entry)} must be a mapping of version to percent, e.g. {${known.map((v, i) => `${v}: ${i === known.length - 1 ? 100 : 0}`).join(', ')}}`);
  }
  const split: Record<string, number> = {};
  let sum = 0;
  for (const version of Object.keys(entry).sort()) {
    const weight = entry[version];
    if (!known.includes(version)) fail(`${field}.${version}`, `is not a version of ${name} in services (its versions: ${known.join(', ')})`);
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
      fail(`${field}.${version}`, `${show(weight)} must be a whole percent from 0 to 100`);
    }
    split[version] = weight as number;
    sum += weight as number;
  }
  if (sum !== 100) fail(field, `${show(split)} sums to ${sum}: the percents of a split must sum to 100`);
  return split;
}

/**
 * Check the `clusters` section: cluster name (a DNS-1123 label) -> `services`, the tags that
 * differ from the environment's in that cluster, and `weights`, the splits that differ. Each
 * service entry names a service (and version) of the environment's `services`, in the same form
 * (one tag, or versions); each split is checked as the environment's (a versioned service of
 * `services`, its versions, whole percents summing to 100); none is empty.
 */
function checkClusters(raw: unknown, environment: ReleaseState['services'], fail: Fail, count: (field: string, n: number) => void): Record<string, ReleaseClusterState> {
  if (!isPlainObject(raw) || Object.keys(raw).length === 0) {
    return fail('clusters', `${show(raw)} must be a non-empty mapping of cluster name to its entries ({services: ..., weights: ...}); a release without cluster entries has no clusters field`);
  }
  const clusters: Record<string, ReleaseClusterState> = {};
  for (const name of Object.keys(raw).sort()) {
    const field = `clusters.${name}`;
    if (!isDnsLabel(name)) fail(field, 'is not a cluster name (a DNS-1123 label)');
    const entry = raw[name];
    if (!isPlainObject(entry) || (entry.services === undefined && entry.weights === undefined)) {
      fail(field, `${show(entry)} must be a mapping with services, weights or both (a cluster that runs the environment's state has no entry)`);
    }
    for (const key of Object.keys(entry as object)) {
      if (key !== 'services' && key !== 'weights') fail(`${field}.${key}`, 'unknown field (allowed: services, weights)');
    }
    const { services: rawServices, weights: rawWeights } = entry as Record<string, unknown>;
    if (rawWeights !== undefined && (!isPlainObject(rawWeights) || Object.keys(rawWeights).length === 0)) {
      fail(`${field}.weights`, `${show(rawWeights)} must be a non-empty mapping of service name to {version: percent} (a cluster that takes the environment's splits has no weights entry)`);
    }
    const weights = checkWeights(rawWeights, environment, fail, count, `${field}.weights`);
    if (rawServices === undefined) {
      clusters[name] = { weights };
      continue;
    }
    if (!isPlainObject(rawServices) || Object.keys(rawServices).length === 0) {
      fail(`${field}.services`, `${show(rawServices)} must be a non-empty mapping of service name to tag or to {version: tag} (a cluster that runs the environment's tags has no services entry)`);
    }
    const services = checkServices(rawServices as Record<string, unknown>, `${field}.services`, fail, count);
    for (const [service, tags] of Object.entries(services)) {
      const at = `${field}.services.${service}`;
      const runs = own(environment, service);
      if (runs === undefined) fail(at, `is not a service of the environment (its services: ${Object.keys(environment).join(', ') || 'none'}): a cluster entry overrides a tag of \`services\``);
      if (typeof tags === 'string' && typeof runs !== 'string') fail(at, `${show(tags)} is one tag, but services.${service} lists versions (${Object.keys(runs).join(', ')})`);
      if (typeof tags !== 'string' && typeof runs === 'string') fail(at, `lists versions, but services.${service} is one tag`);
      if (typeof tags !== 'string' && typeof runs !== 'string') {
        for (const version of Object.keys(tags)) {
          if (own(runs, version) === undefined) fail(`${at}.${version}`, `is not a version of services.${service} (its versions: ${Object.keys(runs).join(', ')})`);
        }
      }
    }
    clusters[name] = { services, ...(weights !== undefined ? { weights } : {}) };
  }
  return clusters;
}

/** Whether two release states are the same: the same tags and pinned splits (in the environment and in each cluster). */
export function sameRelease(a: ReleaseState, b: ReleaseState): boolean {
  return JSON.stringify(sortedServices(a.services)) === JSON.stringify(sortedServices(b.services))
    && sameWeights(a.weights, b.weights)
    && JSON.stringify(clustersSection(a.clusters)) === JSON.stringify(clustersSection(b.clusters));
}

/** Whether two `weights` sections pin the same splits (absent and empty are the same: nothing pinned). */
function sameWeights(a: ReleaseState['weights'], b: ReleaseState['weights']): boolean {
  return JSON.stringify(sortedWeights(a) ?? {}) === JSON.stringify(sortedWeights(b) ?? {});
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  return JSON.stringify(value) ?? String(value);
}
