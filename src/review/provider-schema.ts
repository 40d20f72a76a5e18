import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SynthesizedStack } from "./synthesized-estate";

/**
 * Which arguments of a block are nested blocks (written `name { … }` in HCL) rather than attributes
 * (`name = …`). Terraform's JSON syntax writes both as JSON values; only the provider's schema tells
 * them apart.
 */
export interface BlockSchema {
  readonly blocks: Readonly<Record<string, NestedBlockSchema>>;
}

/** A nested block type: how it repeats (`single`, `group`, `list`, `set`, `map`) and its own schema. */
export interface NestedBlockSchema {
  readonly nesting: string;
  readonly block: BlockSchema;
}

/** The block structure of every provider, resource, data source and ephemeral resource type in use. */
export interface ProviderSchemas {
  /** Provider configuration blocks, by local provider name (`aws`). */
  readonly provider: Readonly<Record<string, BlockSchema>>;
  readonly resource: Readonly<Record<string, BlockSchema>>;
  readonly data: Readonly<Record<string, BlockSchema>>;
  readonly ephemeral: Readonly<Record<string, BlockSchema>>;
}

interface RawBlock {
  block_types?: Record<string, { nesting_mode: string; block: RawBlock }>;
}

interface RawProviderSchema {
  provider?: { block?: RawBlock };
  resource_schemas?: Record<string, { block?: RawBlock }>;
  data_source_schemas?: Record<string, { block?: RawBlock }>;
  ephemeral_resource_schemas?: Record<string, { block?: RawBlock }>;
}

function trim(block: RawBlock | undefined): BlockSchema {
  const blocks: Record<string, NestedBlockSchema> = {};
  for (const [name, nested] of Object.entries(block?.block_types ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    blocks[name] = { nesting: nested.nesting_mode, block: trim(nested.block) };
  }
  return { blocks };
}

function trimAll(schemas: Record<string, { block?: RawBlock }> | undefined): Record<string, BlockSchema> {
  return Object.fromEntries(Object.entries(schemas ?? {}).map(([type, schema]) => [type, trim(schema.block)]));
}

/** The providers the stacks require (`terraform.required_providers`), plus Terraform's built-in one. */
export function requiredProviders(stacks: readonly Pick<SynthesizedStack, "json">[]): Record<string, { source: string; version?: string }> {
  const providers: Record<string, { source: string; version?: string }> = {
    terraform: { source: "terraform.io/builtin/terraform" },
  };
  for (const stack of stacks) {
    for (const [name, requirement] of Object.entries<any>(stack.json.terraform?.required_providers ?? {})) {
      const wanted = { source: requirement.source ?? name, ...(requirement.version ? { version: requirement.version } : {}) };
      const known = providers[name];
      if (known && JSON.stringify(known) !== JSON.stringify(wanted)) {
        throw new Error(`stacks require provider "${name}" as both ${JSON.stringify(known)} and ${JSON.stringify(wanted)}`);
      }
      providers[name] = wanted;
    }
  }
  return Object.fromEntries(Object.entries(providers).sort(([a], [b]) => a.localeCompare(b)));
}

/** Where the providers' schemas are cached between runs (shared by the review, its tests and the validation). */
export const PROVIDER_SCHEMA_CACHE = path.resolve(__dirname, "..", "..", "node_modules", ".cache", "treepli-provider-schemas");

/** What `terraform providers schema -json` prints (the parts read here). */
export interface RawProviderSchemas {
  readonly provider_schemas: Record<string, RawProviderSchema & { provider?: { block?: any } }>;
}

/** Where a schema is kept between runs (it depends only on the providers' versions). */
function cacheFile(cacheDir: string, kind: string, providers: object): string {
  const key = createHash("sha256").update(JSON.stringify(providers)).digest("hex").slice(0, 16);
  return path.join(cacheDir, `${kind}-${key}.json`);
}

/** Inputs of {@link loadProviderSchemas}. */
export interface ProviderSchemaOptions {
  /** The folder the schemas are cached in. */
  readonly cacheDir: string;
  /** The environment Terraform runs in (the project's: provider mirror or plugin cache). */
  readonly env: NodeJS.ProcessEnv;
}

/** Sleeps without a busy loop (the callers are synchronous). */
function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/**
 * The full schemas of the providers the stacks require: `terraform providers schema -json` in a scratch
 * folder (init from the provider mirror or the registry, as configured by the environment), cached by
 * provider versions. Reading it starts the provider, seconds of CPU: the review, its tests and the offline
 * validation share the cache, and a process that finds another one reading it waits for its result
 * instead of starting the provider too.
 */
export function loadRawProviderSchemas(
  requirements: Record<string, { source: string; version?: string }>,
  options: ProviderSchemaOptions,
): RawProviderSchemas {
  const cached = cacheFile(options.cacheDir, "provider-schemas", requirements);
  const lock = `${cached}.lock`;
  fs.mkdirSync(options.cacheDir, { recursive: true });
  for (const deadline = Date.now() + 180_000; ; ) {
    if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8")) as RawProviderSchemas;
    try {
      fs.closeSync(fs.openSync(lock, "wx"));
      break;
    } catch {
      // Another process is reading the schema; a lock older than 3 minutes is left from a killed run.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000 || Date.now() > deadline) fs.rmSync(lock, { force: true });
      else sleep(200);
    }
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-provider-schema-"));
  try {
    fs.writeFileSync(path.join(scratch, "main.tf.json"), JSON.stringify({ terraform: { required_providers: requirements } }));
    const terraform = (...args: string[]) => {
      try {
        return execFileSync("terraform", args, {
          cwd: scratch,
          env: options.env,
          encoding: "utf8",
          maxBuffer: 512 * 1024 * 1024,
          stdio: "pipe",
        });
      } catch (error) {
        const { stderr, message } = error as { stderr?: string; message: string };
        throw new Error(`reading the providers' schemas (terraform ${args.join(" ")}) failed: ${stderr || message}`);
      }
    };
    terraform("init", "-backend=false", "-input=false", "-no-color");
    const text = terraform("providers", "schema", "-json");
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, cached);
    return JSON.parse(text) as RawProviderSchemas;
  } finally {
    fs.rmSync(lock, { force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The block structure of the providers the stacks require, trimmed from their full schemas
 * ({@link loadRawProviderSchemas}) to the nested-block structure.
 */
export function loadProviderSchemas(stacks: readonly SynthesizedStack[], options: ProviderSchemaOptions): ProviderSchemas {
  const providers = requiredProviders(stacks);
  const cached = cacheFile(options.cacheDir, "provider-blocks", providers);
  if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8")) as ProviderSchemas;
  const raw = loadRawProviderSchemas(providers, options);
  const bySource = new Map(Object.entries(providers).map(([name, p]) => [normalizeSource(p.source), name]));
  const schemas = { provider: {} as Record<string, BlockSchema>, resource: {}, data: {}, ephemeral: {} };
  for (const [source, schema] of Object.entries(raw.provider_schemas).sort(([a], [b]) => a.localeCompare(b))) {
    const name = bySource.get(normalizeSource(source));
    if (name && schema.provider) schemas.provider[name] = trim(schema.provider.block);
    Object.assign(schemas.resource, trimAll(schema.resource_schemas));
    Object.assign(schemas.data, trimAll(schema.data_source_schemas));
    Object.assign(schemas.ephemeral, trimAll(schema.ephemeral_resource_schemas));
  }
  const temporary = `${cached}.${process.pid}`;
  fs.writeFileSync(temporary, JSON.stringify(schemas));
  fs.renameSync(temporary, cached);
  return schemas;
}

/** `aws`, `hashicorp/aws` and `registry.terraform.io/hashicorp/aws` name the same provider. */
function normalizeSource(source: string): string {
  const parts = source.toLowerCase().split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts.join("/")}`;
  return parts.join("/");
}
