#!/usr/bin/env node
// The Terraform environment this project owns, for its npm scripts and its tests.
//
//   node scripts/terraform-env.js <command> [args...]   runs the command in that environment
//   require("./scripts/terraform-env").terraformEnv()    returns that environment (for test setup)
//
// - TF_CLI_CONFIG_FILE points at a CLI config this script writes to .terraform-cli/terraformrc.
//   When a provider filesystem mirror is on the machine (TREEPLI_PROVIDER_MIRROR, or /opt/tf-plugins
//   where these offline machines keep hashicorp/aws), Terraform installs hashicorp/aws only from it
//   and never asks the registry; on a networked machine without a mirror it downloads from the public
//   registry into a shared plugin cache, so that `terraform init` in many stack folders downloads once.
// - CHECKPOINT_DISABLE stops cdktf and Terraform from calling home.
// - With TREEPLI_ENV set, cdktf synth/deploy/diff/destroy/output get their own output folder
//   (cdktf.out.<environments>), because cdktf deletes stack folders it did not produce in its output
//   folder, and the full synth's folder (cdktf.out) holds every environment.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const DEFAULT_MIRRORS = ["/opt/tf-plugins"];
const MIRRORED_PROVIDER = "registry.terraform.io/hashicorp/aws";

/** The provider mirror to use, or undefined to use the public registry. */
function findProviderMirror(env = process.env) {
  const candidates = env.TREEPLI_PROVIDER_MIRROR ? [env.TREEPLI_PROVIDER_MIRROR] : DEFAULT_MIRRORS;
  const mirror = candidates.find((dir) => fs.existsSync(path.join(dir, MIRRORED_PROVIDER)));
  if (env.TREEPLI_PROVIDER_MIRROR && !mirror) {
    throw new Error(
      `TREEPLI_PROVIDER_MIRROR=${env.TREEPLI_PROVIDER_MIRROR} holds no ${MIRRORED_PROVIDER}; point it at a Terraform ` +
        `filesystem mirror (a folder containing ${MIRRORED_PROVIDER}/<version>/<os_arch>/) or unset it to use the registry`,
    );
  }
  return mirror;
}

/** The CLI configuration text for the given mirror (or none). */
function cliConfig(mirror, pluginCacheDir) {
  if (mirror) {
    // An unpacked mirror is linked, not copied, into each stack's .terraform folder: no cache needed.
    return [
      "# Written by scripts/terraform-env.js; do not edit.",
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${JSON.stringify(mirror)}`,
      `    include = [${JSON.stringify(MIRRORED_PROVIDER)}]`,
      "  }",
      "  direct {",
      `    exclude = [${JSON.stringify(MIRRORED_PROVIDER)}]`,
      "  }",
      "}",
      "",
    ].join("\n");
  }
  return ["# Written by scripts/terraform-env.js; do not edit.", `plugin_cache_dir = ${JSON.stringify(pluginCacheDir)}`, ""].join("\n");
}

/** Writes the CLI config (atomically, so parallel runs never read half a file) and returns the environment. */
function terraformEnv(env = process.env) {
  const configDir = path.join(PROJECT_ROOT, ".terraform-cli");
  const pluginCacheDir = env.TF_PLUGIN_CACHE_DIR || path.join(os.homedir(), ".cache", "treepli", "terraform-plugins");
  const mirror = findProviderMirror(env);
  fs.mkdirSync(configDir, { recursive: true });
  if (!mirror) fs.mkdirSync(pluginCacheDir, { recursive: true });
  const file = path.join(configDir, "terraformrc");
  const text = cliConfig(mirror, pluginCacheDir);
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    const temporary = `${file}.${process.pid}`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  }
  return { ...env, TF_CLI_CONFIG_FILE: file, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: env.TF_IN_AUTOMATION || "1" };
}

const OUTPUT_COMMANDS = new Set(["synth", "deploy", "diff", "destroy", "output", "list"]);

/** The cdktf subcommand of `cdktf <command>` or `npx cdktf <command>` (what the README and people type), else undefined. */
function cdktfSubcommand(args) {
  const at = path.basename(args[0] || "") === "npx" ? 1 : 0;
  return path.basename(args[at] || "") === "cdktf" ? args[at + 1] : undefined;
}

/** Adds `--output cdktf.out.<environments>` to a cdktf command when TREEPLI_ENV selects environments. */
function withOutputFolder(args, env = process.env) {
  const selection = (env.TREEPLI_ENV || "").trim();
  const isCdktf = OUTPUT_COMMANDS.has(cdktfSubcommand(args));
  if (!selection || !isCdktf || args.some((arg) => arg === "--output" || arg === "-o" || arg.startsWith("--output="))) return args;
  const names = [...new Set(selection.split(",").map((name) => name.trim()))].sort();
  return [...args, "--output", `cdktf.out.${names.join("-")}`];
}

const PROVIDER_LOCK_COMMANDS = new Set(["deploy", "destroy", "diff", "output"]);

/**
 * Adds `--skip-provider-lock` to cdktf deploy/destroy/diff/output when Terraform installs providers
 * from a filesystem mirror. On a stack's first init cdktf runs `terraform providers lock
 * -platform=linux_amd64`, which ignores the CLI config's mirror and asks registry.terraform.io, so it
 * fails offline ("Could not retrieve providers for locking"); `terraform init` from the mirror has
 * already written .terraform.lock.hcl with this platform's checksums.
 */
function withProviderLockSkipped(args, mirror) {
  const isCdktf = PROVIDER_LOCK_COMMANDS.has(cdktfSubcommand(args));
  if (!mirror || !isCdktf || args.includes("--skip-provider-lock")) return args;
  return [...args, "--skip-provider-lock"];
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error("usage: node scripts/terraform-env.js <command> [args...]");
    process.exit(2);
  }
  const command = withProviderLockSkipped(withOutputFolder(args), findProviderMirror());
  const result = spawnSync(command[0], command.slice(1), { stdio: "inherit", env: terraformEnv(), cwd: PROJECT_ROOT });
  if (result.error) {
    console.error(`${command[0]}: ${result.error.message}`);
    process.exit(127);
  }
  process.exit(result.status ?? 1);
}

module.exports = { terraformEnv, findProviderMirror, withOutputFolder, withProviderLockSkipped, PROJECT_ROOT };
