/**
 * Atlantis, from the synthesized stacks:
 *
 *   npm run atlantis                               writes atlantis.yaml (every stack of the real
 *                                                  environments but those with local state)
 *   npm run atlantis -- plan <project> [--synth-dir <folder>]
 *   npm run atlantis -- apply <project> [--synth-dir <folder>]
 *                                                  runs the project's workflow stage exactly as
 *                                                  Atlantis does (same commands, same variables).
 *                                                  Without --synth-dir the project comes from the
 *                                                  committed atlantis.yaml (synthesize first: npm run
 *                                                  synth); with it, from the synth in that folder
 *                                                  (e.g. cdktf.out.local for the local estate).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { atlantisConfig, AtlantisConfig } from "../src/review/atlantis-config";
import { plannedChanges, runAtlantisStage } from "../src/review/atlantis-runner";
import { ATLANTIS_FILE, committedAtlantisYaml } from "../src/review/committed-files";
import { readSynthOutput, synthesizeEstate } from "../src/review/synthesized-estate";

const PROJECT_ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run atlantis [-- plan|apply <project> [--synth-dir <folder>]]";

function generate(): void {
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-atlantis-synth-"));
  try {
    const text = committedAtlantisYaml(synthesizeEstate(synthDir));
    const file = path.join(PROJECT_ROOT, ATLANTIS_FILE);
    const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
    if (changed) fs.writeFileSync(file, text);
    console.log(changed ? `Wrote ${ATLANTIS_FILE}: commit it with your change.` : `${ATLANTIS_FILE} is up to date.`);
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
  }
}

async function run(stage: "plan" | "apply", project: string | undefined, args: string[]): Promise<void> {
  if (!project) throw new Error(USAGE);
  const at = args.indexOf("--synth-dir");
  let config: AtlantisConfig;
  if (at >= 0) {
    const synthDir = path.resolve(args[at + 1] ?? "");
    const estate = readSynthOutput(synthDir);
    const environment = estate.stacks.find((stack) => stack.name === project)?.environment ?? "";
    config = atlantisConfig(estate, {
      synthDir: path.relative(PROJECT_ROOT, synthDir),
      environments: [environment],
      includeLocalState: true,
    });
  } else {
    config = parse(fs.readFileSync(path.join(PROJECT_ROOT, ATLANTIS_FILE), "utf8")) as AtlantisConfig;
  }
  const result = await runAtlantisStage(config, project, stage, {
    repoRoot: PROJECT_ROOT,
    onStep: (step) => process.stdout.write(`$ ${step.command}\n${step.output}\n`),
  });
  if (result.status !== 0) process.exit(result.status);
  if (stage === "plan") {
    const changes = plannedChanges(result.showFile);
    console.log(
      changes.length === 0
        ? `${project}: no changes.`
        : `${project}: ${changes.length} changes:\n${changes.map((c) => `  ${c.actions.join("/")} ${c.address}`).join("\n")}`,
    );
  }
}

if (require.main === module) {
  const [command, project, ...rest] = process.argv.slice(2);
  (async () => {
    if (command === undefined || command === "generate") generate();
    else if (command === "plan" || command === "apply") await run(command, project, rest);
    else throw new Error(USAGE);
  })().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
