import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
import { ArgoDestination, compileArgoGlob, isDestinationPermitted, isSourcePermitted, normalizeGitUrl } from './argocd-glob';
import { generatedApplications } from './generated-applications';
import { Inventory, isObject, normalizeFolder } from './inventory';

/** Options of the Argo CD cross-reference checks. */
export interface ArgoReferenceOptions {
  /**
   * Folders of the repository whose manifests this validation does not see, each with
   * everything under it (it checks a part of the output, e.g. one environment's folder and the
   * shared ones): an Application's source path there is not judged.
   * @default - none: the manifests are the whole output
   */
  readonly outsideFolders?: readonly string[];
}

/**
 * Argo CD cross-references: XREF-APP-PATH (each Application's source path holds manifests
 * in the output), XREF-APP-DESTINATION (its AppProject exists and allows its destination) and
 * XREF-APP-SOURCE (the project permits its repository); for an ApplicationSet the same, for each
 * Application its list and git-directory generators make (and a directory pattern must match a
 * folder of the output).
 */
export function checkArgoReferences(inventory: Inventory, options: ArgoReferenceOptions = {}): Finding[] {
  const out: Finding[] = [];
  // folders holding manifests, and every folder above one of them
  const folders = new Set(inventory.objects.map(r => dirname(r.manifest.path)));
  const outside = (options.outsideFolders ?? []).map(normalizeFolder);
  const unseen = (folder: string) => outside.some(o => o === '' || folder === o || folder.startsWith(`${o}/`));
  const above = new Set<string>();
  for (const f of folders) {
    for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) above.add(f.slice(0, i));
  }
  const check = (app: ObjectRef, spec: Record<string, any>, at: Array<string | number>, generated = ''): void => {
    for (const [source, sourceAt] of sourcesOf(spec, at)) {
      if (!isObject(source) || typeof source.path !== 'string' || source.chart !== undefined) continue;
      const folder = normalizeFolder(source.path);
      if (unseen(folder)) continue;
      const recurse = source.directory?.recurse === true;
      const nested = folders.size > 0 && (folder === '' || above.has(folder));
      const found = folders.has(folder) || (recurse && nested);
      if (!found) {
        out.push(finding(app, 'XREF-APP-PATH', fieldPath(...sourceAt, 'path'),
          `source path ${JSON.stringify(source.path)} holds no manifests in the output`
          + (nested ? ' (only its subfolders do, and directory.recurse is not true)' : '') + generated));
      }
    }
    out.push(...checkDestination(inventory, app, spec, at, generated));
  };
  for (const app of inventory.ofKind('Application')) {
    if (!app.apiVersion.startsWith('argoproj.io/') || !isObject(app.object.spec)) continue;
    check(app, app.object.spec, ['spec']);
  }
  for (const set of inventory.ofKind('ApplicationSet')) {
    if (!set.apiVersion.startsWith('argoproj.io/')) continue;
    const { applications, unmatched } = generatedApplications(set.object, new Set([...folders, ...above]), unseen);
    for (const u of unmatched) {
      out.push(finding(set, 'XREF-APP-PATH', fieldPath(...u.field), `directory pattern ${JSON.stringify(u.pattern)} matches no folder holding manifests in the output: the generator makes no Application`));
    }
    for (const a of applications) {
      if (a.spec !== undefined) check(set, a.spec, ['spec', 'template', 'spec'], ` (the Application generated for ${a.label})`);
    }
  }
  return out;
}

function checkDestination(inventory: Inventory, app: ObjectRef, spec: Record<string, any>, at: Array<string | number>, generated: string): Finding[] {
  const projectName = typeof spec.project === 'string' ? spec.project : 'default';
  const project = inventory.ofKind('AppProject').find(p => p.name === projectName && p.namespace === app.namespace && p.apiVersion.startsWith('argoproj.io/'));
  if (!project) {
    return [finding(app, 'XREF-APP-DESTINATION', fieldPath(...at, 'project'), `AppProject ${JSON.stringify(projectName)} does not exist in namespace ${JSON.stringify(app.namespace)}${generated}`)];
  }
  const out = checkSourceRepos(app, spec, at, project, projectName, generated);
  const dest = isObject(spec.destination) ? spec.destination : {};
  const allowed: any[] = Array.isArray(project.object.spec?.destinations) ? project.object.spec.destinations : [];
  const entries: ArgoDestination[] = allowed.filter(isObject).map(d => ({ server: text(d.server), name: text(d.name), namespace: text(d.namespace) }));
  if (isDestinationPermitted(entries, { server: text(dest.server), name: text(dest.name), namespace: text(dest.namespace) })) return out;
  const where = dest.name !== undefined ? `cluster name ${JSON.stringify(dest.name)}` : `server ${JSON.stringify(dest.server)}`;
  return [...out, finding(app, 'XREF-APP-DESTINATION', fieldPath(...at, 'destination'),
    `destination ${where}, namespace ${JSON.stringify(dest.namespace)} is not allowed by AppProject ${JSON.stringify(projectName)} (destinations: ${show(allowed)})`
    + `${invalidGlobs(entries.flatMap(d => [d.server, d.name, d.namespace]), '')}${generated}`)];
}

/**
 * XREF-APP-SOURCE: every source repoURL is permitted by the project's sourceRepos, matched as
 * Argo CD does ({@link isSourcePermitted}: normalized git URLs, globs with `/` as the separator,
 * `!` denies).
 */
function checkSourceRepos(app: ObjectRef, spec: Record<string, any>, at: Array<string | number>, project: ObjectRef, projectName: string, generated: string): Finding[] {
  const repos: string[] = (Array.isArray(project.object.spec?.sourceRepos) ? project.object.spec.sourceRepos : []).filter((r: unknown) => typeof r === 'string');
  const out: Finding[] = [];
  for (const [source, sourceAt] of sourcesOf(spec, at)) {
    if (!isObject(source) || typeof source.repoURL !== 'string') continue;
    if (!isSourcePermitted(repos, source.repoURL)) {
      out.push(finding(app, 'XREF-APP-SOURCE', fieldPath(...sourceAt, 'repoURL'),
        `repository ${JSON.stringify(source.repoURL)} is not permitted by AppProject ${JSON.stringify(projectName)} (sourceRepos: ${show(repos)}`
        + `${repos.some(r => /[*?[{]/.test(r)) ? '; Argo CD\'s globs: "*" stays within one path segment, "**" crosses them' : ''})`
        + `${invalidGlobs(repos, '/', normalizeGitUrl)}${encodedGlobs(repos)}${generated}`));
    }
  }
  return out;
}

/** An Application's sources (`source`, or each of `sources`) with their field paths (`at`: the path of the spec). */
function sourcesOf(spec: Record<string, any>, at: Array<string | number>): Array<[any, (string | number)[]]> {
  return isObject(spec.source)
    ? [[spec.source, [...at, 'source']]]
    : (Array.isArray(spec.sources) ? spec.sources : []).map((x: any, i: number) => [x, [...at, 'sources', i]]);
}

/**
 * `; Argo CD reads pattern "x" as "y"` for each sourceRepos entry whose path Argo CD's URL
 * normalization percent-encodes (a `{`, `}` or space in it): its braces are no glob there.
 */
function encodedGlobs(repos: readonly string[]): string {
  return repos.flatMap(r => {
    const n = normalizeGitUrl(r.replace(/^!/, ''));
    return n.includes('%') && !r.includes('%') ? [`; Argo CD reads pattern ${JSON.stringify(r)} as ${JSON.stringify(n)} (its URL normalization percent-encodes the path), so it matches only that`] : [];
  }).join('');
}

/** A string field, else undefined. */
function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * `; pattern "x" is not a valid glob (...): Argo CD matches nothing with it` for each pattern
 * that does not compile (`normalize`: what Argo CD compiles of the pattern as written).
 */
function invalidGlobs(patterns: ReadonlyArray<string | undefined>, separators: '' | '/', normalize = (p: string) => p): string {
  return [...new Set(patterns)].flatMap(p => {
    if (p === undefined || p === '*') return [];
    const g = compileArgoGlob(normalize(p.replace(/^!/, '')), separators);
    return 'error' in g ? [`; pattern ${JSON.stringify(p)} is not a valid glob (${g.error}): Argo CD matches nothing with it`] : [];
  }).join('');
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
