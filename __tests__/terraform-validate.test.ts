import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENT_NAMES } from "../src/config/environment-config";
import { loadEnvironmentConfigs } from "../src/config/load-config";
import { LAYERS } from "../src/stacks/environment-stack";
import { estateApp } from "./helpers";

// Real `terraform init -backend=false` + `terraform validate` on every synthesized stack of every
// environment. setup.js points Terraform at the project's CLI config: on these offline machines it
// installs hashicorp/aws only from the filesystem mirror, on a networked one from the registry.

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-validate-"));
const app = estateApp(loadEnvironmentConfigs(ENVIRONMENT_NAMES), outdir);
app.synth();
const stackNames = fs.readdirSync(path.join(outdir, "stacks")).sort();

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const terraform = (cwd: string, ...args: string[]) =>
  execFileSync("terraform", args, { cwd, encoding: "utf8", stdio: "pipe", env: process.env });

test("every environment's every layer was synthesized", () => {
  expect(stackNames).toEqual(ENVIRONMENT_NAMES.flatMap((env) => LAYERS.map((layer) => `${env}-${layer}`)).sort());
});

test("Terraform uses the provider mirror when the machine has one, so init never needs the network", () => {
  const cliConfig = fs.readFileSync(process.env.TF_CLI_CONFIG_FILE as string, "utf8");
  if (fs.existsSync("/opt/tf-plugins/registry.terraform.io/hashicorp/aws") || process.env.TREEPLI_PROVIDER_MIRROR) {
    expect(cliConfig).toMatch(/filesystem_mirror \{\n\s+path\s+= "[^"]+"\n\s+include = \["registry.terraform.io\/hashicorp\/aws"\]/);
  } else {
    expect(cliConfig).toContain("plugin_cache_dir");
  }
  expect(process.env.CHECKPOINT_DISABLE).toBe("1");
});

test.each(stackNames)(
  "%s passes terraform validate",
  (stack) => {
    const cwd = path.join(outdir, "stacks", stack);
    terraform(cwd, "init", "-backend=false", "-input=false", "-no-color");
    const result = JSON.parse(terraform(cwd, "validate", "-json", "-no-color"));
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  },
  120_000,
);
