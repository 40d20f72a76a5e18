// Jest transform for the TypeScript sources and tests: esbuild strips the types and writes CommonJS, with a
// source map that jest keeps beside the code in its cache and reads only when a stack trace is mapped to
// the .ts lines (without the sources' text, which jest reads from the files for its code frames). Types are checked once, by
// `tsc --noEmit` in `npm test`; a transform of one file at a time cannot check them anyway (ts-jest with
// isolatedModules did the same, through the TypeScript compiler, many times slower on a cold cache).
// No jest.mock is used in the tests (esbuild would not hoist it above the imports as babel-jest does).
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  // tsconfig.json's target; its compilerOptions that change the emitted code reach esbuild through tsconfigRaw.
  target: "es2022",
  sourcemap: "external",
  sourcesContent: false,
  tsconfigRaw: fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), "utf8"),
};
/** Part of every cache key: esbuild's version and the options (tsconfig.json included). */
const KEY = JSON.stringify([esbuild.version, OPTIONS, fs.readFileSync(__filename, "utf8")]);

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return crypto.createHash("sha1").update(KEY).update("\0").update(filename).update("\0").update(source).digest("hex");
  },
};
