/**
 * Terraform's JSON syntax makes every string a template: literal text with `${ expression }`
 * interpolations and `%{ directive }`s (`$${` and `%%{` are escapes for the literal characters).
 * This splits such a string into its parts, so that the literal text and the expressions can be
 * rendered (HCL) and searched (references) separately.
 */

/** One part of a template string. */
export type TemplatePart =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "interpolation" | "directive"; readonly text: string };

/**
 * Finds the end of an expression that starts at `start` (just after `${` or `%{`): the index of the
 * `}` that closes it, skipping nested braces, brackets and quoted strings (which may hold templates).
 */
function expressionEnd(source: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < source.length) {
    const char = source[index];
    if (char === '"') {
      index = stringEnd(source, index + 1) + 1;
      continue;
    }
    if (char === "<" && source.startsWith("<<", index)) {
      const heredoc = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(source.slice(index));
      if (heredoc) {
        const close = new RegExp(`\\n[ \\t]*${heredoc[1]}(?![A-Za-z0-9_])`).exec(source.slice(index + heredoc[0].length - 1));
        if (!close) throw new Error(`unterminated heredoc in template: ${source}`);
        index += heredoc[0].length - 1 + close.index + close[0].length;
        continue;
      }
    }
    if (char === "{" || char === "(" || char === "[") depth++;
    if (char === ")" || char === "]") depth--;
    if (char === "}") {
      if (depth === 0) return index;
      depth--;
    }
    index++;
  }
  throw new Error(`unterminated template expression in: ${source}`);
}

/** The index of the `"` that closes a quoted string starting at `start` (just after its opening quote). */
function stringEnd(source: string, start: number): number {
  let index = start;
  while (index < source.length) {
    const char = source[index];
    if (char === "\\") {
      index += 2;
      continue;
    }
    if (char === '"') return index;
    if ((char === "$" || char === "%") && source[index + 1] === char && source[index + 2] === "{") {
      index += 3; // $${ or %%{: an escaped literal
      continue;
    }
    if ((char === "$" || char === "%") && source[index + 1] === "{") {
      index = expressionEnd(source, index + 2) + 1;
      continue;
    }
    index++;
  }
  throw new Error(`unterminated string in template expression: ${source}`);
}

/** Splits a Terraform template string into literal text and `${…}`/`%{…}` parts (escapes stay as written). */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let index = 0;
  while (index < template.length) {
    const char = template[index];
    const opensSequence = (char === "$" || char === "%") && template[index + 1] === "{";
    if ((char === "$" || char === "%") && template[index + 1] === char && template[index + 2] === "{") {
      literal += template.slice(index, index + 3); // escaped: stays literal, and stays escaped
      index += 3;
      continue;
    }
    if (opensSequence) {
      const end = expressionEnd(template, index + 2);
      if (literal) parts.push({ kind: "literal", text: literal });
      literal = "";
      parts.push({ kind: char === "$" ? "interpolation" : "directive", text: template.slice(index + 2, end) });
      index = end + 1;
      continue;
    }
    literal += char;
    index++;
  }
  if (literal) parts.push({ kind: "literal", text: literal });
  return parts;
}

/** The expression of a string that is exactly one interpolation (`"${aws_vpc.main.id}"`), else undefined. */
export function soleInterpolation(template: string): string | undefined {
  if (!template.startsWith("${")) return undefined;
  const parts = parseTemplate(template);
  return parts.length === 1 && parts[0].kind === "interpolation" ? parts[0].text.trim() : undefined;
}

/**
 * Every reference to a named object (`aws_vpc.main`, `data.aws_region.current`, `local.x`,
 * `ephemeral.<type>.<name>`, `module.x`, `var.x`) in the expressions of a template, as the traversal
 * written (with its attribute, e.g. `aws_vpc.main.id`, or
 * `data.terraform_remote_state.x.outputs.vpc_id`). References inside the expression's own quoted
 * strings are found too.
 */
export function templateReferences(template: string): string[] {
  const found: string[] = [];
  for (const part of parseTemplate(template)) {
    if (part.kind === "literal") continue;
    const pattern =
      /(?<![\w.\-"])((?:data|ephemeral)\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*|(?:local|var|module)\.[A-Za-z_][\w-]*|[a-z][a-z0-9]*_[\w]*\.[A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[[^\]]*\])*)/g;
    for (const match of part.text.matchAll(pattern)) found.push(`${match[1]}${match[2]}`);
  }
  return found;
}
