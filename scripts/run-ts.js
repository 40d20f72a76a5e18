#!/usr/bin/env node
// Runs a TypeScript entry point fast, always from its current sources:
//
//   node scripts/run-ts.js <entry.ts> [args...]     (the cdktf app command: `node scripts/run-ts.js main.ts`)
//   await require("./scripts/run-ts").runTs("main.ts")    (in-process, e.g. scripts/synth.js)
//
// esbuild bundles the entry, every project file it imports and the app's runtime packages (the
// `dependencies` of package.json: cdktf, constructs, the AWS provider bindings, zod...) into one CommonJS
// file; the `devDependencies` (tools, the AWS SDK of the scripts) stay `require`s, loaded as usual. One file
// instead of a few hundred spares Node most of its module resolution and loading.
//
// The bundle is cached under node_modules/.cache/ together with the content hash of every project file
// esbuild read (size and modification time for installed packages' files); it is reused only while each
// of those files (and tsconfig.json and package.json) is unchanged, so an edit is always synthesized: a
// stale build cannot run. A new file can only enter the
// bundle through an import in a file that changed, which changes that file's hash.
//
// No type checking happens here (esbuild strips types): `npm run typecheck` and `npm test` check types.
//
// Stack traces: cdktf captures and formats a full stack trace for every token it creates (kept as the
// token's "creation stack", printed only if that token later fails to resolve). That is about a tenth of
// a synth's time and memory, so the runner captures none into plain objects (where cdktf keeps them);
// errors keep their stack traces.
// TREEPLI_TOKEN_STACKS=1 keeps the creation stacks, and NODE_OPTIONS=--enable-source-maps maps every stack
// trace back to the .ts sources (both slower).
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(PROJECT_ROOT, "node_modules", ".cache", "treepli-run-ts");
/** Part of every cache key: a change to how bundles are built invalidates every cached bundle. */
const BUILD_FORMAT = "3";

function sha1(data) {
  return crypto.createHash("sha1").update(data).digest("hex");
}

/**
 * What identifies the content of an input: the content hash of a project file; size and modification
 * time of an installed package's file (an install or an edit changes them; hashing a few megabytes of
 * packages at every run would cost more than a tenth of a synth). Undefined when the file is gone.
 */
function fileHash(file) {
  try {
    if (file.includes(`${path.sep}node_modules${path.sep}`)) {
      const stat = fs.statSync(file);
      return `${stat.size}:${stat.mtimeMs}`;
    }
    return sha1(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/** The cached bundle of `entry` when every input still has the content it was built from; else undefined. */
function cachedBundle(bundleFile, metaFile) {
  let meta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
  } catch {
    return undefined;
  }
  if (meta.format !== BUILD_FORMAT || !fs.existsSync(bundleFile)) return undefined;
  for (const [file, hash] of Object.entries(meta.inputs)) {
    if (fileHash(path.resolve(PROJECT_ROOT, file)) !== hash) return undefined;
  }
  return bundleFile;
}

/**
 * What esbuild leaves as `require`s: the development packages (and their subpaths). The runtime
 * `dependencies` and what they import are bundled.
 */
function externalPackages() {
  const { devDependencies = {} } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  return Object.keys(devDependencies).flatMap((name) => [name, `${name}/*`]);
}

/**
 * An esbuild plugin that keeps `__dirname` and `__filename` right in the project's own modules: in a
 * bundle they would otherwise name the bundle's cache folder (scripts find the project root from them).
 * The declarations go on an existing line, so line numbers (and the source map) stay as they are.
 */
function projectModuleLocations() {
  return {
    name: "project-module-locations",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const contents = await fs.promises.readFile(args.path, "utf8");
        const loader = /\.[cm]?ts$/.test(args.path) ? "ts" : "js";
        if (!/\b__(dirname|filename)\b/.test(contents)) return { contents, loader };
        const location = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
        // After a "use strict" directive (which must stay first) or in place of a shebang, else first.
        const strict = /^((?:#!.*\n|\s|\/\/.*\n|\/\*[\s\S]*?\*\/)*)(["']use strict["'];?)/.exec(contents);
        if (strict) return { contents: `${strict[1]}${strict[2]} ${location}${contents.slice(strict[0].length)}`, loader };
        if (contents.startsWith("#!")) return { contents: contents.replace(/^#!.*/, location), loader };
        return { contents: `${location} ${contents}`, loader };
      });
    },
  };
}

/** Bundles `entry` with esbuild into the cache; resolves to the bundle's path. */
async function build(entry, bundleFile, metaFile) {
  // Loaded only when a build is needed: a cache hit does not pay for esbuild.
  const esbuild = require("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: externalPackages(),
    plugins: [projectModuleLocations()],
    outfile: bundleFile,
    // Without comments and indentation the bundle is a third smaller and pure ASCII (some packages'
    // comments are not), which V8 reads and parses much faster; names are kept, and the source map
    // leads back to the sources.
    minifyWhitespace: true,
    charset: "ascii",
    sourcemap: "linked",
    sourcesContent: true,
    metafile: true,
    write: false,
    logLevel: "silent",
    tsconfig: path.join(PROJECT_ROOT, "tsconfig.json"),
  });
  const inputs = {};
  for (const file of ["tsconfig.json", "package.json"]) inputs[file] = fileHash(path.join(PROJECT_ROOT, file));
  for (const input of Object.keys(result.metafile.inputs)) inputs[input] = fileHash(path.resolve(PROJECT_ROOT, input));
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Written to temporary names and renamed, so that a concurrent run never reads half a bundle.
  const suffix = `.${process.pid}.tmp`;
  for (const output of result.outputFiles) fs.writeFileSync(output.path + suffix, output.contents);
  fs.writeFileSync(metaFile + suffix, JSON.stringify({ format: BUILD_FORMAT, entry, inputs }));
  for (const output of result.outputFiles) fs.renameSync(output.path + suffix, output.path);
  fs.renameSync(metaFile + suffix, metaFile);
  return bundleFile;
}

/**
 * The path of an up-to-date CommonJS bundle of a TypeScript entry point (relative to the project root or
 * absolute), building it when any of its sources changed.
 */
async function bundle(entry) {
  const relative = path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, entry));
  const key = `${relative.replace(/[^A-Za-z0-9]+/g, "-")}-${sha1(`${BUILD_FORMAT}:${relative}`).slice(0, 8)}`;
  const bundleFile = path.join(CACHE_DIR, `${key}.js`);
  const metaFile = path.join(CACHE_DIR, `${key}.inputs.json`);
  return cachedBundle(bundleFile, metaFile) ?? build(relative, bundleFile, metaFile);
}

/** Skips the stack traces cdktf captures for its tokens (see the top of this file). */
function skipTokenCreationStacks() {
  if (process.env.TREEPLI_TOKEN_STACKS === "1" || process.sourceMapsEnabled) return;
  // cdktf captures its traces into plain objects ({ stack: "" }); errors (of any realm) keep theirs.
  const isError = (value) => Object.prototype.toString.call(value) === "[object Error]";
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = function captureStackTrace(target, ...rest) {
    if (isError(target)) return capture.call(this, target, ...rest);
  };
}

/** Runs a TypeScript entry point in this process as a module (its top-level code runs on require). */
async function runTs(entry) {
  const bundleFile = await bundle(entry);
  skipTokenCreationStacks();
  return require(bundleFile);
}

module.exports = { bundle, runTs, PROJECT_ROOT };

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error("usage: node scripts/run-ts.js <entry.ts> [args...]");
    process.exit(2);
  }
  // The bundle runs as the main module (so `require.main === module` holds in the entry) and sees its
  // own arguments after it, as under ts-node.
  bundle(path.resolve(entry)).then(
    (bundleFile) => {
      skipTokenCreationStacks();
      process.argv = [process.argv[0], bundleFile, ...args];
      require("module").runMain();
    },
    (error) => {
      // esbuild's message names the file, line and column of each error.
      console.error(error.message);
      process.exit(1);
    },
  );
}
