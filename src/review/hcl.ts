import { BlockSchema, ProviderSchemas } from "./provider-schema";
import { parseTemplate, soleInterpolation } from "./terraform-template";
import { TerraformJson } from "./synthesized-estate";

/**
 * Renders synthesized Terraform JSON as HCL (native syntax) that means the same: every top-level block
 * kind Terraform has (terraform, provider, variable, locals, data, ephemeral, resource, module, output,
 * moved, import, removed), nested blocks told apart from attributes by the providers' schemas, the
 * arguments Terraform's JSON syntax reads as references rather than templates (`depends_on`,
 * `provider`, `lifecycle.ignore_changes`, `moved.from`, …) written as references, and strings that
 * are one interpolation written as the bare expression (which Terraform evaluates identically).
 *
 * cdktf 0.21's own `--hcl` output cannot be used: it cannot render `ephemeral` blocks, and it writes
 * unescaped quotes inside strings and mangles top-level overrides.
 */
export function renderHcl(json: TerraformJson, schemas: ProviderSchemas, title: string): string {
  const out: string[] = [`# ${title}`, ""];
  const known = new Set(["//", ...TOP_LEVEL_ORDER]);
  const unknown = Object.keys(json).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`${title}: cannot render top-level block kind(s) ${unknown.join(", ")} as HCL`);
  for (const kind of TOP_LEVEL_ORDER) {
    if (json[kind] !== undefined) out.push(...TOP_LEVEL[kind](json[kind], schemas));
  }
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

const TOP_LEVEL_ORDER = [
  "terraform",
  "provider",
  "variable",
  "locals",
  "data",
  "ephemeral",
  "resource",
  "module",
  "moved",
  "import",
  "removed",
  "output",
];

type TopLevelRenderer = (value: any, schemas: ProviderSchemas) => string[];

const TOP_LEVEL: Record<string, TopLevelRenderer> = {
  terraform: (value) => block("terraform", [], terraformBody(value)),
  provider: (value, schemas) =>
    Object.entries<any>(value).flatMap(([name, configs]) =>
      asList(configs).flatMap((config) => block("provider", [name], body(config, schemaOr(schemas.provider, name, "provider"), {}))),
    ),
  variable: (value) =>
    Object.entries<any>(value).flatMap(([name, config]) =>
      block("variable", [name], body(config, NO_BLOCKS, { bare: ["type"], blocks: ["validation"] })),
    ),
  locals: (value) => block("locals", [], attributes(value)),
  data: (value, schemas) => labelledBlocks("data", value, (type) => schemaOr(schemas.data, type, "data source")),
  ephemeral: (value, schemas) => labelledBlocks("ephemeral", value, (type) => schemaOr(schemas.ephemeral, type, "ephemeral resource")),
  resource: (value, schemas) => labelledBlocks("resource", value, (type) => schemaOr(schemas.resource, type, "resource")),
  module: (value) =>
    Object.entries<any>(value).flatMap(([name, config]) =>
      block("module", [name], body(config, NO_BLOCKS, { bare: ["depends_on", "providers"], meta: true })),
    ),
  moved: (value) => asList(value).flatMap((entry) => block("moved", [], body(entry, NO_BLOCKS, { bare: ["from", "to"] }))),
  import: (value) => asList(value).flatMap((entry) => block("import", [], body(entry, NO_BLOCKS, { bare: ["to", "provider"] }))),
  removed: (value) =>
    asList(value).flatMap((entry) => block("removed", [], body(entry, NO_BLOCKS, { bare: ["from"], blocks: ["lifecycle"] }))),
  output: (value) =>
    Object.entries<any>(value).flatMap(([name, config]) =>
      block("output", [name], body(config, NO_BLOCKS, { bare: ["depends_on"], blocks: ["precondition"] })),
    ),
};

const NO_BLOCKS: BlockSchema = { blocks: {} };

function schemaOr(schemas: Readonly<Record<string, BlockSchema>>, type: string, what: string): BlockSchema {
  const schema = schemas[type];
  if (!schema) throw new Error(`no provider schema for ${what} type "${type}": is its provider in required_providers?`);
  return schema;
}

function labelledBlocks(kind: string, value: any, schemaOf: (type: string) => BlockSchema): string[] {
  return Object.entries<any>(value).flatMap(([type, instances]) =>
    Object.entries<any>(instances).flatMap(([name, config]) => [
      ...comment(config),
      ...block(kind, [type, name], body(config, schemaOf(type), { meta: true })),
    ]),
  );
}

/** The construct path cdktf records in `//`, as a comment above the block (reviewers find the code by it). */
function comment(config: any): string[] {
  const constructPath = config?.["//"]?.metadata?.path;
  return typeof constructPath === "string" ? [`# ${constructPath}`] : [];
}

function terraformBody(value: any): string[] {
  const lines: string[] = [];
  for (const [key, entry] of Object.entries<any>(value)) {
    if (key === "//") continue;
    if (key === "required_providers") {
      // Each requirement is an object; its `configuration_aliases` are references (`[aws.us_east_1]`).
      const requirements = Object.entries<any>(entry).map(([name, requirement]) =>
        typeof requirement === "object" && requirement !== null && requirement.configuration_aliases
          ? `${name} = { ${Object.entries<any>(requirement)
              .map(
                ([field, fieldValue]) => `${field} = ${field === "configuration_aliases" ? bareValue(fieldValue) : expression(fieldValue)}`,
              )
              .join(", ")} }`
          : attribute(name, requirement),
      );
      lines.push(...block("required_providers", [], requirements));
    } else if (key === "backend")
      for (const [type, config] of Object.entries<any>(entry)) lines.push(...block("backend", [type], attributes(config)));
    else if (key === "provider_meta")
      for (const [name, config] of Object.entries<any>(entry)) lines.push(...block("provider_meta", [name], attributes(config)));
    else if (key === "cloud")
      lines.push(...block("cloud", [], body(entry, { blocks: { workspaces: { nesting: "single", block: NO_BLOCKS } } }, {})));
    else lines.push(attribute(key, entry));
  }
  return lines;
}

/** How one block's arguments are read, beyond its schema. */
interface BodyRules {
  /** Arguments whose JSON strings are references or keywords, not templates (`depends_on = [aws_x.y]`). */
  readonly bare?: readonly string[];
  /** Arguments that are nested blocks in every block of this kind (`validation`, `precondition`). */
  readonly blocks?: readonly string[];
  /** Resource meta-arguments apply (`count`, `for_each`, `provider`, `depends_on`, `lifecycle`, `dynamic`, `provisioner`, `connection`). */
  readonly meta?: boolean;
}

const LIFECYCLE_RULES: BodyRules = { bare: ["ignore_changes", "replace_triggered_by"], blocks: ["precondition", "postcondition"] };

function body(config: any, schema: BlockSchema, rules: BodyRules): string[] {
  const head: string[] = [];
  const plain: string[] = [];
  const nested: string[] = [];
  const tail: string[] = [];
  for (const [key, value] of Object.entries<any>(config ?? {})) {
    if (key === "//") continue;
    if (rules.meta && (key === "count" || key === "for_each")) head.push(attribute(key, value));
    else if (rules.meta && key === "provider") head.push(`${key} = ${reference(value)}`);
    else if ((rules.meta && key === "depends_on") || rules.bare?.includes(key)) plain.push(`${key} = ${bareValue(value)}`);
    else if (rules.meta && key === "lifecycle")
      for (const entry of asList(value)) tail.push(...block("lifecycle", [], body(entry, NO_BLOCKS, LIFECYCLE_RULES)));
    else if (rules.meta && key === "dynamic") nested.push(...dynamicBlocks(value, schema));
    else if (rules.meta && key === "provisioner") tail.push(...provisioners(value));
    else if (rules.meta && key === "connection") tail.push(...block("connection", [], attributes(value)));
    else if (schema.blocks[key]) nested.push(...nestedBlocks(key, value, schema.blocks[key].nesting, schema.blocks[key].block));
    else if (rules.blocks?.includes(key)) for (const entry of asList(value)) nested.push(...block(key, [], attributes(entry)));
    else plain.push(attribute(key, value));
  }
  return [...head, ...plain, ...nested, ...tail];
}

function nestedBlocks(name: string, value: any, nesting: string, schema: BlockSchema): string[] {
  if (value === null) return [];
  if (nesting === "map") {
    return Object.entries<any>(value).flatMap(([label, entry]) => block(name, [label], body(entry, schema, {})));
  }
  return asList(value).flatMap((entry) => block(name, [], body(entry, schema, {})));
}

function dynamicBlocks(value: any, schema: BlockSchema): string[] {
  return Object.entries<any>(value).flatMap(([name, entries]) =>
    asList(entries).flatMap((entry) => {
      const nestedSchema = schema.blocks[name]?.block;
      if (!nestedSchema) throw new Error(`dynamic block "${name}" names no nested block type of its parent`);
      const lines: string[] = [];
      for (const [key, item] of Object.entries<any>(entry)) {
        if (key === "content") lines.push(...block("content", [], body(item, nestedSchema, {})));
        else if (key === "iterator") lines.push(`iterator = ${reference(item)}`);
        else lines.push(attribute(key, item));
      }
      return block("dynamic", [name], lines);
    }),
  );
}

function provisioners(value: any): string[] {
  return asList(value).flatMap((entry) =>
    Object.entries<any>(entry).flatMap(([type, config]) =>
      block("provisioner", [type], body(config, NO_BLOCKS, { blocks: ["connection"] })),
    ),
  );
}

function block(type: string, labels: readonly string[], lines: readonly string[]): string[] {
  const head = [type, ...labels.map((label) => JSON.stringify(label))].join(" ");
  if (lines.length === 0) return [`${head} {}`, ""];
  // No indentation here: the formatter indents (and must not touch heredoc contents).
  const inner = [...lines];
  while (inner.length > 0 && inner[inner.length - 1] === "") inner.pop();
  return [`${head} {`, ...inner, "}", ""];
}

function attributes(value: any): string[] {
  return Object.entries<any>(value ?? {})
    .filter(([key]) => key !== "//")
    .map(([key, item]) => attribute(key, item));
}

function attribute(key: string, value: any): string {
  return `${objectKey(key)} = ${expression(value)}`;
}

/** A reference written as a string in JSON (`"aws_lb.main"`, or `"${aws_lb.main}"`), as a bare traversal. */
function reference(value: any): string {
  if (typeof value !== "string") throw new Error(`expected a reference, got ${JSON.stringify(value)}`);
  return soleInterpolation(value) ?? value;
}

/** A value whose strings are references or keywords (`[aws_lb.main, aws_lb.other]`, `all`, `{ aws = aws.east }`). */
function bareValue(value: any): string {
  if (typeof value === "string") return reference(value);
  if (Array.isArray(value)) return `[${value.map(bareValue).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{\n${Object.entries<any>(value)
      .map(([key, item]) => `${objectKey(key)} = ${bareValue(item)}`)
      .join("\n")}\n}`;
  }
  return expression(value);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const KEYWORDS = new Set(["true", "false", "null", "for", "if", "in", "endfor", "endif"]);

function objectKey(key: string): string {
  return IDENTIFIER.test(key) && !KEYWORDS.has(key) ? key : quoted(key);
}

/** A JSON value as an HCL expression. */
export function expression(value: any): string {
  if (value === null) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value === "string") return stringExpression(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map(expression);
    const oneLine = `[${items.join(", ")}]`;
    if (oneLine.length <= 100 && !oneLine.includes("\n")) return oneLine;
    // A heredoc's closing marker must end its line: the comma goes on the next one.
    return `[\n${items.map((item) => (/\nEOT\d*$/.test(item) ? `${item}\n,` : `${item},`)).join("\n")}\n]`;
  }
  const entries = Object.entries<any>(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, item]) => `${objectKey(key)} = ${expression(item)}`).join("\n")}\n}`;
}

/** A JSON-syntax template string as an HCL expression: a bare expression, a heredoc or a quoted template. */
function stringExpression(template: string): string {
  const sole = soleInterpolation(template);
  if (sole !== undefined && !sole.includes("\n")) return sole;
  if (template.includes("\n") && template.endsWith("\n") && template.length > 1) {
    const lines = template.slice(0, -1).split("\n");
    let marker = "EOT";
    for (let n = 1; lines.some((line) => line.trim() === marker); n++) marker = `EOT${n}`;
    return `<<${marker}\n${template}${marker}`;
  }
  return quoted(template);
}

/** A quoted HCL template with the same meaning: literal text escaped, interpolations and directives kept. */
function quoted(template: string): string {
  return `"${parseTemplate(template)
    .map((part) => (part.kind === "literal" ? escapeLiteral(part.text) : `${part.kind === "interpolation" ? "$" : "%"}{${part.text}}`))
    .join("")}"`;
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\"\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

function asList(value: any): any[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
