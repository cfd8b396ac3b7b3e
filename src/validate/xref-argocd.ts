import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
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
 * in the output) and XREF-APP-DESTINATION (its AppProject exists and allows its destination).
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
  for (const app of inventory.ofKind('Application')) {
    if (!app.apiVersion.startsWith('argoproj.io/')) continue;
    const spec = app.object.spec;
    if (!isObject(spec)) continue;
    for (const [source, at] of sourcesOf(spec)) {
      if (!isObject(source) || typeof source.path !== 'string' || source.chart !== undefined) continue;
      const folder = normalizeFolder(source.path);
      if (unseen(folder)) continue;
      const recurse = source.directory?.recurse === true;
      const nested = folders.size > 0 && (folder === '' || above.has(folder));
      const found = folders.has(folder) || (recurse && nested);
      if (!found) {
        out.push(finding(app, 'XREF-APP-PATH', fieldPath(...at, 'path'),
          `source path ${JSON.stringify(source.path)} holds no manifests in the output`
          + (nested ? ' (only its subfolders do, and directory.recurse is not true)' : '')));
      }
    }
    out.push(...checkDestination(inventory, app));
  }
  return out;
}

function checkDestination(inventory: Inventory, app: ObjectRef): Finding[] {
  const spec = app.object.spec;
  const projectName = typeof spec.project === 'string' ? spec.project : 'default';
  const project = inventory.ofKind('AppProject').find(p => p.name === projectName && p.namespace === app.namespace && p.apiVersion.startsWith('argoproj.io/'));
  if (!project) {
    return [finding(app, 'XREF-APP-DESTINATION', 'spec.project', `AppProject ${JSON.stringify(projectName)} does not exist in namespace ${JSON.stringify(app.namespace)}`)];
  }
  const out = checkSourceRepos(app, project, projectName);
  const dest = isObject(spec.destination) ? spec.destination : {};
  const allowed: any[] = Array.isArray(project.object.spec?.destinations) ? project.object.spec.destinations : [];
  // Argo CD semantics: an entry matches when its cluster (name, or server) and namespace
  // globs match; an entry with a "!"-negated field denies what it matches.
  const matches = (d: any): boolean => {
    const pattern = dest.name !== undefined ? d?.name : d?.server;
    const value = dest.name !== undefined ? dest.name : dest.server;
    return typeof pattern === 'string' && glob(pattern.replace(/^!/, ''), value ?? '')
      && typeof d?.namespace === 'string' && glob(d.namespace.replace(/^!/, ''), dest.namespace ?? '');
  };
  const isDeny = (d: any) => [d?.server, d?.name, d?.namespace].some(v => typeof v === 'string' && v.startsWith('!'));
  const ok = allowed.some(d => !isDeny(d) && matches(d)) && !allowed.some(d => isDeny(d) && matches(d));
  if (ok) return out;
  const where = dest.name !== undefined ? `cluster name ${JSON.stringify(dest.name)}` : `server ${JSON.stringify(dest.server)}`;
  return [...out, finding(app, 'XREF-APP-DESTINATION', 'spec.destination',
    `destination ${where}, namespace ${JSON.stringify(dest.namespace)} is not allowed by AppProject ${JSON.stringify(projectName)} (destinations: ${show(allowed)})`)];
}

/**
 * XREF-APP-SOURCE: every source repoURL is permitted by the project's sourceRepos (globs,
 * `!` denies), compared as Argo CD does: case-insensitive, without a trailing `/` or `.git`.
 */
function checkSourceRepos(app: ObjectRef, project: ObjectRef, projectName: string): Finding[] {
  const spec = app.object.spec;
  const repos: string[] = (Array.isArray(project.object.spec?.sourceRepos) ? project.object.spec.sourceRepos : []).filter((r: unknown) => typeof r === 'string');
  const out: Finding[] = [];
  for (const [source, at] of sourcesOf(spec)) {
    if (!isObject(source) || typeof source.repoURL !== 'string') continue;
    const url = normalizeRepo(source.repoURL);
    const matches = (r: string) => r.replace(/^!/, '') === '*' || glob(normalizeRepo(r.replace(/^!/, '')), url);
    const ok = repos.some(r => !r.startsWith('!') && matches(r)) && !repos.some(r => r.startsWith('!') && matches(r));
    if (!ok) {
      out.push(finding(app, 'XREF-APP-SOURCE', fieldPath(...at, 'repoURL'),
        `repository ${JSON.stringify(source.repoURL)} is not permitted by AppProject ${JSON.stringify(projectName)} (sourceRepos: ${show(repos)})`));
    }
  }
  return out;
}

/** An Application's sources (`source`, or each of `sources`) with their field paths. */
function sourcesOf(spec: Record<string, any>): Array<[any, (string | number)[]]> {
  return isObject(spec.source)
    ? [[spec.source, ['spec', 'source']]]
    : (Array.isArray(spec.sources) ? spec.sources : []).map((x: any, i: number) => [x, ['spec', 'sources', i]]);
}

function normalizeRepo(url: string): string {
  return url.toLowerCase().replace(/\/+$/, '').replace(/\.git$/, '');
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
