import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { Testing } from "cdktf";
import { EcsQueueProcessingService, EcsQueueProcessingServiceProps } from "../../../src/constructs/compute/ecs-queue-processing-service";
import { onlyResource, parse, policy, resources, TerraformJson } from "../../helpers";

const QUEUE = {
  queueArn: "arn:aws:sqs:eu-west-1:123456789012:treepli-test-worker",
  queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/treepli-test-worker",
  queueName: "treepli-test-worker",
};

const baseProps: EcsQueueProcessingServiceProps = {
  serviceName: "treepli-test-worker",
  cluster: {
    clusterName: "treepli-test",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/treepli-test",
    capacityProviderName: "treepli-test-ec2",
  },
  vpcId: "vpc-123",
  subnetIds: ["subnet-private-a", "subnet-private-b"],
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/treepli-test/worker:initial",
  cpu: 256,
  memory: 512,
  environment: { LOG_LEVEL: "info" },
  logRetentionDays: 30,
  desiredCount: 1,
  minCount: 1,
  maxCount: 5,
  queue: QUEUE,
  backlogPerTaskTarget: 50,
};

function synthWorker(props: Partial<EcsQueueProcessingServiceProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new EcsQueueProcessingService(scope, "worker", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("EcsQueueProcessingService", () => {
  describe("GIVEN the required props", () => {
    const { synthesized, json } = synthWorker();

    test("THEN the service has no load balancer and no load balancer grace period", () => {
      const service = onlyResource(json, "aws_ecs_service");
      expect(service.load_balancer).toBeUndefined();
      expect(service.health_check_grace_period_seconds).toBeUndefined();
      expect(resources(json, "aws_lb_target_group")).toEqual([]);
    });

    test("THEN it is placed, deployed and owned like every service of the estate", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsService, {
        capacity_provider_strategy: [{ capacity_provider: "treepli-test-ec2", weight: 1, base: 0 }],
        deployment_circuit_breaker: { enable: true, rollback: true },
        lifecycle: { ignore_changes: ["task_definition", "desired_count"] },
        network_configuration: expect.objectContaining({ assign_public_ip: false }),
      });
    });

    test("THEN nothing may connect to its tasks: no ingress rule, and a group description that says so", () => {
      const rules = resources(json, "aws_security_group_rule");
      expect(rules.filter((rule) => rule.type === "ingress")).toEqual([]);
      expect(rules.filter((rule) => rule.type === "egress")).toHaveLength(1);
      expect(onlyResource(json, "aws_security_group").description).toBe(
        "Tasks of the treepli-test-worker ECS service: no ingress (it pulls its work from SQS)",
      );
    });

    test("THEN the container publishes no port and receives the queue's URL next to its own environment", () => {
      const [container] = JSON.parse(onlyResource(json, "aws_ecs_task_definition").container_definitions);
      expect(container.portMappings).toBeUndefined();
      expect(container.environment).toEqual([
        { name: "LOG_LEVEL", value: "info" },
        { name: "QUEUE_URL", value: QUEUE.queueUrl },
      ]);
    });

    test("THEN the task role may consume exactly this queue", () => {
      const taskRoleKey = Object.entries(json.resource.aws_iam_role).find(([, role]) => role.name === "treepli-test-worker-task")![0];
      const taskPolicy = resources(json, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${taskRoleKey}.id}`);
      expect(policy(taskPolicy.policy).Statement).toEqual([
        {
          Sid: "ConsumeQueue",
          Effect: "Allow",
          Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
          Resource: QUEUE.queueArn,
        },
      ]);
    });

    test("THEN autoscaling tracks the queue's visible messages per running task of this service, next to CPU", () => {
      const policies = Object.fromEntries(resources(json, "aws_appautoscaling_policy").map((p) => [p.name, p]));
      expect(Object.keys(policies).sort()).toEqual(["treepli-test-worker-backlog", "treepli-test-worker-cpu"]);
      const backlog = policies["treepli-test-worker-backlog"].target_tracking_scaling_policy_configuration;
      expect(backlog).toMatchObject({ target_value: 50, scale_in_cooldown: 300, scale_out_cooldown: 60 });
      const [visible, running, perTask] = backlog.customized_metric_specification.metrics;
      expect(visible.metric_stat.metric).toEqual({
        namespace: "AWS/SQS",
        metric_name: "ApproximateNumberOfMessagesVisible",
        dimensions: [{ name: "QueueName", value: QUEUE.queueName }],
      });
      expect(running.metric_stat.metric).toEqual({
        namespace: "ECS/ContainerInsights",
        metric_name: "RunningTaskCount",
        dimensions: [
          { name: "ClusterName", value: "treepli-test" },
          { name: "ServiceName", value: expect.stringMatching(/^\$\{aws_ecs_service\.[^.]+\.name\}$/) },
        ],
      });
      expect(perTask).toEqual(expect.objectContaining({ expression: `${visible.id} / ${running.id}`, return_data: true }));
      expect([visible.return_data, running.return_data]).toEqual([false, false]);
    });
  });

  describe("GIVEN task role statements of its own", () => {
    test("THEN they are kept next to the queue statement", () => {
      const statement = {
        Sid: "ReadConfig",
        Effect: "Allow" as const,
        Action: "ssm:GetParameter",
        Resource: "arn:aws:ssm:eu-west-1:123456789012:parameter/x",
      };
      const { json } = synthWorker({ taskRolePolicyStatements: [statement] });
      const taskRoleKey = Object.entries(json.resource.aws_iam_role).find(([, role]) => role.name === "treepli-test-worker-task")![0];
      const taskPolicy = resources(json, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${taskRoleKey}.id}`);
      expect(policy(taskPolicy.policy).Statement.map((s) => s.Sid)).toEqual(["ReadConfig", "ConsumeQueue"]);
    });
  });

  describe("GIVEN a service name longer than a target group allows", () => {
    test("THEN it is accepted: a worker has no target group (up to 54 characters, for its IAM roles)", () => {
      const serviceName = "treepli-production-thumbnail-generator-worker";
      expect(serviceName.length).toBeGreaterThan(32);
      expect(onlyResource(synthWorker({ serviceName }).json, "aws_ecs_service").name).toBe(serviceName);
      expect(() => synthWorker({ serviceName: `${"w".repeat(55)}` })).toThrow(/serviceName must be 1 to 54 letters/);
    });
  });

  describe("GIVEN invalid props", () => {
    const cases: Array<[string, Partial<EcsQueueProcessingServiceProps>, RegExp]> = [
      [
        "no task kept",
        { minCount: 0, desiredCount: 0 },
        /minCount must be an integer from 1 to 5000, got 0 \(the backlog per task divides by the running tasks/,
      ],
      ["a backlog target of 0", { backlogPerTaskTarget: 0 }, /backlogPerTaskTarget must be an integer from 1 to 1000000, got 0/],
      ["its own QUEUE_URL", { environment: { QUEUE_URL: "x" } }, /"QUEUE_URL" is set by the service to its queue's URL/],
    ];
    test.each(cases)("WITH %s THEN construction fails naming the prop", (_, props, message) => {
      expect(() => synthWorker(props)).toThrow(message);
    });

    test("THEN its problems and the base's are reported at once, under the construct's id", () => {
      expect(() => synthWorker({ cpu: 1, backlogPerTaskTarget: 0 })).toThrow(
        /^EcsQueueProcessingService "worker": invalid props:\n {2}cpu .*\n {2}backlogPerTaskTarget/,
      );
    });
  });
});
