import { EstateGraph, EstateNode } from "./estate-graph";
import { soleInterpolation } from "./terraform-template";
import { SELF_SCOPED_POLICY_TYPES, wildcardActionReason } from "./wildcard-reasons";

/** One statement of a policy found in the synthesized JSON. */
export interface PolicyStatementView {
  /** The resource whose argument holds the policy. */
  readonly node: EstateNode;
  /** The argument (`policy`, `inline_policy[0].policy`, `assume_role_policy`). */
  readonly argument: string;
  readonly sid?: string;
  readonly effect: string;
  readonly actions: readonly string[];
  /** `Resource` (or `NotResource`, see `notResource`) entries, as written (with `${…}` references). */
  readonly resources: readonly string[];
  readonly notResource: boolean;
  readonly principals: Readonly<Record<string, readonly string[]>>;
  readonly conditions: Readonly<Record<string, Record<string, unknown>>>;
}

/** A policy argument whose document is not JSON at synth time (built by an expression). */
export interface UnreadablePolicy {
  readonly node: EstateNode;
  readonly argument: string;
  readonly expression: string;
}

const POLICY_ARGUMENT = /(^|\.)(policy|assume_role_policy)$/;

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** Every policy statement written in the stacks' JSON, and the policies that cannot be read before apply. */
export function policyStatements(
  graph: EstateGraph,
  stack?: string,
): { statements: PolicyStatementView[]; unreadable: UnreadablePolicy[] } {
  const statements: PolicyStatementView[] = [];
  const unreadable: UnreadablePolicy[] = [];
  for (const node of stack ? graph.nodesOf(stack) : graph.nodes) {
    if (node.mode !== "resource") continue;
    for (const [argument, text] of policyArguments(node.config)) {
      let document: any;
      try {
        document = JSON.parse(text);
      } catch {
        unreadable.push({ node, argument, expression: soleInterpolation(text) ?? text });
        continue;
      }
      for (const statement of document?.Statement === undefined ? [] : asStatements(document.Statement)) {
        statements.push({
          node,
          argument,
          sid: statement.Sid,
          effect: statement.Effect,
          actions: list(statement.Action ?? statement.NotAction),
          resources: list(statement.Resource ?? statement.NotResource),
          notResource: statement.NotResource !== undefined,
          principals: Object.fromEntries(
            Object.entries<any>(
              typeof statement.Principal === "object" ? statement.Principal : statement.Principal ? { "*": statement.Principal } : {},
            ).map(([kind, value]) => [kind, list(value)]),
          ),
          conditions: statement.Condition ?? {},
        });
      }
    }
  }
  return { statements, unreadable };
}

function asStatements(value: unknown): any[] {
  return Array.isArray(value) ? value : [value];
}

function policyArguments(config: Record<string, any>, prefix = ""): [string, string][] {
  const found: [string, string][] = [];
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string" && POLICY_ARGUMENT.test(path)) found.push([path, value]);
    else if (Array.isArray(value))
      value.forEach((item, index) => item && typeof item === "object" && found.push(...policyArguments(item, `${path}[${index}]`)));
    else if (value && typeof value === "object") found.push(...policyArguments(value, path));
  }
  return found;
}

/** An Allow statement on every resource, with the reason it may be so (when one is recorded). */
export interface WildcardGrant {
  readonly statement: PolicyStatementView;
  /** Why it is acceptable, or undefined when no reason is recorded for some of its actions. */
  readonly reason?: string;
  /** The actions that have no recorded reason. */
  readonly unexplained: readonly string[];
}

/** The Allow statements whose resources include `*` (or that use `NotResource`), with their reasons. */
export function wildcardGrants(graph: EstateGraph, stack?: string): WildcardGrant[] {
  return policyStatements(graph, stack)
    .statements.filter(
      (statement) =>
        statement.effect === "Allow" &&
        statement.argument !== "assume_role_policy" &&
        (statement.notResource || statement.resources.includes("*")),
    )
    .map((statement): WildcardGrant => {
      const selfScoped = SELF_SCOPED_POLICY_TYPES[statement.node.type];
      if (selfScoped && !statement.notResource) return { statement, reason: selfScoped, unexplained: [] };
      const unexplained = statement.notResource ? statement.actions : statement.actions.filter((action) => !wildcardActionReason(action));
      const reasons = [...new Set(statement.actions.map(wildcardActionReason).filter((reason): reason is string => !!reason))];
      return { statement, reason: unexplained.length === 0 ? reasons.join("; ") : undefined, unexplained };
    });
}

/** AWS managed policies attached to roles (their content is AWS's, not in this repository). */
export function managedPolicyAttachments(graph: EstateGraph, stack?: string): { node: EstateNode; policyArn: string; role?: EstateNode }[] {
  return (stack ? graph.nodesOf(stack) : graph.nodes)
    .filter(
      (node) =>
        node.type === "aws_iam_role_policy_attachment" &&
        typeof node.config.policy_arn === "string" &&
        node.config.policy_arn.includes(":aws:policy/"),
    )
    .map((node) => ({ node, policyArn: node.config.policy_arn as string, role: graph.targets(node, /^role$/)[0] }));
}
