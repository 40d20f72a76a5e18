/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  // Only *.test.ts files are tests; helpers.ts and fixtures live beside them.
  testMatch: ["**/__tests__/**/*.test.ts"],
  // Type-checking is done once by `tsc --noEmit` in `npm test`; the transform only strips types (esbuild,
  // tsconfig.json's isolatedModules), many times faster than ts-jest on a fresh clone's cold cache.
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest/esbuild-transform.js" },
  // Each test file still gets its own module registry; the runtime reuses, within a worker, the installed
  // packages' source text and every module's compiled code (see scripts/jest/runtime.js).
  runtime: "<rootDir>/scripts/jest/runtime.js",
  // The slowest files first, on a fresh clone too (scripts/jest/sequencer.js).
  testSequencer: "<rootDir>/scripts/jest/sequencer.js",
  moduleFileExtensions: ["ts", "js", "json", "node"],
  setupFilesAfterEnv: ["<rootDir>/setup.js"],
  // A temporary directory per run, removed at its end (cdktf leaves a folder per synth in it).
  globalSetup: "<rootDir>/scripts/jest/temp-dir-setup.js",
  globalTeardown: "<rootDir>/scripts/jest/temp-dir-teardown.js",
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  // One worker per core: jest's default keeps one core for itself, which on a 2-core machine runs every
  // test file one after the other.
  maxWorkers: "100%",
  // Inside the checkout, so that a fresh clone starts cold (and a benchmark measures what CI sees).
  cacheDirectory: "<rootDir>/node_modules/.cache/jest",
};
