/**
 * The declarations the package ships (`lib/src/**\/*.d.ts`, as `npm run build` writes them),
 * followed from `lib/src/index.d.ts` as a consumer's tsc follows them: they import no package
 * but the peers `cdk8s` and `constructs` (the specs are typed with the `kubernetes-models`
 * packages in the implementation only), and the constructs' public API names no `any`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureBuilt, ROOT } from './npm';

const LIB = path.join(ROOT, 'lib', 'src');

/** Each declaration file reachable from index.d.ts (relative to lib/src) with its code, comments removed. */
function reachable(): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (file: string): void => {
    const rel = path.relative(LIB, file);
    if (out.has(rel)) return;
    const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    out.set(rel, code);
    for (const m of code.matchAll(/(?:\bfrom|\bimport\(?)\s*['"](\.[^'"]*)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      visit(fs.existsSync(`${target}.d.ts`) ? `${target}.d.ts` : path.join(target, 'index.d.ts'));
    }
  };
  visit(path.join(LIB, 'index.d.ts'));
  return out;
}

let files: Map<string, string>;
beforeAll(() => {
  ensureBuilt();
  files = reachable();
}, 300_000);

test('the public declarations import only cdk8s and constructs: no kubernetes-models type, no generated import', () => {
  expect(files.size).toBeGreaterThan(30);
  const imported = new Set<string>();
  for (const [rel, code] of files) {
    for (const m of code.matchAll(/(?:\bfrom|\bimport\(?)\s*['"]([^'"]+)['"]/g)) {
      if (!m[1].startsWith('.')) imported.add(m[1]);
      else expect({ rel, resolved: path.resolve(LIB, path.dirname(rel), m[1]).startsWith(LIB + path.sep) }).toEqual({ rel, resolved: true });
    }
  }
  expect([...imported].sort()).toEqual(['cdk8s', 'constructs']);
});

test('the public API of the mesh, Argo CD, monitoring and secrets constructs names no any', () => {
  const constructs = [...files.keys()].filter(f => /^(mesh|argocd|monitoring|secrets)\//.test(f));
  expect(constructs).toEqual(expect.arrayContaining(['mesh/virtual-service.d.ts', 'mesh/http-match.d.ts', 'mesh/gateway.d.ts', 'argocd/application.d.ts']));
  const withAny = constructs.flatMap(f => files.get(f)!.split('\n').filter(l => /\bany\b/.test(l)).map(l => `${f}: ${l.trim()}`));
  expect(withAny).toEqual([]);
});
