/** Tests run through @swc/jest: transpile-only, so the generated imports are never type-checked per run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
