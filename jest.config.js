/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  // Only *.test.ts files are tests; helpers.ts and fixtures live beside them.
  testMatch: ["**/__tests__/**/*.test.ts"],
  // Type-checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles.
  transform: { "^.+\\.ts$": "ts-jest" },
  moduleFileExtensions: ["ts", "js", "json", "node"],
  setupFilesAfterEnv: ["<rootDir>/setup.js"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
