import { FIXTURE, WORKER, WORKER_KEY, workerFixture } from "../fixtures";
import { parse, policy, refNamed, resourceKeyNamed, resourceNamed, resources, synthEnvironment } from "../helpers";

// The proof that a third, queue-driven service is configuration: the test-only environment "fixture"
// (staging's copy in a fixture account) with one entry more in its backend layer's services.

const { withWorker, withoutWorker } = workerFixture();
const json = parse(synthEnvironment(withWorker).backend);
const before = parse(synthEnvironment(withoutWorker).backend);
const name = `treepli-${FIXTURE}-${WORKER_KEY}`;

/** Every (action, resource) pair a policy document allows, as "action on resource", sorted. */
function grants(document: string): string[] {
  return policy(document)
    .Statement.filter((s) => s.Effect === "Allow")
    .flatMap((s) =>
      [s.Action].flat().flatMap((action: string) => [s.Resource].flat().map((resource: string) => `${action} on ${resource}`)),
    )
    .sort();
}

/** The inline policies of the role named `roleName`. */
function policiesOf(roleName: string): any[] {
  const role = refNamed(json, "aws_iam_role", roleName, "id");
  return resources(json, "aws_iam_role_policy").filter((p) => p.role === role);
}

describe("GIVEN a queue worker added to the backend layer's services", () => {
  test("THEN every resource and output the stack had is still there, unchanged, at the same address", () => {
    for (const [type, byName] of Object.entries(before.resource)) {
      for (const [key, resource] of Object.entries(byName)) {
        const { ["//"]: _metadata, ...body } = resource as Record<string, unknown>;
        const { ["//"]: _after, ...bodyAfter } = (json.resource[type]?.[key] ?? {}) as Record<string, unknown>;
        expect({ address: `${type}.${key}`, body: bodyAfter }).toEqual({ address: `${type}.${key}`, body });
      }
    }
    for (const [output, value] of Object.entries(before.output ?? {}))
      expect({ output, value: json.output?.[output] }).toEqual({ output, value });
  });

  test("THEN the worker is an ECS service on the shared cluster with no load balancer, placed and deployed like the others", () => {
    const service = resourceNamed(json, "aws_ecs_service", name);
    const web = resourceNamed(json, "aws_ecs_service", `treepli-${FIXTURE}-backend`);
    expect(service.load_balancer).toBeUndefined();
    expect(service.health_check_grace_period_seconds).toBeUndefined();
    expect(service.network_configuration).toEqual({
      subnets: web.network_configuration.subnets,
      security_groups: [refNamed(json, "aws_security_group", `${name}-tasks`, "id")],
      assign_public_ip: false,
    });
    for (const setting of [
      "capacity_provider_strategy",
      "deployment_circuit_breaker",
      "ordered_placement_strategy",
      "lifecycle",
      "cluster",
    ]) {
      expect({ setting, value: service[setting] }).toEqual({ setting, value: web[setting] });
    }
  });

  test("THEN nothing can connect to the worker's tasks, and they may open HTTPS only (the database is the backend service's alone)", () => {
    const group = refNamed(json, "aws_security_group", `${name}-tasks`, "id");
    const rules = resources(json, "aws_security_group_rule").filter((rule) => rule.security_group_id === group);
    expect(rules.filter((rule) => rule.type === "ingress")).toEqual([]);
    expect(
      rules.filter((rule) => rule.type === "egress").map((rule) => [rule.protocol, rule.from_port, rule.to_port, rule.cidr_blocks]),
    ).toEqual([["tcp", 443, 443, ["0.0.0.0/0"]]]);
  });

  test("THEN its container publishes no port and gets its queue's URL", () => {
    const [container] = JSON.parse(resourceNamed(json, "aws_ecs_task_definition", name).container_definitions);
    expect(container.portMappings).toBeUndefined();
    expect(container.environment).toEqual([{ name: "QUEUE_URL", value: refNamed(json, "aws_sqs_queue", name, "url") }]);
    expect(container.readonlyRootFilesystem).toBe(true);
  });

  test("THEN its queue is encrypted, long-polled, and moves a message that failed maxReceiveCount times to its dead-letter queue", () => {
    expect(resourceNamed(json, "aws_sqs_queue", name)).toEqual(
      expect.objectContaining({
        sqs_managed_sse_enabled: true,
        visibility_timeout_seconds: WORKER.queue.visibilityTimeoutSeconds,
        message_retention_seconds: 4 * 86400,
        receive_wait_time_seconds: 20,
      }),
    );
    expect(JSON.parse(resourceNamed(json, "aws_sqs_queue", name).redrive_policy)).toEqual({
      deadLetterTargetArn: refNamed(json, "aws_sqs_queue", `${name}-dlq`, "arn"),
      maxReceiveCount: 5,
    });
    expect(resourceNamed(json, "aws_sqs_queue", `${name}-dlq`)).toEqual(
      expect.objectContaining({ sqs_managed_sse_enabled: true, message_retention_seconds: 14 * 86400 }),
    );
  });

  test("THEN only its own queue may use the dead-letter queue, and both queues refuse requests without TLS", () => {
    const allow = resourceNamed(json, "aws_sqs_queue_redrive_allow_policy", refNamed(json, "aws_sqs_queue", `${name}-dlq`, "url"));
    expect(JSON.parse(allow.redrive_allow_policy)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: [refNamed(json, "aws_sqs_queue", name, "arn")],
    });
    for (const queue of [name, `${name}-dlq`]) {
      const queuePolicy = resourceNamed(json, "aws_sqs_queue_policy", refNamed(json, "aws_sqs_queue", queue, "url"));
      expect(policy(queuePolicy.policy).Statement).toEqual([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "sqs:*",
          Resource: refNamed(json, "aws_sqs_queue", queue, "arn"),
          Condition: { Bool: { "aws:SecureTransport": false } },
        },
      ]);
    }
  });

  test("THEN the worker's application may receive, delete and change the visibility of its queue's messages, and nothing else", () => {
    const queue = refNamed(json, "aws_sqs_queue", name, "arn");
    expect(policiesOf(`${name}-task`).flatMap((p) => grants(p.policy))).toEqual([
      `sqs:ChangeMessageVisibility on ${queue}`,
      `sqs:DeleteMessage on ${queue}`,
      `sqs:ReceiveMessage on ${queue}`,
    ]);
    // The API's application cannot touch the queue.
    const apiGrants = policiesOf(`treepli-${FIXTURE}-backend-task`).flatMap((p) => grants(p.policy));
    expect(apiGrants.filter((grant) => grant.startsWith("sqs:"))).toEqual([]);
  });

  test("THEN autoscaling keeps 1 to 4 tasks and tracks the backlog per running task, besides CPU and memory", () => {
    const serviceName = refNamed(json, "aws_ecs_service", name, "name");
    const targets = resources(json, "aws_appautoscaling_target").filter((target) => String(target.resource_id).endsWith(`/${serviceName}`));
    expect(targets).toEqual([expect.objectContaining({ min_capacity: WORKER.minCount, max_capacity: WORKER.maxCount })]);
    const policies = resources(json, "aws_appautoscaling_policy").filter((p) => String(p.name).startsWith(`${name}-`));
    expect(policies.map((p) => p.name).sort()).toEqual([`${name}-backlog`, `${name}-cpu`, `${name}-memory`]);
    const backlog = policies.find((p) => p.name === `${name}-backlog`).target_tracking_scaling_policy_configuration;
    expect(backlog.target_value).toBe(WORKER.queue.backlogPerTaskTarget);
    expect(backlog.predefined_metric_specification).toBeUndefined();
    const metrics = backlog.customized_metric_specification.metrics;
    expect(metrics).toEqual([
      expect.objectContaining({
        id: "visible",
        return_data: false,
        metric_stat: {
          stat: "Sum",
          metric: {
            namespace: "AWS/SQS",
            metric_name: "ApproximateNumberOfMessagesVisible",
            dimensions: [{ name: "QueueName", value: refNamed(json, "aws_sqs_queue", name, "name") }],
          },
        },
      }),
      expect.objectContaining({
        id: "running",
        return_data: false,
        metric_stat: {
          stat: "Average",
          metric: {
            namespace: "ECS/ContainerInsights",
            metric_name: "RunningTaskCount",
            dimensions: [
              { name: "ClusterName", value: expect.stringMatching(/cross-stack-reference-input-fixture-cluster/) },
              { name: "ServiceName", value: serviceName },
            ],
          },
        },
      }),
      expect.objectContaining({ id: "backlog_per_task", expression: "visible / running", return_data: true }),
    ]);
  });

  test("THEN its image repository and deploy role are its own, the role trusted only by its repository's fixture environment", () => {
    const repository = resourceNamed(json, "aws_ecr_repository", `treepli-${FIXTURE}/${WORKER_KEY}`);
    expect(repository.image_tag_mutability).toBe("IMMUTABLE");
    const role = resourceNamed(json, "aws_iam_role", `${name}-deploy`);
    expect(policy(role.assume_role_policy).Statement[0].Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": `repo:${WORKER.githubRepository}:environment:${FIXTURE}`,
    });
    const deployGrants = policiesOf(`${name}-deploy`).flatMap((p) => grants(p.policy));
    expect(deployGrants).toEqual(
      expect.arrayContaining([
        `ecr:PutImage on ${refNamed(json, "aws_ecr_repository", `treepli-${FIXTURE}/${WORKER_KEY}`, "arn")}`,
        `ecs:UpdateService on ${refNamed(json, "aws_ecs_service", name, "id")}`,
        `iam:PassRole on ${refNamed(json, "aws_iam_role", `${name}-task`, "arn")}`,
        `iam:PassRole on ${refNamed(json, "aws_iam_role", `${name}-execution`, "arn")}`,
      ]),
    );
    // Neither deploy role can roll out, push to or pass the roles of the other service.
    const apiDeployGrants = policiesOf(`treepli-${FIXTURE}-backend-deploy`).flatMap((p) => grants(p.policy));
    expect(apiDeployGrants.filter((grant) => grant.includes(resourceKeyNamed(json, "aws_ecs_service", name)))).toEqual([]);
    expect(deployGrants.filter((grant) => grant.includes(resourceKeyNamed(json, "aws_ecs_service", `treepli-${FIXTURE}-backend`)))).toEqual(
      [],
    );
    const repositoryPolicy = resourceNamed(
      json,
      "aws_ecr_repository_policy",
      refNamed(json, "aws_ecr_repository", `treepli-${FIXTURE}/${WORKER_KEY}`, "name"),
    );
    expect(policy(repositoryPolicy.policy).Statement[0].Principal.AWS).toEqual([refNamed(json, "aws_iam_role", `${name}-deploy`, "arn")]);
  });

  test("THEN its outputs carry its name as a prefix, and the API keeps the unprefixed ones", () => {
    const outputs = json.output ?? {};
    expect(outputs.worker_repository_url.value).toBe(
      refNamed(json, "aws_ecr_repository", `treepli-${FIXTURE}/${WORKER_KEY}`, "repository_url"),
    );
    expect(outputs.worker_deploy_role_arn.value).toBe(refNamed(json, "aws_iam_role", `${name}-deploy`, "arn"));
    expect(outputs.worker_service_name.value).toBe(refNamed(json, "aws_ecs_service", name, "name"));
    expect(outputs.worker_task_definition_family.value).toBe(refNamed(json, "aws_ecs_task_definition", name, "family"));
    expect(outputs.worker_queue_url.value).toBe(refNamed(json, "aws_sqs_queue", name, "url"));
    expect(outputs.worker_queue_arn.value).toBe(refNamed(json, "aws_sqs_queue", name, "arn"));
    expect(outputs.worker_dead_letter_queue_url.value).toBe(refNamed(json, "aws_sqs_queue", `${name}-dlq`, "url"));
    expect(outputs.deploy_role_arn.value).toBe(refNamed(json, "aws_iam_role", `treepli-${FIXTURE}-backend-deploy`, "arn"));
    expect(outputs.service_name.value).toBe(refNamed(json, "aws_ecs_service", `treepli-${FIXTURE}-backend`, "name"));
  });

  test("THEN its resources live under its name in Terraform addresses", () => {
    const addresses = [
      `aws_ecs_service.${resourceKeyNamed(json, "aws_ecs_service", name)}`,
      `aws_sqs_queue.${resourceKeyNamed(json, "aws_sqs_queue", name)}`,
      `aws_ecr_repository.${resourceKeyNamed(json, "aws_ecr_repository", `treepli-${FIXTURE}/${WORKER_KEY}`)}`,
      `aws_iam_role.${resourceKeyNamed(json, "aws_iam_role", `${name}-deploy`)}`,
    ];
    expect(addresses).toEqual([
      expect.stringMatching(/^aws_ecs_service\.worker_service_[0-9A-F]{8}$/),
      expect.stringMatching(/^aws_sqs_queue\.worker_queue_[0-9A-F]{8}$/),
      expect.stringMatching(/^aws_ecr_repository\.worker_repository_[0-9A-F]{8}$/),
      expect.stringMatching(/^aws_iam_role\.worker_deploy-role_[0-9A-F]{8}$/),
    ]);
  });
});
