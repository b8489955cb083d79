/** Tests run against real WordPress sites brought up once by the lab (global setup), in band: the sites are shared. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/setup/globalSetup.js',
  maxWorkers: 1,
  testTimeout: 60000,
};
