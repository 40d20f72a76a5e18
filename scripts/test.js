#!/usr/bin/env node
// `npm test`: the type check (tsc --noEmit), the format check (prettier --check) and the tests (jest) side
// by side instead of one after the other: the two checks are single-threaded and would otherwise leave a
// core idle while they run. Jest's output streams; the checks' output follows it. Fails if any of the three
// fails. Arguments go to jest (`npm test -- __tests__/config`).
"use strict";

const { spawn } = require("child_process");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const bin = (name) => path.join(PROJECT_ROOT, "node_modules", ".bin", name);

function run(name, command, args, { stream = false } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: stream ? "inherit" : ["ignore", "pipe", "pipe"] });
    let output = "";
    if (!stream) {
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
    }
    child.once("error", (error) => resolve({ name, status: 127, output: error.message, seconds: 0 }));
    child.once("close", (status) => resolve({ name, status: status ?? 1, output, seconds: (Date.now() - started) / 1000 }));
  });
}

async function main() {
  const checks = [
    run("type check (tsc --noEmit)", bin("tsc"), ["--noEmit", "-p", "."]),
    // prettier's cache (node_modules/.cache/prettier) keys each file on its content and prettier's options and
    // version, so an unchanged file is not formatted again: about 8 s of CPU down to 2 on a warm checkout.
    run("format check (prettier --check)", bin("prettier"), ["--check", "--cache", "--cache-strategy", "content", "."]),
  ];
  const tests = await run("tests (jest)", bin("jest"), process.argv.slice(2), { stream: true });
  const results = [...(await Promise.all(checks)), tests];
  for (const result of results.slice(0, -1)) {
    const verdict = result.status === 0 ? "passed" : `FAILED (exit ${result.status})`;
    console.log(`\n${result.name}: ${verdict} in ${result.seconds.toFixed(1)} s`);
    if (result.status !== 0) console.log(result.output.trimEnd());
  }
  const failed = results.filter((result) => result.status !== 0).map((result) => result.name);
  if (failed.length > 0) {
    console.error(`\nnpm test failed: ${failed.join(", ")}`);
    process.exit(1);
  }
}

main();
