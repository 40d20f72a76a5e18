import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { APPLY_REQUIREMENTS, atlantisConfig, AtlantisConfig, atlantisYaml } from "../../src/review/atlantis-config";
import { plannedChanges, runAtlantisStage } from "../../src/review/atlantis-runner";
import { ATLANTIS_FILE, committedAtlantisYaml } from "../../src/review/committed-files";
import { readSynthOutput, SynthesizedEstate, SynthesizedStack } from "../../src/review/synthesized-estate";
import { manifest, PROJECT_ROOT, synth } from "./review-helpers";

// The keys Atlantis (v0.3x) accepts in a repo-level atlantis.yaml, version 3 (server/core/config/raw/repo_cfg.go,
// project.go, workflow.go): anything else is rejected when Atlantis parses the file.
const REPO_KEYS = [
  "version",
  "projects",
  "workflows",
  "policies",
  "autodiscover",
  "automerge",
  "parallel_apply",
  "parallel_plan",
  "delete_source_branch_on_merge",
  "emoji_reaction",
  "allowed_regexp_prefixes",
  "abort_on_execution_order_fail",
  "repo_locks",
  "silence_pr_comments",
];
const PROJECT_KEYS = [
  "name",
  "branch",
  "dir",
  "workspace",
  "workflow",
  "terraform_distribution",
  "terraform_version",
  "autoplan",
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "depends_on",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "execution_order_group",
  "policy_check",
  "custom_policy_check",
  "silence_pr_comments",
];
const STAGES = ["plan", "apply", "import", "state_rm", "policy_check"];
const REQUIREMENTS = ["approved", "mergeable", "undiverged"];

const estate = synth();
const committed = fs.readFileSync(path.join(PROJECT_ROOT, ATLANTIS_FILE), "utf8");
const config = parse(committed) as AtlantisConfig;
const realStacks = Object.keys(manifest(estate).stacks).sort();

test("the committed atlantis.yaml is the one the synthesized stacks give (run `npm run atlantis` and commit it)", () => {
  expect(committed).toBe(committedAtlantisYaml(estate));
});

test("atlantis.yaml is a version 3 repo config with only keys Atlantis knows", () => {
  expect(config.version).toBe(3);
  expect(Object.keys(config).filter((key) => !REPO_KEYS.includes(key))).toEqual([]);
  for (const project of config.projects) {
    expect({ project: project.name, unknown: Object.keys(project).filter((key) => !PROJECT_KEYS.includes(key)) }).toEqual({
      project: project.name,
      unknown: [],
    });
    expect(project.dir).not.toMatch(/\.\.|^\//); // Atlantis refuses dirs with ".."; dirs are relative to the repo root
    expect(encodeURIComponent(project.name.replace(/\//g, "-"))).toBe(project.name.replace(/\//g, "-")); // URL-safe names
    expect(config.workflows[project.workflow]).toBeDefined();
    for (const requirements of [project.apply_requirements, project.import_requirements]) {
      expect(requirements.filter((r) => !REQUIREMENTS.includes(r))).toEqual([]);
    }
  }
  expect(new Set(config.projects.map((p) => p.name)).size).toBe(config.projects.length);
  for (const workflow of Object.values(config.workflows)) {
    expect(Object.keys(workflow).filter((stage) => !STAGES.includes(stage))).toEqual([]);
  }
});

test("one project per staging and production stack that keeps its state in S3, none for the bootstrap (local state) or local stacks", () => {
  const expected = realStacks.filter(
    (name) => (name.startsWith("staging-") || name.startsWith("production-")) && !name.endsWith("-bootstrap"),
  );
  expect(config.projects.map((p) => p.name).sort()).toEqual(expected);
  for (const project of config.projects) {
    // The project's folder is the stack's folder of a full synth (cdktf.out), which the pre-workflow hook writes.
    expect(project.dir).toBe(`cdktf.out/${manifest(estate).stacks[project.name].workingDirectory}`);
    expect(fs.existsSync(path.join(estate.outdir, project.dir.replace(/^cdktf\.out\//, ""), "cdk.tf.json"))).toBe(true);
  }
});

test("depends_on is cdktf's record of each stack's cross-stack references, and each group comes after the groups it depends on", () => {
  const stacks = manifest(estate).stacks;
  const groups = new Map(config.projects.map((p) => [p.name, p.execution_order_group]));
  for (const project of config.projects) {
    expect({ project: project.name, depends_on: [...(project.depends_on ?? [])].sort() }).toEqual({
      project: project.name,
      depends_on: [...stacks[project.name].dependencies].sort(),
    });
    for (const dependency of project.depends_on ?? [])
      expect(project.execution_order_group).toBeGreaterThan(groups.get(dependency) as number);
  }
  // Stacks that depend on nothing plan together, first.
  const independent = config.projects.filter((p) => stacks[p.name].dependencies.length === 0);
  expect(independent.length).toBeGreaterThan(1);
  expect(new Set(independent.map((p) => p.execution_order_group))).toEqual(new Set([0]));
  expect(config.parallel_plan).toBe(true);
  expect(config.abort_on_execution_order_fail).toBe(true);
  expect(config.autodiscover).toEqual({ mode: "disabled" });
});

test("a project is planned when the TypeScript sources, configuration or lock file change (paths relative to its dir)", () => {
  for (const project of config.projects) {
    const fromRoot = project.autoplan.when_modified.map((pattern) => path.posix.normalize(path.posix.join(project.dir, pattern)));
    expect(fromRoot).toEqual(
      expect.arrayContaining(["main.ts", "src/**/*.ts", "package-lock.json", "package.json", "cdktf.json", "tsconfig.json"]),
    );
    expect(fromRoot.every((pattern) => !pattern.startsWith(".."))).toBe(true);
    expect(project.autoplan.enabled).toBe(true);
  }
  // The configuration lives in src/config as TypeScript, which src/**/*.ts covers.
  expect(fs.existsSync(path.join(PROJECT_ROOT, "src", "config", "environments.ts"))).toBe(true);
});

test("applies and imports need an approved, mergeable pull request planned on the current base branch", () => {
  for (const project of config.projects) {
    expect(project.apply_requirements).toEqual(["approved", "mergeable", "undiverged"]);
    expect(project.import_requirements).toEqual([...APPLY_REQUIREMENTS]);
  }
});

test("the workflow inits, plans to $PLANFILE and writes $SHOWFILE through the project's Terraform environment, and applies $PLANFILE", () => {
  const workflow = config.workflows.cdktf;
  const commands = (stage: "plan" | "apply") => workflow[stage].steps.map((step) => step.run.command);
  for (const command of [...commands("plan"), ...commands("apply")]) {
    expect(command).toContain('node "${DIR%/$REPO_REL_DIR}/scripts/terraform-env.js" "terraform$ATLANTIS_TERRAFORM_VERSION" -chdir="$DIR"');
  }
  expect(commands("plan")).toEqual([
    expect.stringMatching(/ init -input=false/),
    expect.stringMatching(/ plan -input=false .*-out="\$PLANFILE"$/),
    expect.stringMatching(/ show -json "\$PLANFILE" > "\$SHOWFILE"$/),
  ]);
  expect(commands("apply")).toEqual([expect.stringMatching(/ apply -input=false .*"\$PLANFILE"$/)]);
});

/** A stack of a made-up estate, for what the real one does not show. */
function fakeStack(name: string, json: Record<string, unknown>, dependencies: string[] = []): SynthesizedStack {
  const text = JSON.stringify(json);
  const [environment, ...layer] = name.split("-");
  return { name, environment, layer: layer.join("-"), workingDirectory: `stacks/${name}`, dependencies, json, text };
}
const s3 = (bucket: string, key: string) => ({ terraform: { backend: { s3: { bucket, key } } } });

test("projects come from the stacks the synth holds, not from a list of layers: a new first layer is planned first", () => {
  const fake: SynthesizedEstate = {
    outdir: "/nowhere",
    stacks: [
      fakeStack("prod-ops", s3("state", "ops")),
      fakeStack("prod-network", s3("state", "network"), ["prod-ops"]),
      fakeStack("prod-app", s3("state", "app"), ["prod-network", "prod-ops"]),
      fakeStack("prod-bootstrap", {
        terraform: { backend: { local: { path: "x" } } },
        resource: { aws_s3_bucket: { b: { bucket: "state" } } },
      }),
      fakeStack("dev-app", s3("dev-state", "app")),
    ],
  };
  const generated = atlantisConfig(fake, { environments: ["prod"] });
  expect(generated.projects.map((p) => [p.name, p.execution_order_group, p.depends_on ?? []])).toEqual([
    ["prod-ops", 0, []],
    ["prod-network", 1, ["prod-ops"]],
    ["prod-app", 2, ["prod-network", "prod-ops"]],
  ]);
  // With local-state stacks included (the local re-plan), the stack that creates the state bucket comes first.
  const withBootstrap = atlantisConfig(fake, { environments: ["prod"], includeLocalState: true, synthDir: "cdktf.out.local" });
  expect(withBootstrap.projects.map((p) => [p.name, p.depends_on ?? []])).toEqual([
    ["prod-bootstrap", []],
    ["prod-ops", ["prod-bootstrap"]],
    ["prod-network", ["prod-bootstrap", "prod-ops"]],
    ["prod-app", ["prod-bootstrap", "prod-network", "prod-ops"]],
  ]);
  expect(withBootstrap.projects[0].dir).toBe("cdktf.out.local/stacks/prod-bootstrap");
  expect(withBootstrap.projects[0].autoplan.when_modified[0]).toBe("../../../main.ts");
  expect(atlantisYaml(generated)).toMatch(/^# Generated by `npm run atlantis`/);
});

describe("the workflow runner", () => {
  // A synth folder inside the repository (git-ignored), as Atlantis has after the pre-workflow hook.
  const synthDir = path.join(PROJECT_ROOT, `cdktf.out.test-atlantis-${process.pid}`);
  const stack = "fixture-data";
  beforeAll(() => {
    fs.mkdirSync(path.join(synthDir, "stacks", stack), { recursive: true });
    fs.writeFileSync(
      path.join(synthDir, "manifest.json"),
      JSON.stringify({
        stacks: {
          [stack]: {
            name: stack,
            dependencies: [],
            workingDirectory: `stacks/${stack}`,
            synthesizedStackPath: `stacks/${stack}/cdk.tf.json`,
          },
        },
      }),
    );
    // Only Terraform's built-in provider: init and plan need no network, credentials or emulator.
    fs.writeFileSync(
      path.join(synthDir, "stacks", stack, "cdk.tf.json"),
      JSON.stringify({
        terraform: { backend: { local: { path: "fixture.tfstate" } } },
        resource: { terraform_data: { marker: { input: "planned through Atlantis' steps" } } },
      }),
    );
  });
  afterAll(() => fs.rmSync(synthDir, { recursive: true, force: true }));

  const fixtureConfig = () =>
    atlantisConfig(readSynthOutput(synthDir), { synthDir: path.basename(synthDir), environments: ["fixture"], includeLocalState: true });

  test("runs each step with sh -c in the project's folder, with the variables Atlantis sets", async () => {
    const base = fixtureConfig();
    const probe: AtlantisConfig = {
      ...base,
      workflows: {
        cdktf: {
          plan: {
            steps: [
              {
                run: {
                  command:
                    'printf "%s\\n" "$PWD" "$DIR" "$REPO_REL_DIR" "$PLANFILE" "$SHOWFILE" "$WORKSPACE" "$PROJECT_NAME" "${DIR%/$REPO_REL_DIR}" > probe.txt',
                },
              },
              { run: { command: '"terraform$ATLANTIS_TERRAFORM_VERSION" version -json > version.json' } },
              { run: { command: "exit 3" } },
              { run: { command: "touch never" } },
            ],
          },
          apply: { steps: [] },
        },
      },
    };
    const result = await runAtlantisStage(probe, stack, "plan", { repoRoot: PROJECT_ROOT });
    const dir = path.join(synthDir, "stacks", stack);
    expect(fs.readFileSync(path.join(dir, "probe.txt"), "utf8").split("\n").slice(0, 8)).toEqual([
      dir,
      dir,
      `${path.basename(synthDir)}/stacks/${stack}`,
      path.join(dir, `${stack}-default.tfplan`),
      path.join(dir, `${stack}-default.json`),
      "default",
      stack,
      PROJECT_ROOT,
    ]);
    // Atlantis' bin dir holds terraform<version>, appended to PATH.
    expect(JSON.parse(fs.readFileSync(path.join(dir, "version.json"), "utf8")).terraform_version).toMatch(/^1\.\d+\.\d+$/);
    // A failing step stops the stage.
    expect(result.status).toBe(3);
    expect(result.steps).toHaveLength(3);
    expect(fs.existsSync(path.join(dir, "never"))).toBe(false);
  });

  test("the generated plan stage inits and plans a stack, leaving Atlantis' plan file and its JSON", async () => {
    const result = await runAtlantisStage(fixtureConfig(), stack, "plan", { repoRoot: PROJECT_ROOT });
    expect({ status: result.status, failed: result.steps.filter((s) => s.status !== 0).map((s) => s.output) }).toEqual({
      status: 0,
      failed: [],
    });
    expect(fs.existsSync(result.planFile)).toBe(true);
    expect(plannedChanges(result.showFile)).toEqual([{ address: "terraform_data.marker", actions: ["create"] }]);
  }, 120_000);

  test("runs the stages of several projects side by side, as parallel_plan does", async () => {
    // A second project: each records when its step started and ended, in its own folder.
    const other = "fixture-other";
    const manifest = JSON.parse(fs.readFileSync(path.join(synthDir, "manifest.json"), "utf8"));
    manifest.stacks[other] = {
      ...manifest.stacks[stack],
      name: other,
      workingDirectory: `stacks/${other}`,
      synthesizedStackPath: `stacks/${other}/cdk.tf.json`,
    };
    fs.writeFileSync(path.join(synthDir, "manifest.json"), JSON.stringify(manifest));
    fs.mkdirSync(path.join(synthDir, "stacks", other), { recursive: true });
    fs.copyFileSync(path.join(synthDir, "stacks", stack, "cdk.tf.json"), path.join(synthDir, "stacks", other, "cdk.tf.json"));
    const base = fixtureConfig();
    const timed: AtlantisConfig = {
      ...base,
      workflows: {
        cdktf: {
          plan: { steps: [{ run: { command: "date +%s%N > started; sleep 1; date +%s%N > ended" } }] },
          apply: { steps: [] },
        },
      },
    };
    expect(base.projects.map((project) => project.name).sort()).toEqual([stack, other].sort());
    const results = await Promise.all(
      [stack, other].map((project) => runAtlantisStage(timed, project, "plan", { repoRoot: PROJECT_ROOT })),
    );
    expect(results.map((result) => result.status)).toEqual([0, 0]);
    const read = (project: string, file: string) => Number(fs.readFileSync(path.join(synthDir, "stacks", project, file), "utf8"));
    // Both had started before either ended: run one after the other, they could not overlap.
    expect(Math.max(read(stack, "started"), read(other, "started"))).toBeLessThan(Math.min(read(stack, "ended"), read(other, "ended")));
  });
});
