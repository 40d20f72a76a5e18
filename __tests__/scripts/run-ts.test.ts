import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

// scripts/run-ts.js runs the cdktf app (cdktf.json's app command, npm run synth) from a cached bundle.
// What matters to an operator: an edit anywhere in the sources is what gets synthesized, never a stale build.

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
// Inside the project (outside node_modules), so that the entry is bundled like main.ts.
const dir = path.join(PROJECT_ROOT, `.run-ts-test-${process.pid}`);
const runner = path.join(PROJECT_ROOT, "scripts", "run-ts.js");
const run = (...args: string[]) => execFileSync(process.execPath, [runner, path.join(dir, "entry.ts"), ...args], { encoding: "utf8" });

beforeAll(() => {
  fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "entry.ts"),
    'import { value } from "./lib/value";\nconsole.log(`${value}:${process.argv.slice(2).join(",")}`);\n',
  );
  fs.writeFileSync(path.join(dir, "lib", "value.ts"), 'export const value: string = "first";\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("runs a TypeScript entry with its arguments", () => {
  expect(run("a", "b").trim()).toBe("first:a,b");
});

test("an edit to an imported file is picked up at the next run (no stale build)", () => {
  expect(run().trim()).toBe("first:");
  // Same length, so that only the content differs.
  fs.writeFileSync(path.join(dir, "lib", "value.ts"), 'export const value: string = "secnd";\n');
  expect(run().trim()).toBe("secnd:");
});

test("a file newly imported by an edited file is part of the next run", () => {
  fs.writeFileSync(path.join(dir, "lib", "other.ts"), 'export const other = "third";\n');
  fs.writeFileSync(path.join(dir, "lib", "value.ts"), 'import { other } from "./other";\nexport const value: string = other;\n');
  expect(run().trim()).toBe("third:");
  fs.writeFileSync(path.join(dir, "lib", "other.ts"), 'export const other = "fourth";\n');
  expect(run().trim()).toBe("fourth:");
});

test("__dirname and __filename name the project file, not the bundle (scripts find the project root from them)", () => {
  fs.writeFileSync(path.join(dir, "lib", "where.ts"), "export const where = `${__dirname}|${__filename}`;\n");
  fs.writeFileSync(path.join(dir, "entry.ts"), 'import { where } from "./lib/where";\nconsole.log(`${where}|${__dirname}`);\n');
  expect(run().trim()).toBe(`${path.join(dir, "lib")}|${path.join(dir, "lib", "where.ts")}|${dir}`);
});

test("a syntax error stops the run with esbuild's message naming the file", () => {
  fs.writeFileSync(path.join(dir, "lib", "broken.ts"), "export const broken: string = ;\n");
  fs.writeFileSync(path.join(dir, "entry.ts"), 'import { broken } from "./lib/broken";\nconsole.log(broken);\n');
  expect(() => execFileSync(process.execPath, [runner, path.join(dir, "entry.ts")], { encoding: "utf8", stdio: "pipe" })).toThrow(
    /broken\.ts:1/,
  );
});

test("a package the bundle loads only on first use (archiver, for cdktf's assets) still works when called", () => {
  fs.mkdirSync(path.join(dir, "content"), { recursive: true });
  fs.writeFileSync(path.join(dir, "content", "file.txt"), "zipped\n");
  const zip = path.join(dir, "content.zip");
  fs.writeFileSync(
    path.join(dir, "entry.ts"),
    [
      'import * as fs from "fs";',
      "// eslint-disable-next-line @typescript-eslint/no-require-imports",
      'const archiver = require("archiver");',
      'const archive = archiver("zip");',
      "const output = fs.createWriteStream(process.argv[2]);",
      'output.on("close", () => console.log(`zipped ${archive.pointer()} bytes`));',
      "archive.pipe(output);",
      "archive.directory(process.argv[3], false);",
      "archive.finalize();",
    ].join("\n"),
  );
  expect(run(zip, path.join(dir, "content")).trim()).toMatch(/^zipped \d+ bytes$/);
  expect(fs.readFileSync(zip).subarray(0, 2).toString()).toBe("PK");
});
