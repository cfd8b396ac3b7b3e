/**
 * The jest configuration of the mutation test run (`npm run mutation`: tools/mutation.js and
 * stryker.config.json, see CONTRIBUTING.md): the project's configuration, but only the suites
 * that exercise the mutated modules in this process: those MUTATION_TESTS names (comma-separated
 * paths; tools/mutation.js sets them per module), else all of them. Stryker switches mutants
 * inside the jest process, so a CLI a test spawns always runs the original code.
 */
'use strict';
const base = require('./jest.config');

const ALL = [
  'test/gitops/publish.test.ts',
  'test/git/fast-forward.test.ts',
  'test/git/write-tree.test.ts',
  'test/git/ownership-record.test.ts',
  'test/git/swap-journal.test.ts',
  'test/release/release-file.test.ts',
  'test/release/release-registry.test.ts',
];

const tests = process.env.MUTATION_TESTS ? process.env.MUTATION_TESTS.split(',').filter(Boolean) : ALL;

module.exports = {
  ...base,
  testMatch: tests.map(t => `<rootDir>/${t}`),
};
