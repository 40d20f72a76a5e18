/**
 * The bench's scaling run: synthesizes N environments generated from the real configuration (copies of
 * staging in reserved fixture accounts, validated by the real schema), as the app command does for the
 * committed ones. Each run is a whole process, measured by bench.ts.
 *
 *   node scripts/run-ts.js scripts/bench/synth-environments.ts <N> <output folder>
 */
import { App } from "cdktf";
import { addEnvironment } from "../../src/app";
import { fixtureEnvironments } from "../../src/config/fixtures";
import { loadEnvironmentConfigs } from "../../src/config/load-config";

const [count, outdir] = [Number(process.argv[2]), process.argv[3]];
if (!Number.isInteger(count) || count < 1 || count > 999 || !outdir) {
  console.error("usage: node scripts/run-ts.js scripts/bench/synth-environments.ts <N: 1-999> <output folder>");
  process.exit(2);
}
const names = Array.from({ length: count }, (_, index) => `bench-${index + 1}`);
const configs = loadEnvironmentConfigs(names, { environments: fixtureEnvironments(names), allowFixtureAccountIds: true });
const app = new App({ outdir });
for (const config of configs) addEnvironment(app, config);
app.synth();
