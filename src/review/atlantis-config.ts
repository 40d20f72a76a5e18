import * as path from "path";
import { Document } from "yaml";
import { dependencyDepths, hasRemoteState, stackDependencies, SynthesizedEstate } from "./synthesized-estate";

/** The name of the workflow every generated project uses. */
export const ATLANTIS_WORKFLOW = "cdktf";

/**
 * The Atlantis apply (and import) requirements of every project: a reviewer other than the author
 * approved, the pull request is mergeable (branch protection: required checks and reviews), and the
 * plan was made on the current base branch (Atlantis' `merge` checkout strategy), so that applying a
 * stale branch cannot undo what another pull request applied meanwhile.
 */
export const APPLY_REQUIREMENTS = ["approved", "mergeable", "undiverged"] as const;

/**
 * Repository files (relative to the repository root) whose change can change any synthesized stack.
 * Every stack is planned when one of them changes: a change to shared code or configuration can
 * touch any layer, and Terraform's plan shows which stacks really change.
 */
export const STACK_SOURCES = [
  "main.ts",
  "src/**/*.ts",
  "cdktf.json",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "scripts/terraform-env.js",
] as const;

/** One `run` step of an Atlantis workflow stage (the expanded form). */
export interface AtlantisRunStep {
  readonly run: { readonly command: string; readonly output?: "show" | "hide" | "strip_refreshing" };
}

/** One Atlantis workflow: the commands of its stages. */
export interface AtlantisWorkflow {
  readonly plan: { readonly steps: readonly AtlantisRunStep[] };
  readonly apply: { readonly steps: readonly AtlantisRunStep[] };
}

/** One Atlantis project (repo-level `atlantis.yaml`, version 3). */
export interface AtlantisProject {
  readonly name: string;
  readonly dir: string;
  readonly workflow: string;
  readonly execution_order_group: number;
  readonly depends_on?: readonly string[];
  readonly autoplan: { readonly enabled: boolean; readonly when_modified: readonly string[] };
  readonly apply_requirements: readonly string[];
  readonly import_requirements: readonly string[];
}

/** A repo-level Atlantis configuration (version 3). */
export interface AtlantisConfig {
  readonly version: 3;
  readonly automerge: boolean;
  readonly parallel_plan: boolean;
  readonly parallel_apply: boolean;
  readonly abort_on_execution_order_fail: boolean;
  readonly autodiscover: { readonly mode: "disabled" };
  readonly projects: readonly AtlantisProject[];
  readonly workflows: Readonly<Record<string, AtlantisWorkflow>>;
}

/** Inputs of {@link atlantisConfig}. */
export interface AtlantisConfigOptions {
  /**
   * The synth output folder the projects live in, relative to the repository root (POSIX separators).
   *
   * @default "cdktf.out"
   */
  readonly synthDir?: string;

  /** The environments that get projects (stacks of other environments are left out). */
  readonly environments: readonly string[];

  /**
   * Also make projects of stacks whose state is not remote (the bootstrap stacks). A shared Atlantis
   * server cannot plan them (their state is a file in the repository); the local re-plan can.
   *
   * @default false
   */
  readonly includeLocalState?: boolean;
}

/**
 * The command that runs Terraform in the project's folder with this project's Terraform environment
 * (scripts/terraform-env.js: the provider mirror or plugin cache through `TF_CLI_CONFIG_FILE`, no
 * checkpoint calls), with the Terraform binary Atlantis chose for the project's `required_version`.
 * `${DIR%/$REPO_REL_DIR}` is the repository root.
 */
function terraformCommand(args: string): string {
  return `node "\${DIR%/$REPO_REL_DIR}/scripts/terraform-env.js" "terraform$ATLANTIS_TERRAFORM_VERSION" -chdir="$DIR" ${args}`;
}

/** The workflow every project uses: init, plan to `$PLANFILE`, its JSON to `$SHOWFILE`; apply `$PLANFILE`. */
export const CDKTF_WORKFLOW: AtlantisWorkflow = {
  plan: {
    steps: [
      { run: { command: terraformCommand("init -input=false -no-color"), output: "hide" } },
      { run: { command: terraformCommand('plan -input=false -lock-timeout=5m -no-color -out="$PLANFILE"'), output: "strip_refreshing" } },
      { run: { command: `${terraformCommand('show -json "$PLANFILE"')} > "$SHOWFILE"`, output: "hide" } },
    ],
  },
  apply: {
    steps: [{ run: { command: terraformCommand('apply -input=false -lock-timeout=5m -no-color "$PLANFILE"') } }],
  },
};

/**
 * The repo-level Atlantis configuration for the stacks of a synth output: one project per stack of
 * the given environments whose state is remote, `dir` its folder in the synth output, `depends_on`
 * the stacks it reads (cdktf's manifest), `execution_order_group` its dependency depth (independent
 * stacks plan in parallel), planned whenever the sources of the stacks change.
 */
export function atlantisConfig(estate: SynthesizedEstate, options: AtlantisConfigOptions): AtlantisConfig {
  const synthDir = (options.synthDir ?? "cdktf.out").replace(/\/+$/, "");
  const stacks = estate.stacks.filter(
    (stack) => options.environments.includes(stack.environment) && (options.includeLocalState || hasRemoteState(stack)),
  );
  const dependencies = stackDependencies(stacks);
  const depths = dependencyDepths(dependencies);
  const projects = stacks
    .map((stack): AtlantisProject => {
      const dir = path.posix.join(synthDir, stack.workingDirectory);
      const toRoot = path.posix.relative(dir, ".");
      const dependsOn = dependencies.get(stack.name) ?? [];
      return {
        name: stack.name,
        dir,
        workflow: ATLANTIS_WORKFLOW,
        execution_order_group: depths.get(stack.name) as number,
        ...(dependsOn.length > 0 ? { depends_on: dependsOn } : {}),
        autoplan: { enabled: true, when_modified: STACK_SOURCES.map((source) => path.posix.join(toRoot, source)) },
        apply_requirements: [...APPLY_REQUIREMENTS],
        import_requirements: [...APPLY_REQUIREMENTS],
      };
    })
    .sort((a, b) => a.execution_order_group - b.execution_order_group || a.name.localeCompare(b.name));
  return {
    version: 3,
    automerge: false,
    parallel_plan: true,
    parallel_apply: true,
    abort_on_execution_order_fail: true,
    autodiscover: { mode: "disabled" },
    projects,
    workflows: { [ATLANTIS_WORKFLOW]: CDKTF_WORKFLOW },
  };
}

/** The project of a stack in a configuration; fails with the names it has when there is none. */
export function atlantisProject(config: AtlantisConfig, name: string): AtlantisProject {
  const project = config.projects.find((candidate) => candidate.name === name);
  if (!project) {
    throw new Error(`no Atlantis project "${name}"; the projects are: ${config.projects.map((p) => p.name).join(", ") || "(none)"}`);
  }
  return project;
}

const HEADER = [
  " Generated by `npm run atlantis` from the synthesized stacks (cdktf.out/manifest.json): do not edit.",
  " A test fails when it is out of date. The server side (repos.yaml: the synth hook, allowed overrides)",
  " is in docs/atlantis.md.",
].join("\n");

/** The configuration as the text of `atlantis.yaml`. */
export function atlantisYaml(config: AtlantisConfig): string {
  const document = new Document(config);
  document.commentBefore = HEADER;
  return document.toString({ lineWidth: 0 });
}
