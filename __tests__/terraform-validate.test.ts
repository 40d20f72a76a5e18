import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENT_NAMES } from "../src/config/environment-config";
import { loadEnvironmentConfigs } from "../src/config/load-config";
import { LAYERS } from "../src/stacks/environment-stack";
import { stackFolders, validateStacks, ValidationReport } from "../scripts/validate/validate-stacks";
import { emulatorWithWorker, workerFixture } from "./fixtures";
import { estateApp } from "./helpers";

// Real `terraform init -backend=false` + `terraform validate` of every synthesized stack of every
// environment, through scripts/validate/validate-stacks.ts: one wrapper root module holds every stack
// as a module, so the AWS provider's schema is read once, and the blocks such a wrapper leaves out
// (provider blocks, backends) are checked against the same provider's schema and Terraform's backend
// arguments. setup.js points Terraform at the project's CLI config: on
// these offline machines it installs hashicorp/aws only from the filesystem mirror.
//
// A deliberately broken copy of a stack is validated by the same code, beside the real stacks in a wrapper
// of its own (in theirs, its errors would make Terraform validate every other stack a second time): it
// proves that each kind of mistake is caught and reported against the stack it is in, and, with a copy of
// a clean stack beside it, that a stack next to a broken one is still validated in a run nothing cut short.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-validate-"));
const outdir = path.join(tmp, "estate");
estateApp(loadEnvironmentConfigs(ENVIRONMENT_NAMES), outdir).synth();
const stackNames = fs.readdirSync(path.join(outdir, "stacks")).sort();

// The stacks that hold the test-only queue worker (issue 11): the fixture environment's backend and the
// emulator environment's backend with the worker added; their other layers are the committed ones'.
const workerOutdir = path.join(tmp, "worker");
const workerConfigs = [workerFixture().withWorker, emulatorWithWorker()];
estateApp(workerConfigs, path.join(tmp, "worker-synth")).synth();
const workerStacks = workerConfigs.map((config) => `${config.name}-backend-with-worker`);
workerConfigs.forEach((config, index) =>
  fs.cpSync(path.join(tmp, "worker-synth", "stacks", `${config.name}-backend`), path.join(workerOutdir, "stacks", workerStacks[index]), {
    recursive: true,
  }),
);

const BROKEN = "fixture-broken-cluster";
const CLEAN_NEIGHBOUR = "fixture-clean-bootstrap";
const brokenOutdir = path.join(tmp, "fixture");
function writeBrokenStack(): void {
  fs.cpSync(path.join(outdir, "stacks", "staging-bootstrap"), path.join(brokenOutdir, "stacks", CLEAN_NEIGHBOUR), { recursive: true });
  const source = path.join(outdir, "stacks", "local-cluster", "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(source, "utf8"));
  json.provider.aws[0].regoin = "eu-west-1";
  json.terraform.backend.s3.use_lock_file = true;
  const [launchTemplate] = Object.values(json.resource.aws_launch_template) as Array<Record<string, unknown>>;
  launchTemplate.instance_typ = "m6i.large";
  fs.mkdirSync(path.join(brokenOutdir, "stacks", BROKEN), { recursive: true });
  fs.writeFileSync(path.join(brokenOutdir, "stacks", BROKEN, "cdk.tf.json"), JSON.stringify(json));
}

let report: ValidationReport;
let brokenReport: ValidationReport;
beforeAll(async () => {
  writeBrokenStack();
  [report, brokenReport] = await Promise.all([
    validateStacks(stackFolders([outdir, workerOutdir]), path.join(tmp, "wrapper"), process.env),
    validateStacks(stackFolders([brokenOutdir]), path.join(tmp, "broken-wrapper"), process.env),
  ]);
}, 300_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

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

test("the validation itself ran: no problem outside the stacks", () => {
  expect(report.general).toEqual([]);
  expect(Object.keys(report.stacks).sort()).toEqual([...stackNames, ...workerStacks].sort());
  expect(brokenReport.general).toEqual([]);
  expect(Object.keys(brokenReport.stacks).sort()).toEqual([BROKEN, CLEAN_NEIGHBOUR].sort());
});

test.each(stackNames)("%s passes terraform validate, and its provider, backend and remote-state blocks are valid", (stack) => {
  expect(report.stacks[stack]).toEqual([]);
});

test.each(workerStacks)("%s (the test-only queue worker) passes terraform validate", (stack) => {
  expect(JSON.parse(fs.readFileSync(path.join(workerOutdir, "stacks", stack, "cdk.tf.json"), "utf8")).resource.aws_sqs_queue).toBeDefined();
  expect(report.stacks[stack]).toEqual([]);
});

test("a mistake in a resource, a provider block or the backend is reported against its stack; the stack beside it is still validated", () => {
  const problems = brokenReport.stacks[BROKEN];
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^error: Extraneous JSON object property \(No argument or block type is named "instance_typ"/),
      expect.stringMatching(/^provider\.aws\[0\]\.regoin: unknown argument or block/),
      expect.stringMatching(/^terraform\.backend\.s3\.use_lock_file: unknown argument or block/),
    ]),
  );
  expect(problems).toHaveLength(3);
  expect(brokenReport.stacks[CLEAN_NEIGHBOUR]).toEqual([]);
});
