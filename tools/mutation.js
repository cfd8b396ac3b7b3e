#!/usr/bin/env node
/**
 * Mutation testing of the safety-critical modules (`npm run mutation`; not in CI, see
 * CONTRIBUTING.md): StrykerJS with the jest runner (stryker.config.json), one module at a time,
 * each with only the test files that exercise it (jest.mutation.config.js reads them from
 * MUTATION_TESTS), its own incremental file and report in reports/mutation/, then a table of
 * the scores.
 *
 *   npm run mutation                  # every module below
 *   npm run mutation -- publish       # one (or several) by name
 *   npm run mutation -- --list        # the modules and their test files
 *   MUTATION_CONCURRENCY=2 npm run mutation -- publish   # two test runners (default: one)
 *
 * The score is Stryker's: detected (killed + timed out) / (detected + survived + not covered).
 */
'use strict';
const fs = require('fs');
const path = require('path');

/** Module name -> the file mutated and the test files that exercise it in the jest process. */
const MODULES = {
  'publish': { file: 'src/gitops/publish.ts', tests: ['test/gitops/publish.test.ts'] },
  'fast-forward': { file: 'src/git/fast-forward.ts', tests: ['test/git/fast-forward.test.ts'] },
  'write-tree': { file: 'src/git/write-tree.ts', tests: ['test/git/write-tree.test.ts'] },
  'ownership-record': { file: 'src/git/ownership-record.ts', tests: ['test/git/ownership-record.test.ts'] },
  'swap-journal': { file: 'src/git/swap-journal.ts', tests: ['test/git/swap-journal.test.ts', 'test/git/write-tree.test.ts'] },
  'release-file': { file: 'src/release/release-file.ts', tests: ['test/release/release-file.test.ts'] },
  'release': { file: 'src/release/release.ts', tests: ['test/release/release-file.test.ts'] },
  'release-registry': { file: 'src/release/release-registry.ts', tests: ['test/release/release-registry.test.ts', 'test/model/cluster.test.ts', 'test/app/gitops-app.test.ts'] },
  'environment-release': { file: 'src/release/environment-release.ts', tests: ['test/release/environment-release.test.ts', 'test/gitops/rotation.test.ts'] },
  'releases': { file: 'src/release/releases.ts', tests: ['test/release/releases.test.ts', 'test/release/release-registry.test.ts'] },
};

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'reports', 'mutation');

function score(results) {
  const count = s => results.filter(r => r.status === s).length;
  const detected = count('Killed') + count('Timeout');
  const undetected = count('Survived') + count('NoCoverage');
  return {
    killed: count('Killed'), timeout: count('Timeout'), survived: count('Survived'), noCoverage: count('NoCoverage'),
    ignored: count('Ignored'), errors: count('CompileError') + count('RuntimeError'),
    score: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
  };
}

async function main(argv) {
  if (argv.includes('--list')) {
    for (const [name, m] of Object.entries(MODULES)) console.log(`${name}: ${m.file} <- ${m.tests.join(', ')}`);
    return 0;
  }
  const unknown = argv.filter(a => !(a in MODULES));
  if (unknown.length > 0) {
    console.error(`mutation: unknown module(s) ${unknown.map(a => JSON.stringify(a)).join(', ')}; one of: ${Object.keys(MODULES).join(', ')}`);
    return 2;
  }
  const names = argv.length > 0 ? argv : Object.keys(MODULES);
  const { Stryker } = await import('@stryker-mutator/core');
  fs.mkdirSync(OUT, { recursive: true });
  const rows = [];
  for (const name of names) {
    const m = MODULES[name];
    process.env.MUTATION_TESTS = m.tests.join(',');
    const started = Date.now();
    const results = await new Stryker({
      mutate: [m.file],
      incrementalFile: path.join('reports', 'mutation', `${name}.incremental.json`),
      jsonReporter: { fileName: path.join('reports', 'mutation', `${name}.json`) },
      htmlReporter: { fileName: path.join('reports', 'mutation', `${name}.html`) },
      ...(process.env.MUTATION_CONCURRENCY ? { concurrency: Number(process.env.MUTATION_CONCURRENCY) } : {}),
    }).runMutationTest();
    const row = { name, file: m.file, ...score(results), seconds: Math.round((Date.now() - started) / 1000) };
    fs.writeFileSync(path.join(OUT, `${name}.score.json`), `${JSON.stringify(row, null, 2)}\n`);
    rows.push(row);
  }
  console.log('\n| module | score | killed | timed out | survived | no coverage | ignored | seconds |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.file} | ${r.score.toFixed(1)} % | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.ignored} | ${r.seconds} |`);
  return 0;
}

main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => { console.error(e); process.exitCode = 1; });
