/**
 * The review bundle: npm run review [-- <git-ref>] [--out <folder>]
 *
 * Synthesizes the real environments in this process, writes review/ (git-ignored): every stack's
 * Terraform JSON and HCL, a drawing of each environment and SUMMARY.md, compared with <git-ref>'s
 * synth when one is given. Also refreshes the generated files that are committed (atlantis.yaml,
 * docs/estate.svg, the README's alarm table) and says when they changed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALARM_TABLE_FILE, alarmTable, withAlarmTable } from "../src/review/alarm-table";
import { writeReviewBundle } from "../src/review/bundle";
import { ATLANTIS_FILE, committedAtlantisYaml, committedDrawing, DRAWING_FILE } from "../src/review/committed-files";
import { synthesizeRef } from "../src/review/git-ref";
import { loadProviderSchemas, PROVIDER_SCHEMA_CACHE } from "../src/review/provider-schema";
import { parseEnvironmentSelection } from "../src/config/load-config";
import { synthesizeEstate } from "../src/review/synthesized-estate";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { terraformEnv } = require("./terraform-env");

const PROJECT_ROOT = path.resolve(__dirname, "..");

function parseArguments(args: string[]): { ref?: string; out: string } {
  let ref: string | undefined;
  let out = path.join(PROJECT_ROOT, "review");
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out") out = path.resolve(args[++i] ?? "");
    else if (args[i].startsWith("-")) throw new Error(`unknown option ${args[i]}; usage: npm run review [-- <git-ref>] [--out <folder>]`);
    else if (ref) throw new Error(`one git ref at most (got ${ref} and ${args[i]}); usage: npm run review [-- <git-ref>] [--out <folder>]`);
    else ref = args[i];
  }
  return { ref, out };
}

/** Writes a committed generated file when its content changed; returns whether it did. */
function refresh(relative: string, text: string): boolean {
  const file = path.join(PROJECT_ROOT, relative);
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return true;
}

async function main(): Promise<void> {
  const started = Date.now();
  const { ref, out } = parseArguments(process.argv.slice(2));
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-review-synth-"));
  try {
    // The environments a plain synth produces, in their order (staging before production).
    const environments = parseEnvironmentSelection(undefined);
    const estate = synthesizeEstate(synthDir, environments);
    const schemas = loadProviderSchemas(estate.stacks, { cacheDir: PROVIDER_SCHEMA_CACHE, env: terraformEnv() });
    const baseline = ref ? synthesizeRef(ref, { repoRoot: PROJECT_ROOT, log: (message) => console.log(message) }) : undefined;
    const bundle = await writeReviewBundle({
      outDir: out,
      estate,
      environments,
      schemas,
      baseline: baseline && { ref: baseline.ref, commit: baseline.commit, stacks: baseline.estate.stacks },
    });
    const changed = [
      refresh(ATLANTIS_FILE, committedAtlantisYaml(estate)) ? ATLANTIS_FILE : undefined,
      refresh(DRAWING_FILE, await committedDrawing(estate)) ? DRAWING_FILE : undefined,
      refresh(ALARM_TABLE_FILE, withAlarmTable(fs.readFileSync(path.join(PROJECT_ROOT, ALARM_TABLE_FILE), "utf8"), alarmTable(estate)))
        ? ALARM_TABLE_FILE
        : undefined,
    ].filter(Boolean);
    console.log(
      `Review bundle of ${bundle.stacks.length} stacks (${environments.join(", ")})${baseline ? ` compared with ${ref} (${baseline.commit.slice(0, 12)})` : ""} ` +
        `in ${path.relative(process.cwd(), out) || "."}/ (${((Date.now() - started) / 1000).toFixed(1)} s): SUMMARY.md, ` +
        `${bundle.architectures.map((a) => `estate-${a.environment}.svg`).join(", ")}, stacks/<stack>/cdk.tf.json and hcl/main.tf.`,
    );
    if (changed.length > 0) console.log(`Updated ${changed.join(", ")}: commit ${changed.length === 1 ? "it" : "them"} with your change.`);
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
