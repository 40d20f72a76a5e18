import { withoutMetadata } from "./estate-graph";
import { SynthesizedStack } from "./synthesized-estate";

/** One changed argument of a block. */
export interface AttributeChange {
  /** Where: `ingress[0].from_port`; inside a JSON-encoded argument, `policy⟩Statement[0].Action`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A block present in both versions whose arguments differ. */
export interface BlockChange {
  readonly address: string;
  readonly changes: readonly AttributeChange[];
}

/** What changed in one stack between two synths. */
export interface StackDiff {
  readonly stack: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  /** Addresses only in the new synth (resources, data sources, outputs, providers, …). */
  readonly added: readonly string[];
  /** Addresses only in the old synth. */
  readonly removed: readonly string[];
  /** Addresses a `moved` block carries from old to new (neither added nor removed). */
  readonly moved: readonly { readonly from: string; readonly to: string }[];
  readonly changed: readonly BlockChange[];
}

/**
 * The blocks of a stack by address: `aws_lb.main`, `data.aws_region.current`, `ephemeral.x.y`,
 * `output.vpc_id`, `local.x`, `provider.aws`, `provider.aws.us_east_1`, `variable.x`, `module.x`,
 * `terraform` (version, providers, backend), `moved`/`import`/`removed` blocks by their target.
 * cdktf's `//` metadata (construct paths, unique ids) is left out: it changes without changing
 * anything Terraform does.
 */
export function blocksByAddress(json: Record<string, any>): Map<string, unknown> {
  const blocks = new Map<string, unknown>();
  for (const [kind, value] of Object.entries<any>(json)) {
    if (kind === "//") continue;
    if (kind === "resource" || kind === "data" || kind === "ephemeral") {
      for (const [type, instances] of Object.entries<any>(value)) {
        for (const [name, config] of Object.entries<any>(instances))
          blocks.set(kind === "resource" ? `${type}.${name}` : `${kind}.${type}.${name}`, withoutMetadata(config));
      }
    } else if (kind === "provider") {
      for (const [name, configs] of Object.entries<any>(value)) {
        for (const config of [configs].flat())
          blocks.set(config.alias ? `provider.${name}.${config.alias}` : `provider.${name}`, withoutMetadata(config));
      }
    } else if (kind === "output" || kind === "variable" || kind === "module") {
      for (const [name, config] of Object.entries<any>(value)) blocks.set(`${kind}.${name}`, withoutMetadata(config));
    } else if (kind === "locals") {
      for (const [name, config] of Object.entries<any>(value)) blocks.set(`local.${name}`, withoutMetadata(config));
    } else if (kind === "moved" || kind === "import" || kind === "removed") {
      for (const entry of [value].flat()) blocks.set(`${kind} ${entry.to ?? entry.from}`, withoutMetadata(entry));
    } else {
      blocks.set(kind, withoutMetadata(value));
    }
  }
  return blocks;
}

/** Flattens a value into `path → leaf`; strings holding JSON documents (policies, container definitions) are opened too. */
export function flatten(value: unknown, path = "", into = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      const document = JSON.parse(value);
      if (document !== null && typeof document === "object") return flatten(document, `${path}⟩`, into);
    } catch {
      // not JSON: a plain string
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(path, []);
    value.forEach((item, index) => flatten(item, `${path}[${index}]`, into));
  } else if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) into.set(path, {});
    for (const [key, item] of entries) flatten(item, path && !path.endsWith("⟩") ? `${path}.${key}` : `${path}${key}`, into);
  } else {
    into.set(path, value);
  }
  return into;
}

/** The argument-level differences between two versions of one block. */
export function attributeChanges(before: unknown, after: unknown): AttributeChange[] {
  const was = flatten(before);
  const is = flatten(after);
  const changes: AttributeChange[] = [];
  for (const path of [...new Set([...was.keys(), ...is.keys()])].sort()) {
    const a = was.get(path);
    const b = is.get(path);
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    changes.push({ path, ...(was.has(path) ? { before: a } : {}), ...(is.has(path) ? { after: b } : {}) });
  }
  return changes;
}

/** What changed, stack by stack, between an old and a new synth (stacks matched by name). */
export function diffStacks(before: readonly SynthesizedStack[], after: readonly SynthesizedStack[]): StackDiff[] {
  const old = new Map(before.map((stack) => [stack.name, stack]));
  const now = new Map(after.map((stack) => [stack.name, stack]));
  return [...new Set([...old.keys(), ...now.keys()])].sort().map((name) => {
    const was = old.has(name) ? blocksByAddress((old.get(name) as SynthesizedStack).json) : new Map<string, unknown>();
    const is = now.has(name) ? blocksByAddress((now.get(name) as SynthesizedStack).json) : new Map<string, unknown>();
    const movedBlocks = [...is.entries()]
      .filter(([address]) => address.startsWith("moved "))
      .map(([, entry]) => entry as { from: string; to: string });
    const moved = movedBlocks.filter((entry) => was.has(entry.from) && !is.has(entry.from) && is.has(entry.to) && !was.has(entry.to));
    const movedFrom = new Set(moved.map((entry) => entry.from));
    const movedTo = new Set(moved.map((entry) => entry.to));
    // A moved block is reported as the move it makes, not as a block of its own.
    const added = [...is.keys()].filter((address) => !was.has(address) && !movedTo.has(address) && !address.startsWith("moved ")).sort();
    const removed = [...was.keys()]
      .filter((address) => !is.has(address) && !movedFrom.has(address) && !address.startsWith("moved "))
      .sort();
    const changed: BlockChange[] = [];
    for (const address of [...is.keys()].sort()) {
      const origin = moved.find((entry) => entry.to === address)?.from ?? address;
      if (!was.has(origin)) continue;
      const changes = attributeChanges(was.get(origin), is.get(address));
      if (changes.length > 0) changed.push({ address, changes });
    }
    const status = !old.has(name)
      ? "added"
      : !now.has(name)
        ? "removed"
        : added.length || removed.length || moved.length || changed.length
          ? "changed"
          : "unchanged";
    return { stack: name, status, added, removed, moved, changed };
  });
}
