import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkOutputFolder, partialOutputFolder } from "../src/app";
import { ConfigurationError, defaultEnvironmentNames } from "../src/config/load-config";
import { LAYERS } from "../src/stacks/environment-stack";

// The whole program as operators run it, by both paths: the real cdktf CLI running cdktf.json's app
// command, and `npm run synth` (scripts/synth.js), which runs the same app without the CLI.
const PROJECT_ROOT = path.resolve(__dirname, "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { withOutputFolder, withProviderLockSkipped } = require("../scripts/terraform-env");

const SYNTH_PATHS = {
  "cdktf synth": (outdir: string) => [path.join(PROJECT_ROOT, "node_modules/.bin/cdktf"), "synth", "--output", outdir],
  "npm run synth": (outdir: string) => [process.execPath, path.join(PROJECT_ROOT, "scripts/synth.js"), "--output", outdir],
};
type SynthPath = keyof typeof SYNTH_PATHS;

interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a synth (asynchronously, so that the slow CLI runs side by side with the rest). */
function synth(how: SynthPath, outdir: string, env: Record<string, string> = {}): Promise<Run> {
  const [command, ...args] = SYNTH_PATHS[how](outdir);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, TREEPLI_ENV: "", ...env }, timeout: 120_000 });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, output }));
  });
}

/** Every file under a folder with its content, to prove a folder was left exactly as it was. */
function snapshotFolder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return files;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-synth-"));
const folder = (how: SynthPath, name: string) => path.join(tmp, `${how.replace(/ /g, "-")}-${name}`);
const runs = {} as Record<
  SynthPath,
  { good: Run; goodFiles: Record<string, string>; unknownEnv: Run; afterUnknownEnv: Record<string, string>; badValue: Run }
>;

beforeAll(async () => {
  const paths = Object.keys(SYNTH_PATHS) as SynthPath[];
  const good = await Promise.all(paths.map((how) => synth(how, folder(how, "good"))));
  const goodFiles = paths.map((how) => snapshotFolder(folder(how, "good")));
  const fresh = paths.map((how) => fs.mkdirSync(folder(how, "bad-value"), { recursive: true }) ?? folder(how, "bad-value"));
  const failures = await Promise.all(
    paths.flatMap((how, i) => [
      synth(how, folder(how, "good"), { TREEPLI_ENV: "prod" }),
      synth(how, fresh[i], { TREEPLI_ENV: "local", TREEPLI_EMULATOR_ENDPOINT: "localhost:5000" }),
    ]),
  );
  paths.forEach((how, i) => {
    runs[how] = {
      good: good[i],
      goodFiles: goodFiles[i],
      unknownEnv: failures[2 * i],
      afterUnknownEnv: snapshotFolder(folder(how, "good")),
      badValue: failures[2 * i + 1],
    };
  });
}, 180_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each(Object.keys(SYNTH_PATHS) as SynthPath[])("%s", (how) => {
  test("by default synthesizes every stack of staging and production, and not local", () => {
    expect({ status: runs[how].good.status, output: runs[how].good.status === 0 ? "" : runs[how].good.output }).toEqual({
      status: 0,
      output: "",
    });
    expect(fs.readdirSync(path.join(folder(how, "good"), "stacks")).sort()).toEqual(
      defaultEnvironmentNames()
        .flatMap((environment) => LAYERS.map((layer) => `${environment}-${layer}`))
        .sort(),
    );
    // The configuration's default synth is staging and production, and not the emulator's environment.
    expect(defaultEnvironmentNames().sort()).toEqual(["production", "staging"]);
  });

  test("an unknown environment stops synthesis with a message, and the previous output is left as it was", () => {
    expect(Object.keys(runs[how].goodFiles).length).toBeGreaterThan(6);
    expect(runs[how].unknownEnv.status).not.toBe(0);
    expect(runs[how].unknownEnv.output).toContain(
      'TREEPLI_ENV="prod" names unknown environment(s) "prod"; allowed: staging, production, local',
    );
    expect(runs[how].afterUnknownEnv).toEqual(runs[how].goodFiles);
  });

  test("a bad configuration value stops synthesis naming environment, field and value, and writes nothing", () => {
    expect(runs[how].badValue.status).not.toBe(0);
    expect(runs[how].badValue.output).toContain('invalid configuration for environment "local"');
    expect(runs[how].badValue.output).toContain('[emulator.endpoint] "localhost:5000": must be an http(s) URL');
    expect(fs.readdirSync(folder(how, "bad-value"))).toEqual([]);
  });
});

test("npm run synth writes the same stacks and manifest as cdktf synth, byte for byte", () => {
  const viaCli = runs["cdktf synth"].goodFiles;
  const direct = runs["npm run synth"].goodFiles;
  expect(Object.keys(direct).sort()).toEqual(Object.keys(viaCli).sort());
  for (const file of Object.keys(viaCli)) expect({ file, content: direct[file] }).toEqual({ file, content: viaCli[file] });
});

describe("a synth of only some environments", () => {
  test("is refused in the full synth's folder, where cdktf would delete the other environments' stacks", () => {
    expect(() => checkOutputFolder(["local"], "cdktf.out", PROJECT_ROOT)).toThrow(ConfigurationError);
    expect(() => checkOutputFolder(["production"], path.join(PROJECT_ROOT, "cdktf.out"), PROJECT_ROOT)).toThrow(
      /TREEPLI_ENV=production synthesizes only some environments.*npx cdktf synth --output cdktf.out.production/,
    );
  });

  test("is allowed in its own folder, and a full synth in the default one", () => {
    expect(() => checkOutputFolder(["local"], "cdktf.out.local", PROJECT_ROOT)).not.toThrow();
    expect(() => checkOutputFolder(["production", "staging"], "cdktf.out", PROJECT_ROOT)).not.toThrow();
  });

  test("gets its own folder from the npm scripts, the same one the error message suggests", () => {
    expect(withOutputFolder(["cdktf", "synth"], { TREEPLI_ENV: "staging,local" })).toEqual([
      "cdktf",
      "synth",
      "--output",
      partialOutputFolder(["staging", "local"]),
    ]);
    expect(withOutputFolder(["cdktf", "deploy", "local-vpc"], { TREEPLI_ENV: "local" })).toEqual([
      "cdktf",
      "deploy",
      "local-vpc",
      "--output",
      "cdktf.out.local",
    ]);
    expect(withOutputFolder(["cdktf", "synth", "--output", "x"], { TREEPLI_ENV: "local" })).toEqual(["cdktf", "synth", "--output", "x"]);
    expect(withOutputFolder(["cdktf", "synth"], {})).toEqual(["cdktf", "synth"]);
    expect(withOutputFolder(["npx", "cdktf", "synth"], { TREEPLI_ENV: "local" })).toEqual([
      "npx",
      "cdktf",
      "synth",
      "--output",
      "cdktf.out.local",
    ]);
  });
});

describe("cdktf deploy offline", () => {
  test("skips cdktf's registry-only provider lock step when providers come from the mirror", () => {
    expect(withProviderLockSkipped(["npx", "cdktf", "deploy", "local-vpc"], "/opt/tf-plugins")).toEqual([
      "npx",
      "cdktf",
      "deploy",
      "local-vpc",
      "--skip-provider-lock",
    ]);
    expect(withProviderLockSkipped(["npx", "cdktf", "deploy", "local-vpc"], undefined)).toEqual(["npx", "cdktf", "deploy", "local-vpc"]);
    expect(withProviderLockSkipped(["cdktf", "synth"], "/opt/tf-plugins")).toEqual(["cdktf", "synth"]);
  });
});
