import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkOutputFolder, partialOutputFolder } from "../src/app";
import { ConfigurationError } from "../src/config/load-config";

// The whole program as operators run it: the real cdktf CLI running main.ts.
const PROJECT_ROOT = path.resolve(__dirname, "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { withOutputFolder, withProviderLockSkipped } = require("../scripts/terraform-env");

function cdktfSynth(outdir: string, env: Record<string, string> = {}) {
  return spawnSync(path.join(PROJECT_ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", outdir], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TREEPLI_ENV: "", ...env },
    encoding: "utf8",
    timeout: 120_000,
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

describe("cdktf synth", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-synth-"));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("by default synthesizes every stack of staging and production, and not local", () => {
    const result = cdktfSynth(outdir);
    expect(result.status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual([
      "production-backend",
      "production-bootstrap",
      "production-cluster",
      "production-frontend",
      "production-media",
      "production-vpc",
      "staging-backend",
      "staging-bootstrap",
      "staging-cluster",
      "staging-frontend",
      "staging-media",
      "staging-vpc",
    ]);
  }, 120_000);

  test("an unknown environment stops synthesis with a message, and the previous output is left as it was", () => {
    const before = snapshotFolder(outdir);
    expect(Object.keys(before).length).toBeGreaterThan(6);
    const result = cdktfSynth(outdir, { TREEPLI_ENV: "prod" });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'TREEPLI_ENV="prod" names unknown environment(s) "prod"; allowed: staging, production, local',
    );
    expect(snapshotFolder(outdir)).toEqual(before);
  }, 120_000);

  test("a bad configuration value stops synthesis naming environment, field and value, and writes nothing", () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-synth-bad-"));
    try {
      const result = cdktfSynth(fresh, { TREEPLI_ENV: "local", TREEPLI_EMULATOR_ENDPOINT: "localhost:5000" });
      expect(result.status).not.toBe(0);
      const output = result.stdout + result.stderr;
      expect(output).toContain('invalid configuration for environment "local"');
      expect(output).toContain('[emulator.endpoint] "localhost:5000": must be an http(s) URL');
      expect(fs.readdirSync(fresh)).toEqual([]);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  }, 120_000);
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
