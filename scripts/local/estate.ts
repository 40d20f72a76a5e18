/**
 * The whole estate on the local AWS emulator.
 *
 *   npm run local:up     starts the emulator if none answers (and says so), creates the state bucket
 *                        through the bootstrap stack, deploys every stack in dependency order with the
 *                        real cdktf CLI, and prints what an operator looks at
 *   npm run local:down   destroys every stack in reverse order and stops the emulator `up` started
 *
 * The endpoint is TREEPLI_EMULATOR_ENDPOINT (default http://127.0.0.1:5000). The end-to-end test
 * (e2e/) drives the same functions.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_EMULATOR_ENDPOINT } from "../../src/config/environments";
import { LAYERS } from "../../src/stacks/environment-stack";
import { PROJECT_ROOT, isEmulatorRunning, startEmulator, stopProcess } from "./emulator";

/** The local stacks in deployment order. `bootstrap` holds the state bucket the others keep their state in. */
export const LOCAL_STACKS = LAYERS.map((layer) => `local-${layer}`);

/** Where the local synth goes (the wrapper's folder for TREEPLI_ENV=local). */
export const LOCAL_OUTPUT = path.join(PROJECT_ROOT, "cdktf.out.local");

const BOOTSTRAP_STATE = path.join(PROJECT_ROOT, "bootstrap", "local.tfstate");
const EMULATOR_DIR = path.join(PROJECT_ROOT, ".emulator");
const PID_FILE = path.join(EMULATOR_DIR, "pid");

/** The result of one command. */
export interface CommandResult {
  readonly status: number;
  readonly output: string;
  readonly seconds: number;
}

/**
 * Runs a command in the project's Terraform environment for the local environment, appending its
 * output to `logFile` (and echoing it when `echo` is set).
 */
export function runLocal(endpoint: string, args: string[], options: { logFile?: string; echo?: boolean } = {}): CommandResult {
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "terraform-env.js"), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TREEPLI_ENV: "local", TREEPLI_EMULATOR_ENDPOINT: endpoint, CI: "true", FORCE_COLOR: "0" },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (options.logFile) fs.appendFileSync(options.logFile, `\n$ ${args.join(" ")}\n${output}`);
  if (options.echo) process.stdout.write(output);
  return { status: result.status ?? 1, output, seconds: (Date.now() - started) / 1000 };
}

function mustSucceed(what: string, result: CommandResult): CommandResult {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.output.split("\n").slice(-40).join("\n")}`);
  return result;
}

/** Deploys every local stack: the state bucket first, then the layers in dependency order. Returns seconds per step. */
export function deployEstate(endpoint: string, options: { logFile?: string; echo?: boolean } = {}): Record<string, number> {
  const cdktf = (...args: string[]) => runLocal(endpoint, ["npx", "cdktf", ...args, "--auto-approve"], options);
  const bootstrap = mustSucceed("deploying local-bootstrap", cdktf("deploy", "local-bootstrap"));
  const layers = mustSucceed("deploying the local layers", cdktf("deploy", ...LOCAL_STACKS.slice(1)));
  return { bootstrap: bootstrap.seconds, layers: layers.seconds };
}

/** Destroys every local stack in reverse order, the state bucket last. Returns seconds per step. */
export function destroyEstate(endpoint: string, options: { logFile?: string; echo?: boolean } = {}): Record<string, number> {
  const cdktf = (...args: string[]) => runLocal(endpoint, ["npx", "cdktf", ...args, "--auto-approve"], options);
  const layers = mustSucceed("destroying the local layers", cdktf("destroy", ...LOCAL_STACKS.slice(1).reverse()));
  const bootstrap = mustSucceed("destroying local-bootstrap", cdktf("destroy", "local-bootstrap"));
  return { layers: layers.seconds, bootstrap: bootstrap.seconds };
}

/** A stack's outputs (`terraform output -json`), as name to value. */
export function stackOutputs(endpoint: string, stack: string): Record<string, unknown> {
  const result = mustSucceed(
    `reading the outputs of ${stack}`,
    runLocal(endpoint, ["terraform", `-chdir=${path.join(LOCAL_OUTPUT, "stacks", stack)}`, "output", "-json"]),
  );
  const outputs = JSON.parse(result.output.slice(result.output.indexOf("{"))) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
}

/** The pid of the emulator `local:up` started and left running, if it still runs. */
export function localUpEmulatorPid(): number | undefined {
  if (!fs.existsSync(PID_FILE)) return undefined;
  const pid = Number(fs.readFileSync(PID_FILE, "utf8"));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Forgets what a previous emulator held: the local synth folder and the bootstrap stack's local state.
 * Refuses while an estate brought up by `local:up` may still be using them.
 */
export function forgetPreviousEmulator(): void {
  const pid = localUpEmulatorPid();
  if (pid !== undefined) {
    throw new Error(
      `the emulator started by npm run local:up (pid ${pid}) is still running and uses cdktf.out.local/; run npm run local:down first`,
    );
  }
  fs.rmSync(LOCAL_OUTPUT, { recursive: true, force: true });
  fs.rmSync(BOOTSTRAP_STATE, { force: true });
  fs.rmSync(`${BOOTSTRAP_STATE}.backup`, { force: true });
}

function printSummary(endpoint: string): void {
  const bootstrap = stackOutputs(endpoint, "local-bootstrap");
  const vpc = stackOutputs(endpoint, "local-vpc");
  const cluster = stackOutputs(endpoint, "local-cluster");
  const media = stackOutputs(endpoint, "local-media");
  const backend = stackOutputs(endpoint, "local-backend");
  const frontend = stackOutputs(endpoint, "local-frontend");
  const rows: [string, unknown][] = [
    ["emulator", endpoint],
    ["state bucket", bootstrap.state_bucket_name],
    ["VPC", vpc.vpc_id],
    ["private subnets", vpc.private_subnet_ids],
    ["ECS cluster", cluster.cluster_name],
    ["capacity provider", cluster.capacity_provider_name],
    ["container instances (ASG)", cluster.autoscaling_group_name],
    ["media bucket", media.media_bucket_name],
    ["media CDN", media.media_cdn_domain_name],
    ["API (backend)", backend.api_url],
    ["backend image repository", backend.repository_url],
    ["site CDN (frontend)", frontend.site_domain_name],
    ["site load balancer (403 direct)", frontend.load_balancer_dns_name],
    ["frontend image repository", frontend.repository_url],
  ];
  console.log("\nThe local estate:");
  for (const [name, value] of rows) console.log(`  ${name.padEnd(28)} ${Array.isArray(value) ? value.join(", ") : String(value)}`);
}

async function up(endpoint: string): Promise<void> {
  if (await isEmulatorRunning(endpoint)) {
    console.log(`Using the emulator already running at ${endpoint}.`);
  } else {
    const port = Number(new URL(endpoint).port);
    forgetPreviousEmulator();
    const emulator = await startEmulator({ port, logFile: path.join(EMULATOR_DIR, "moto.log"), detached: true });
    fs.writeFileSync(PID_FILE, String(emulator.pid));
    console.log(`Started the emulator at ${endpoint} (pid ${emulator.pid}, log .emulator/moto.log); npm run local:down stops it.`);
  }
  const seconds = deployEstate(endpoint, { echo: true });
  printSummary(endpoint);
  console.log(
    `\nDeployed in ${Object.values(seconds)
      .reduce((a, b) => a + b, 0)
      .toFixed(0)} s.`,
  );
}

async function down(endpoint: string): Promise<void> {
  if (!(await isEmulatorRunning(endpoint))) throw new Error(`no emulator answers at ${endpoint}; nothing to destroy`);
  destroyEstate(endpoint, { echo: true });
  if (fs.existsSync(PID_FILE)) {
    const pid = Number(fs.readFileSync(PID_FILE, "utf8"));
    await stopProcess(pid);
    fs.rmSync(PID_FILE);
    console.log(`Stopped the emulator (pid ${pid}).`);
  }
}

if (require.main === module) {
  const command = process.argv[2];
  const endpoint = process.env.TREEPLI_EMULATOR_ENDPOINT || DEFAULT_EMULATOR_ENDPOINT;
  const action = command === "up" ? up : command === "down" ? down : undefined;
  if (!action) {
    console.error("usage: ts-node scripts/local/estate.ts up|down");
    process.exit(2);
  }
  action(endpoint).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
