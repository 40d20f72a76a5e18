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
 *
 * The bootstrap stack goes through `cdktf deploy`/`cdktf destroy` (which also synthesizes the local
 * stacks with cdktf.json's app command): its state is local and it must exist before anything else. The
 * other stacks are applied as Atlantis applies them, `terraform init` + `terraform apply` in each
 * synthesized stack folder, each as soon as the stacks it depends on (cdktf's manifest) are done, so
 * independent stacks (media and the network) deploy side by side; destroy runs the same graph backwards.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetBucketEncryptionCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_EMULATOR_ENDPOINT, ENVIRONMENTS } from "../../src/config/environments";
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
  if (options.logFile)
    fs.appendFileSync(
      options.logFile,
      `\n$ ${args.join(" ")}  (started ${new Date(started).toISOString()}, exit ${result.status}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n${output}`,
    );
  if (options.echo) process.stdout.write(output);
  return { status: result.status ?? 1, output, seconds: (Date.now() - started) / 1000 };
}

function mustSucceed(what: string, result: CommandResult): CommandResult {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.output.split("\n").slice(-40).join("\n")}`);
  return result;
}

/** Collects a command's output as lines, each prefixed with the seconds since `started` when it arrived. */
class TimedLines {
  private readonly lines: string[] = [];
  private partial = "";
  constructor(private readonly started: number) {}

  add(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    const at = `[${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s] `;
    for (const line of parts) this.lines.push(at + line);
  }

  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join("\n") + "\n";
  }
}

/** Runs a command like {@link runLocal}, without blocking: for commands that run side by side. */
export function runLocalAsync(
  endpoint: string,
  args: string[],
  options: { logFile?: string; echo?: boolean } = {},
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "scripts", "terraform-env.js"), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TREEPLI_ENV: "local", TREEPLI_EMULATOR_ENDPOINT: endpoint, CI: "true", FORCE_COLOR: "0" },
    });
    let output = "";
    // The log gets each line with the seconds since the command started (where an apply spends its time).
    const timed = new TimedLines(started);
    const take = (chunk: Buffer) => {
      output += chunk;
      timed.add(chunk.toString());
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const finish = (status: number) => {
      // Each command's output is appended whole, so that stacks running side by side do not interleave.
      if (options.logFile)
        fs.appendFileSync(
          options.logFile,
          `\n$ ${args.join(" ")}  (started ${new Date(started).toISOString()}, exit ${status}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n${timed.text()}`,
        );
      if (options.echo) process.stdout.write(output);
      resolve({ status, output, seconds: (Date.now() - started) / 1000 });
    };
    child.once("error", (error) => {
      output += error.message;
      finish(127);
    });
    child.once("close", (status) => finish(status ?? 1));
  });
}

/** The local stacks (bootstrap excepted) and the stacks each depends on, from the local synth's manifest. */
export function localStackDependencies(): Map<string, string[]> {
  const manifest = JSON.parse(fs.readFileSync(path.join(LOCAL_OUTPUT, "manifest.json"), "utf8")) as {
    stacks: Record<string, { dependencies: string[] }>;
  };
  const bootstrap = LOCAL_STACKS[0];
  return new Map(
    Object.entries(manifest.stacks)
      .filter(([name]) => name !== bootstrap)
      .map(([name, stack]) => [name, stack.dependencies.filter((dependency) => dependency !== bootstrap)]),
  );
}

/**
 * How many Terraform commands the local estate runs at once. Most of a command's time is spent in
 * the provider's waits and the emulator's answers, not on a core, so twice the cores (4 on the 2-core
 * CI machine) keeps both busy without starving the emulator. TREEPLI_LOCAL_CONCURRENCY overrides it.
 */
export const LOCAL_CONCURRENCY = Number(process.env.TREEPLI_LOCAL_CONCURRENCY) || Math.max(2, 2 * os.cpus().length);

/** A gate that lets at most `limit` tasks run at once; the others wait their turn (first come, first served). */
export function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** `step` for every item, at most `limit` at once; the results in the items' order. */
export function inParallel<T, R>(items: readonly T[], step: (item: T) => Promise<R>, limit = LOCAL_CONCURRENCY): Promise<R[]> {
  const gate = concurrencyLimit(limit);
  return Promise.all(items.map((item) => gate(() => step(item))));
}

/** How {@link inDependencyOrder} walks the graph. */
export interface DependencyOrderOptions {
  /** Wait for the stacks that depend on a stack instead of those it depends on (for destroy). @default false */
  readonly reverse?: boolean;
  /** At most this many steps at once. @default LOCAL_CONCURRENCY */
  readonly limit?: number;
  /** A stack's step also waits for this (once its prerequisites are done). @default - nothing more */
  readonly ready?: (stack: string) => Promise<unknown>;
}

/**
 * Runs `step` for every stack of a dependency graph, each as soon as the stacks it waits for are done (see
 * {@link DependencyOrderOptions}). A stack whose prerequisite failed is skipped; independent ones go on.
 * Throws, after every started step has ended, if any failed. Returns seconds per stack.
 */
export async function inDependencyOrder(
  graph: Map<string, string[]>,
  step: (stack: string) => Promise<CommandResult>,
  what: string,
  { reverse = false, limit = LOCAL_CONCURRENCY, ready = async () => undefined }: DependencyOrderOptions = {},
): Promise<Record<string, number>> {
  const gate = concurrencyLimit(limit);
  const waitsFor = (stack: string) =>
    reverse
      ? [...graph].filter(([, dependencies]) => dependencies.includes(stack)).map(([name]) => name)
      : (graph.get(stack) ?? []).filter((name) => graph.has(name));
  const runs = new Map<string, Promise<boolean>>();
  const seconds: Record<string, number> = {};
  const failures: string[] = [];
  const run = (stack: string): Promise<boolean> => {
    if (!runs.has(stack)) {
      runs.set(
        stack,
        Promise.all(waitsFor(stack).map(run)).then(async (prerequisites) => {
          if (!prerequisites.every(Boolean)) return false;
          await ready(stack);
          const result = await gate(() => step(stack));
          seconds[stack] = result.seconds;
          if (result.status !== 0)
            failures.push(`${what} ${stack} failed (exit ${result.status}):\n${result.output.split("\n").slice(-40).join("\n")}`);
          return result.status === 0;
        }),
      );
    }
    return runs.get(stack) as Promise<boolean>;
  };
  await Promise.all([...graph.keys()].map(run));
  if (failures.length > 0) throw new Error(failures.join("\n"));
  return seconds;
}

/** Whether the state bucket takes state as the bootstrap stack makes it: versioned, SSE-KMS by default, private. */
async function stateBucketReady(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const [versioning, encryption, publicAccess] = await Promise.all([
      s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
      s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })),
      s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
    ]);
    const block = publicAccess.PublicAccessBlockConfiguration;
    return (
      versioning.Status === "Enabled" &&
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === "aws:kms" &&
      [block?.BlockPublicAcls, block?.IgnorePublicAcls, block?.BlockPublicPolicy, block?.RestrictPublicBuckets].every(Boolean)
    );
  } catch {
    return false; // not there yet (NoSuchBucket, no encryption or public access block yet)
  }
}

/** An S3 client for the emulator's state bucket. */
function stateBucketClient(endpoint: string): S3Client {
  return new S3Client({
    region: ENVIRONMENTS.local.aws.region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "emulator", secretAccessKey: "emulator" },
  });
}

/** Resolves once the state bucket is ready (see {@link stateBucketReady}), or throws what `bootstrap` failed with. */
async function waitForStateBucket(s3: S3Client, bootstrap: Promise<CommandResult>): Promise<void> {
  let bootstrapEnded = false;
  const ended = bootstrap.then(() => (bootstrapEnded = true));
  while (!(await stateBucketReady(s3, ENVIRONMENTS.local.stateBackend.bucket))) {
    if (bootstrapEnded) {
      mustSucceed("deploying local-bootstrap", await bootstrap);
      throw new Error(`local-bootstrap was deployed, but its state bucket is not ready`);
    }
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
}

/**
 * Deploys every local stack: the state bucket first (through `cdktf deploy`, which also synthesizes the
 * local stacks), then the layers in dependency order, independent ones side by side. Returns seconds
 * per step.
 *
 * The layers that depend on no other layer start as soon as the state bucket takes state (versioned,
 * encrypted, private), while `cdktf deploy` still waits for the provider to see the bucket's lifecycle
 * rules settle (about 55 s of polling, with nothing left to create); they need nothing else from the
 * bootstrap stack. Every other layer also waits for the bootstrap stack to be deployed (the frontend
 * reads its origin secret), and every layer does when the bucket was there before (a second local:up,
 * whose cdktf deploy synthesizes the layers' folders again). A failed bootstrap fails the deploy either way.
 */
export async function deployEstate(endpoint: string, options: { logFile?: string; echo?: boolean } = {}): Promise<Record<string, number>> {
  const s3 = stateBucketClient(endpoint);
  // An estate deployed before (local:up on a running emulator) already has its bucket: the layers then wait
  // for the whole bootstrap, whose cdktf deploy first synthesizes their folders again.
  const bucketExisted = await stateBucketReady(s3, ENVIRONMENTS.local.stateBackend.bucket);
  const bootstrapRun = runLocalAsync(endpoint, ["npx", "cdktf", "deploy", LOCAL_STACKS[0], "--auto-approve"], options);
  const bootstrapDone = bootstrapRun.then((result) => mustSucceed("deploying local-bootstrap", result));
  bootstrapDone.catch(() => undefined); // awaited below; a failure is reported there
  const terraform = (stack: string, ...args: string[]) =>
    runLocalAsync(
      endpoint,
      ["terraform", `-chdir=${path.join(LOCAL_OUTPUT, "stacks", stack)}`, ...args, "-no-color", "-input=false"],
      options,
    );
  let layers: Record<string, number>;
  try {
    // A new bucket exists only after cdktf has synthesized the local stacks: their folders are complete by then.
    if (bucketExisted) await bootstrapDone;
    else await waitForStateBucket(s3, bootstrapRun);
    const graph = localStackDependencies();
    layers = await inDependencyOrder(
      graph,
      async (stack) => {
        const init = await terraform(stack, "init");
        if (init.status !== 0) return init;
        const apply = await terraform(stack, "apply", "-auto-approve");
        return { ...apply, seconds: init.seconds + apply.seconds };
      },
      "deploying",
      { ready: (stack) => ((graph.get(stack) ?? []).length === 0 ? Promise.resolve() : bootstrapDone) },
    );
  } finally {
    s3.destroy();
    await bootstrapRun; // never leave the bootstrap's cdktf running
  }
  const bootstrap = await bootstrapDone;
  return { [LOCAL_STACKS[0]]: bootstrap.seconds, ...layers };
}

/**
 * Whether a Terraform command failed only because it read another stack's state (remote state) while
 * that stack's own command replaced it. Terraform's S3 backend reads a state object's size (HEAD), then
 * the object into a buffer of that size: a state replaced in between by a shorter one reads padded
 * with zeros ("Unsupported state file format"). The same can happen on AWS; nothing was planned or
 * changed (data sources are read while planning, a destroy's too), so the command can simply run again.
 */
export function readAnotherStateMidWrite(result: CommandResult): boolean {
  return result.status !== 0 && /Error: Unsupported state file format/.test(result.output);
}

/** Runs a Terraform command, and again (at most twice more) while it fails only as {@link readAnotherStateMidWrite} says. */
export async function againIfReadMidWrite(command: () => Promise<CommandResult>): Promise<CommandResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await command();
    if (attempt === 3 || !readAnotherStateMidWrite(result)) return result;
  }
}

/**
 * Destroys every local stack in reverse dependency order, independent ones side by side, the state bucket
 * last. A stack's destroy also waits for `ready(stack)` (the e2e's protection checks restore two stacks
 * while the stacks that read them are destroyed); a destroy that read such a stack's state mid-write runs again.
 */
export async function destroyEstate(
  endpoint: string,
  options: { logFile?: string; echo?: boolean; ready?: (stack: string) => Promise<unknown> } = {},
): Promise<Record<string, number>> {
  const { ready, ...output } = options;
  const layers = await inDependencyOrder(
    localStackDependencies(),
    (stack) =>
      againIfReadMidWrite(() =>
        runLocalAsync(
          endpoint,
          ["terraform", `-chdir=${path.join(LOCAL_OUTPUT, "stacks", stack)}`, "destroy", "-auto-approve", "-no-color", "-input=false"],
          output,
        ),
      ),
    "destroying",
    { reverse: true, ready },
  );
  const bootstrap = mustSucceed(
    "destroying local-bootstrap",
    await runLocalAsync(endpoint, ["npx", "cdktf", "destroy", LOCAL_STACKS[0], "--auto-approve"], output),
  );
  return { ...layers, [LOCAL_STACKS[0]]: bootstrap.seconds };
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
  const seconds = await deployEstate(endpoint, { echo: true });
  printSummary(endpoint);
  console.log(
    `\nDeployed in ${Object.values(seconds)
      .reduce((a, b) => a + b, 0)
      .toFixed(0)} s.`,
  );
}

async function down(endpoint: string): Promise<void> {
  if (!(await isEmulatorRunning(endpoint))) throw new Error(`no emulator answers at ${endpoint}; nothing to destroy`);
  await destroyEstate(endpoint, { echo: true });
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
