/**
 * The README and the guides: the README starts with the two commands a newcomer runs and stays
 * short, its command table covers the CLI, its example program compiles against the public API
 * and synthesizes, every relative link of the documentation resolves (file and heading), the
 * index and the README link every guide, and no internal names reach users.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { COMMANDS, USAGE } from '../src/cli/main';
import { tempDir } from './temp-dir';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const exists = (file: string) => fs.existsSync(path.join(ROOT, file));
const README = read('README.md');

/** The guides of docs/. */
const GUIDES = [
  'docs/getting-started.md', 'docs/constructs.md', 'docs/synth-output.md', 'docs/gitops-delivery.md',
  'docs/gitops-safety.md', 'docs/validation.md', 'docs/progressive-delivery.md', 'docs/day-2.md',
  'docs/cli.md', 'docs/ci-templates.md', 'docs/performance.md', 'docs/fleets.md', 'docs/slo.md', 'docs/adopt.md',
];
/** The documentation: each must exist. */
const DOCS = ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', 'docs/README.md', ...GUIDES, 'docs/api/README.md'];

/** Markdown files of the documentation: the top-level ones and everything under docs/. */
function markdownFiles(): string[] {
  const walk = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? walk(rel) : e.name.endsWith('.md') ? [rel] : [];
  });
  return ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', ...walk('docs')];
}

/** The text outside fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
}

/** GitHub's anchor of a heading: markup dropped, lower case, punctuation removed, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[\\`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file defines: its headings (repeats numbered as GitHub does) and `<a id|name>` tags. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

/** Relative links (and images) of a Markdown file, outside code. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(m => m[1]).filter(t => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('README', () => {
  test('starts with the two commands a newcomer runs on a fresh machine', () => {
    const lines = README.split('\n');
    expect(lines[0]).toBe('# cdk8s-gitops');
    expect(lines.slice(1).join('\n').trimStart().split('\n').slice(0, 4)).toEqual([
      '```sh',
      'npm ci && npm run synth    # writes every manifest of the reference app into dist/',
      'npm ci && npm test         # runs the test suite',
      '```',
    ]);
  });

  test('is at most 200 lines', () => {
    expect(README.trimEnd().split('\n').length).toBeLessThanOrEqual(200);
  });

  test('its command table has a row for every command of the CLI', () => {
    const rows = [...README.matchAll(/^\| \[`([a-z-]+)`\]\(([^)]+)\) \|/gm)].map(m => m[1]);
    for (const command of Object.keys(COMMANDS)) expect(rows).toContain(command);
    expect(new Set(rows).size).toBe(rows.length);
  });

  test('links every guide, the API reference, the changelog and the contributing guide', () => {
    const links = new Set(relativeLinks(README).map(l => l.replace(/#.*/, '')));
    for (const doc of [...GUIDES, 'docs/api/README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', 'LICENSE']) expect([doc, links.has(doc)]).toEqual([doc, true]);
  });
});

describe('the README example program', () => {
  const blocks = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(m => m[1]);
  const pkg = JSON.parse(read('package.json'));

  test('is one TypeScript block importing only the package root and its dependencies', () => {
    expect(blocks).toHaveLength(1);
    const specifiers = [...blocks[0].matchAll(/from '([^']+)'/g)].map(m => m[1]);
    expect(specifiers).toContain('cdk8s-gitops');
    for (const s of specifiers) {
      // the package's exports map allows its root only; anything else must be a dependency or a peer users install
      expect([s, s === pkg.name || s in pkg.dependencies || s in pkg.peerDependencies]).toEqual([s, true]);
    }
  });

  test('type-checks against the public API (src/index.ts as the package "cdk8s-gitops")', () => {
    const file = path.join(tempDir('readme-example'), 'main.ts');
    fs.writeFileSync(file, blocks[0]);
    const program = ts.createProgram([file], {
      strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')], baseUrl: ROOT,
      paths: { [pkg.name]: ['src/index.ts'], '*': ['node_modules/*'] },
    });
    const source = program.getSourceFile(file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      .map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });

  test('synthesizes: every environment, Argo CD, the app-of-apps and the release files, validated', () => {
    const dir = tempDir('readme-example');
    const file = path.join(dir, 'main.ts');
    // the same program, its imports resolved to this repository's sources and dependencies
    fs.writeFileSync(file, blocks[0].replace(/from '([^']+)'/g, (_, s: string) => `from ${JSON.stringify(s === pkg.name
      ? path.join(ROOT, 'src', 'index.ts')
      : require.resolve(s, { paths: [ROOT] }))}`));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createApp } = require(file);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesize } = require(path.join(ROOT, 'src', 'index.ts'));
    const out = path.join(dir, 'out');
    const { files } = synthesize(createApp(), out); // throws on any construct error or validation finding
    expect(files).toEqual(expect.arrayContaining([
      'argocd/appproject-shop.yaml', 'argocd/application-shop-dev.yaml', 'argocd/application-shop-prod.yaml',
      'bootstrap/application-root.yaml', 'dev/release.yaml', 'prod/release.yaml',
      'dev/shop/deployment-api-v1.yaml', 'dev/shop/deployment-api-v2.yaml', 'prod/shop/virtualservice-shop.yaml',
    ]));
    expect(fs.readFileSync(path.join(out, 'dev', 'release.yaml'), 'utf8')).toContain('services:\n  api:\n    v1: 1.4.0\n    v2: 1.5.0\n');
    expect(fs.readFileSync(path.join(out, 'prod', 'shop', 'deployment-api-v2.yaml'), 'utf8')).toContain('replicas: 3\n');
    // and what the README says about it
    expect(README).toContain('`dev/shop/deployment-api-v1.yaml`');
  });
});

describe('links', () => {
  const files = markdownFiles();

  test('every guide, the index and the API reference exist', () => {
    for (const f of DOCS) expect([f, exists(f)]).toEqual([f, true]);
  });

  test('every relative link resolves to a file, and every #anchor to a heading of it', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const link of relativeLinks(read(file))) {
        const [target, anchor] = link.split('#');
        const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(target)));
        if (!exists(resolved)) {
          broken.push(`${file}: ${link} (no file ${resolved})`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) {
          broken.push(`${file}: ${link} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('the index (docs/README.md) links every guide, listed or present, and the API reference', () => {
    const links = new Set(relativeLinks(read('docs/README.md')).map(l => path.posix.join('docs', l.replace(/#.*/, ''))));
    const present = fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md') && f !== 'README.md').map(f => `docs/${f}`);
    for (const doc of new Set([...GUIDES, ...present, 'docs/api/README.md'])) expect([doc, links.has(doc)]).toEqual([doc, true]);
  });

  test('the anchor and link readers agree with GitHub on this repository\'s kinds of headings', () => {
    expect(slug('`release`: roll a tag into an environment')).toBe('release-roll-a-tag-into-an-environment');
    expect(slug("promote: give prod exactly dev's release, for review")).toBe('promote-give-prod-exactly-devs-release-for-review');
    expect(slug('Variable: APP\\_LABEL')).toBe('variable-app_label');
    expect([...anchors('# A\n## B\n```\n# not a heading\n```\n## B\n')]).toEqual(['a', 'b', 'b-1']);
    expect(relativeLinks('[a](x.md#y) `[b](code.md)` [c](https://e.org) ![d](img.png)\n```\n[e](f.md)\n```\n')).toEqual(['x.md#y', 'img.png']);
  });
});

describe('no internal names reach users', () => {
  const INTERNAL = /\bseeds?\b[^.\n]{0,12}\b0\d\d\b|\bseed documents?\b/i;

  test('in the README, the guides, the changelog and contributing guide', () => {
    for (const f of DOCS.filter(x => !x.startsWith('docs/api'))) expect([f, INTERNAL.exec(read(f))?.[0]]).toEqual([f, undefined]);
  });

  test('in the API reference and the CLI\'s help texts', () => {
    for (const f of fs.readdirSync(path.join(ROOT, 'docs', 'api'), { recursive: true }) as string[]) {
      if (f.endsWith('.md')) expect([f, INTERNAL.exec(read(`docs/api/${f}`))?.[0]]).toEqual([f, undefined]);
    }
    expect(INTERNAL.exec(USAGE)).toBeNull();
    for (const command of Object.keys(COMMANDS)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const help: string = require(path.join(ROOT, 'src', 'cli', `${command}.ts`)).HELP;
      expect([command, INTERNAL.exec(help)?.[0]]).toEqual([command, undefined]);
    }
  });
});
