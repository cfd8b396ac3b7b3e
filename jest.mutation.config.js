/**
 * The jest configuration of the mutation test run (`npm run mutation`, see stryker.config.json
 * and CONTRIBUTING.md): the project's configuration, but only the suites that exercise the
 * mutated modules in this process. Stryker switches mutants inside the jest process, so a CLI a
 * test spawns always runs the original code; those suites would only cost time here.
 */
'use strict';
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/gitops/publish.test.ts',
    '<rootDir>/test/gitops/fast-forward.test.ts',
    '<rootDir>/test/gitops/write-tree.test.ts',
    '<rootDir>/test/gitops/ownership-record.test.ts',
    '<rootDir>/test/gitops/swap-journal.test.ts',
    '<rootDir>/test/gitops/release-file.test.ts',
    '<rootDir>/test/release-registry.test.ts',
  ],
};
