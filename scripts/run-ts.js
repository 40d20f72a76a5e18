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
// The bundle is cached under node_modules/.cache/ together with the content hash and stat of every
// project file esbuild read (size and modification time for installed packages' files); it is reused only
// while each of those files (and tsconfig.json and package.json) is unchanged, so an edit is always
// synthesized: a stale build cannot run. A project file whose stat changed (or is too recent to trust) is
// hashed again. A new file can only enter the bundle through an import in a file that changed, which
// changes that file's hash. V8's code cache of the bundle is kept beside it (see useCodeCache).
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

const fs = require("fs");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(PROJECT_ROOT, "node_modules", ".cache", "treepli-run-ts");
/** Part of every cache key: a change to how bundles are built invalidates every cached bundle. */
const BUILD_FORMAT = "5";
/**
 * A file modified this close to (or after) the start of the build that read it may have changed again
 * within one tick of the file system's clock: its content is hashed rather than its stat trusted (git's
 * "racy clean" rule).
 */
const RACY_MILLISECONDS = 2000;

function sha1(data) {
  // Loaded only when a hash is needed: most runs only compare stats.
  return require("crypto").createHash("sha1").update(data).digest("hex");
}

/** Size and modification time of a file, or undefined when it is gone. */
function statOf(file) {
  try {
    const stat = fs.statSync(file);
    return { id: `${stat.size}:${stat.mtimeMs}`, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * What identifies the content of an input: for a project file its content hash and its stat; for an
 * installed package's file its size and modification time only (an install or an edit changes them;
 * hashing a few megabytes of packages at every run would cost more than a tenth of a synth).
 */
function inputRecord(file) {
  const stat = statOf(file);
  if (stat === undefined) return undefined;
  if (file.includes(`${path.sep}node_modules${path.sep}`)) return { stat: stat.id };
  return { stat: stat.id, hash: sha1(fs.readFileSync(file)) };
}

/**
 * Whether an input still has the content it was built from. A project file whose size and modification
 * time are unchanged, and were not racy when the build read it, is unchanged; otherwise its content hash
 * decides (a touched but unedited file does not cause a rebuild).
 */
function unchanged(file, record, builtAt) {
  const stat = statOf(file);
  if (stat === undefined || record === null) return stat === undefined && record === null;
  if (record.hash === undefined) return stat.id === record.stat;
  if (stat.id === record.stat && stat.mtimeMs < builtAt - RACY_MILLISECONDS) return true;
  try {
    return sha1(fs.readFileSync(file)) === record.hash;
  } catch {
    return false;
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
  for (const [file, record] of Object.entries(meta.inputs)) {
    if (!unchanged(path.resolve(PROJECT_ROOT, file), record, meta.builtAt)) return undefined;
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

/**
 * Packages the runtime packages load at start but the app never calls: in the bundle, each is a function
 * that loads the package on its first call. cdktf loads archiver (and its streams, about a twentieth of a
 * synth) to zip the files of a TerraformAsset, which the estate does not use; cdktf only ever calls the
 * package itself (`archiver("zip", ...)` in lib/private/fs.js), which the stand-in forwards.
 */
const DEFERRED_PACKAGES = ["archiver"];

/** An esbuild plugin that puts a loading-on-first-call stand-in in place of each deferred package. */
function deferredPackages() {
  const filter = new RegExp(`^(${DEFERRED_PACKAGES.join("|")})$`);
  return {
    name: "deferred-packages",
    setup(build) {
      build.onResolve({ filter }, (args) => {
        // The stand-in's own require resolves to the package, from where the original importer found it.
        if (args.namespace === "deferred-package") return undefined;
        return { path: args.path, namespace: "deferred-package", pluginData: { resolveDir: args.resolveDir } };
      });
      build.onLoad({ filter: /.*/, namespace: "deferred-package" }, (args) => ({
        contents: `var loaded; module.exports = function () { loaded = loaded || require(${JSON.stringify(args.path)}); return loaded.apply(this, arguments); };`,
        resolveDir: args.pluginData.resolveDir,
        loader: "js",
      }));
    },
  };
}

/** Bundles `entry` with esbuild into the cache; resolves to the bundle's path. */
async function build(entry, bundleFile, metaFile) {
  // Loaded only when a build is needed: a cache hit does not pay for esbuild.
  const esbuild = require("esbuild");
  const builtAt = Date.now();
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: externalPackages(),
    plugins: [projectModuleLocations(), deferredPackages()],
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
  // A file that is gone is recorded as null (its reappearance is a change).
  for (const file of ["tsconfig.json", "package.json"]) inputs[file] = inputRecord(path.join(PROJECT_ROOT, file)) ?? null;
  for (const input of Object.keys(result.metafile.inputs)) inputs[input] = inputRecord(path.resolve(PROJECT_ROOT, input)) ?? null;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Written to temporary names and renamed, so that a concurrent run never reads half a bundle.
  const suffix = `.${process.pid}.tmp`;
  for (const output of result.outputFiles) fs.writeFileSync(output.path + suffix, output.contents);
  fs.writeFileSync(metaFile + suffix, JSON.stringify({ format: BUILD_FORMAT, entry, builtAt, inputs }));
  for (const output of result.outputFiles) fs.renameSync(output.path + suffix, output.path);
  fs.renameSync(metaFile + suffix, metaFile);
  // The code caches of earlier builds of this bundle can never match it again.
  const stem = path.basename(bundleFile, ".js");
  for (const file of fs.readdirSync(CACHE_DIR)) {
    if (file.startsWith(`${stem}.`) && file.endsWith(".v8cache")) fs.rmSync(path.join(CACHE_DIR, file), { force: true });
  }
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

/** The file of V8's code cache for a bundle: named after the bundle's size and modification time. */
function codeCacheFile(bundleFile) {
  const stat = fs.statSync(bundleFile);
  return `${bundleFile.slice(0, -".js".length)}.${stat.size}-${Math.round(stat.mtimeMs)}.v8cache`;
}

/**
 * Compiles the bundle with V8's code cache: compiling a bundle of a few megabytes is about a sixth of a
 * synth, and V8 can reuse the machine-independent bytecode of an earlier run instead. The cache is
 * written at the end of a run that had none (or whose cache V8 rejected: another Node version or
 * flags), so it holds every function that run compiled. V8 checks only the source's length, so the
 * cache is named after the bundle's size and modification time and a rebuilt bundle never meets an old
 * cache (build() removes those). Off when source maps are on (Node maps stack traces only for what it
 * compiled itself) and with TREEPLI_CODE_CACHE=0.
 */
function useCodeCache(bundleFile) {
  if (process.sourceMapsEnabled || process.env.TREEPLI_CODE_CACHE === "0") return;
  const Module = require("module");
  const vm = require("vm");
  const cacheFile = codeCacheFile(bundleFile);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileBundle(content, filename) {
    if (filename !== bundleFile) return compile.call(this, content, filename);
    Module.prototype._compile = compile;
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined || script.cachedDataRejected) {
      process.once("exit", () => {
        try {
          const temporary = `${cacheFile}.${process.pid}.tmp`;
          fs.writeFileSync(temporary, script.createCachedData());
          fs.renameSync(temporary, cacheFile);
        } catch {
          // A cache that cannot be written only costs the next run its compile time.
        }
      });
    }
    // What Node's loader passes a CommonJS module (lib/internal/modules/helpers.js makeRequireFunction).
    const module = this;
    const moduleRequire = (id) => module.require(id);
    moduleRequire.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    moduleRequire.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    moduleRequire.main = process.mainModule;
    moduleRequire.extensions = Module._extensions;
    moduleRequire.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(module.exports, module.exports, moduleRequire, module, filename, path.dirname(filename));
  };
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
  useCodeCache(bundleFile);
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
      useCodeCache(bundleFile);
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
