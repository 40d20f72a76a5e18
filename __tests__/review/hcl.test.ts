import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatHcl, stackHcl } from "../../src/review/bundle";
import { renderHcl } from "../../src/review/hcl";
import { SynthesizedStack, TerraformJson } from "../../src/review/synthesized-estate";
import { validateStacks } from "../../scripts/validate/validate-stacks";
import { parseTemplate } from "../../src/review/terraform-template";
import { schemasFor, synth } from "./review-helpers";

// The HCL rendering must say exactly what the JSON says: every file parses back (with HashiCorp's HCL
// parser, through @cdktf/hcl2json) to the synthesized JSON block by block, and every stack's HCL folder
// passes `terraform validate` (which knows the provider's schema: blocks versus attributes, types).

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse: parseHcl } = require("@cdktf/hcl2json") as { parse: (file: string, text: string) => Promise<Record<string, any>> };

/** Arguments Terraform's JSON syntax reads as references or keywords; HCL writes them bare (hcl2json gives `${…}`). */
const BARE = new Set(["depends_on", "provider", "ignore_changes", "replace_triggered_by", "from", "to", "type", "iterator"]);

/** Whitespace inside `${…}` is not significant (the formatter normalizes it); outside quoted strings it is dropped. */
function normalizeTemplate(text: string): string {
  return parseTemplate(text)
    .map((part) => {
      if (part.kind === "literal") return part.text;
      let out = "";
      let quoted = false;
      for (let i = 0; i < part.text.length; i++) {
        const char = part.text[i];
        if (char === "\\" && quoted) {
          out += part.text.slice(i, i + 2);
          i++;
          continue;
        }
        if (char === '"') quoted = !quoted;
        if (quoted || !/\s/.test(char)) out += char;
      }
      return `${part.kind === "interpolation" ? "$" : "%"}{${out}}`;
    })
    .join("");
}

const bare = (text: string) => normalizeTemplate(text).replace(/^\$\{(.*)\}$/s, "$1");

/** Differences between the synthesized JSON and the JSON the HCL parses to (empty when they say the same). */
function differences(json: any, hcl: any, at: string, bareValue = false): string[] {
  if (json !== null && typeof json === "object" && "//" in json)
    json = Object.fromEntries(Object.entries(json).filter(([key]) => key !== "//"));
  // A block is an object in the JSON, a list of one object once parsed from HCL.
  if (Array.isArray(hcl) && json !== null && typeof json === "object" && !Array.isArray(json)) json = [json];
  if (Array.isArray(json) && Array.isArray(hcl)) {
    if (json.length !== hcl.length) return [`${at}: ${json.length} items in JSON, ${hcl.length} in HCL`];
    return json.flatMap((item, i) => differences(item, hcl[i], `${at}[${i}]`, bareValue));
  }
  if (json !== null && hcl !== null && typeof json === "object" && typeof hcl === "object" && !Array.isArray(json) && !Array.isArray(hcl)) {
    return [...new Set([...Object.keys(json), ...Object.keys(hcl)])].flatMap((key) => {
      if (!(key in hcl) && Array.isArray(json[key]) && json[key].length === 0 && !(key in {})) return []; // zero nested blocks
      if (!(key in hcl)) return [`${at}.${key}: missing from the HCL`];
      if (!(key in json)) return [`${at}.${key}: in the HCL only`];
      return differences(json[key], hcl[key], `${at}.${key}`, BARE.has(key));
    });
  }
  if (typeof json === "string" && typeof hcl === "string") {
    const [a, b] = bareValue ? [bare(json), bare(hcl)] : [normalizeTemplate(json), normalizeTemplate(hcl)];
    return a === b ? [] : [`${at}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`];
  }
  return json === hcl ? [] : [`${at}: ${JSON.stringify(json)} became ${JSON.stringify(hcl)}`];
}

const estate = synth(["staging", "production", "local"]);
const schemas = schemasFor(estate);
const rendered = new Map<string, string>();
beforeAll(async () => {
  for (const stack of estate.stacks) rendered.set(stack.name, await stackHcl(stack, schemas));
}, 120_000);

test.each(estate.stacks.map((stack) => [stack.name, stack] as [string, SynthesizedStack]))(
  "%s: the HCL parses back to the synthesized JSON, block by block",
  async (name, stack) => {
    const parsed = await parseHcl(`${name}.tf`, rendered.get(name) as string);
    expect(differences(stack.json, parsed, name)).toEqual([]);
    // Every top-level block kind of the JSON is in the HCL (ephemeral included).
    expect(Object.keys(parsed).sort()).toEqual(
      Object.keys(stack.json)
        .filter((key) => key !== "//")
        .sort(),
    );
  },
);

test("the bootstrap stacks' ephemeral block, which cdktf's --hcl cannot render, is rendered and referenced", () => {
  const hcl = rendered.get("production-bootstrap") as string;
  expect(hcl).toMatch(/^ephemeral "aws_secretsmanager_random_password" "[^"]+" \{$/m);
  expect(hcl).toMatch(/secret_string_wo\s+= jsonencode\(\{ "current" = ephemeral\.aws_secretsmanager_random_password\./);
});

/** Block kinds and syntax the stacks do not use yet: moved, import, removed, dynamic, lifecycle, heredocs, escapes, directives. */
const FIXTURE = {
  "//": { metadata: { stackName: "fixture" } },
  terraform: { required_providers: { aws: { source: "aws", version: "5.100.0" } }, required_version: ">= 1.7" },
  provider: { aws: [{ region: "eu-west-1" }, { alias: "us_east_1", region: "us-east-1" }] },
  variable: { names: { type: "list(string)", default: ["a", "b"], description: 'the "names"' } },
  locals: { prefix: "treepli-${var.names[0]}", literal: "$${not_interpolated} and %%{ not a directive }" },
  data: { aws_region: { current: { provider: "aws.us_east_1" } } },
  resource: {
    aws_s3_bucket: {
      renamed: {
        "//": { metadata: { path: "fixture/renamed" } },
        bucket: "${local.prefix}-bucket",
        tags: { "aws:not-an-identifier": 'quote " and backslash \\ and tab \t', Name: "x" },
        lifecycle: { ignore_changes: ["tags"], prevent_destroy: false },
      },
      imported: { bucket: "imported-bucket", depends_on: ["aws_s3_bucket.renamed"] },
    },
    aws_s3_bucket_lifecycle_configuration: {
      expiry: {
        bucket: "${aws_s3_bucket.renamed.id}",
        dynamic: {
          rule: {
            for_each: "${var.names}",
            content: { id: "${rule.value}", status: "Enabled", filter: { prefix: "${rule.value}/" }, expiration: { days: 30 } },
          },
        },
      },
    },
    aws_ssm_document: {
      script: { name: "script", document_type: "Command", content: '{\n  "schemaVersion": "2.2",\n  "mainSteps": []\n}\n' },
    },
  },
  moved: [{ from: "aws_s3_bucket.old", to: "aws_s3_bucket.renamed" }],
  import: [{ to: "aws_s3_bucket.imported", id: "imported-bucket" }],
  removed: [{ from: "aws_s3_bucket.gone", lifecycle: { destroy: false } }],
  output: {
    region: { value: "${data.aws_region.current.name}", description: "where", depends_on: ["aws_s3_bucket.renamed"] },
    secretive: { value: "%{ if length(var.names) > 1 }many%{ else }one%{ endif }", sensitive: true },
  },
};

function fixtureHcl(): Promise<string> {
  const stack: SynthesizedStack = {
    name: "fixture",
    environment: "fixture",
    layer: "",
    workingDirectory: "stacks/fixture",
    dependencies: [],
    json: FIXTURE,
    text: "",
  };
  return stackHcl(stack, schemas);
}

test("block kinds the stacks do not use yet render as Terraform reads them: moved, import, removed, dynamic, lifecycle, heredocs, escapes", async () => {
  const hcl = await fixtureHcl();
  expect(differences(FIXTURE, await parseHcl("fixture.tf", hcl), "fixture")).toEqual([]);
  expect(hcl).toMatch(/content\s+= <<EOT\n\{\n/);
  expect(hcl).toMatch(/^moved \{\n\s+from = aws_s3_bucket\.old\n\s+to\s+= aws_s3_bucket\.renamed\n\}$/m);
  expect(hcl).toMatch(/^\s+depends_on = \[aws_s3_bucket\.renamed\]$/m);
  expect(hcl).toMatch(/^\s+provider = aws\.us_east_1$/m);
});

test("every HCL folder of the review bundle (staging and production, bootstrap included) and the block-kind fixture pass terraform validate", async () => {
  // The same one-provider-load validation as the JSON's (scripts/validate): every stack's HCL, rendered
  // without its provider and backend blocks (their rendering is proven equal to the JSON's above, and the
  // JSON's blocks are checked by __tests__/terraform-validate.test.ts), as a module of one wrapper. The
  // fixture joins the wrapper's root module, because import blocks are allowed only there.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-hcl-validate-"));
  try {
    const { terraform: _terraform, provider: _provider, ...fixtureBody } = FIXTURE;
    const stacks = new Map(
      estate.stacks
        .filter((stack) => stack.environment !== "local")
        .map((stack) => [stack.name, path.join(estate.outdir, stack.workingDirectory)]),
    );
    const report = await validateStacks(stacks, work, process.env, {
      moduleFiles: async (name, json) => ({ "main.tf": await formatHcl(renderHcl(json as TerraformJson, schemas, name)) }),
      rootFiles: { "fixture.tf": await formatHcl(renderHcl(fixtureBody as TerraformJson, schemas, "fixture")) },
    });
    expect(report.general).toEqual([]);
    expect(Object.entries(report.stacks).filter(([, problems]) => problems.length > 0)).toEqual([]);
    expect(Object.keys(report.stacks).sort()).toEqual([...stacks.keys()].sort());
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 300_000);
