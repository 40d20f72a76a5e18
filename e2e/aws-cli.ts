/**
 * The AWS CLI and the reference deploy script (docs/github/ecs-deploy.sh) run against the emulator, as
 * GitHub's runner runs them against AWS. The machine's AWS CLI (v1, with moto's Python) and jq are
 * the only tools they need; `AWS_ENDPOINT_URL` points every call at the emulator. The test's own calls
 * (`aws`) share one CLI process (see CLI_SERVER; Linux: a named pipe and /proc).
 */
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../scripts/local/emulator";

/** The reference workflow's rollout script, exactly as the application repositories run it. */
export const DEPLOY_SCRIPT = path.join(PROJECT_ROOT, "docs", "github", "ecs-deploy.sh");

/** The result of a command. */
export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment of a process that talks to the emulator as the AWS CLI would talk to AWS (no profile, no pager). */
export function awsEnvironment(endpoint: string, region: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "emulator",
    AWS_SECRET_ACCESS_KEY: "emulator",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const result = spawnSync(command, args, { env, encoding: "utf8", cwd: PROJECT_ROOT });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}): the e2e test needs the AWS CLI and jq on PATH`);
  return { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Fails with a clear message when a tool the deploy path needs is missing. */
export function requireTools(): void {
  for (const [tool, args] of [
    ["aws", ["--version"]],
    ["jq", ["--version"]],
  ] as const) {
    if (run(tool, [...args], process.env).status !== 0) throw new Error(`${tool} is required on PATH for the deploy path's test`);
  }
}

/**
 * The AWS CLI's own driver (`awscli.clidriver`, what the `aws` command runs), kept loaded in one Python
 * process that runs the commands it reads, one JSON line each, from a named pipe and answers each on
 * another: the arguments, their parsing, the request and the JSON printed are the CLI's, but Python,
 * botocore and the service models are loaded once instead of once per command (about a second of CPU
 * each; the end-to-end test makes about a hundred). Every command names its region and output
 * (`--region`, `--output`), the only settings the driver keeps from one command to the next; the
 * endpoint and credentials are the process's environment, as a separate `aws` process would read them.
 * The process ends when the test's process does (its pipe closes).
 */
const CLI_SERVER = `
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver
driver = create_clidriver()
with open(sys.argv[1]) as commands, open(sys.argv[2], "w") as answers:
    for command in commands:
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status = driver.main(json.loads(command))
            except SystemExit as exit:  # a usage error: the CLI's message, its exit status
                status = exit.code if isinstance(exit.code, int) else 1
        answers.write(json.dumps({"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}) + "\\n")
        answers.flush()
`;

/** The CLI process of one emulator endpoint: the pipes it reads commands from and writes answers to. */
interface CliProcess {
  readonly commands: number;
  readonly answers: number;
  readonly errors: string;
  readonly pid: number;
}

const cliProcesses = new Map<string, CliProcess>();

/** The CLI process for `endpoint`, started on first use. */
function cliProcess(endpoint: string): CliProcess {
  const known = cliProcesses.get(endpoint);
  if (known) return known;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-cli-"));
  const [commandPipe, answerPipe, errors] = ["commands", "answers", "stderr"].map((name) => path.join(dir, name));
  const made = spawnSync("mkfifo", [commandPipe, answerPipe], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  // Opened without blocking (read-write, and read non-blocking), before the CLI process opens its ends.
  const commands = fs.openSync(commandPipe, fs.constants.O_RDWR);
  const answers = fs.openSync(answerPipe, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const errorLog = fs.openSync(errors, "w");
  const child = spawn("python3", ["-c", CLI_SERVER, commandPipe, answerPipe], {
    env: awsEnvironment(endpoint, "us-east-1"),
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "ignore", errorLog],
  });
  fs.closeSync(errorLog);
  child.unref();
  const started = { commands, answers, errors, pid: child.pid as number };
  cliProcesses.set(endpoint, started);
  return started;
}

/** Whether a child process still runs (it cannot be told by its exit event while this thread waits for it). */
function running(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0] !== "Z";
  } catch {
    return false;
  }
}

/** Runs `aws <args>` in the CLI process of the emulator at `endpoint`, in `region` (blocking, as `spawnSync` would). */
function runCli(endpoint: string, region: string, args: string[]): Run {
  const cli = cliProcess(endpoint);
  fs.writeSync(cli.commands, JSON.stringify([...args, "--region", region]) + "\n");
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 5 * 60_000; // longer than the CLI's own connect and read timeouts with retries
  for (;;) {
    let read = 0;
    try {
      read = fs.readSync(cli.answers, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
    if (read > 0) {
      chunks.push(Buffer.from(buffer.subarray(0, read)));
      if (buffer[read - 1] === 0x0a) break; // one answer per line, and nothing else is sent
    } else {
      if (Date.now() > deadline || !running(cli.pid))
        throw new Error(`the AWS CLI process gave no answer to aws ${args.join(" ")}: ${fs.readFileSync(cli.errors, "utf8")}`);
      Atomics.wait(pause, 0, 0, 2); // no answer yet (EAGAIN), or the process has not opened its end yet (0 bytes)
    }
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Run;
}

/** Runs `aws <args> --output json` and returns the parsed answer; fails with the CLI's message. */
export function aws(endpoint: string, region: string, ...args: string[]): any {
  const result = runCli(endpoint, region, [...args, "--output", "json"]);
  if (result.status !== 0) throw new Error(`aws ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim() === "" ? {} : JSON.parse(result.stdout);
}

/** Runs a command like `run`, without blocking: for commands that run side by side. */
function runAsync(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", (error) =>
      reject(new Error(`${command} could not run (${error.message}): the e2e test needs the AWS CLI and jq on PATH`)),
    );
    child.once("close", (status) => resolve({ status: status ?? 1, stdout, stderr }));
  });
}

/** Runs the reference rollout script with the given variables (see its header); rollouts of different services may run side by side. */
export function runDeployScript(endpoint: string, region: string, variables: Record<string, string>): Promise<Run> {
  return runAsync("bash", [DEPLOY_SCRIPT], {
    ...awsEnvironment(endpoint, region),
    DEPLOY_POLL_SECONDS: "1",
    DEPLOY_TIMEOUT_SECONDS: "120",
    GITHUB_RUN_ID: "e2e",
    ...variables,
  });
}

/**
 * What `docker push` leaves in ECR, without a registry: an image manifest (Docker schema 2), unique per
 * `seed`, put under `tag` with PutImage (the emulator has no layer upload). Returns its digest.
 */
export function pushImage(endpoint: string, region: string, repositoryName: string, tag: string, seed: string): string {
  const manifest = imageManifest(seed);
  const answer = aws(
    endpoint,
    region,
    "ecr",
    "put-image",
    "--repository-name",
    repositoryName,
    "--image-tag",
    tag,
    "--image-manifest",
    manifest,
  );
  return answer.image.imageId.imageDigest as string;
}

/** A Docker schema 2 image manifest, unique per `seed` (what `docker push` leaves in ECR). */
function imageManifest(seed: string): string {
  const digest = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1469, digest: digest(`config ${seed}`) },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 3208942, digest: digest(`layer ${seed}`) }],
  });
}

/** Puts each image with boto3 (the AWS CLI's library), one after the other in one process; reads `{repository, images}` on stdin. */
const PUT_IMAGES = `
import boto3, json, os, sys
request = json.load(sys.stdin)
ecr = boto3.client("ecr", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
digests = []
for image in request["images"]:
    answer = ecr.put_image(repositoryName=request["repository"], imageTag=image["tag"], imageManifest=image["manifest"])
    digests.append(answer["image"]["imageId"]["imageDigest"])
print(json.dumps(digests))
`;

/**
 * {@link pushImage} for many images, in the order given (each pushed after the previous one), with one
 * process instead of one AWS CLI start per image. Returns their digests.
 */
export function pushImages(endpoint: string, region: string, repositoryName: string, images: { tag: string; seed: string }[]): string[] {
  const result = spawnSync("python3", ["-c", PUT_IMAGES], {
    env: awsEnvironment(endpoint, region),
    encoding: "utf8",
    input: JSON.stringify({ repository: repositoryName, images: images.map(({ tag, seed }) => ({ tag, manifest: imageManifest(seed) })) }),
  });
  if (result.status !== 0)
    throw new Error(`putting ${images.length} images into ${repositoryName} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}
