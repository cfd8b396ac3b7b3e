import { isObject, normalizeFolder } from './manifest-values';

/**
 * The Applications an Argo CD ApplicationSet generates, as far as the output tells: its list
 * generators' elements and its git-directory generators' directories (matched against the
 * output's folders), each put into the template. Other generators (cluster, matrix, SCM, pull
 * request, plugin ...) depend on what only Argo CD knows: they generate nothing here.
 */

/** One Application an ApplicationSet generates. */
export interface GeneratedApplication {
  /** The template's `spec` with the parameters put in; undefined when it uses one this module cannot resolve. */
  readonly spec: Record<string, any> | undefined;
  /** Field path of the generator item that made it, e.g. `spec.generators[0].list.elements[1]`. */
  readonly from: Array<string | number>;
  /** What it was generated for, for messages: `element 1 {"cluster":"prod-us",...}`, `directory prod/prod-us/shop`. */
  readonly label: string;
}

/** A git-directory generator's path pattern that matches no folder of the output. */
export interface UnmatchedDirectory {
  /** Field path of the pattern. */
  readonly field: Array<string | number>;
  readonly pattern: string;
}

/** What {@link generatedApplications} finds. */
export interface Generated {
  readonly applications: GeneratedApplication[];
  readonly unmatched: UnmatchedDirectory[];
}

/**
 * The Applications `set` (an ApplicationSet object) generates.
 *
 * @param folders every folder of the output (folders holding manifests and those above them)
 * @param unseen whether a folder is outside what the output shows (its git-directory patterns are not matched then)
 */
export function generatedApplications(set: Record<string, any>, folders: ReadonlySet<string>, unseen: (folder: string) => boolean = () => false): Generated {
  const spec = set.spec;
  const template = isObject(spec?.template) ? spec.template.spec : undefined;
  const applications: GeneratedApplication[] = [];
  const unmatched: UnmatchedDirectory[] = [];
  if (!isObject(template) || !Array.isArray(spec.generators)) return { applications, unmatched };
  spec.generators.forEach((g: any, i: number) => {
    if (Array.isArray(g?.list?.elements)) {
      g.list.elements.forEach((element: unknown, j: number) => {
        if (!isObject(element)) return;
        applications.push({ spec: fill(template, p => lookup(element, p)), from: ['spec', 'generators', i, 'list', 'elements', j], label: `element ${j} ${JSON.stringify(element)}` });
      });
    }
    const dirs = g?.git?.directories;
    if (g?.git?.files === undefined && Array.isArray(dirs)) {
      const included = new Set<string>();
      const excluded = new Set<string>();
      dirs.forEach((d: any, j: number) => {
        if (typeof d?.path !== 'string') return;
        const pattern = normalizeFolder(d.path);
        if (unseen(fixedPrefix(pattern))) return;
        const matches = [...folders].filter(f => globMatch(pattern, f));
        if (d.exclude === true) {
          matches.forEach(f => excluded.add(f));
        } else {
          matches.forEach(f => included.add(f));
          if (matches.length === 0) unmatched.push({ field: ['spec', 'generators', i, 'git', 'directories', j, 'path'], pattern: d.path });
        }
      });
      for (const dir of [...included].sort()) {
        if (excluded.has(dir)) continue;
        const segments = dir.split('/');
        const params: Record<string, unknown> = { path: { path: dir, segments, basename: segments[segments.length - 1], basenameNormalized: segments[segments.length - 1].toLowerCase().replace(/[^a-z0-9-]/g, '-') } };
        applications.push({ spec: fill(template, p => lookup(params, p)), from: ['spec', 'generators', i, 'git', 'directories'], label: `directory ${dir}` });
      }
    }
  });
  return { applications, unmatched };
}

/**
 * `template` with every `{{ ... }}` in its strings replaced by `value(expression)`: Go template
 * fields (`.cluster`, `.path.path`, `index .path.segments 1`) and the older fasttemplate ones
 * (`cluster`, `path`, `path[1]`, `path.basename`). Undefined when one has no value.
 */
function fill(template: Record<string, any>, value: (expression: string) => string | undefined): Record<string, any> | undefined {
  let missing = false;
  const walk = (x: any): any => {
    if (typeof x === 'string') {
      return x.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expression: string) => {
        const v = value(expression);
        if (v === undefined) missing = true;
        return v ?? '';
      });
    }
    if (Array.isArray(x)) return x.map(walk);
    if (isObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]));
    return x;
  };
  const out = walk(template);
  return missing ? undefined : out;
}

/** The value of a template expression in `params`, or undefined. */
function lookup(params: Record<string, any>, expression: string): string | undefined {
  let m: RegExpExecArray | null;
  let v: any;
  if ((m = /^index\s+\.([\w.]+)\s+(\d+)$/.exec(expression)) || (m = /^([\w.]+)\[(\d+)\]$/.exec(expression))) {
    v = at(params, m[1])?.[Number(m[2])];
  } else if ((m = /^\.?([\w.]+)$/.exec(expression))) {
    v = at(params, m[1]);
    if (isObject(v) && typeof v.path === 'string') v = v.path; // fasttemplate's {{path}}
  }
  return typeof v === 'string' ? v : undefined;
}

function at(params: Record<string, any>, dotted: string): any {
  let v: any = params;
  for (const key of dotted.split('.')) v = isObject(v) ? v[key] : undefined;
  return v;
}

/** Whether `folder` matches a git-directory pattern (Go's path.Match: `*` and `?` within one segment, `[...]` classes). */
function globMatch(pattern: string, folder: string): boolean {
  const re = pattern.split('/').map(segment => segment.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/');
  try {
    return new RegExp(`^${re}$`).test(folder);
  } catch {
    return false;
  }
}

/** The folders of a pattern before its first glob character: `prod/*\/shop` -> `prod`. */
function fixedPrefix(pattern: string): string {
  const segments = pattern.split('/');
  const i = segments.findIndex(s => /[*?[]/.test(s));
  return (i < 0 ? segments : segments.slice(0, i)).join('/');
}
