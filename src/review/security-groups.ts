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

/** Where one form of ingress rule keeps its protocol, source groups, address ranges and prefix lists. */
interface RuleArguments {
  readonly protocol: string;
  readonly groups: string;
  readonly cidr: string;
  readonly ipv6: string;
  readonly prefixLists: string;
}

/** Rule resources (both kinds) by type; inline `ingress` blocks of a group use {@link INLINE_RULE}. */
const RULE_RESOURCES: Record<string, RuleArguments> = {
  aws_security_group_rule: {
    protocol: "protocol",
    groups: "source_security_group_id",
    cidr: "cidr_blocks",
    ipv6: "ipv6_cidr_blocks",
    prefixLists: "prefix_list_ids",
  },
  aws_vpc_security_group_ingress_rule: {
    protocol: "ip_protocol",
    groups: "referenced_security_group_id",
    cidr: "cidr_ipv4",
    ipv6: "cidr_ipv6",
    prefixLists: "prefix_list_id",
  },
};
const INLINE_RULE: RuleArguments = {
  protocol: "protocol",
  groups: "security_groups",
  cidr: "cidr_blocks",
  ipv6: "ipv6_cidr_blocks",
  prefixLists: "prefix_list_ids",
};

/** Every ingress rule of a stack's security groups: rule resources (both kinds) and inline rules. */
export function ingressRules(graph: EstateGraph, stack: string): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const node of graph.nodesOf(stack)) {
    if (node.mode !== "resource") continue;
    const form = RULE_RESOURCES[node.type];
    if (form && (node.type !== "aws_security_group_rule" || node.config.type === "ingress")) {
      const group = graph.targets(node, /^security_group_id$/)[0];
      if (group) rules.push(rule(graph, node, group, node.config, form, ""));
    } else if (node.type === "aws_security_group") {
      const inline: any[] = Array.isArray(node.config.ingress) ? node.config.ingress : [];
      inline.forEach((config, index) => rules.push(rule(graph, node, node, config, INLINE_RULE, `ingress[${index}].`)));
    }
  }
  return rules.sort((a, b) => securityGroupLabel(a.group).localeCompare(securityGroupLabel(b.group)) || a.ports.localeCompare(b.ports));
}

/** One rule in words; `prefix` is where its arguments sit in the node (`ingress[0].` for inline rules). */
function rule(graph: EstateGraph, node: EstateNode, group: EstateNode, config: any, form: RuleArguments, prefix: string): IngressRule {
  const at = (argument: string) => new RegExp(`^${`${prefix}${argument}`.replace(/[[\].]/g, "\\$&")}(\\[\\d+\\])?$`);
  const sourceGroups = graph.targets(node, at(form.groups)).filter((target) => target.type === "aws_security_group");
  const sources: string[] = sourceGroups.map(
    (source) => `\`${securityGroupLabel(source)}\`${source.stack.name === node.stack.name ? "" : ` (${source.stack.name})`}`,
  );
  if (config.self === true) sources.push("itself");
  for (const argument of [form.cidr, form.ipv6]) {
    const value = config[argument];
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [`${prefix}${argument}[${index}]`, item])
      : [[`${prefix}${argument}`, value]];
    for (const [path, item] of entries) if (typeof item === "string") sources.push(addressRange(graph, node, item, path));
  }
  for (const list of graph.targets(node, at(form.prefixLists))) {
    const name = list.config.name ?? list.config.filter?.find?.((f: any) => f.name === "prefix-list-name")?.values?.[0];
    sources.push(PREFIX_LISTS[name] ?? `prefix list ${name ?? list.address}`);
  }
  return {
    node,
    group,
    ports: ports(config.from_port, config.to_port, config[form.protocol]),
    sources,
    sourceGroups,
    description: config.description,
  };
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
