/** Tests run through esbuild (tools/jest-transform.js): transpile only, so the generated imports are never type-checked per run. */
module.exports = {
  testEnvironment: 'node',
  // one worker per core (jest's default leaves one idle): many suites wait on git and spawned CLIs
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/tools/jest-transform.js' },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
