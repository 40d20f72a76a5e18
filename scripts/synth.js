#!/usr/bin/env node
// `npm run synth`: synthesizes the stacks exactly as `cdktf synth` does, without the cdktf CLI's start-up
// (several seconds): it runs the same app (main.ts, from its current sources through scripts/run-ts.js)
// in this process with the environment the CLI gives it, then removes the stack folders of the output
// folder that the app did not produce, as the CLI does. The stacks and manifest it writes are the ones
// `cdktf synth` writes (__tests__/app.test.ts compares both byte for byte); `cdktf synth`, `diff` and
// `deploy` keep working from the same sources (cdktf.json's app command runs the same runner).
//
//   node scripts/synth.js [--output <folder>]
//
// TREEPLI_ENV selects environments as everywhere else; a partial selection writes to its own folder
// (cdktf.out.<environments>), as scripts/terraform-env.js arranges for the cdktf CLI.
"use strict";

const fs = require("fs");
const path = require("path");
const { runTs, PROJECT_ROOT } = require("./run-ts");
const { withOutputFolder } = require("./terraform-env");

/** The output folder: `--output <folder>`, else the one the cdktf CLI would get from the npm scripts. */
function outputFolder(args, env) {
  const withFolder = withOutputFolder(["cdktf", "synth", ...args], env);
  const at = withFolder.findIndex((arg) => arg === "--output" || arg === "-o");
  if (at >= 0) return withFolder[at + 1];
  const inline = withFolder.find((arg) => arg.startsWith("--output="));
  if (inline) return inline.slice("--output=".length);
  return JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")).output;
}

function stackFolders(outdir) {
  const stacks = path.join(outdir, "stacks");
  if (!fs.existsSync(stacks)) return [];
  return fs
    .readdirSync(stacks, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

async function main() {
  const args = process.argv.slice(2);
  const valid = (args.length === 2 && ["--output", "-o"].includes(args[0])) || (args.length === 1 && args[0].startsWith("--output="));
  if (args.length > 0 && !valid) {
    console.error(`usage: node scripts/synth.js [--output <folder>] (got: ${args.join(" ")})`);
    process.exit(2);
  }
  const cdktfJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8"));
  if ((cdktfJson.terraformModules ?? []).length > 0) {
    // The CLI passes local modules to the app as context; this path does not implement that.
    console.error("cdktf.json lists terraformModules: use `npx cdktf synth`, which passes them to the app");
    process.exit(2);
  }
  const outdir = path.resolve(PROJECT_ROOT, outputFolder(args, process.env));
  const before = stackFolders(outdir);
  // The app creates the folder itself once the configuration is valid (nothing is written before).
  fs.mkdirSync(path.dirname(outdir), { recursive: true });

  // What the cdktf CLI sets for the app (cli-core's synth-stack.ts), but for error annotations: the CLI lets
  // the app finish and reports them itself; here cdktf's own check stops the synth with the same message.
  Object.assign(process.env, {
    CDKTF_OUTDIR: outdir,
    CDKTF_CONTEXT_JSON: JSON.stringify({ cdktfRelativeModules: [] }),
    SYNTH_HCL_OUTPUT: "false",
  });
  process.chdir(PROJECT_ROOT);
  await runTs(path.join(PROJECT_ROOT, "main.ts"));

  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks = Object.keys(manifest.stacks);
  for (const orphan of before.filter((name) => !stacks.includes(name))) {
    fs.rmSync(path.join(outdir, "stacks", orphan), { recursive: true, force: true });
  }
  console.log(`Generated Terraform code for the stacks: ${stacks.join(", ")} (in ${path.relative(PROJECT_ROOT, outdir) || "."})`);
}

main().catch((error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
