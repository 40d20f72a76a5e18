import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { TerraformOutput, TerraformResource, Testing } from "cdktf";
import { EcsWebService, EcsWebServiceProps } from "../../../src/constructs/compute/ecs-web-service";
import { onlyResource, parse, policy, resources, TerraformJson } from "../../helpers";

const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/treepli-backend:bootstrap";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:treepli-db-AbCdEf";

const baseProps: EcsWebServiceProps = {
  serviceName: "treepli-test-api",
  cluster: {
    clusterName: "treepli-test",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/treepli-test",
    capacityProviderName: "treepli-test-ec2",
  },
  vpcId: "vpc-123",
  subnetIds: ["subnet-private-a", "subnet-private-b"],
  image: IMAGE,
  containerPort: 8080,
  cpu: 512,
  memory: 1024,
  healthCheckPath: "/healthz",
  environment: { PORT: "8080", APP_ENV: "test" },
  logRetentionDays: 30,
  desiredCount: 2,
  minCount: 2,
  maxCount: 6,
  ingressSecurityGroupIds: ["sg-alb"],
};

interface Synthesized {
  synthesized: string;
  json: TerraformJson;
}

function synthService(props: Partial<EcsWebServiceProps> = {}, after?: (service: EcsWebService) => void): Synthesized {
  const synthesized = Testing.synthScope((scope) => {
    const service = new EcsWebService(scope, "api", { ...baseProps, ...props });
    after?.(service);
  });
  return { synthesized, json: parse(synthesized) };
}

/** The one container definition of the task definition, parsed. */
function container(json: TerraformJson): any {
  const definitions = JSON.parse(onlyResource(json, "aws_ecs_task_definition").container_definitions);
  expect(definitions).toHaveLength(1);
  return definitions[0];
}

/** The inline policy of a role, found by the role's name. */
function rolePolicy(json: TerraformJson, roleName: string): { Statement: any[] } | undefined {
  const roleKey = Object.entries(json.resource.aws_iam_role).find(([, role]) => role.name === roleName)?.[0];
  if (!roleKey) throw new Error(`no role named ${roleName}`);
  const attached = resources(json, "aws_iam_role_policy").filter((p) => p.role === `\${aws_iam_role.${roleKey}.id}`);
  if (attached.length > 1) throw new Error(`more than one inline policy on ${roleName}`);
  return attached.length === 1 ? policy(attached[0].policy) : undefined;
}

function role(json: TerraformJson, roleName: string): any {
  return resources(json, "aws_iam_role").find((r) => r.name === roleName);
}

function ref(json: TerraformJson, type: string, predicate: (resource: any) => boolean, attribute: string): string {
  const key = Object.entries(json.resource[type] ?? {}).find(([, resource]) => predicate(resource))?.[0];
  if (!key) throw new Error(`no matching ${type}`);
  return `\${${type}.${key}.${attribute}}`;
}

function policiesByMetric(json: TerraformJson): Record<string, any> {
  return Object.fromEntries(
    resources(json, "aws_appautoscaling_policy").map((p) => [
      p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type,
      p,
    ]),
  );
}

describe("EcsWebService", () => {
  describe("GIVEN the required props only", () => {
    const { synthesized, json } = synthService();

    test("THEN the task definition runs in awsvpc mode on EC2 capacity with the given cpu and memory", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsTaskDefinition, {
        family: "treepli-test-api",
        network_mode: "awsvpc",
        requires_compatibilities: ["EC2"],
        cpu: "512",
        memory: "1024",
      });
    });

    test("THEN the container is essential, unprivileged, read-only, with an init process and no Linux capabilities", () => {
      const app = container(json);
      expect(app).toMatchObject({
        name: "app",
        image: IMAGE,
        essential: true,
        privileged: false,
        readonlyRootFilesystem: true,
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        stopTimeout: 30,
      });
      expect(app.user).toBeUndefined();
      expect(app.healthCheck).toBeUndefined();
      expect(app.secrets).toBeUndefined();
      expect(app.mountPoints).toBeUndefined();
    });

    test("THEN the container publishes only its port, and gets its environment sorted by name", () => {
      const app = container(json);
      expect(app.portMappings).toEqual([{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }]);
      expect(app.environment).toEqual([
        { name: "APP_ENV", value: "test" },
        { name: "PORT", value: "8080" },
      ]);
    });

    test("THEN the container logs with awslogs (non-blocking) to its own log group, kept for the given days", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/ecs/treepli-test-api", retention_in_days: 30 });
      expect(container(json).logConfiguration).toEqual({
        logDriver: "awslogs",
        options: {
          "awslogs-group": ref(json, "aws_cloudwatch_log_group", () => true, "name"),
          "awslogs-region": expect.stringMatching(/^\$\{data\.aws_region\.[^.]+\.name\}$/),
          "awslogs-stream-prefix": "treepli-test-api",
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      });
    });

    test("THEN the task and execution roles are separate and trust only ECS tasks of this account", () => {
      const taskDefinition = onlyResource(json, "aws_ecs_task_definition");
      expect(taskDefinition.task_role_arn).toBe(ref(json, "aws_iam_role", (r) => r.name === "treepli-test-api-task", "arn"));
      expect(taskDefinition.execution_role_arn).toBe(ref(json, "aws_iam_role", (r) => r.name === "treepli-test-api-execution", "arn"));
      for (const name of ["treepli-test-api-task", "treepli-test-api-execution"]) {
        expect(policy(role(json, name).assume_role_policy).Statement).toEqual([
          {
            Effect: "Allow",
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/) },
            },
          },
        ]);
      }
    });

    test("THEN the execution role may pull from the image's repository and write to the service's log group, nothing else", () => {
      const statements = rolePolicy(json, "treepli-test-api-execution")!.Statement;
      expect(statements).toEqual([
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullImage",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/treepli-backend",
        },
        {
          Sid: "WriteLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${ref(json, "aws_cloudwatch_log_group", () => true, "arn")}:log-stream:*`,
        },
      ]);
      expect(resources(json, "aws_iam_role_policy_attachment")).toHaveLength(0);
    });

    test("THEN the task role has no policy: the application may do nothing in AWS", () => {
      expect(rolePolicy(json, "treepli-test-api-task")).toBeUndefined();
    });

    test("THEN the target group sends HTTP to task IPs and health-checks the given path", () => {
      expect(synthesized).toHaveResourceWithProperties(LbTargetGroup, {
        name: "treepli-test-api",
        target_type: "ip",
        protocol: "HTTP",
        port: 8080,
        vpc_id: "vpc-123",
        deregistration_delay: "30",
        health_check: {
          enabled: true,
          protocol: "HTTP",
          port: "traffic-port",
          path: "/healthz",
          matcher: "200",
          interval: 15,
          timeout: 5,
          healthy_threshold: 2,
          unhealthy_threshold: 3,
        },
      });
    });

    test("THEN only the given security groups reach the tasks, on the container port; only HTTPS leaves them", () => {
      const groupId = ref(json, "aws_security_group", () => true, "id");
      const group = onlyResource(json, "aws_security_group");
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
      const rules = resources(json, "aws_security_group_rule");
      expect(rules.filter((rule) => rule.type === "ingress")).toEqual([
        expect.objectContaining({
          security_group_id: groupId,
          source_security_group_id: "sg-alb",
          protocol: "tcp",
          from_port: 8080,
          to_port: 8080,
        }),
      ]);
      expect(rules.filter((rule) => rule.type === "egress")).toEqual([
        expect.objectContaining({ security_group_id: groupId, protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }),
      ]);
      expect(resources(json, "aws_vpc_security_group_ingress_rule")).toHaveLength(0);
    });

    test("THEN the service places tasks through the cluster's capacity provider, never with a launch type", () => {
      const service = onlyResource(json, "aws_ecs_service");
      expect(service.capacity_provider_strategy).toEqual([{ capacity_provider: "treepli-test-ec2", weight: 1, base: 0 }]);
      expect(service.launch_type).toBeUndefined();
      expect(service.cluster).toBe("arn:aws:ecs:eu-west-1:123456789012:cluster/treepli-test");
    });

    test("THEN the tasks get private subnets, their own security group and no public IP", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsService, {
        network_configuration: {
          subnets: ["subnet-private-a", "subnet-private-b"],
          security_groups: [ref(json, "aws_security_group", () => true, "id")],
          assign_public_ip: false,
        },
      });
    });

    test("THEN the service registers the app container's port in the target group", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsService, {
        load_balancer: [
          { target_group_arn: ref(json, "aws_lb_target_group", () => true, "arn"), container_name: "app", container_port: 8080 },
        ],
        health_check_grace_period_seconds: 60,
      });
    });

    test("THEN deployments keep full capacity and roll back automatically when they never get healthy", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsService, {
        deployment_controller: { type: "ECS" },
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
        deployment_circuit_breaker: { enable: true, rollback: true },
        wait_for_steady_state: false,
      });
    });

    test("THEN tasks spread across availability zones first, then bin-pack on memory", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsService, {
        ordered_placement_strategy: [
          { type: "spread", field: "attribute:ecs.availability-zone" },
          { type: "binpack", field: "memory" },
        ],
        propagate_tags: "SERVICE",
        enable_ecs_managed_tags: true,
      });
    });

    test("THEN Terraform never undoes a GitHub deployment (task definition) or autoscaling (desired count)", () => {
      expect(onlyResource(json, "aws_ecs_service").lifecycle).toEqual({ ignore_changes: ["task_definition", "desired_count"] });
      expect(onlyResource(json, "aws_ecs_service").desired_count).toBe(2);
    });

    test("THEN the service waits for the execution role's policy, so the first tasks can pull and log", () => {
      const policyKey = Object.keys(json.resource.aws_iam_role_policy)[0];
      expect(onlyResource(json, "aws_ecs_service").depends_on).toEqual([`aws_iam_role_policy.${policyKey}`]);
    });

    test("THEN autoscaling keeps between minCount and maxCount tasks of this service", () => {
      expect(synthesized).toHaveResourceWithProperties(AppautoscalingTarget, {
        service_namespace: "ecs",
        scalable_dimension: "ecs:service:DesiredCount",
        resource_id: `service/treepli-test/${ref(json, "aws_ecs_service", () => true, "name")}`,
        min_capacity: 2,
        max_capacity: 6,
      });
    });

    test("THEN only CPU target tracking scales, aiming at 60 %, slow to scale in and quick to scale out", () => {
      const policies = policiesByMetric(json);
      expect(Object.keys(policies)).toEqual(["ECSServiceAverageCPUUtilization"]);
      expect(policies.ECSServiceAverageCPUUtilization).toMatchObject({
        policy_type: "TargetTrackingScaling",
        target_tracking_scaling_policy_configuration: { target_value: 60, scale_in_cooldown: 300, scale_out_cooldown: 60 },
      });
    });

    test("THEN the service's ARN and name are exposed for deploy roles", () => {
      const outputs = parse(
        Testing.synthScope((scope) => {
          const service = new EcsWebService(scope, "api", baseProps);
          new TerraformOutput(scope, "service_arn", { value: service.serviceArn });
          new TerraformOutput(scope, "service_name", { value: service.serviceName });
        }),
      ).output!;
      expect(outputs.service_arn.value).toMatch(/^\$\{aws_ecs_service\.[^.]+\.id\}$/);
      expect(outputs.service_name.value).toMatch(/^\$\{aws_ecs_service\.[^.]+\.name\}$/);
    });
  });

  describe("GIVEN secrets", () => {
    const secrets = [
      { name: "DB_PASSWORD", valueFrom: `${SECRET_ARN}:password::`, secretArn: SECRET_ARN },
      { name: "DB_USER", valueFrom: `${SECRET_ARN}:username::`, secretArn: SECRET_ARN },
    ];

    test("THEN they are injected as ECS secrets and the execution role may read exactly those secrets", () => {
      const { json } = synthService({ secrets });
      expect(container(json).secrets).toEqual([
        { name: "DB_PASSWORD", valueFrom: `${SECRET_ARN}:password::` },
        { name: "DB_USER", valueFrom: `${SECRET_ARN}:username::` },
      ]);
      const statements = rolePolicy(json, "treepli-test-api-execution")!.Statement;
      expect(statements.find((s) => s.Sid === "ReadSecrets")).toEqual({
        Sid: "ReadSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [SECRET_ARN],
      });
      expect(statements.some((s) => [s.Action].flat().some((action: string) => action.startsWith("kms:")))).toBe(false);
      expect(JSON.stringify(container(json).environment)).not.toContain("DB_PASSWORD");
    });

    test("AND a KMS key THEN the execution role may decrypt with it, only through Secrets Manager", () => {
      const kmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const { json } = synthService({ secrets, kmsKeyArn });
      expect(rolePolicy(json, "treepli-test-api-execution")!.Statement.find((s) => s.Sid === "DecryptSecrets")).toEqual({
        Sid: "DecryptSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: kmsKeyArn,
        Condition: {
          StringEquals: {
            "kms:ViaService": expect.stringMatching(/^secretsmanager\.\$\{data\.aws_region\.[^.]+\.name\}\.amazonaws\.com$/),
          },
        },
      });
    });
  });

  describe("GIVEN writable paths", () => {
    test("THEN each path gets its own task volume, mounted writable, while the root filesystem stays read-only", () => {
      const { json } = synthService({ writablePaths: ["/tmp", "/app/.next/cache"] });
      expect(onlyResource(json, "aws_ecs_task_definition").volume).toEqual([{ name: "tmp" }, { name: "app-next-cache" }]);
      expect(container(json).mountPoints).toEqual([
        { sourceVolume: "tmp", containerPath: "/tmp", readOnly: false },
        { sourceVolume: "app-next-cache", containerPath: "/app/.next/cache", readOnly: false },
      ]);
      expect(container(json).readonlyRootFilesystem).toBe(true);
    });
  });

  describe("GIVEN the container options", () => {
    test("THEN a health-check command without CMD runs directly, with a start period of the grace period", () => {
      const { json } = synthService({ containerHealthCheck: ["/app/healthcheck", "--quiet"], healthCheckGracePeriodSeconds: 90 });
      expect(container(json).healthCheck).toEqual({
        command: ["CMD", "/app/healthcheck", "--quiet"],
        interval: 30,
        timeout: 5,
        retries: 3,
        startPeriod: 90,
      });
    });

    test("THEN a CMD-SHELL health check is kept as given", () => {
      const { json } = synthService({ containerHealthCheck: ["CMD-SHELL", "curl -f http://localhost:8080/healthz"] });
      expect(container(json).healthCheck.command).toEqual(["CMD-SHELL", "curl -f http://localhost:8080/healthz"]);
    });

    test("THEN the user, the container name, a writable root filesystem and the stop timeout are passed through", () => {
      const { json } = synthService({ user: "65532:65532", containerName: "web", readonlyRootFilesystem: false, stopTimeoutSeconds: 60 });
      expect(container(json)).toMatchObject({ name: "web", user: "65532:65532", readonlyRootFilesystem: false, stopTimeout: 60 });
      expect(onlyResource(json, "aws_ecs_service").load_balancer[0].container_name).toBe("web");
    });

    test("THEN the target group's matcher, deregistration delay and the grace period follow the props", () => {
      const { synthesized } = synthService({
        healthCheckSuccessCodes: "200-299",
        deregistrationDelaySeconds: 10,
        healthCheckGracePeriodSeconds: 120,
      });
      expect(synthesized).toHaveResourceWithProperties(LbTargetGroup, {
        deregistration_delay: "10",
        health_check: expect.objectContaining({ matcher: "200-299" }),
      });
      expect(synthesized).toHaveResourceWithProperties(EcsService, { health_check_grace_period_seconds: 120 });
    });
  });

  describe("GIVEN an image built from a repository URL (a token)", () => {
    test("AND its repository ARN THEN the execution role pulls from that repository", () => {
      const repositoryArn = "${aws_ecr_repository.api.arn}";
      const { json } = synthService({ image: "${aws_ecr_repository.api.repository_url}:bootstrap", imageRepositoryArn: repositoryArn });
      expect(rolePolicy(json, "treepli-test-api-execution")!.Statement.find((s) => s.Sid === "PullImage").Resource).toBe(repositoryArn);
    });

    test("WITHOUT its repository ARN THEN synthesis stops and asks for it", () => {
      expect(() =>
        Testing.synthScope((scope) => {
          const repository = new TerraformResource(scope, "repo", { terraformResourceType: "aws_ecr_repository" });
          new EcsWebService(scope, "api", { ...baseProps, image: `${repository.getStringAttribute("repository_url")}:bootstrap` });
        }),
      ).toThrow(/imageRepositoryArn is required when image is a token/);
    });
  });

  describe("GIVEN an image from a public registry", () => {
    test("THEN the execution role gets no ECR permission at all", () => {
      const { json } = synthService({ image: "public.ecr.aws/nginx/nginx:1.27" });
      const actions = rolePolicy(json, "treepli-test-api-execution")!.Statement.flatMap((s) => [s.Action].flat());
      expect(actions.filter((action: string) => action.startsWith("ecr:"))).toEqual([]);
    });
  });

  describe("GIVEN task role statements", () => {
    test("THEN they are the task role's only inline policy", () => {
      const statement = { Effect: "Allow" as const, Action: ["s3:PutObject"], Resource: "arn:aws:s3:::treepli-media/*" };
      const { json } = synthService({ taskRolePolicyStatements: [statement] });
      expect(rolePolicy(json, "treepli-test-api-task")).toEqual({ Version: "2012-10-17", Statement: [statement] });
    });
  });

  describe("GIVEN egress beyond HTTPS", () => {
    test("THEN each range and port range is one more egress rule, and nothing else opens", () => {
      const { json } = synthService({
        egress: [{ description: "SMTP relay", protocol: "tcp", fromPort: 587, cidrBlocks: ["203.0.113.10/32"] }],
      });
      expect(
        resources(json, "aws_security_group_rule")
          .filter((rule) => rule.type === "egress")
          .map((rule) => [rule.protocol, rule.from_port, rule.to_port, rule.cidr_blocks])
          .sort((a, b) => a[1] - b[1]),
      ).toEqual([
        ["tcp", 443, 443, ["0.0.0.0/0"]],
        ["tcp", 587, 587, ["203.0.113.10/32"]],
      ]);
    });

    test("THEN a rule that repeats HTTPS to anywhere, or has a bad port range, is refused naming it", () => {
      expect(() =>
        synthService({ egress: [{ description: "all web", protocol: "tcp", fromPort: 1, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }] }),
      ).toThrow(/egress\[0\] covers HTTPS to anywhere/);
      expect(() =>
        synthService({ egress: [{ description: "x", protocol: "udp", fromPort: 600, toPort: 500, cidrBlocks: ["10.0.0.0/8"] }] }),
      ).toThrow(/egress\[0\]\.toPort must be an integer from 600 to 65535, got 500/);
    });
  });

  describe("GIVEN a security group the tasks must reach (allowEgressTo)", () => {
    test("THEN one egress rule opens that port to members of that group only", () => {
      const { json } = synthService({}, (service) =>
        service.allowEgressTo("egress-db", { securityGroupId: "sg-db", port: 5432, description: "db" }),
      );
      expect(resources(json, "aws_security_group_rule").filter((rule) => rule.type === "egress" && rule.from_port === 5432)).toEqual([
        expect.objectContaining({ protocol: "tcp", to_port: 5432, source_security_group_id: "sg-db" }),
      ]);
    });
  });

  describe("GIVEN several ingress security groups", () => {
    test("THEN each may reach the container port, and nothing else is admitted", () => {
      const { json } = synthService({ ingressSecurityGroupIds: ["sg-alb", "sg-vpc-link"] });
      const ingress = resources(json, "aws_security_group_rule").filter((rule) => rule.type === "ingress");
      expect(ingress.map((rule) => [rule.source_security_group_id, rule.from_port, rule.to_port])).toEqual([
        ["sg-alb", 8080, 8080],
        ["sg-vpc-link", 8080, 8080],
      ]);
    });
  });

  describe("GIVEN load balancer dependencies", () => {
    test("THEN the service is created only after the listener, whether given as a prop or added later", () => {
      const { json } = synthService({}, (service) => {
        const rule = new TerraformResource(service.node.scope!, "listener-rule", { terraformResourceType: "aws_lb_listener_rule" });
        service.addLoadBalancerDependency(rule);
      });
      expect(onlyResource(json, "aws_ecs_service").depends_on).toContain("aws_lb_listener_rule.listener-rule");

      const synthesized = Testing.synthScope((scope) => {
        const listener = new TerraformResource(scope, "listener", { terraformResourceType: "aws_lb_listener" });
        new EcsWebService(scope, "api", { ...baseProps, loadBalancerDependencies: [listener] });
      });
      expect(onlyResource(parse(synthesized), "aws_ecs_service").depends_on).toContain("aws_lb_listener.listener");
    });
  });

  describe("GIVEN memory and request-count targets", () => {
    test("THEN autoscaling also tracks memory and requests per target of this target group behind the load balancer", () => {
      const { json } = synthService({
        cpuTargetPercent: 50,
        memoryTargetPercent: 75,
        requestCountPerTarget: 800,
        loadBalancerArnSuffix: "app/treepli-test-api/0123456789abcdef",
        scaleInCooldownSeconds: 600,
      });
      const policies = policiesByMetric(json);
      expect(Object.keys(policies).sort()).toEqual([
        "ALBRequestCountPerTarget",
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
      ]);
      expect(policies.ECSServiceAverageCPUUtilization.target_tracking_scaling_policy_configuration.target_value).toBe(50);
      expect(policies.ECSServiceAverageMemoryUtilization.target_tracking_scaling_policy_configuration).toMatchObject({
        target_value: 75,
        scale_in_cooldown: 600,
      });
      expect(policies.ALBRequestCountPerTarget.target_tracking_scaling_policy_configuration).toMatchObject({
        target_value: 800,
        predefined_metric_specification: {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label: `app/treepli-test-api/0123456789abcdef/${ref(json, "aws_lb_target_group", () => true, "arn_suffix")}`,
        },
      });
    });
  });

  describe("GIVEN invalid props", () => {
    const cases: Array<[string, Partial<EcsWebServiceProps>, RegExp]> = [
      ["desiredCount above maxCount", { desiredCount: 7 }, /desiredCount \(7\) must be between minCount \(2\) and maxCount \(6\)/],
      ["desiredCount below minCount", { desiredCount: 1 }, /desiredCount \(1\) must be between minCount \(2\) and maxCount \(6\)/],
      ["minCount above maxCount", { minCount: 8, desiredCount: 8 }, /minCount \(8\) must not exceed maxCount \(6\)/],
      ["cpu below 128 units", { cpu: 64 }, /cpu must be an integer from 128 to 196608, got 64/],
      ["memory below 128 MiB", { memory: 64 }, /memory must be an integer from 128 to 4194304, got 64/],
      ["a log retention CloudWatch does not offer", { logRetentionDays: 10 }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30.*got 10/],
      ["a container port that needs a capability", { containerPort: 80 }, /containerPort must be an integer from 1024 to 65535, got 80/],
      [
        "a service name too long for a target group",
        { serviceName: "treepli-production-backend-api-v2x" },
        /serviceName must be 1 to 32 letters/,
      ],
      ["a health check path without a slash", { healthCheckPath: "healthz" }, /healthCheckPath must start with "\/"/],
      ["a CPU target above 100 %", { cpuTargetPercent: 120 }, /cpuTargetPercent must be an integer from 1 to 100, got 120/],
      [
        "requests per target without the load balancer",
        { requestCountPerTarget: 500 },
        /requestCountPerTarget needs loadBalancerArnSuffix/,
      ],
      ["no ingress security group", { ingressSecurityGroupIds: [] }, /ingressSecurityGroupIds must name at least one security group/],
      ["a KMS key without secrets", { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x" }, /kmsKeyArn only serves to decrypt secrets/],
      ["a relative writable path", { writablePaths: ["tmp"] }, /writablePaths: "tmp" must be an absolute path/],
      ["a stop timeout above 120 s", { stopTimeoutSeconds: 300 }, /stopTimeoutSeconds must be an integer from 2 to 120, got 300/],
      ["an empty container health check", { containerHealthCheck: [] }, /containerHealthCheck must not be empty/],
      [
        "a variable both plain and secret",
        { environment: { DB_PASSWORD: "oops" }, secrets: [{ name: "DB_PASSWORD", valueFrom: SECRET_ARN, secretArn: SECRET_ARN }] },
        /"DB_PASSWORD" is set more than once/,
      ],
    ];

    test.each(cases)("WITH %s THEN construction fails naming the prop", (_, props, message) => {
      expect(() => synthService(props)).toThrow(message);
    });

    test("THEN every problem is reported at once, under the construct's id", () => {
      expect(() => synthService({ cpu: 1, memory: 1, desiredCount: 9 })).toThrow(
        /^EcsWebService "api": invalid props:\n {2}cpu .*\n {2}memory .*\n {2}desiredCount/,
      );
    });
  });
});
