import { EstateGraph, EstateNode } from "./estate-graph";
import { policyStatements } from "./iam";
import { ingressRules } from "./security-groups";
import { dependencyDepths, stackDependencies } from "./synthesized-estate";
import { templateReferences } from "./terraform-template";

/** A box of the drawing: a component of a layer, an aggregate of resources, or something outside the estate. */
export interface ArchitectureNode {
  /** Unique, made of letters, digits and `_` (valid in Graphviz and Mermaid). */
  readonly id: string;
  /** The stack (layer) it belongs to; undefined for the actors outside (viewers, clients, GitHub). */
  readonly stack?: string;
  readonly kind: string;
  /** Text of the box, lines separated by `\n`. */
  readonly label: string;
}

/** An arrow: a request path, a data access, a deployment, or where something runs. */
export interface ArchitectureEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: "request" | "data" | "deploy" | "runs-on";
  readonly label: string;
}

/** One layer (stack) of the environment, a group in the drawing. */
export interface ArchitectureLayer {
  readonly stack: string;
  readonly layer: string;
  /** Its dependency depth: layers are drawn left to right by it. */
  readonly depth: number;
}

/** The architecture of one environment, derived from its synthesized stacks. */
export interface Architecture {
  readonly environment: string;
  readonly layers: readonly ArchitectureLayer[];
  readonly nodes: readonly ArchitectureNode[];
  readonly edges: readonly ArchitectureEdge[];
}

/** How a resource type appears in the drawing. Types not listed are counted in their layer's "other resources" box. */
interface ComponentKind {
  readonly kind: string;
  /** One box per resource with this label, or one box per layer counting them (`aggregate`). */
  readonly label: (node: EstateNode) => string;
  readonly aggregate?: string;
}

const name = (node: EstateNode, ...keys: string[]) => {
  for (const key of keys) {
    const value = key.split(".").reduce<any>((object, part) => object?.[part], node.config);
    if (typeof value === "string" && !value.includes("${")) return value;
  }
  return node.name;
};

const COMPONENTS: Record<string, ComponentKind> = {
  aws_cloudfront_distribution: { kind: "cdn", label: (n) => `CloudFront\n${[n.config.aliases ?? []].flat()[0] ?? name(n, "comment")}` },
  aws_lb: {
    kind: "load-balancer",
    label: (n) =>
      `${n.config.internal ? "internal" : "internet-facing"} ${n.config.load_balancer_type === "network" ? "NLB" : "ALB"}\n${name(n, "name")}`,
  },
  aws_apigatewayv2_api: { kind: "api", label: (n) => `API Gateway ${n.config.protocol_type ?? ""} API\n${name(n, "name")}` },
  aws_api_gateway_rest_api: { kind: "api", label: (n) => `API Gateway REST API\n${name(n, "name")}` },
  aws_apigatewayv2_vpc_link: { kind: "vpc-link", label: (n) => `VPC link\n${name(n, "name")}` },
  aws_ecs_service: { kind: "service", label: (n) => `ECS service\n${name(n, "name")}` },
  aws_ecs_cluster: { kind: "cluster", label: (n) => `ECS cluster\n${name(n, "name")}` },
  aws_autoscaling_group: {
    kind: "instances",
    label: (n) => `container instances (ASG)\n${name(n, "name")}\n${n.config.min_size}–${n.config.max_size} instances`,
  },
  aws_db_instance: {
    kind: "database",
    label: (n) => `RDS ${n.config.engine ?? ""}${n.config.multi_az ? " Multi-AZ" : ""}\n${name(n, "identifier")}`,
  },
  aws_rds_cluster: { kind: "database", label: (n) => `RDS ${n.config.engine ?? ""} cluster\n${name(n, "cluster_identifier")}` },
  aws_dynamodb_table: { kind: "database", label: (n) => `DynamoDB\n${name(n, "name")}` },
  aws_s3_bucket: { kind: "bucket", label: (n) => `S3 bucket\n${name(n, "bucket")}` },
  aws_sqs_queue: { kind: "queue", label: (n) => `SQS queue\n${name(n, "name")}` },
  aws_sns_topic: { kind: "topic", label: (n) => `SNS topic\n${name(n, "name")}` },
  aws_lambda_function: { kind: "function", label: (n) => `Lambda\n${name(n, "function_name")}` },
  aws_ecr_repository: { kind: "repository", label: (n) => `ECR repository\n${name(n, "name")}` },
  aws_iam_openid_connect_provider: { kind: "identity", label: (n) => `OIDC provider\n${name(n, "url").replace(/^https:\/\//, "")}` },
  aws_cloudtrail: { kind: "audit", label: (n) => `CloudTrail\n${name(n, "name")}` },
  aws_vpc: { kind: "network", label: (n) => `VPC\n${name(n, "cidr_block")}` },
  aws_internet_gateway: { kind: "network", label: () => "internet gateway" },
  aws_nat_gateway: { kind: "network", label: () => "NAT gateway", aggregate: "NAT gateway" },
  aws_vpc_endpoint: { kind: "network", label: () => "VPC endpoint", aggregate: "VPC endpoint" },
  aws_subnet: { kind: "network", label: () => "subnet", aggregate: "subnet" },
  aws_kms_key: { kind: "key", label: () => "KMS key", aggregate: "KMS key" },
  aws_secretsmanager_secret: { kind: "secret", label: () => "Secrets Manager secret", aggregate: "secret" },
  aws_cloudwatch_metric_alarm: { kind: "alarm", label: () => "CloudWatch alarm", aggregate: "CloudWatch alarm" },
};

/** A role GitHub Actions assumes through OIDC: its trust names the OIDC provider (`token.actions.githubusercontent.com`). */
function gitHubSubjects(graph: EstateGraph, role: EstateNode): string[] | undefined {
  const trust = policyStatements(graph, role.stack.name).statements.filter(
    (s) => s.node.id === role.id && s.argument === "assume_role_policy",
  );
  const federated = trust.filter((s) => s.actions.includes("sts:AssumeRoleWithWebIdentity"));
  if (federated.length === 0) return undefined;
  const subjects = federated.flatMap((s) =>
    Object.values(s.conditions).flatMap((condition) => [condition["token.actions.githubusercontent.com:sub"] ?? []].flat().map(String)),
  );
  return subjects.length > 0 || JSON.stringify(federated).includes("token.actions.githubusercontent.com") ? subjects : undefined;
}

const nodeId = (text: string) => `n_${text.replace(/[^A-Za-z0-9]+/g, "_")}`;

/**
 * The architecture of one environment, read from its synthesized stacks: each layer a group holding
 * its components (one box per load balancer, service, database, bucket, …; counts for NAT gateways,
 * endpoints, keys; one box counting every other resource), and the paths between them: viewers →
 * CloudFront → load balancer → service; clients → API → VPC link → load balancer → service →
 * database (security-group rules); service → bucket (its task role's policy); CDN → bucket; services
 * → the cluster they run on ← its instances; GitHub Actions → deploy role → repository and service.
 */
export function architecture(graph: EstateGraph, environment: string): Architecture {
  const stacks = graph.stacks.filter((stack) => stack.environment === environment);
  const depths = dependencyDepths(stackDependencies(stacks));
  const layers = stacks
    .map((stack) => ({ stack: stack.name, layer: stack.layer, depth: depths.get(stack.name) ?? 0 }))
    .sort((a, b) => a.depth - b.depth || a.stack.localeCompare(b.stack));

  const nodes = new Map<string, ArchitectureNode>();
  /** The box each resource is drawn in. */
  const boxOf = new Map<string, string>();
  const gitHubRoles = new Map<string, string[]>();
  for (const stack of stacks) {
    const others = new Map<string, number>();
    const aggregates = new Map<string, { kind: string; unit: string; count: number }>();
    for (const node of graph.nodesOf(stack.name).filter((n) => n.mode === "resource")) {
      const subjects = node.type === "aws_iam_role" ? gitHubSubjects(graph, node) : undefined;
      const component = COMPONENTS[node.type];
      if (subjects) {
        gitHubRoles.set(node.id, subjects);
        const id = nodeId(node.id);
        nodes.set(id, { id, stack: stack.name, kind: "deploy-role", label: `GitHub deploy role\n${name(node, "name")}` });
        boxOf.set(node.id, id);
      } else if (component?.aggregate) {
        const id = nodeId(`${stack.name}/${node.type}`);
        const known = aggregates.get(id) ?? { kind: component.kind, unit: component.aggregate, count: 0 };
        aggregates.set(id, { ...known, count: known.count + 1 });
        boxOf.set(node.id, id);
      } else if (component) {
        const id = nodeId(node.id);
        nodes.set(id, { id, stack: stack.name, kind: component.kind, label: component.label(node) });
        boxOf.set(node.id, id);
      } else {
        others.set(node.type, (others.get(node.type) ?? 0) + 1);
      }
    }
    for (const [id, aggregate] of aggregates) {
      nodes.set(id, {
        id,
        stack: stack.name,
        kind: aggregate.kind,
        label: `${aggregate.count} ${aggregate.unit}${aggregate.count === 1 ? "" : "s"}`,
      });
    }
    if (others.size > 0) {
      const total = [...others.values()].reduce((a, b) => a + b, 0);
      const id = nodeId(`${stack.name}/other`);
      nodes.set(id, { id, stack: stack.name, kind: "other", label: `${total} other resources\n(${others.size} types)` });
    }
  }

  const edges = new Map<string, ArchitectureEdge>();
  const connect = (from: string | undefined, to: string | undefined, kind: ArchitectureEdge["kind"], label: string) => {
    if (!from || !to || from === to) return;
    const key = `${from}->${to}`;
    const known = edges.get(key);
    if (!known || (known.kind !== "request" && kind === "request"))
      edges.set(key, { from, to, kind, label: known?.label && !label ? known.label : label });
    else if (known.kind === kind && !known.label && label) edges.set(key, { ...known, label });
  };
  const box = (node: EstateNode | undefined) => (node ? boxOf.get(node.id) : undefined);
  const external = (id: string, label: string) => {
    nodes.set(id, { id, kind: "external", label });
    return id;
  };
  const inEnvironment = graph.nodes.filter((node) => node.stack.environment === environment && node.mode === "resource");
  const ofType = (type: string) => inEnvironment.filter((node) => node.type === type);

  // The load balancers that forward to a target group: through listeners' default actions and rules.
  const loadBalancersOf = (targetGroup: EstateNode): EstateNode[] =>
    graph.referencesTo(targetGroup).flatMap((reference) => {
      const listener =
        reference.from.type === "aws_lb_listener"
          ? reference.from
          : reference.from.type === "aws_lb_listener_rule"
            ? graph.targets(reference.from, /^listener_arn$/)[0]
            : undefined;
      return listener ? graph.targets(listener, /^load_balancer_arn$/) : [];
    });
  const loadBalancerOfListener = (listener: EstateNode | undefined) =>
    listener?.type === "aws_lb_listener" ? graph.targets(listener, /^load_balancer_arn$/)[0] : listener;
  const certificateDomains = (node: EstateNode | undefined): string[] => {
    if (!node) return [];
    if (node.type === "aws_acm_certificate") return [node.config.domain_name, ...(node.config.subject_alternative_names ?? [])];
    if (node.type === "aws_acm_certificate_validation") return graph.targets(node, /^certificate_arn$/).flatMap(certificateDomains);
    return [];
  };

  // Viewers → CloudFront → origin (a load balancer, bucket or API, by reference or by the name its certificate covers).
  for (const distribution of ofType("aws_cloudfront_distribution")) {
    connect(external("ext_viewers", "viewers"), box(distribution), "request", "HTTPS");
    [distribution.config.origin ?? []].flat().forEach((origin: any, index: number) => {
      let targets = graph.targets(distribution, new RegExp(`^origin\\[${index}\\]\\.domain_name$`));
      if (targets.length === 0 && typeof origin.domain_name === "string") {
        const domain = origin.domain_name;
        const listeners = [...ofType("aws_lb_listener"), ...ofType("aws_lb_listener_certificate")].filter((listener) =>
          graph.targets(listener, /^certificate_arn$/).some((certificate) => certificateDomains(certificate).includes(domain)),
        );
        const records = ofType("aws_route53_record").filter((record) => record.config.name === domain);
        targets = [
          ...listeners.flatMap((listener) =>
            listener.type === "aws_lb_listener"
              ? graph.targets(listener, /^load_balancer_arn$/)
              : graph.targets(listener, /^listener_arn$/).map(loadBalancerOfListener),
          ),
          ...records.flatMap((record) => graph.targets(record, /^alias/)),
        ].filter((target): target is EstateNode => !!target);
      }
      const custom = [origin.custom_origin_config ?? []].flat()[0];
      const protocols: Record<string, string> = { "http-only": "HTTP", "https-only": "HTTPS" };
      const protocol = custom ? (protocols[custom.origin_protocol_policy] ?? "HTTP(S)") : "HTTPS";
      const via = origin.s3_origin_config || origin.origin_access_control_id ? "OAC" : protocol;
      for (const target of targets) connect(box(distribution), box(target), target.type === "aws_s3_bucket" ? "data" : "request", via);
    });
  }

  // Clients → API → VPC link → load balancer (or the integration's target).
  for (const integration of ofType("aws_apigatewayv2_integration")) {
    const api = graph.targets(integration, /^api_id$/)[0];
    const link = graph.targets(integration, /^connection_id$/)[0];
    const target = loadBalancerOfListener(graph.targets(integration, /^integration_uri$/)[0]);
    connect(external("ext_clients", "API clients"), box(api), "request", "HTTPS");
    if (link) {
      connect(box(api), box(link), "request", "");
      connect(box(link), box(target), "request", "");
    } else {
      connect(box(api), box(target), "request", "");
    }
  }

  // Load balancer → service (target groups).
  for (const service of ofType("aws_ecs_service")) {
    for (const targetGroup of graph.targets(service, /^load_balancer\[\d+\]\.target_group_arn$/)) {
      const port = [service.config.load_balancer ?? []].flat().find(Boolean)?.container_port;
      for (const loadBalancer of loadBalancersOf(targetGroup)) connect(box(loadBalancer), box(service), "request", port ? `:${port}` : "");
    }
    for (const cluster of graph.targets(service, /^cluster$/)) connect(box(service), box(cluster), "runs-on", "runs on");
  }

  // Instances → cluster (capacity providers).
  for (const capacityProvider of ofType("aws_ecs_capacity_provider")) {
    const group = graph.targets(capacityProvider, /auto_scaling_group_arn$/)[0];
    const attachments = graph
      .referencesTo(capacityProvider)
      .map((reference) => reference.from)
      .filter((from) => from.type === "aws_ecs_cluster_capacity_providers");
    for (const attachment of attachments)
      for (const cluster of graph.targets(attachment, /^cluster_name$/)) connect(box(group), box(cluster), "runs-on", "capacity");
  }

  // Security-group rules between components: whatever sits in the source group may connect to whatever sits in the target group.
  const membersOf = new Map<string, string[]>();
  for (const node of inEnvironment) {
    const member = box(node);
    if (!member) continue;
    for (const group of graph.targets(node, /security_group/).filter((target) => target.type === "aws_security_group")) {
      membersOf.set(group.id, [...(membersOf.get(group.id) ?? []), member]);
    }
  }
  for (const stack of stacks) {
    for (const rule of ingressRules(graph, stack.name)) {
      for (const source of rule.sourceGroups) {
        for (const from of membersOf.get(source.id) ?? [])
          for (const to of membersOf.get(rule.group.id) ?? []) connect(from, to, "request", rule.ports.replace(/\/tcp$/, ""));
      }
    }
  }

  // What a role may reach: services' task roles and GitHub deploy roles, through their policies.
  const statements = policyStatements(graph).statements;
  const reachable = (role: EstateNode) =>
    statements
      .filter((s) => s.effect === "Allow" && s.argument !== "assume_role_policy")
      .filter((s) => graph.targets(s.node, /^role$/).some((target) => target.id === role.id))
      .flatMap((s) =>
        s.resources.flatMap((resource) =>
          templateReferences(resource).map((reference) => ({ reference, actions: s.actions, node: s.node })),
        ),
      )
      .flatMap(({ reference, actions, node }) => graph.resolveIn(node.stack, reference).map((target) => ({ target, actions })));
  const verbs = (actions: readonly string[]) =>
    [
      ...new Set(
        actions.map((action) =>
          action.replace(/^[^:]+:/, "").replace(/(Object|Image|Service|LayerUpload|Upload|LayerAvailability).*$/, ""),
        ),
      ),
    ].join(", ");
  for (const service of ofType("aws_ecs_service")) {
    for (const definition of graph.targets(service, /^task_definition$/)) {
      for (const role of graph.targets(definition, /^task_role_arn$/)) {
        for (const { target, actions } of reachable(role)) {
          const kind = COMPONENTS[target.type]?.kind;
          if (kind && ["bucket", "queue", "topic", "database", "function"].includes(kind))
            connect(box(service), box(target), "data", verbs(actions));
        }
      }
    }
  }
  for (const [roleId, subjects] of gitHubRoles) {
    const role = graph.node(roleId) as EstateNode;
    connect(
      external("ext_github", "GitHub Actions"),
      box(role),
      "deploy",
      subjects.map((subject) => subject.replace(/^repo:/, "")).join("\n") || "OIDC",
    );
    for (const provider of graph
      .targets(role, /^assume_role_policy$/)
      .filter((target) => target.type === "aws_iam_openid_connect_provider")) {
      connect(box(role), box(provider), "deploy", "trusts");
    }
    for (const { target } of reachable(role)) {
      if (target.type === "aws_ecr_repository") connect(box(role), box(target), "deploy", "push image");
      if (target.type === "aws_ecs_service") connect(box(role), box(target), "deploy", "roll out");
    }
  }

  return {
    environment,
    layers,
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
  };
}
