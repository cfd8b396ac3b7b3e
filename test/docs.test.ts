/**
 * The generated documentation: the rule table of docs/validation.md is the one RULES gives, the
 * API reference has a page for every export of src/index.ts, and the tools that make and check
 * them (tools/rule-table.js, tools/docs.js) detect what they claim to. `npm run docs:check`
 * (in .ci/run) regenerates docs/api with typedoc and compares it byte for byte.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { RULES } from '../src';
import { tempDir } from './temp-dir';
import { put } from './tree-snapshot';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ruleTableTool = require('../tools/rule-table.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const docsTool = require('../tools/docs.js');

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('the rule table of docs/validation.md', () => {
  const doc = read('docs/validation.md');

  test('is exactly the table RULES gives, between its markers', () => {
    expect(ruleTableTool.withRuleTable(doc, ruleTableTool.ruleTable(RULES))).toBe(doc);
  });

  test('has one row per rule, in the order of RULES, under its category', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z0-9-]+)` \|/gm)].map(m => m[1]);
    expect(rows).toEqual(RULES.map(r => r.id));
    for (const [category, title] of Object.entries(ruleTableTool.CATEGORY_TITLES as Record<string, string>)) {
      const section = doc.slice(doc.indexOf(`### ${title}\n`));
      for (const r of RULES.filter(x => x.category === category)) expect(section).toContain(`| \`${r.id}\` |`);
    }
  });

  test('the loader reads RULES from the sources as the library exports them', () => {
    expect(ruleTableTool.loadRules()).toEqual(RULES);
  });

  test('cells escape Markdown and HTML outside code spans, and | everywhere', () => {
    const table = ruleTableTool.ruleTable([
      { id: 'POL-X', category: 'policy', rationale: 'names like *SECRET* use <protocol>[-<suffix>] a|b `code *x* | y`' },
    ]);
    expect(table).toBe([
      '### Policy', '', '| Rule | Rationale |', '|---|---|',
      '| `POL-X` | names like \\*SECRET\\* use \\<protocol\\>\\[-\\<suffix\\>\\] a\\|b `code *x* \\| y` |',
    ].join('\n'));
  });

  test('a rule of a category without a section title is refused, naming the rule', () => {
    expect(() => ruleTableTool.ruleTable([{ id: 'NEW-RULE', category: 'network', rationale: 'x' }]))
      .toThrow('rules NEW-RULE (category "network"): no section title for the category');
  });

  test('markers missing, repeated or out of order are refused, naming the file', () => {
    const { BEGIN, END, withRuleTable } = ruleTableTool;
    for (const text of ['no markers', `${BEGIN}\n`, `${END}\n${BEGIN}\n`, `${BEGIN}\n${END}\n${BEGIN}\n${END}\n`]) {
      expect(() => withRuleTable(text, 'T', 'docs/x.md')).toThrow(/^docs\/x\.md: needs the rule table's markers once each/);
    }
    expect(withRuleTable(`a\n${BEGIN}\nold\n${END}\nb\n`, 'T')).toBe(`a\n${BEGIN}\n\nT\n\n${END}\nb\n`);
  });
});

describe('the API reference (docs/api)', () => {
  /** The names src/index.ts exports (values and types). */
  function exportedNames(): string[] {
    const file = path.join(ROOT, 'src', 'index.ts');
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    const names: string[] = [];
    source.forEachChild(node => {
      if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
        for (const e of node.exportClause.elements) names.push(e.name.text);
      }
    });
    return names.sort();
  }

  test('has a page for every symbol src/index.ts exports, and none for anything else', () => {
    const pages = docsTool.listFiles(path.join(ROOT, 'docs', 'api'))
      .filter((f: string) => f !== 'README.md')
      .map((f: string) => path.basename(f, '.md'));
    const names = exportedNames();
    expect(names.length).toBeGreaterThan(100);
    // a name exported as a value and a type of the same name (ExitCode) has a page for each
    expect([...new Set(pages)].sort()).toEqual(names);
  });

  test('every page has a description (typedoc runs with validation.notDocumented)', () => {
    const config = JSON.parse(read('typedoc.json'));
    expect(config.validation.notDocumented).toBe(true);
    expect(config.treatWarningsAsErrors).toBe(true);
    for (const f of docsTool.listFiles(path.join(ROOT, 'docs', 'api')).filter((x: string) => x !== 'README.md')) {
      const text = read(`docs/api/${f}`);
      // the title, then a line of prose before any section or signature
      const afterTitle = text.slice(text.indexOf('\n# ') + 1).split('\n').slice(1).find(l => l.trim() !== '' && !l.startsWith('>'));
      expect([f, afterTitle?.startsWith('#') ? 'no description' : 'ok']).toEqual([f, 'ok']);
    }
  });
});

describe('compareFolders (the staleness check of docs:check)', () => {
  test('reports missing, changed and extra files, and nothing for identical folders', () => {
    const want = tempDir('docs-want');
    const have = tempDir('docs-have');
    for (const [dir, files] of [[want, { 'a.md': 'a', 'sub/b.md': 'b', 'sub/c.md': 'c' }], [have, { 'a.md': 'a', 'sub/b.md': 'B', 'old.md': 'x' }]] as const) {
      for (const [f, text] of Object.entries(files)) put(dir, f, text);
    }
    expect(docsTool.compareFolders(want, have)).toEqual(['changed: sub/b.md', 'missing: sub/c.md', 'not generated (stale): old.md']);
    expect(docsTool.compareFolders(want, want)).toEqual([]);
  });
});
