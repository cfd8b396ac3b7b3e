import { Finding, finding, fieldPath, ObjectRef, show } from './finding';
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
  return [...out, finding(app, 'XREF-APP-DESTINATION', fieldPath(...at, 'destination'),
    `destination ${where}, namespace ${JSON.stringify(dest.namespace)} is not allowed by AppProject ${JSON.stringify(projectName)} (destinations: ${show(allowed)})${generated}`)];
}

/**
 * XREF-APP-SOURCE: every source repoURL is permitted by the project's sourceRepos (globs,
 * `!` denies), compared as Argo CD does: case-insensitive, without a trailing `/` or `.git`.
 */
function checkSourceRepos(app: ObjectRef, spec: Record<string, any>, at: Array<string | number>, project: ObjectRef, projectName: string, generated: string): Finding[] {
  const repos: string[] = (Array.isArray(project.object.spec?.sourceRepos) ? project.object.spec.sourceRepos : []).filter((r: unknown) => typeof r === 'string');
  const out: Finding[] = [];
  for (const [source, sourceAt] of sourcesOf(spec, at)) {
    if (!isObject(source) || typeof source.repoURL !== 'string') continue;
    const url = normalizeRepo(source.repoURL);
    const matches = (r: string) => r.replace(/^!/, '') === '*' || glob(normalizeRepo(r.replace(/^!/, '')), url);
    const ok = repos.some(r => !r.startsWith('!') && matches(r)) && !repos.some(r => r.startsWith('!') && matches(r));
    if (!ok) {
      out.push(finding(app, 'XREF-APP-SOURCE', fieldPath(...sourceAt, 'repoURL'),
        `repository ${JSON.stringify(source.repoURL)} is not permitted by AppProject ${JSON.stringify(projectName)} (sourceRepos: ${show(repos)})${generated}`));
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
