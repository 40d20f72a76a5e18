/**
 * The end-to-end suite (`npm run test:e2e`): deploys every local stack on a fresh AWS emulator and
 * reads the result back through the AWS API. Kept out of `npm test`; `.ci/run` runs both.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/e2e"],
  testMatch: ["**/e2e/**/*.e2e.ts"],
  transform: { "^.+\\.ts$": "ts-jest" },
  setupFilesAfterEnv: ["<rootDir>/setup.js"],
  // A temporary directory per run, removed at its end (cdktf leaves a folder per synth in it).
  globalSetup: "<rootDir>/scripts/jest/temp-dir-setup.js",
  globalTeardown: "<rootDir>/scripts/jest/temp-dir-teardown.js",
  // One deploy serves every test of the file; a slow step fails on its own timeout, not jest's default.
  testTimeout: 20 * 60 * 1000,
};
