import { EstateGraph, EstateNode } from "./estate-graph";
import { parseTemplate, soleInterpolation } from "./terraform-template";

/** One ingress rule of a security group, in words. */
export interface IngressRule {
  /** The rule's resource (a rule resource, or the group itself for inline rules). */
  readonly node: EstateNode;
  /** The group traffic enters. */
  readonly group: EstateNode;
  /** `:443/tcp`, `:1024-65535/tcp`, `all traffic`. */
  readonly ports: string;
  /** Who may connect, in words. */
  readonly sources: readonly string[];
  /** The groups traffic may come from (for drawing). */
  readonly sourceGroups: readonly EstateNode[];
  readonly description?: string;
}

/** Well-known managed prefix lists, by name. */
const PREFIX_LISTS: Record<string, string> = {
  "com.amazonaws.global.cloudfront.origin-facing": "CloudFront origin-facing prefix list",
};

/** A short name for a security group: its name without the `<project>-<environment>-` prefix. */
export function securityGroupLabel(group: EstateNode): string {
  const name: string = group.config.name ?? group.config.name_prefix ?? group.config.tags?.Name ?? group.constructPath ?? group.address;
  const marker = `-${group.stack.environment}-`;
  const at = name.indexOf(marker);
  return at >= 0 ? name.slice(at + marker.length) : name;
}

function ports(from: unknown, to: unknown, protocol: unknown): string {
  if (protocol === "-1" || protocol === "all" || protocol === -1) return "all traffic";
  const proto = String(protocol ?? "tcp");
  return from === to ? `:${from}/${proto}` : `:${from}-${to}/${proto}`;
}

/** Every ingress rule of a stack's security groups: rule resources (both kinds) and inline rules. */
export function ingressRules(graph: EstateGraph, stack: string): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const node of graph.nodesOf(stack)) {
    if (node.mode !== "resource") continue;
    const c = node.config;
    if (node.type === "aws_security_group_rule" && c.type === "ingress") {
      const group = graph.targets(node, /^security_group_id$/)[0];
      if (group)
        rules.push(
          rule(
            graph,
            node,
            group,
            c,
            ports(c.from_port, c.to_port, c.protocol),
            "source_security_group_id",
            "cidr_blocks",
            "ipv6_cidr_blocks",
            "prefix_list_ids",
          ),
        );
    } else if (node.type === "aws_vpc_security_group_ingress_rule") {
      const group = graph.targets(node, /^security_group_id$/)[0];
      if (group)
        rules.push(
          rule(
            graph,
            node,
            group,
            c,
            ports(c.from_port, c.to_port, c.ip_protocol),
            "referenced_security_group_id",
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
          ),
        );
    } else if (node.type === "aws_security_group") {
      (Array.isArray(c.ingress) ? c.ingress : []).forEach((inline: any, index: number) =>
        rules.push(
          rule(
            graph,
            node,
            node,
            inline,
            ports(inline.from_port, inline.to_port, inline.protocol),
            `ingress[${index}].security_groups`,
            `ingress[${index}].cidr_blocks`,
            `ingress[${index}].ipv6_cidr_blocks`,
            `ingress[${index}].prefix_list_ids`,
          ),
        ),
      );
    }
  }
  return rules.sort((a, b) => securityGroupLabel(a.group).localeCompare(securityGroupLabel(b.group)) || a.ports.localeCompare(b.ports));
}

function rule(
  graph: EstateGraph,
  node: EstateNode,
  group: EstateNode,
  config: any,
  portText: string,
  groupArgument: string,
  cidrArgument: string,
  ipv6Argument: string,
  prefixListArgument: string,
): IngressRule {
  const leaf = (argument: string) => argument.split(".").pop() as string;
  const at = (argument: string) => new RegExp(`^${argument.replace(/[[\].]/g, "\\$&")}(\\[\\d+\\])?$`);
  const sourceGroups = graph.targets(node, at(groupArgument)).filter((target) => target.type === "aws_security_group");
  const sources: string[] = sourceGroups.map(
    (source) => `\`${securityGroupLabel(source)}\`${source.stack.name === node.stack.name ? "" : ` (${source.stack.name})`}`,
  );
  if (config.self === true) sources.push("itself");
  for (const argument of [cidrArgument, ipv6Argument]) {
    const value = config[leaf(argument)];
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [`${argument}[${index}]`, item])
      : [[argument, value]];
    for (const [path, item] of entries) if (typeof item === "string") sources.push(addressRange(graph, node, item, path));
  }
  for (const list of graph.targets(node, at(prefixListArgument))) {
    const name = list.config.name ?? list.config.filter?.find?.((f: any) => f.name === "prefix-list-name")?.values?.[0];
    sources.push(PREFIX_LISTS[name] ?? `prefix list ${name ?? list.address}`);
  }
  return { node, group, ports: portText, sources, sourceGroups, description: config.description };
}

/** An address range in words: literal CIDRs as they are (`0.0.0.0/0` is anywhere), references by what they read. */
function addressRange(graph: EstateGraph, node: EstateNode, value: string, path: string): string {
  if (value === "0.0.0.0/0" || value === "::/0") return `anywhere (${value})`;
  if (!parseTemplate(value).some((part) => part.kind !== "literal")) return value;
  const expression = soleInterpolation(value) ?? value;
  const reference = graph.referencesFrom(node).find((candidate) => candidate.path === path);
  if (!reference) return `\`${expression}\``;
  const literal = reference.to.config[reference.attribute];
  const owner = reference.to.config.tags?.Name ?? reference.to.address;
  const where = reference.via ?? reference.to.stack.name;
  return typeof literal === "string"
    ? `${literal} (${reference.attribute} of ${owner}, ${where})`
    : `${reference.attribute} of ${owner} (${where})`;
}

/** One rule as a line: "`frontend-alb` :443/tcp ← CloudFront origin-facing prefix list". */
export function describeIngress(rule: IngressRule): string {
  return `\`${securityGroupLabel(rule.group)}\` ${rule.ports} ← ${rule.sources.length ? rule.sources.join(", ") : "nobody (no source)"}`;
}
