/**
 * Offline validation of synthesized stacks with the AWS provider's schema loaded once, not once per stack.
 *
 *   node scripts/run-ts.js scripts/validate/validate-stacks.ts [<synth output folder>...]   (npm run validate)
 *
 * `terraform validate` in each stack folder starts the provider (and reads its whole schema, seconds of
 * CPU) for every provider configuration of every stack. Instead, one wrapper root module holds every
 * stack as a module, with the stacks' `provider` and `backend` blocks taken out and one root provider
 * configuration passed to them for the default provider and every alias they declare (`us_east_1`, a second
 * region's): one `terraform init -backend=false` and one `terraform validate`, with one provider process, check
 * every resource, data source, output, reference and expression of every stack. (Validation never configures
 * a provider, so a region is nothing it could check; each alias of its own would only start one more
 * provider process, seconds of CPU each.)
 * What the wrapper leaves out is checked here: every provider block against the same provider binary's
 * schema (`terraform providers schema -json`, cached for the review too), and every backend block against
 * Terraform's backend arguments (backend-schemas.ts). Remote-state look-ups (`terraform_remote_state`)
 * stay in the modules, where `terraform validate` checks their configuration against the backend itself.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { loadRawProviderSchemas, PROVIDER_SCHEMA_CACHE, requiredProviders } from "../../src/review/provider-schema";
import { BACKEND_SCHEMAS } from "./backend-schemas";
import { BlockSchema, checkBlock } from "./block-schema";

const run = promisify(execFile);

/** The provider every stack uses, as `terraform providers schema -json` names it. */
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";

/** How {@link validateStacks} writes the wrapper. */
export interface ValidationOptions {
  /**
   * Writes a stack's module from its JSON (provider and backend blocks already taken out): the files of
   * the module folder, by name. Lets the review validate its HCL rendering the same way.
   *
   * @default - the JSON as `cdk.tf.json`
   */
  readonly moduleFiles?: (stack: string, json: Record<string, unknown>) => Promise<Record<string, string>>;
  /**
   * More files of the wrapper's root module, validated with the stacks (e.g. a fixture with `import`
   * blocks, which only a root module may hold). They use the root's `aws` and `aws.us_east_1` providers.
   *
   * @default - none
   */
  readonly rootFiles?: Record<string, string>;
}

/** What the validation found. */
export interface ValidationReport {
  /** Problems by stack name (every validated stack has an entry, empty when valid). */
  readonly stacks: Record<string, string[]>;
  /** Problems that belong to no one stack (e.g. `terraform init` failed). */
  readonly general: string[];
}

interface StackJson {
  terraform?: { backend?: Record<string, unknown>; required_providers?: Record<string, Record<string, unknown>> };
  provider?: Record<string, Array<Record<string, unknown>>>;
  [block: string]: unknown;
}

/** Every stack folder (holding a `cdk.tf.json`) of the given synth output folders, by stack name. */
export function stackFolders(outputFolders: string[]): Map<string, string> {
  const stacks = new Map<string, string>();
  for (const folder of outputFolders) {
    const root = path.join(folder, "stacks");
    for (const name of fs.readdirSync(root).sort()) {
      if (!fs.existsSync(path.join(root, name, "cdk.tf.json"))) continue;
      if (stacks.has(name)) throw new Error(`stack ${name} is in more than one synth output folder`);
      stacks.set(name, path.join(root, name));
    }
  }
  return stacks;
}

/**
 * Validates the stacks (name -> folder) in `workDir` (created; left for inspection). `env` is the
 * project's Terraform environment (scripts/terraform-env.js), which points Terraform at the provider.
 */
export async function validateStacks(
  stacks: Map<string, string>,
  workDir: string,
  env: NodeJS.ProcessEnv,
  options: ValidationOptions = {},
): Promise<ValidationReport> {
  const report: ValidationReport = { stacks: {}, general: [] };
  const jsonByStack = new Map<string, StackJson>();
  for (const [name, folder] of stacks) {
    jsonByStack.set(name, JSON.parse(fs.readFileSync(path.join(folder, "cdk.tf.json"), "utf8")) as StackJson);
    report.stacks[name] = [];
  }
  await writeWrapper(stacks, jsonByStack, workDir, options);

  const terraform = (...args: string[]) => run("terraform", args, { cwd: workDir, env, maxBuffer: 512 * 1024 * 1024 });
  try {
    await terraform("init", "-backend=false", "-input=false", "-no-color");
  } catch (error) {
    report.general.push(`terraform init failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
    return report;
  }
  // terraform validate starts (in its own process) before the provider's schema is read, shared with the
  // review through its cache: both take seconds of CPU, and run side by side.
  const validation = validateUntilClean(workDir, terraform, report);
  // The stacks' requirements as the review names them (requiredProviders: every stack's, and Terraform's
  // built-in provider), so that the review and the validation read the schema into one cache entry: one
  // `terraform providers schema` per fresh checkout, not one each.
  const requirements = requiredProviders([...jsonByStack.values()].map((json) => ({ json })));
  const providerSchema = loadRawProviderSchemas(requirements, { cacheDir: PROVIDER_SCHEMA_CACHE, env }).provider_schemas[AWS_PROVIDER]
    ?.provider?.block as BlockSchema | undefined;
  await validation;
  if (!providerSchema) throw new Error(`terraform providers schema printed no schema for ${AWS_PROVIDER}`);
  for (const [name, json] of jsonByStack) report.stacks[name].push(...blocksWrapperLeavesOut(json, providerSchema));
  return report;
}

type Terraform = (...args: string[]) => Promise<{ stdout: string }>;

/**
 * Runs `terraform validate` on the wrapper. An error can keep Terraform from reporting others (it stops
 * validating a module at its first failing block, and a configuration error may end the walk), so the
 * stacks with errors are taken out and the rest validated again, until a run reports no error: every
 * stack reported valid was validated in a run that nothing cut short.
 */
async function validateUntilClean(workDir: string, terraform: Terraform, report: ValidationReport): Promise<void> {
  const remaining = new Set(Object.keys(report.stacks));
  for (;;) {
    const validation = await terraform("validate", "-json", "-no-color").catch((error: { stdout?: string }) => ({
      stdout: error.stdout ?? "",
    }));
    const result = JSON.parse(validation.stdout) as {
      diagnostics: Array<{ severity: string; summary: string; detail?: string; range?: { filename: string } }>;
    };
    const failed = new Set<string>();
    for (const diagnostic of result.diagnostics) {
      const stack = /modules\/([^/]+)\//.exec(diagnostic.range?.filename ?? "")?.[1];
      const text = `${diagnostic.severity}: ${diagnostic.summary}${diagnostic.detail ? ` (${diagnostic.detail})` : ""}`;
      if (stack !== undefined && remaining.has(stack)) {
        report.stacks[stack].push(text);
        if (diagnostic.severity === "error") failed.add(stack);
      } else {
        report.general.push(`${diagnostic.range?.filename ?? "(no file)"}: ${text}`);
        if (diagnostic.severity === "error") return;
      }
    }
    if (failed.size === 0) return;
    for (const stack of failed) remaining.delete(stack);
    if (remaining.size === 0) return;
    writeRootModule(workDir, [...remaining]);
  }
}

/** Writes the wrapper root module: every stack as a module without its provider and backend blocks. */
async function writeWrapper(
  stacks: Map<string, string>,
  jsonByStack: Map<string, StackJson>,
  workDir: string,
  options: ValidationOptions,
): Promise<void> {
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(workDir, "modules"), { recursive: true });
  const modules: Record<string, unknown> = {};
  let requiredProviders: Record<string, unknown> | undefined;
  for (const [name, folder] of stacks) {
    const { provider, ...json } = structuredClone(jsonByStack.get(name) as StackJson);
    // Every alias a stack uses (us_east_1, and a second region's such as eu_central_1) gets the root provider.
    const aliases = [...new Set(Object.values(provider ?? {}).flatMap((configs) => configs.map((config) => config.alias)))].filter(
      (alias): alias is string => typeof alias === "string",
    );
    if (json.terraform) {
      delete json.terraform.backend;
      requiredProviders ??= json.terraform.required_providers;
      if (aliases.length > 0 && json.terraform.required_providers?.aws) {
        json.terraform.required_providers.aws.configuration_aliases = aliases.map((alias) => `aws.${alias}`);
      }
    }
    // The stack's other files (assets a stack refers to with a relative path) come along.
    fs.cpSync(folder, path.join(workDir, "modules", name), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}.terraform`),
    });
    const files = options.moduleFiles ? await options.moduleFiles(name, json) : { "cdk.tf.json": JSON.stringify(json, null, 2) };
    fs.rmSync(path.join(workDir, "modules", name, "cdk.tf.json"), { force: true });
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(workDir, "modules", name, file), content);
    modules[name] = {
      source: `./modules/${name}`,
      ...(aliases.length > 0 ? { providers: Object.fromEntries([["aws", "aws"], ...aliases.map((a) => [`aws.${a}`, "aws"])]) } : {}),
    };
  }
  const root = {
    terraform: { required_providers: requiredProviders ?? { aws: { source: "aws" } } },
    // Only validated, never configured: no credentials are needed.
    // The alias is for rootFiles (a module's aliases get the default provider); unused, it starts no provider.
    provider: { aws: [{ region: "us-east-1" }, { region: "us-east-1", alias: "us_east_1" }] },
    module: modules,
  };
  fs.writeFileSync(path.join(workDir, ROOT_FILE), JSON.stringify(root, null, 2));
  for (const [file, content] of Object.entries(options.rootFiles ?? {})) fs.writeFileSync(path.join(workDir, file), content);
}

const ROOT_FILE = "main.tf.json";

/** Rewrites the wrapper's root module to hold only these stacks (their modules stay installed). */
function writeRootModule(workDir: string, keep: string[]): void {
  const root = JSON.parse(fs.readFileSync(path.join(workDir, ROOT_FILE), "utf8")) as { module: Record<string, unknown> };
  root.module = Object.fromEntries(Object.entries(root.module).filter(([name]) => keep.includes(name)));
  fs.writeFileSync(path.join(workDir, ROOT_FILE), JSON.stringify(root, null, 2));
}

/** Problems of the blocks the wrapper takes out: provider blocks and the backend. */
function blocksWrapperLeavesOut(json: StackJson, providerSchema: BlockSchema): string[] {
  const problems: string[] = [];
  for (const [type, configs] of Object.entries(json.provider ?? {})) {
    if (type !== "aws") {
      problems.push(`provider.${type}: only hashicorp/aws exists on these machines`);
      continue;
    }
    configs.forEach((config, index) => {
      const { alias, ...arguments_ } = config;
      if (alias !== undefined && typeof alias !== "string") problems.push(`provider.aws[${index}].alias: must be a string`);
      problems.push(...checkBlock(arguments_, providerSchema, `provider.aws[${index}]`));
    });
  }
  const backends = Object.entries(json.terraform?.backend ?? {});
  if (backends.length !== 1) problems.push(`terraform.backend: exactly one backend expected, got ${backends.length}`);
  for (const [type, config] of backends) {
    const schema = BACKEND_SCHEMAS[type];
    if (!schema) problems.push(`terraform.backend.${type}: not a backend this project checks (${Object.keys(BACKEND_SCHEMAS).join(", ")})`);
    else problems.push(...checkBlock(config, schema, `terraform.backend.${type}`));
  }
  return problems;
}

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { terraformEnv, PROJECT_ROOT } = require("../terraform-env");
  const folders = process.argv.slice(2);
  const outputFolders = folders.length > 0 ? folders : [path.join(PROJECT_ROOT, "cdktf.out")];
  const stacks = stackFolders(outputFolders);
  const workDir = path.join(PROJECT_ROOT, "node_modules", ".cache", "treepli-validate");
  const started = Date.now();
  const report = await validateStacks(stacks, workDir, terraformEnv(process.env));
  let failed = report.general.length > 0;
  for (const problem of report.general) console.error(problem);
  for (const [stack, problems] of Object.entries(report.stacks)) {
    if (problems.length === 0) continue;
    failed = true;
    console.error(`${stack}:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${failed ? "INVALID" : "valid"}: ${stacks.size} stacks of ${outputFolders.join(", ")} (${seconds} s)`);
  process.exit(failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
