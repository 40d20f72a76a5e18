import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AtlantisConfig, atlantisProject } from "./atlantis-config";

/** Where and how {@link runAtlantisStage} runs a project's workflow. */
export interface AtlantisRunOptions {
  /** The repository root: the folder `atlantis.yaml`'s `dir`s are relative to. */
  readonly repoRoot: string;

  /**
   * The process environment the Atlantis server has (its credentials, its `PATH`); Atlantis adds its
   * own variables on top.
   *
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;

  /**
   * Called with each step's command and output as it finishes (e.g. to log it).
   *
   * @default - nothing
   */
  readonly onStep?: (step: AtlantisStepResult) => void;
}

/** What one step did. */
export interface AtlantisStepResult {
  readonly command: string;
  readonly status: number;
  readonly output: string;
  readonly seconds: number;
}

/** What a stage did: its steps (up to the first that failed) and the files Atlantis would keep. */
export interface AtlantisStageResult {
  readonly project: string;
  readonly status: number;
  readonly steps: readonly AtlantisStepResult[];
  /** `$PLANFILE`: where the plan stage writes the plan and the apply stage reads it. */
  readonly planFile: string;
  /** `$SHOWFILE`: the plan as JSON (`terraform show -json`). */
  readonly showFile: string;
  readonly seconds: number;
}

/** Atlantis' file name for a project's plan or its JSON (`<project>-<workspace>.<ext>`, unsafe characters replaced). */
function projectFileName(project: string, workspace: string, extension: string): string {
  return `${project}-${workspace}.${extension}`.replace(/[\\/:"*?<>|]/g, "-");
}

/** The installed Terraform's version, e.g. `1.11.4`. */
function terraformVersion(env: NodeJS.ProcessEnv): string {
  const output = execFileSync("terraform", ["version", "-json"], { encoding: "utf8", env });
  return (JSON.parse(output) as { terraform_version: string }).terraform_version;
}

/**
 * Atlantis' Terraform bin dir: Atlantis downloads the project's Terraform as `terraform<version>`
 * into a folder it appends to `PATH`. Here that folder holds a link of that name to the installed
 * Terraform.
 */
function terraformBinDir(version: string, env: NodeJS.ProcessEnv): string {
  const installed = execFileSync("sh", ["-c", "command -v terraform"], { encoding: "utf8", env }).trim();
  const binDir = path.join(os.tmpdir(), `treepli-atlantis-bin-${version}`);
  const link = path.join(binDir, `terraform${version}`);
  fs.mkdirSync(binDir, { recursive: true });
  if (!fs.existsSync(link)) {
    const temporary = `${link}.${process.pid}`;
    fs.symlinkSync(installed, temporary);
    fs.renameSync(temporary, link);
  }
  return binDir;
}

/** Runs `sh -c command` in `cwd` without blocking, and collects its status and output (stdout and stderr as they came). */
function runStep(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<AtlantisStepResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = "";
    const finish = (status: number) => resolve({ command, status, output, seconds: (Date.now() - started) / 1000 });
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", (error) => {
      output += String(error);
      finish(127);
    });
    child.once("close", (status, signal) => finish(status ?? (signal ? 128 : 1)));
  });
}

/**
 * Runs one stage (`plan` or `apply`) of a project's workflow exactly as Atlantis' run-step runner
 * does: each step's command through `sh -c` in the project's folder, with the server's environment
 * plus the variables Atlantis sets (`DIR`, `PLANFILE`, `SHOWFILE`, `WORKSPACE`, `PROJECT_NAME`,
 * `REPO_REL_DIR`, `ATLANTIS_TERRAFORM_VERSION`, the pull request's names, and `PATH` with the
 * Terraform bin dir appended), stopping at the first step that fails.
 *
 * It does not block: with `parallel_plan: true` (atlantis.yaml) Atlantis plans every project of a pull
 * request at the same time, and so can the caller (each project has its own folder, plan file and state).
 */
export async function runAtlantisStage(
  config: AtlantisConfig,
  projectName: string,
  stage: "plan" | "apply",
  options: AtlantisRunOptions,
): Promise<AtlantisStageResult> {
  const project = atlantisProject(config, projectName);
  const workflow = config.workflows[project.workflow];
  if (!workflow) throw new Error(`project ${project.name} uses workflow "${project.workflow}", which atlantis.yaml does not define`);
  const env = options.env ?? process.env;
  const dir = path.resolve(options.repoRoot, project.dir);
  if (!fs.existsSync(dir)) throw new Error(`${project.dir} does not exist: synthesize before planning (the pre-workflow hook does)`);
  const workspace = "default";
  const version = terraformVersion(env);
  const atlantisVariables: Record<string, string> = {
    ATLANTIS_TERRAFORM_VERSION: version,
    BASE_BRANCH_NAME: "main",
    BASE_REPO_NAME: path.basename(options.repoRoot),
    BASE_REPO_OWNER: "local",
    COMMENT_ARGS: "",
    DIR: dir,
    HEAD_BRANCH_NAME: "local",
    HEAD_COMMIT: "",
    HEAD_REPO_NAME: path.basename(options.repoRoot),
    HEAD_REPO_OWNER: "local",
    PATH: `${env.PATH ?? ""}:${terraformBinDir(version, env)}`,
    PLANFILE: path.join(dir, projectFileName(project.name, workspace, "tfplan")),
    SHOWFILE: path.join(dir, projectFileName(project.name, workspace, "json")),
    PROJECT_NAME: project.name,
    PULL_AUTHOR: os.userInfo().username,
    PULL_NUM: "0",
    REPO_REL_DIR: project.dir,
    USER_NAME: os.userInfo().username,
    WORKSPACE: workspace,
  };
  const started = Date.now();
  const steps: AtlantisStepResult[] = [];
  for (const step of workflow[stage].steps) {
    const stepResult = await runStep(step.run.command, dir, { ...env, ...atlantisVariables });
    steps.push(stepResult);
    options.onStep?.(stepResult);
    if (stepResult.status !== 0) break;
  }
  return {
    project: project.name,
    status: steps.find((step) => step.status !== 0)?.status ?? 0,
    steps,
    planFile: atlantisVariables.PLANFILE,
    showFile: atlantisVariables.SHOWFILE,
    seconds: (Date.now() - started) / 1000,
  };
}

/** A change a plan would make, as `terraform show -json` describes it. */
export interface PlannedChange {
  readonly address: string;
  readonly actions: readonly string[];
}

/**
 * What a plan would change, read from its JSON (`$SHOWFILE`): every resource whose actions are not
 * `no-op` (data sources read at apply time count: they make the plan non-empty), and every output
 * that would change.
 */
export function plannedChanges(showFile: string): PlannedChange[] {
  const plan = JSON.parse(fs.readFileSync(showFile, "utf8")) as {
    resource_changes?: { address: string; change: { actions: string[] } }[];
    output_changes?: Record<string, { actions: string[] }>;
  };
  const resources = (plan.resource_changes ?? []).map((change) => ({ address: change.address, actions: change.change.actions }));
  const outputs = Object.entries(plan.output_changes ?? {}).map(([name, change]) => ({
    address: `output.${name}`,
    actions: change.actions,
  }));
  return [...resources, ...outputs].filter((change) => !(change.actions.length === 1 && change.actions[0] === "no-op"));
}
