/** Tests run through esbuild (tools/jest-transform.js): transpile only, so the generated imports are never type-checked per run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/tools/jest-transform.js' },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
