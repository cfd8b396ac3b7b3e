/**
 * The layers of src/ (see CONTRIBUTING.md, "Layout"): every relative import, type-only ones
 * included, goes to a module of the same layer or one below, and no module imports itself
 * back through others (no cycles).
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');

/** Folder of src/ (the first segment; `.` for a file at the root) -> its rank, lowest first. */
const LAYERS: ReadonlyArray<readonly [rank: number, folders: readonly string[]]> = [
  [0, ['core']],
  [1, ['release']],
  [2, ['model']],
  [3, ['service', 'mesh', 'argocd', 'monitoring', 'secrets']],
  [4, ['validate', 'gate']],
  [5, ['git']],
  [6, ['app']],
  [7, ['gitops']],
  [8, ['adopt']],
  [9, ['cli']],
  [10, ['.']],
];

function rankOf(file: string): number {
  const rel = path.relative(SRC, file).split(path.sep);
  const folder = rel.length === 1 ? '.' : rel[0];
  const layer = LAYERS.find(([, folders]) => folders.includes(folder));
  if (!layer) throw new Error(`src/${rel.join('/')}: folder ${folder} is in no layer of test/layers.test.ts`);
  return layer[0];
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]*)['"]|require\(\s*['"](\.{1,2}\/[^'"]*)['"]\s*\)|import\(\s*['"](\.{1,2}\/[^'"]*)['"]\s*\)/g;

/** Every module of src/ -> the modules of src/ it imports (relative specifiers, resolved). */
function importGraph(): Map<string, string[]> {
  const files = sources(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const base = path.resolve(path.dirname(file), m[1] ?? m[2] ?? m[3]);
      if (path.relative(SRC, base).startsWith('..')) continue; // outside src/
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find(c => known.has(c));
      if (target === undefined) throw new Error(`${path.relative(SRC, file)}: import ${m[0].trim()} resolves to no module of src/`);
      targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The strongly connected components of more than one module (or a module importing itself). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');

describe('layers of src/', () => {
  const graph = importGraph();

  test('the graph is read: it has the modules and edges it should', () => {
    expect(graph.get(path.join(SRC, 'app', 'gitops-app.ts'))).toContain(path.join(SRC, 'release', 'release-registry.ts'));
    expect(graph.size).toBeGreaterThan(100);
  });

  test('nothing imports upward', () => {
    const upward = [...graph].flatMap(([from, tos]) => tos.filter(to => rankOf(to) > rankOf(from)).map(to => `${rel(from)} -> ${rel(to)}`));
    expect(upward).toEqual([]);
  });

  test('no module cycles', () => {
    expect(cycles(graph).map(c => c.map(rel).join(' -> '))).toEqual([]);
  });

  test('the cycle finder finds a cycle', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])).map(c => c.join())).toEqual(['a,b,c']);
  });
});
