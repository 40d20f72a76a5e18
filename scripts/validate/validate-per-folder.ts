/**
 * The usual way to validate synthesized stacks offline, kept as the bench's baseline (scripts/bench):
 * `terraform init -backend=false` and `terraform validate` in every stack folder, one after the other,
 * each starting the provider and reading its schema again. The project validates with
 * validate-stacks.ts instead.
 *
 *   node scripts/run-ts.js scripts/validate/validate-per-folder.ts <synth output folder>...
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { stackFolders } from "./validate-stacks";

function main(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { terraformEnv } = require("../terraform-env");
  const env = terraformEnv(process.env);
  const invalid: string[] = [];
  for (const [name, folder] of stackFolders(process.argv.slice(2).map((dir) => path.resolve(dir)))) {
    const terraform = (...args: string[]) => execFileSync("terraform", args, { cwd: folder, env, encoding: "utf8", stdio: "pipe" });
    terraform("init", "-backend=false", "-input=false", "-no-color");
    const result = JSON.parse(terraform("validate", "-json", "-no-color")) as { valid: boolean };
    if (!result.valid) invalid.push(name);
  }
  if (invalid.length > 0) {
    console.error(`invalid: ${invalid.join(", ")}`);
    process.exit(1);
  }
}

main();
