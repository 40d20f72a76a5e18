import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { emulatorWithWorker, workerFixture } from "../fixtures";
import { estateApp } from "../helpers";

// `terraform init -backend=false` + `terraform validate` (as __tests__/terraform-validate.test.ts does for
// the committed environments) on the stacks that hold the test-only worker: the fixture environment's
// backend and the emulator environment's backend with the worker added. The other layers of these
// environments are the committed ones' and are validated there.

const configs = [workerFixture().withWorker, emulatorWithWorker()];
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-validate-worker-"));
estateApp(configs, outdir).synth();
const stacks = configs.map((config) => `${config.name}-backend`);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const terraform = (cwd: string, ...args: string[]) =>
  execFileSync("terraform", args, { cwd, encoding: "utf8", stdio: "pipe", env: process.env });

test.each(stacks)(
  "%s, with the worker, passes terraform validate",
  (stack) => {
    const cwd = path.join(outdir, "stacks", stack);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, "cdk.tf.json"), "utf8")).resource.aws_sqs_queue).toBeDefined();
    terraform(cwd, "init", "-backend=false", "-input=false", "-no-color");
    const result = JSON.parse(terraform(cwd, "validate", "-json", "-no-color"));
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  },
  120_000,
);
