import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EnvironmentName } from "../../src/config/environment-config";
import { loadProviderSchemas, PROVIDER_SCHEMA_CACHE, ProviderSchemas } from "../../src/review/provider-schema";
import { SynthesizedEstate, synthesizeEstate } from "../../src/review/synthesized-estate";

/** The project root (the repository the tests run in). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

const synths: string[] = [];
afterAll(() => synths.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh in-process synth of some environments (default: the real ones) into a temporary folder, removed after the test file. */
export function synth(environments?: readonly EnvironmentName[], options: Parameters<typeof synthesizeEstate>[2] = {}): SynthesizedEstate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-review-test-"));
  synths.push(dir);
  return synthesizeEstate(dir, environments, options);
}

/** The providers' block schemas for these stacks (cached on disk after the first run). */
export function schemasFor(estate: SynthesizedEstate): ProviderSchemas {
  return loadProviderSchemas(estate.stacks, { cacheDir: PROVIDER_SCHEMA_CACHE, env: process.env });
}

/** The synthesized manifest of a synth folder, as cdktf wrote it. */
export function manifest(estate: SynthesizedEstate): { stacks: Record<string, { dependencies: string[]; workingDirectory: string }> } {
  return JSON.parse(fs.readFileSync(path.join(estate.outdir, "manifest.json"), "utf8"));
}
