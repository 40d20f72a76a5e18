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
export function requiredProviders(stacks: readonly SynthesizedStack[]): Record<string, { source: string; version?: string }> {
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

/** Where the trimmed schemas are kept between runs (they depend only on the providers' versions). */
function cacheFile(cacheDir: string, providers: object): string {
  const key = createHash("sha256").update(JSON.stringify(providers)).digest("hex").slice(0, 16);
  return path.join(cacheDir, `provider-blocks-${key}.json`);
}

/** Inputs of {@link loadProviderSchemas}. */
export interface ProviderSchemaOptions {
  /** The folder the trimmed schemas are cached in. */
  readonly cacheDir: string;
  /** The environment Terraform runs in (the project's: provider mirror or plugin cache). */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The block structure of the providers the stacks require. Read from `terraform providers schema
 * -json` in a scratch folder (init from the provider mirror or the registry, as configured by the
 * environment), trimmed to the nested-block structure, and cached by provider versions: the first
 * run on a machine takes about 10 s, later ones read the cache.
 */
export function loadProviderSchemas(stacks: readonly SynthesizedStack[], options: ProviderSchemaOptions): ProviderSchemas {
  const providers = requiredProviders(stacks);
  const cached = cacheFile(options.cacheDir, providers);
  if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8")) as ProviderSchemas;

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "treepli-provider-schema-"));
  try {
    fs.writeFileSync(path.join(scratch, "main.tf.json"), JSON.stringify({ terraform: { required_providers: providers } }));
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
        throw new Error(
          `reading the providers' schemas (terraform ${args.join(" ")}) failed; the HCL rendering needs Terraform and the providers: ${stderr || message}`,
        );
      }
    };
    terraform("init", "-backend=false", "-input=false", "-no-color");
    const raw = JSON.parse(terraform("providers", "schema", "-json")) as { provider_schemas: Record<string, RawProviderSchema> };
    const bySource = new Map(Object.entries(providers).map(([name, p]) => [normalizeSource(p.source), name]));
    const schemas = { provider: {} as Record<string, BlockSchema>, resource: {}, data: {}, ephemeral: {} };
    for (const [source, schema] of Object.entries(raw.provider_schemas).sort(([a], [b]) => a.localeCompare(b))) {
      const name = bySource.get(normalizeSource(source));
      if (name && schema.provider) schemas.provider[name] = trim(schema.provider.block);
      Object.assign(schemas.resource, trimAll(schema.resource_schemas));
      Object.assign(schemas.data, trimAll(schema.data_source_schemas));
      Object.assign(schemas.ephemeral, trimAll(schema.ephemeral_resource_schemas));
    }
    fs.mkdirSync(options.cacheDir, { recursive: true });
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, JSON.stringify(schemas));
    fs.renameSync(temporary, cached);
    return schemas;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** `aws`, `hashicorp/aws` and `registry.terraform.io/hashicorp/aws` name the same provider. */
function normalizeSource(source: string): string {
  const parts = source.toLowerCase().split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts.join("/")}`;
  return parts.join("/");
}
