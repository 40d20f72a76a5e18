import * as fs from "fs";
import * as path from "path";
import { architecture, Architecture } from "./architecture";
import { architectureDot, renderSvg } from "./drawing";
import { EstateGraph } from "./estate-graph";
import { renderHcl } from "./hcl";
import { ProviderSchemas } from "./provider-schema";
import { ReviewBaseline, summaryMarkdown } from "./summary";
import { stacksOf, SynthesizedEstate, SynthesizedStack } from "./synthesized-estate";

/** Marks a folder as a review bundle, so that rewriting it may delete what is in it. */
const MARKER = ".review-bundle";

/** Inputs of {@link writeReviewBundle}. */
export interface ReviewBundleOptions {
  /** The folder to (re)write; it is emptied first. */
  readonly outDir: string;
  /** The current synth. */
  readonly estate: SynthesizedEstate;
  /** The environments to review (their every stack). */
  readonly environments: readonly string[];
  /** Provider block schemas, for the HCL rendering. */
  readonly schemas: ProviderSchemas;
  /**
   * What to compare with.
   *
   * @default - no comparison
   */
  readonly baseline?: ReviewBaseline;
}

/** What a bundle holds, for the command's report. */
export interface ReviewBundle {
  readonly stacks: readonly string[];
  readonly files: readonly string[];
  readonly architectures: readonly Architecture[];
}

/** Formats HCL as `terraform fmt` does (hclwrite, compiled to WebAssembly). */
export async function formatHcl(text: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { format } = require("@cdktf/hcl-tools") as { format: (hcl: string) => Promise<string> };
  return format(text);
}

/** A stack's HCL rendering, formatted. */
export async function stackHcl(stack: SynthesizedStack, schemas: ProviderSchemas): Promise<string> {
  const title = `${stack.name}: the HCL rendering of cdk.tf.json (Terraform applies the JSON; this file says the same for review)`;
  return formatHcl(renderHcl(stack.json, schemas, title));
}

/**
 * Writes the review bundle: for every stack of the reviewed environments its Terraform JSON
 * (`stacks/<stack>/cdk.tf.json`, exactly as synthesized) and its HCL (`stacks/<stack>/hcl/main.tf`),
 * one drawing per environment (`estate-<environment>.svg`), and `SUMMARY.md`. Same inputs, same
 * bytes: nothing in it depends on the time, the machine or the folder it is written to.
 */
export async function writeReviewBundle(options: ReviewBundleOptions): Promise<ReviewBundle> {
  const outDir = path.resolve(options.outDir);
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0 && !fs.existsSync(path.join(outDir, MARKER))) {
    throw new Error(`${outDir} is not empty and is not a review bundle; refusing to overwrite it`);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const write = (relative: string, text: string) => {
    const file = path.join(outDir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    files.push(relative);
  };
  write(MARKER, "Written by npm run review; rewritten (emptied first) on every run.\n");

  const stacks = stacksOf(options.estate, options.environments);
  for (const stack of stacks) {
    write(`stacks/${stack.name}/cdk.tf.json`, stack.text);
    write(`stacks/${stack.name}/hcl/main.tf`, await stackHcl(stack, options.schemas));
  }
  const graph = new EstateGraph(stacks);
  const architectures = options.environments.map((environment) => architecture(graph, environment));
  for (const drawing of architectures) write(`estate-${drawing.environment}.svg`, await renderSvg(architectureDot(drawing)));
  write("SUMMARY.md", summaryMarkdown({ stacks, environments: options.environments, architectures, baseline: options.baseline }));
  return { stacks: stacks.map((stack) => stack.name), files: files.sort(), architectures };
}
