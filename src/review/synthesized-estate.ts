import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { addEnvironment } from "../app";
import { EnvironmentName } from "../config/environment-config";
import { loadEnvironmentConfigs, LoadConfigOptions, parseEnvironmentSelection } from "../config/load-config";

/** One synthesized Terraform JSON document (`cdk.tf.json`), parsed. */
export type TerraformJson = Record<string, any>;

/** One stack of a synth output folder, as cdktf's `manifest.json` and its `cdk.tf.json` describe it. */
export interface SynthesizedStack {
  /** Stack name, `<environment>-<layer>` (e.g. `production-vpc`). */
  readonly name: string;
  /** The environment: the stack name up to its first `-`. */
  readonly environment: string;
  /** The layer: the stack name after its first `-`. */
  readonly layer: string;
  /** The stack's folder, relative to the synth output folder (POSIX separators), e.g. `stacks/production-vpc`. */
  readonly workingDirectory: string;
  /** The stacks this one reads through cross-stack references, as cdktf records them in the manifest. */
  readonly dependencies: readonly string[];
  /** The Terraform JSON Terraform reads. */
  readonly json: TerraformJson;
  /** The exact text of `cdk.tf.json`. */
  readonly text: string;
}

/** Every stack of a synth output folder, sorted by name. */
export interface SynthesizedEstate {
  /** The synth output folder (absolute). */
  readonly outdir: string;
  readonly stacks: readonly SynthesizedStack[];
}

interface ManifestStack {
  readonly name: string;
  readonly dependencies?: string[];
  readonly workingDirectory: string;
  readonly synthesizedStackPath: string;
}

/** Reads a cdktf synth output folder: its `manifest.json` and every stack's `cdk.tf.json`. */
export function readSynthOutput(outdir: string): SynthesizedEstate {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${manifestFile} does not exist: synthesize first (npm run synth), or pass the folder a synth wrote to`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks: Record<string, ManifestStack> };
  const stacks = Object.values(manifest.stacks)
    .map((entry): SynthesizedStack => {
      const text = fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8");
      const separator = entry.name.indexOf("-");
      return {
        name: entry.name,
        environment: separator > 0 ? entry.name.slice(0, separator) : entry.name,
        layer: separator > 0 ? entry.name.slice(separator + 1) : entry.name,
        workingDirectory: entry.workingDirectory.split(path.sep).join("/"),
        dependencies: [...(entry.dependencies ?? [])].sort(),
        json: JSON.parse(text),
        text,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { outdir: path.resolve(outdir), stacks };
}

/**
 * Synthesizes environments in this process (no cdktf CLI), the way `main.ts` does, into `outdir`
 * (emptied first), and reads the result.
 *
 * @param environments which environments; default: those a plain `npm run synth` produces
 */
export function synthesizeEstate(
  outdir: string,
  environments: readonly EnvironmentName[] = parseEnvironmentSelection(undefined),
  options: LoadConfigOptions = {},
): SynthesizedEstate {
  const configs = loadEnvironmentConfigs(environments, options);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir, stackTraces: false });
  for (const config of configs) addEnvironment(app, config);
  app.synth();
  return readSynthOutput(outdir);
}

/** The stacks of some environments only. */
export function stacksOf(estate: SynthesizedEstate, environments: readonly string[]): SynthesizedStack[] {
  return estate.stacks.filter((stack) => environments.includes(stack.environment));
}

/** The environments of an estate, in the order their first stack appears. */
export function environmentsOf(estate: SynthesizedEstate): string[] {
  return [...new Set(estate.stacks.map((stack) => stack.environment))];
}

/**
 * Whether a stack keeps its state remotely (a backend other than `local`). Stacks with local state
 * (the bootstrap stacks, which create the state bucket) cannot be planned by a shared server.
 */
export function hasRemoteState(stack: SynthesizedStack): boolean {
  const backends = Object.keys(stack.json.terraform?.backend ?? {});
  return backends.length > 0 && !backends.includes("local");
}

/**
 * What each stack must wait for: the stacks cdktf records as its cross-stack dependencies, and the
 * stack that creates the S3 bucket its state lives in (the bootstrap stack; cdktf does not record
 * that one, because the backend is not a cross-stack reference).
 */
export function stackDependencies(stacks: readonly SynthesizedStack[]): Map<string, string[]> {
  const bucketOwner = new Map<string, string>();
  for (const stack of stacks) {
    for (const bucket of Object.values<any>(stack.json.resource?.aws_s3_bucket ?? {})) {
      if (typeof bucket.bucket === "string" && !bucket.bucket.includes("${")) bucketOwner.set(bucket.bucket, stack.name);
    }
  }
  const names = new Set(stacks.map((stack) => stack.name));
  return new Map(
    stacks.map((stack) => {
      const stateBucket = stack.json.terraform?.backend?.s3?.bucket;
      const owner = typeof stateBucket === "string" ? bucketOwner.get(stateBucket) : undefined;
      const all = new Set([...stack.dependencies, ...(owner && owner !== stack.name ? [owner] : [])]);
      return [stack.name, [...all].filter((name) => names.has(name)).sort()];
    }),
  );
}

/**
 * Each stack's dependency depth: 0 for a stack that depends on nothing, otherwise one more than its
 * deepest dependency. Stacks of equal depth are independent of each other.
 */
export function dependencyDepths(dependencies: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (name: string): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw new Error(`stack dependencies form a cycle through ${name}`);
    visiting.add(name);
    const value = Math.max(-1, ...(dependencies.get(name) ?? []).map(depth)) + 1;
    visiting.delete(name);
    depths.set(name, value);
    return value;
  };
  for (const name of dependencies.keys()) depth(name);
  return depths;
}

/** Stack names in an order where every stack comes after the stacks it depends on (by depth, then name). */
export function dependencyOrder(dependencies: ReadonlyMap<string, readonly string[]>): string[] {
  const depths = dependencyDepths(dependencies);
  return [...dependencies.keys()].sort((a, b) => (depths.get(a) as number) - (depths.get(b) as number) || a.localeCompare(b));
}
