/**
 * The AWS CLI and the reference deploy script (docs/github/ecs-deploy.sh) run against the emulator, as
 * GitHub's runner runs them against AWS. The machine's AWS CLI (v1, with moto's Python) and jq are
 * the only tools they need; `AWS_ENDPOINT_URL` points every call at the emulator.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
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

/** Runs `aws <args> --output json` and returns the parsed answer; fails with the CLI's message. */
export function aws(endpoint: string, region: string, ...args: string[]): any {
  const result = run("aws", [...args, "--output", "json"], awsEnvironment(endpoint, region));
  if (result.status !== 0) throw new Error(`aws ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim() === "" ? {} : JSON.parse(result.stdout);
}

/** Runs the reference rollout script with the given variables (see its header). */
export function runDeployScript(endpoint: string, region: string, variables: Record<string, string>): Run {
  return run("bash", [DEPLOY_SCRIPT], {
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
  const digest = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1469, digest: digest(`config ${seed}`) },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 3208942, digest: digest(`layer ${seed}`) }],
  });
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
