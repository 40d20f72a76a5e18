/**
 * Checks a block of Terraform JSON configuration (a provider or backend block) against a block schema in
 * the format `terraform providers schema -json` prints: unknown arguments, missing required ones, values
 * of the wrong type, too many nested blocks. Values that are Terraform expressions (`${...}`) are not
 * type-checked: they are only known at plan time.
 */

/** A cty type as Terraform's JSON schema writes it. */
export type CtyType =
  | "string"
  | "number"
  | "bool"
  | "dynamic"
  | ["list" | "set" | "map", CtyType]
  | ["object", Record<string, CtyType>]
  | ["tuple", CtyType[]];

/** An attribute of a block schema. */
export interface AttributeSchema {
  readonly type?: CtyType;
  /** Attributes of a nested attribute (protocol 6 style), e.g. the S3 backend's `endpoints`. */
  readonly nested_type?: { readonly attributes: Record<string, AttributeSchema>; readonly nesting_mode: "single" | "list" | "set" | "map" };
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
}

/** A block schema (`provider_schemas.<provider>.provider.block`). */
export interface BlockSchema {
  readonly attributes?: Record<string, AttributeSchema>;
  readonly block_types?: Record<
    string,
    {
      readonly nesting_mode: "single" | "list" | "set" | "map" | "group";
      readonly block: BlockSchema;
      readonly min_items?: number;
      readonly max_items?: number;
    }
  >;
}

const isExpression = (value: unknown) => typeof value === "string" && value.includes("${");
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const describe = (value: unknown) => JSON.stringify(value)?.slice(0, 80);

/** Problems of one block of JSON configuration, each prefixed by its path (`provider.aws[0].default_tags`). */
export function checkBlock(value: unknown, schema: BlockSchema, where: string): string[] {
  if (!isObject(value)) return [`${where}: must be a block (an object), got ${describe(value)}`];
  const problems: string[] = [];
  const attributes = schema.attributes ?? {};
  const blocks = schema.block_types ?? {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "//") continue; // a JSON comment, allowed anywhere by Terraform's JSON syntax
    const attribute = attributes[key];
    const block = blocks[key];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required) {
        problems.push(`${where}.${key}: is read-only (computed by the provider) and cannot be set`);
      } else {
        problems.push(...checkAttribute(item, attribute, `${where}.${key}`));
      }
    } else if (block) {
      const items = block.nesting_mode === "single" || block.nesting_mode === "group" ? [item] : Array.isArray(item) ? item : [item];
      if (block.max_items !== undefined && items.length > block.max_items) {
        problems.push(`${where}.${key}: at most ${block.max_items} block(s) allowed, got ${items.length}`);
      }
      items.forEach((nested, index) => problems.push(...checkBlock(nested, block.block, `${where}.${key}[${index}]`)));
    } else {
      problems.push(
        `${where}.${key}: unknown argument or block; known: ${[...Object.keys(attributes), ...Object.keys(blocks)].sort().join(", ")}`,
      );
    }
  }
  for (const [key, attribute] of Object.entries(attributes)) {
    if (attribute.required && !(key in value)) problems.push(`${where}.${key}: is required`);
  }
  for (const [key, block] of Object.entries(blocks)) {
    const count = key in value ? (Array.isArray(value[key]) ? (value[key] as unknown[]).length : 1) : 0;
    if (block.min_items !== undefined && count < block.min_items)
      problems.push(`${where}.${key}: at least ${block.min_items} block(s) required`);
  }
  return problems;
}

function checkAttribute(value: unknown, attribute: AttributeSchema, where: string): string[] {
  if (attribute.nested_type) {
    const { attributes, nesting_mode } = attribute.nested_type;
    if (isExpression(value)) return [];
    const items = nesting_mode === "single" ? [value] : nesting_mode === "map" && isObject(value) ? Object.values(value) : value;
    if (!Array.isArray(items)) return [`${where}: must be a ${nesting_mode} of objects, got ${describe(value)}`];
    return items.flatMap((item, index) => checkBlock(item, { attributes }, nesting_mode === "single" ? where : `${where}[${index}]`));
  }
  return attribute.type === undefined ? [] : checkValue(value, attribute.type, where);
}

/** Problems of a value against a cty type (Terraform converts between primitives, so does this). */
export function checkValue(value: unknown, type: CtyType, where: string): string[] {
  if (value === null || isExpression(value) || type === "dynamic") return [];
  const wrong = (expected: string) => [`${where}: must be ${expected}, got ${describe(value)}`];
  if (type === "string") return ["string", "number", "boolean"].includes(typeof value) ? [] : wrong("a string");
  if (type === "number") {
    return typeof value === "number" || (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
      ? []
      : wrong("a number");
  }
  if (type === "bool") return typeof value === "boolean" || value === "true" || value === "false" ? [] : wrong("a bool");
  if (type[0] === "list" || type[0] === "set") {
    const [kind, element] = type;
    return Array.isArray(value) ? value.flatMap((item, index) => checkValue(item, element, `${where}[${index}]`)) : wrong(`a ${kind}`);
  }
  if (type[0] === "map") {
    const element = type[1];
    return isObject(value) ? Object.entries(value).flatMap(([key, item]) => checkValue(item, element, `${where}.${key}`)) : wrong("a map");
  }
  if (type[0] === "object") {
    const attributes = type[1];
    if (!isObject(value)) return wrong("an object");
    return Object.entries(value).flatMap(([key, item]) =>
      key in attributes ? checkValue(item, attributes[key], `${where}.${key}`) : [`${where}.${key}: unknown attribute`],
    );
  }
  const elements = (type as ["tuple", CtyType[]])[1];
  return Array.isArray(value)
    ? value.flatMap((item, index) => checkValue(item, elements[index] ?? "dynamic", `${where}[${index}]`))
    : wrong("a tuple");
}
