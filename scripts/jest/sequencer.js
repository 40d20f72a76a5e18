// Jest test sequencer (jest.config.js `testSequencer`): the slowest test files start first on a fresh
// clone too. Jest orders by the durations of the previous run, kept in its cache; a fresh clone has none,
// and jest then starts the biggest files first, which put the slowest ones (the synth through the cdktf
// CLI, the terraform validations: small files that run long subprocesses) last, one worker finishing them
// alone while the other had nothing left to do. Without a recorded duration, a file's duration is taken
// from the table below (seconds of one worker on a quiet 2-core machine, measured; files not listed count
// as one second). The order changes how long a run takes, never what it tests; a stale entry only costs time.
"use strict";

const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

const TESTS = path.resolve(__dirname, "..", "..", "__tests__");
const ESTIMATED_SECONDS = {
  "app.test.ts": 25,
  "terraform-validate.test.ts": 20,
  "review/hcl.test.ts": 13,
  "review/drawing.test.ts": 12,
  "review/summary.test.ts": 8,
  "stacks/monitoring.test.ts": 7,
  "config/load-config.test.ts": 3,
  "review/atlantis.test.ts": 3,
  "stacks/environment-stacks.test.ts": 3,
};

class SlowestFirstSequencer extends Sequencer {
  time(test) {
    const recorded = super.time(test);
    if (recorded !== undefined) return recorded;
    const name = path.relative(TESTS, test.path).split(path.sep).join("/");
    return (ESTIMATED_SECONDS[name] ?? 1) * 1000;
  }
}

module.exports = SlowestFirstSequencer;
