// Jest global setup: every test run gets its own temporary directory, removed by temp-dir-teardown.js.
// cdktf's Testing helpers make a `cdktf.outdir.*` folder in the temporary directory for every synth and
// never remove it (thousands per `npm test`); with TMPDIR pointing here, they and the tests' own scratch
// folders go when the run ends. Workers are started after this runs, so they inherit TMPDIR.
const fs = require("fs");
const os = require("os");
const path = require("path");

module.exports = async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-jest-"));
  process.env.TREEPLI_JEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
