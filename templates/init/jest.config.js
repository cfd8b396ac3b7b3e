/** Tests run the TypeScript through esbuild, transpile only: `npm run typecheck` type-checks. */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': '<rootDir>/jest.transform.js' },
};
