// Jest runtime (jest.config.js `runtime`) that spares each test file the work of loading the same
// installed packages again. Every test file gets a fresh module registry (and keeps it: nothing here
// shares module state between test files); what is reused, within one worker process, is what does not
// depend on the test file:
//
// - the source text of installed packages' files (node_modules does not change during a run): jest read
//   and decoded them again for every test file, about 16 MB for a file that loads the whole app (cdktf,
//   the AWS provider bindings, zod);
// - their compiled code: jest compiles each module with vm.compileFunction, which V8 does not cache, so
//   each test file paid the full parse and compile again. A vm.Script is compiled once per source text
//   and run in each test file's own context (this is how jest compiled modules before it moved to
//   compileFunction); project files get the same once their transformed source is the same text.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { handlePotentialSyntaxError } = require("@jest/transform");
const Runtime = require("jest-runtime").default;

const INSTALLED = `${path.sep}node_modules${path.sep}`;
/** Installed packages' source text (and the file's modification time) by file name. */
const sources = new Map();
/** Compiled module wrappers by file name: the source they were compiled from, and the script. */
const scripts = new Map();

class SharingRuntime extends Runtime {
  readFile(filename) {
    if (!filename.includes(INSTALLED)) return super.readFile(filename);
    // Keyed by modification time too, as jest's own transform cache is: a watch-mode worker outlives an install.
    const modified = fs.statSync(filename).mtimeMs;
    let cached = sources.get(filename);
    if (cached === undefined || cached.modified !== modified) {
      cached = { modified, source: super.readFile(filename) };
      sources.set(filename, cached);
    }
    return cached.source;
  }

  createScriptFromCode(scriptSource, filename) {
    const vmContext = this._environment.getVmContext();
    if (vmContext == null) return null;
    const parameters = this.constructInjectedModuleParameters().join(",");
    let compiled = scripts.get(filename);
    if (compiled === undefined || compiled.source !== scriptSource || compiled.parameters !== parameters) {
      const scriptFilename = this._resolver.isCoreModule(filename) ? `jest-nodejs-core-${filename}` : filename;
      // The wrapper takes a line of its own, and lineOffset -1 keeps the module's line numbers as they are.
      const wrapped = `({"Object.<anonymous>":function(${parameters}){\n${scriptSource}\n}});`;
      try {
        compiled = { source: scriptSource, parameters, script: new vm.Script(wrapped, { filename: scriptFilename, lineOffset: -1 }) };
      } catch (error) {
        throw handlePotentialSyntaxError(error);
      }
      scripts.set(filename, compiled);
    }
    return compiled.script.runInContext(vmContext)["Object.<anonymous>"];
  }
}

module.exports = SharingRuntime;
