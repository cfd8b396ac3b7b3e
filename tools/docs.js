#!/usr/bin/env node
/**
 * The generated documentation.
 *
 *   npm run docs         writes docs/api/ (the API reference: typedoc + typedoc-plugin-markdown
 *                        from src/index.ts, see typedoc.json) and the rule table of
 *                        docs/validation.md (from RULES, see tools/rule-table.js)
 *   npm run docs:check   generates both into a temporary folder and exits 1 when the committed
 *                        files differ (stale) or typedoc warns (an exported symbol without
 *                        documentation, a broken link, a referenced type that is not exported)
 *
 * typedoc runs with skipErrorChecking: `npm run build` and `npm run typecheck` type-check.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { loadRules, ruleTable, withRuleTable } = require('./rule-table');

const ROOT = path.join(__dirname, '..');
const API_DIR = path.join(ROOT, 'docs', 'api');
const VALIDATION_DOC = path.join(ROOT, 'docs', 'validation.md');

/** Run typedoc (options from typedoc.json, warnings are errors) with its output in `out`; throws with typedoc's output when it fails. */
function typedoc(out) {
  const bin = path.join(path.dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [bin, '--options', path.join(ROOT, 'typedoc.json'), '--out', out, '--logLevel', 'Warn'], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) throw r.error;
  if (r.status !== 0 || /\[(warning|error)\]/.test(log)) {
    throw new Error(`typedoc failed (exit ${r.status}); every exported symbol needs JSDoc, links must resolve and referenced types must be exported:\n${log}`);
  }
}

/** Every file under `dir`, as sorted `/`-separated relative paths. */
function listFiles(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** How folder `actual` differs from folder `expected`: one line per missing, extra or changed file. */
function compareFolders(expected, actual) {
  const want = listFiles(expected);
  const have = new Set(listFiles(actual));
  const problems = [];
  for (const f of want) {
    if (!have.has(f)) problems.push(`missing: ${f}`);
    else if (!fs.readFileSync(path.join(expected, f)).equals(fs.readFileSync(path.join(actual, f)))) problems.push(`changed: ${f}`);
    have.delete(f);
  }
  for (const f of have) problems.push(`not generated (stale): ${f}`);
  return problems;
}

/** The rule table written into docs/validation.md's text. */
function validationDoc() {
  return withRuleTable(fs.readFileSync(VALIDATION_DOC, 'utf8'), ruleTable(loadRules()));
}

function generate() {
  typedoc(API_DIR);
  const doc = validationDoc();
  if (doc !== fs.readFileSync(VALIDATION_DOC, 'utf8')) fs.writeFileSync(VALIDATION_DOC, doc);
  process.stdout.write('docs: docs/api/ and the rule table of docs/validation.md written\n');
}

function check() {
  const problems = [];
  if (validationDoc() !== fs.readFileSync(VALIDATION_DOC, 'utf8')) problems.push('changed: docs/validation.md (its rule table differs from RULES)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitops-docs-'));
  try {
    typedoc(path.join(tmp, 'api'));
    problems.push(...compareFolders(path.join(tmp, 'api'), API_DIR).map(p => p.replace(/: /, ': docs/api/')));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    process.stderr.write(`docs:check: the generated documentation is stale; run \`npm run docs\` and commit the result:\n  ${problems.join('\n  ')}\n`);
    return 1;
  }
  process.stdout.write('docs:check: docs/api/ and the rule table are up to date, no typedoc warnings\n');
  return 0;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.some(a => a !== '--check')) {
    process.stderr.write(`usage: node tools/docs.js [--check] (got ${JSON.stringify(args)})\n`);
    process.exit(2);
  }
  try {
    process.exitCode = args.includes('--check') ? check() : (generate(), 0);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { compareFolders, listFiles };
