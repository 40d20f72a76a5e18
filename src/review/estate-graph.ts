import { SynthesizedStack } from "./synthesized-estate";
import { soleInterpolation, templateReferences } from "./terraform-template";

/** One resource, data source or ephemeral resource of a synthesized stack. */
export interface EstateNode {
  /** The stack it belongs to. */
  readonly stack: SynthesizedStack;
  readonly mode: "resource" | "data" | "ephemeral";
  readonly type: string;
  readonly name: string;
  /** Its Terraform address in its stack: `aws_lb.main`, `data.aws_region.current`, `ephemeral.x.y`. */
  readonly address: string;
  /** Unique across the estate: `<stack>/<address>`. */
  readonly id: string;
  /** Its arguments as synthesized (cdktf's `//` metadata left out). */
  readonly config: Record<string, any>;
  /** The construct path cdktf recorded (`production-backend/api/vpc-link`), if any. */
  readonly constructPath?: string;
}

/** A reference from one node's argument to another node (possibly in another stack, through remote state). */
export interface EstateReference {
  readonly from: EstateNode;
  readonly to: EstateNode;
  /** Where in `from`'s arguments: `load_balancer[0].target_group_arn`. */
  readonly path: string;
  /** The attribute of `to` that is read, e.g. `arn` (empty when the whole object is referenced). */
  readonly attribute: string;
  /** The stack whose output carried the value, when the reference crosses stacks. */
  readonly via?: string;
}

/** Drops cdktf's `//` metadata from a JSON value. */
export function withoutMetadata(value: any): any {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "//")
        .map(([key, item]) => [key, withoutMetadata(item)]),
    );
  }
  return value;
}

/** Every string of a JSON value with the path it sits at (`a.b[0].c`). */
export function stringsOf(value: any, path = ""): { path: string; value: string }[] {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsOf(item, `${path}[${index}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => (key === "//" ? [] : stringsOf(item, path ? `${path}.${key}` : key)));
  }
  return [];
}

/**
 * The resources of an estate's stacks and the references between them, with cross-stack references
 * followed through `terraform_remote_state` to the producing stack's output and on to the resource
 * it exports.
 */
export class EstateGraph {
  public readonly nodes: readonly EstateNode[];
  private readonly byId = new Map<string, EstateNode>();
  private readonly outgoing = new Map<string, EstateReference[]>();
  private readonly stacksByStateKey = new Map<string, SynthesizedStack>();

  constructor(public readonly stacks: readonly SynthesizedStack[]) {
    const nodes: EstateNode[] = [];
    for (const stack of stacks) {
      const backend = stack.json.terraform?.backend?.s3;
      if (backend) this.stacksByStateKey.set(`${backend.bucket}/${backend.key}`, stack);
      for (const mode of ["resource", "data", "ephemeral"] as const) {
        for (const [type, instances] of Object.entries<any>(stack.json[mode] ?? {})) {
          for (const [name, config] of Object.entries<any>(instances)) {
            const address = mode === "resource" ? `${type}.${name}` : `${mode}.${type}.${name}`;
            const node: EstateNode = {
              stack,
              mode,
              type,
              name,
              address,
              id: `${stack.name}/${address}`,
              config: withoutMetadata(config),
              constructPath: config?.["//"]?.metadata?.path,
            };
            nodes.push(node);
            this.byId.set(node.id, node);
          }
        }
      }
    }
    this.nodes = nodes;
    for (const node of nodes) {
      const references: EstateReference[] = [];
      for (const { path, value } of stringsOf(node.config)) {
        const traversals =
          path === "depends_on" || path.startsWith("depends_on[") ? [soleInterpolation(value) ?? value] : templateReferences(value);
        for (const traversal of traversals)
          references.push(...this.resolve(node.stack, traversal, new Set()).map((r) => ({ ...r, from: node, path })));
      }
      this.outgoing.set(node.id, references);
    }
  }

  /** The node with this id (`<stack>/<address>`), if any. */
  public node(id: string): EstateNode | undefined {
    return this.byId.get(id);
  }

  /** The nodes of one stack. */
  public nodesOf(stack: string): EstateNode[] {
    return this.nodes.filter((node) => node.stack.name === stack);
  }

  /** What a node's arguments reference, optionally only at paths matching a pattern. */
  public referencesFrom(node: EstateNode, path?: RegExp): EstateReference[] {
    return (this.outgoing.get(node.id) ?? []).filter((reference) => !path || path.test(reference.path));
  }

  /** The nodes a node's arguments reference at paths matching a pattern (each once). */
  public targets(node: EstateNode, path?: RegExp): EstateNode[] {
    return [...new Set(this.referencesFrom(node, path).map((reference) => reference.to))];
  }

  /** Every reference to a node, optionally only from arguments at paths matching a pattern. */
  public referencesTo(node: EstateNode, path?: RegExp): EstateReference[] {
    return this.nodes.flatMap((from) => this.referencesFrom(from, path).filter((reference) => reference.to.id === node.id));
  }

  /** The stack that keeps its state where a `terraform_remote_state` data source reads, if it is in the estate. */
  public producerOf(remoteState: EstateNode): SynthesizedStack | undefined {
    const config = remoteState.config.config ?? {};
    return this.stacksByStateKey.get(`${config.bucket}/${config.key}`);
  }

  /** The nodes a traversal written in a stack reads (`aws_s3_bucket.media.arn`, a remote-state output, a local). */
  public resolveIn(stack: SynthesizedStack, traversal: string): EstateNode[] {
    return [...new Set(this.resolve(stack, traversal, new Set()).map((reference) => reference.to))];
  }

  /**
   * Resolves a traversal written in a stack (`aws_lb.main.arn`, `local.x`,
   * `data.terraform_remote_state.vpc.outputs.vpc_id`) to the nodes it reads.
   */
  private resolve(stack: SynthesizedStack, traversal: string, seen: Set<string>): Omit<EstateReference, "from" | "path">[] {
    const key = `${stack.name}:${traversal}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const parts = traversal.split(/\.|(?=\[)/).filter(Boolean);
    if (parts[0] === "local") {
      const value = stack.json.locals?.[parts[1]];
      return stringsOf(value).flatMap(({ value: text }) => templateReferences(text).flatMap((inner) => this.resolve(stack, inner, seen)));
    }
    if (parts[0] === "data" && parts[1] === "terraform_remote_state" && parts[3] === "outputs" && parts[4]) {
      const remoteState = this.byId.get(`${stack.name}/data.terraform_remote_state.${parts[2]}`);
      const producer = remoteState && this.producerOf(remoteState);
      const output = producer?.json.output?.[parts[4]];
      if (!producer || !output) return remoteState ? [{ to: remoteState, attribute: parts.slice(3).join(".") }] : [];
      return stringsOf(output.value).flatMap(({ value: text }) =>
        templateReferences(text).flatMap((inner) =>
          this.resolve(producer, inner, seen).map((r) => ({ ...r, via: r.via ?? producer.name })),
        ),
      );
    }
    const [address, rest] =
      parts[0] === "data" || parts[0] === "ephemeral"
        ? [parts.slice(0, 3).join("."), parts.slice(3)]
        : [parts.slice(0, 2).join("."), parts.slice(2)];
    const node = this.byId.get(`${stack.name}/${address}`);
    return node ? [{ to: node, attribute: rest.join(".").replace(/\.\[/g, "[") }] : [];
  }
}
