/** Tests run through esbuild (tools/jest-transform.js): transpile only (`npm run typecheck` type-checks them). */
module.exports = {
  testEnvironment: 'node',
  // one worker per core (jest's default leaves one idle): many suites wait on git and spawned CLIs
  maxWorkers: '100%',
  // a hang detector, not a speed check: tests spawn real CLI processes and git, and on a busy
  // 2-core machine (the concurrency suite runs 8 processes meanwhile) one test may take 5-10 s
  testTimeout: 30_000,
  // transpiles the sources once for the CLIs the tests spawn, and gives the run its own
  // temporary folder, removed at the end (see test/global-setup.js)
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  // the longest suites first, also on a fresh clone with no recorded durations (see the file)
  testSequencer: '<rootDir>/test/sequencer.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/tools/jest-transform.js' },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
