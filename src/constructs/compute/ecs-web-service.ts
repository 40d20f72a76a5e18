import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { dependable, ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { isLogRetentionDays, LOG_RETENTION_DAYS } from "../observability/log-retention";

/** Letters, digits and inner hyphens, at most 32 characters: what a target group name allows. */
const SERVICE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** An environment variable name ECS and a POSIX shell both accept. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The shared ECS cluster the service runs on (tokens from the cluster stack). */
export interface EcsWebServiceCluster {
  /** Name of the ECS cluster (part of the autoscaling resource id). */
  readonly clusterName: string;

  /** ARN of the ECS cluster the service is created in. */
  readonly clusterArn: string;

  /**
   * The cluster's EC2 capacity provider. The service places its tasks through it (never with a launch
   * type), so that ECS managed scaling grows the container instances with the service.
   */
  readonly capacityProviderName: string;
}

/** A Secrets Manager secret injected into the container as an environment variable. */
export interface EcsWebServiceSecret {
  /** Environment variable the container sees, e.g. `DATABASE_PASSWORD`. */
  readonly name: string;

  /**
   * What ECS reads: the secret's ARN, or the ARN with a JSON key, version stage and version id
   * (`<secret-arn>:password::`) to inject one field of a JSON secret.
   */
  readonly valueFrom: string;

  /**
   * ARN of the secret itself (without the JSON key suffix). The execution role may read exactly these
   * secrets.
   */
  readonly secretArn: string;
}

/** Props of {@link EcsWebService}. */
export interface EcsWebServiceProps {
  /**
   * Name of the ECS service. It also names the task definition family, the target group (hence at most
   * 32 letters, digits and inner hyphens), the security group, the log group (`/ecs/<serviceName>`) and
   * the IAM roles.
   */
  readonly serviceName: string;

  /** The shared ECS cluster (on EC2 container instances) the service runs on. */
  readonly cluster: EcsWebServiceCluster;

  /** VPC of the tasks, their security group and the target group. */
  readonly vpcId: string;

  /** Private subnets the tasks' network interfaces are placed in (no public IP is ever assigned). */
  readonly subnetIds: string[];

  /**
   * Full URI of the image Terraform first deploys, including the tag, e.g.
   * `123456789012.dkr.ecr.eu-west-1.amazonaws.com/treepli-backend:bootstrap`.
   *
   * Only the INITIAL image: after the first apply, the GitHub deployment workflow owns the image tag
   * (see {@link EcsWebService}, "Who owns the image tag").
   */
  readonly image: string;

  /**
   * ARN of the ECR repository the image comes from: the execution role may pull from this repository
   * only.
   *
   * @default - derived from `image` when it is a literal ECR image URI; required when `image` is a
   * token (e.g. built from a repository's URL)
   */
  readonly imageRepositoryArn?: string;

  /**
   * Name of the application container (the deployment workflow names it when it renders a new image
   * into the task definition).
   *
   * @default "app"
   */
  readonly containerName?: string;

  /**
   * Port the application listens on inside the container (and the target group's port), 1024 or
   * above: the container has no Linux capabilities, so it cannot bind a privileged port.
   */
  readonly containerPort: number;

  /** CPU units reserved for a task (1024 = one vCPU), between 128 and 196608. */
  readonly cpu: number;

  /** Memory of a task in MiB (the hard limit: the container is killed above it), at least 128. */
  readonly memory: number;

  /** Path the target group's health check requests, e.g. `/healthz`. */
  readonly healthCheckPath: string;

  /**
   * HTTP status codes a healthy target answers the health check with (`200`, `200,204` or `200-299`).
   *
   * @default "200"
   */
  readonly healthCheckSuccessCodes?: string;

  /**
   * Command of the container's own health check, e.g. `["CMD", "/app/healthcheck"]`. A command that
   * does not start with `CMD` or `CMD-SHELL` is run directly (`CMD` is put in front). Leave it out for
   * images without a health-check binary (distroless images have no shell): the target group's health
   * check then decides alone. Runs every 30 s (5 s timeout, unhealthy after 3 failures); failures in
   * the first `healthCheckGracePeriodSeconds` (at most 300) do not count.
   *
   * @default - no container health check
   */
  readonly containerHealthCheck?: string[];

  /** Plain environment variables of the container. Values may be tokens (e.g. a database address). */
  readonly environment: Record<string, string>;

  /**
   * Secrets Manager secrets injected as environment variables. The execution role may read these
   * secrets (`secretsmanager:GetSecretValue`) and no others.
   *
   * @default - none
   */
  readonly secrets?: EcsWebServiceSecret[];

  /**
   * Customer-managed KMS key that encrypts the secrets. When given, the execution role may
   * `kms:Decrypt` with this key, only through Secrets Manager.
   *
   * @default - no KMS permission (the secrets use the AWS-managed `aws/secretsmanager` key)
   */
  readonly kmsKeyArn?: string;

  /**
   * Whether the container's root filesystem is read-only. Give `writablePaths` for scratch space.
   *
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * Absolute paths inside the container that stay writable (e.g. `/tmp`, `/app/.next/cache`): each gets
   * its own task volume, which lives as long as the task.
   *
   * @default []
   */
  readonly writablePaths?: string[];

  /**
   * User (and group) the container runs as, e.g. `"65532:65532"` (distroless `nonroot`) or `"node"`.
   *
   * @default - the image's `USER`
   */
  readonly user?: string;

  /**
   * Seconds ECS waits after SIGTERM before it kills the container (2 to 120). The target is
   * deregistered from the load balancer (see `deregistrationDelaySeconds`) before SIGTERM is sent.
   *
   * @default 30
   */
  readonly stopTimeoutSeconds?: number;

  /** Days the container logs are kept in CloudWatch Logs (one of {@link LOG_RETENTION_DAYS}). */
  readonly logRetentionDays: number;

  /** Number of tasks at creation; afterwards autoscaling owns it (between `minCount` and `maxCount`). */
  readonly desiredCount: number;

  /** Fewest tasks autoscaling keeps. */
  readonly minCount: number;

  /** Most tasks autoscaling starts. */
  readonly maxCount: number;

  /**
   * Average CPU utilization of the service (percent of the reserved `cpu`) autoscaling aims for.
   *
   * @default 60
   */
  readonly cpuTargetPercent?: number;

  /**
   * Average memory utilization of the service (percent of `memory`) autoscaling aims for.
   *
   * @default - no memory-based scaling
   */
  readonly memoryTargetPercent?: number;

  /**
   * Requests per target and minute autoscaling aims for (ALBRequestCountPerTarget). Needs
   * `loadBalancerArnSuffix`.
   *
   * @default - no request-count-based scaling
   */
  readonly requestCountPerTarget?: number;

  /**
   * ARN suffix (`app/<name>/<id>`) of the load balancer the target group is attached to; required
   * with `requestCountPerTarget`, which measures requests per target through that load balancer.
   *
   * @default - none
   */
  readonly loadBalancerArnSuffix?: string;

  /**
   * Seconds autoscaling waits after a scale-in before it removes more tasks: slow, so a short dip
   * does not shed capacity that is needed again a minute later.
   *
   * @default 300
   */
  readonly scaleInCooldownSeconds?: number;

  /**
   * Seconds autoscaling waits after a scale-out before it adds more tasks.
   *
   * @default 60
   */
  readonly scaleOutCooldownSeconds?: number;

  /**
   * Security groups whose members may reach the tasks on `containerPort` (the load balancer's).
   * Nothing else may connect to the tasks.
   */
  readonly ingressSecurityGroupIds: string[];

  /**
   * Whether the tasks may open connections anywhere (all protocols and ports). When `false`, only
   * HTTPS (TCP 443) leaves the tasks, and the stack adds `aws_security_group_rule`s for anything else
   * the application needs (e.g. its database) to {@link EcsWebService.securityGroup}.
   *
   * @default true
   */
  readonly allowAllOutbound?: boolean;

  /**
   * Statements of the task role's inline policy: what the application itself may do in AWS.
   *
   * @default - no policy; the application may do nothing in AWS
   */
  readonly taskRolePolicyStatements?: PolicyStatement[];

  /**
   * Resources the service must wait for: the listener (or listener rule) that forwards to the target
   * group. ECS refuses to create a service whose target group is not attached to a load balancer yet.
   * A listener created after this construct (it needs `targetGroup`) is added with
   * {@link EcsWebService.addLoadBalancerDependency} instead.
   *
   * @default []
   */
  readonly loadBalancerDependencies?: ITerraformDependable[];

  /**
   * Seconds ECS ignores failing load balancer health checks of a new task (startup time).
   *
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;

  /**
   * Seconds the load balancer keeps draining a deregistering target before ECS stops the task.
   *
   * @default 30
   */
  readonly deregistrationDelaySeconds?: number;
}

/**
 * An ECS service on the shared EC2 cluster behind an Application Load Balancer (the stack owns the ALB
 * and its listener; this construct owns what is specific to the service):
 *
 * - a task definition in `awsvpc` network mode for EC2 capacity, with one essential container that is
 *   non-privileged, has a read-only root filesystem (task volumes for `writablePaths`), runs an init
 *   process (signals are forwarded, zombies reaped), drops every Linux capability (a web server on a
 *   port at or above 1024 needs none; ports below 1024 are therefore not supported), and logs with
 *   `awslogs` (non-blocking) to its own log group;
 * - an execution role (used by the ECS agent) allowed exactly to pull from the image's ECR repository,
 *   write to the service's log group and read the given secrets, instead of the AWS-managed
 *   `AmazonECSTaskExecutionRolePolicy` (which allows every repository and log group of the account);
 * - a separate task role (used by the application) with only `taskRolePolicyStatements`; both roles
 *   trust `ecs-tasks.amazonaws.com` from this account only (`aws:SourceAccount`);
 * - an `ip` target group with an HTTP health check;
 * - a security group admitting only `ingressSecurityGroupIds` on `containerPort` (separate
 *   `aws_security_group_rule`s, so a stack may add its own rules to the group);
 * - the service, placed through the cluster's capacity provider, spread across availability zones then
 *   bin-packed on memory, with rolling deployments (100 % / 200 %) and the deployment circuit breaker
 *   rolling back a deployment that never becomes healthy;
 * - target-tracking autoscaling on CPU, and on memory and requests per target when configured.
 *
 * **Who owns the image tag.** Terraform creates the task definition with `image` and the service with
 * that revision, once. From then on the GitHub deployment workflow owns the running revision: it
 * registers a new revision of the family (the family's latest revision with only the image replaced)
 * and updates the service. Autoscaling likewise owns the number of tasks. The service therefore
 * ignores changes to `task_definition` and `desired_count` (`lifecycle.ignore_changes`), so the next
 * `terraform apply` never rolls back a deployed image or undoes a scale-out. Consequences for
 * operators:
 *
 * - A Terraform change to the task definition (environment, secrets, cpu, memory...) registers a new
 *   revision but does not deploy it: it goes live with the next GitHub deployment, which must start
 *   from the family's latest revision (`aws ecs describe-task-definition --task-definition <family>`)
 *   so the change is kept.
 * - Terraform's revisions always carry the initial `image`. Never point the service at a revision
 *   Terraform registered (`update-service --task-definition <family>:<n>`) by hand: that would roll
 *   the image back; redeploy from GitHub instead.
 */
export class EcsWebService extends Construct {
  /** The ECS service. */
  public readonly service: EcsService;

  /** The task definition revision Terraform registers (the initial image; see "Who owns the image tag"). */
  public readonly taskDefinition: EcsTaskDefinition;

  /** The target group, for the stack's listener (rule) to forward to. */
  public readonly targetGroup: LbTargetGroup;

  /** Security group of the tasks. */
  public readonly securityGroup: SecurityGroup;

  /** The role the application runs with. */
  public readonly taskRole: IamRole;

  /** The role the ECS agent pulls the image, writes logs and reads secrets with. */
  public readonly executionRole: IamRole;

  /** The container logs' log group. */
  public readonly logGroup: CloudwatchLogGroup;

  /** The service's scalable target (min/max number of tasks). */
  public readonly scalableTarget: AppautoscalingTarget;

  /** Name of the application container. */
  public readonly containerName: string;

  /** Port the application container listens on. */
  public readonly containerPort: number;

  constructor(scope: Construct, id: string, props: EcsWebServiceProps) {
    super(scope, id);
    const containerName = props.containerName ?? "app";
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? true;
    const writablePaths = props.writablePaths ?? [];
    const secrets = props.secrets ?? [];
    const stopTimeoutSeconds = props.stopTimeoutSeconds ?? 30;
    const cpuTargetPercent = props.cpuTargetPercent ?? 60;
    const scaleInCooldownSeconds = props.scaleInCooldownSeconds ?? 300;
    const scaleOutCooldownSeconds = props.scaleOutCooldownSeconds ?? 60;
    const allowAllOutbound = props.allowAllOutbound ?? true;
    const healthCheckGracePeriodSeconds = props.healthCheckGracePeriodSeconds ?? 60;
    const deregistrationDelaySeconds = props.deregistrationDelaySeconds ?? 30;
    const healthCheckSuccessCodes = props.healthCheckSuccessCodes ?? "200";
    this.containerName = containerName;
    this.containerPort = props.containerPort;

    validate(id, props, {
      writablePaths,
      secrets,
      stopTimeoutSeconds,
      cpuTargetPercent,
      healthCheckGracePeriodSeconds,
      deregistrationDelaySeconds,
      scaleInCooldownSeconds,
      scaleOutCooldownSeconds,
    });
    const imageRepositoryArn = props.imageRepositoryArn ?? ecrRepositoryArn(id, props.image);

    const name = props.serviceName;
    const region = new DataAwsRegion(this, "region");
    const account = new DataAwsCallerIdentity(this, "account");

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/ecs/${name}`,
      retentionInDays: props.logRetentionDays,
    });

    // The confused-deputy guard AWS recommends for ECS task roles: only tasks of this account.
    const ecsTasksTrust = policyDocument({
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
    });

    this.executionRole = new IamRole(this, "execution-role", {
      name: `${name}-execution`,
      description: `Lets the ECS agent pull the image, write the logs and read the secrets of ${name}`,
      assumeRolePolicy: ecsTasksTrust,
    });
    const executionStatements: PolicyStatement[] = [];
    if (imageRepositoryArn !== undefined) {
      executionStatements.push(
        {
          Sid: "EcrLogin",
          Effect: "Allow",
          // GetAuthorizationToken has no resource-level permissions: AWS accepts only "*".
          Action: "ecr:GetAuthorizationToken",
          Resource: "*",
        },
        {
          Sid: "PullImage",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: imageRepositoryArn,
        },
      );
    }
    executionStatements.push({
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${this.logGroup.arn}:log-stream:*`,
    });
    if (secrets.length > 0) {
      executionStatements.push({
        Sid: "ReadSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [...new Set(secrets.map((secret) => secret.secretArn))],
      });
    }
    if (props.kmsKeyArn !== undefined) {
      executionStatements.push({
        Sid: "DecryptSecrets",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: props.kmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region.name}.amazonaws.com` } },
      });
    }
    const executionPolicy = new IamRolePolicy(this, "execution-role-policy", {
      name: "ecs-task-execution",
      role: this.executionRole.id,
      policy: policyDocument(...executionStatements),
    });

    this.taskRole = new IamRole(this, "task-role", {
      name: `${name}-task`,
      description: `The application role of ${name}'s tasks`,
      assumeRolePolicy: ecsTasksTrust,
    });
    const taskPolicies: ITerraformDependable[] = [];
    if (props.taskRolePolicyStatements !== undefined && props.taskRolePolicyStatements.length > 0) {
      taskPolicies.push(
        new IamRolePolicy(this, "task-role-policy", {
          name: "application",
          role: this.taskRole.id,
          policy: policyDocument(...props.taskRolePolicyStatements),
        }),
      );
    }

    const volumes = writablePaths.map((path) => ({ name: volumeName(path), path }));
    const containerDefinition: Record<string, unknown> = {
      name: containerName,
      image: props.image,
      essential: true,
      privileged: false,
      readonlyRootFilesystem,
      ...(props.user !== undefined ? { user: props.user } : {}),
      portMappings: [{ containerPort: props.containerPort, hostPort: props.containerPort, protocol: "tcp" }],
      // Sorted so the synthesized JSON (and its diff) does not depend on the order of the record.
      environment: Object.keys(props.environment)
        .sort()
        .map((key) => ({ name: key, value: props.environment[key] })),
      ...(secrets.length > 0 ? { secrets: secrets.map((secret) => ({ name: secret.name, valueFrom: secret.valueFrom })) } : {}),
      ...(volumes.length > 0
        ? { mountPoints: volumes.map((volume) => ({ sourceVolume: volume.name, containerPath: volume.path, readOnly: false })) }
        : {}),
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": this.logGroup.name,
          "awslogs-region": region.name,
          "awslogs-stream-prefix": name,
          // A slow CloudWatch Logs must not block the application's writes to stdout; the buffer
          // absorbs bursts, and only an overflowing buffer drops lines.
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      },
      stopTimeout: stopTimeoutSeconds,
      ...(props.containerHealthCheck !== undefined
        ? {
            healthCheck: {
              command: ["CMD", "CMD-SHELL"].includes(props.containerHealthCheck[0])
                ? props.containerHealthCheck
                : ["CMD", ...props.containerHealthCheck],
              interval: 30,
              timeout: 5,
              retries: 3,
              startPeriod: Math.min(300, healthCheckGracePeriodSeconds),
            },
          }
        : {}),
    };

    this.taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      family: name,
      networkMode: "awsvpc",
      requiresCompatibilities: ["EC2"],
      cpu: String(props.cpu),
      memory: String(props.memory),
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: JSON.stringify([containerDefinition]),
      volume: volumes.length > 0 ? volumes.map((volume) => ({ name: volume.name })) : undefined,
    });

    this.targetGroup = new LbTargetGroup(this, "target-group", {
      name,
      targetType: "ip",
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      port: props.containerPort,
      vpcId: props.vpcId,
      deregistrationDelay: String(deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        port: "traffic-port",
        path: props.healthCheckPath,
        matcher: healthCheckSuccessCodes,
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${name}-tasks`,
      description: `Tasks of the ${name} ECS service: ingress only from its load balancer on port ${props.containerPort}`,
      vpcId: props.vpcId,
      tags: { Name: `${name}-tasks` },
    });
    props.ingressSecurityGroupIds.forEach((sourceSecurityGroupId, index) => {
      new SecurityGroupRule(this, `ingress-${index}`, {
        type: "ingress",
        description: `${name} traffic from its load balancer`,
        securityGroupId: this.securityGroup.id,
        sourceSecurityGroupId,
        protocol: "tcp",
        fromPort: props.containerPort,
        toPort: props.containerPort,
      });
    });
    new SecurityGroupRule(this, allowAllOutbound ? "egress-all" : "egress-https", {
      type: "egress",
      securityGroupId: this.securityGroup.id,
      cidrBlocks: ["0.0.0.0/0"],
      ...(allowAllOutbound
        ? { description: "Anything the application calls", protocol: "-1", fromPort: 0, toPort: 0 }
        : { description: "HTTPS to AWS APIs and other services", protocol: "tcp", fromPort: 443, toPort: 443 }),
    });

    this.service = new EcsService(this, "service", {
      name,
      cluster: props.cluster.clusterArn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: [{ capacityProvider: props.cluster.capacityProviderName, weight: 1, base: 0 }],
      networkConfiguration: {
        subnets: props.subnetIds,
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [{ targetGroupArn: this.targetGroup.arn, containerName, containerPort: props.containerPort }],
      healthCheckGracePeriodSeconds,
      // Rolling updates by ECS itself (what the GitHub deployment drives), stated rather than implied.
      deploymentController: { type: "ECS" },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      orderedPlacementStrategy: [
        { type: "spread", field: "attribute:ecs.availability-zone" },
        { type: "binpack", field: "memory" },
      ],
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      // Terraform does not wait for a deployment to finish: the circuit breaker handles failed ones.
      waitForSteadyState: false,
      // Who owns what after creation: the GitHub deployment the task definition (the image tag),
      // autoscaling the number of tasks. See the class documentation.
      lifecycle: { ignoreChanges: ["task_definition", "desired_count"] },
      // The policies first: tasks can pull, log and read secrets from the start, and they are
      // destroyed only after the service has stopped its tasks.
      dependsOn: [executionPolicy, ...taskPolicies, ...(props.loadBalancerDependencies ?? [])],
    });

    this.scalableTarget = new AppautoscalingTarget(this, "scalable-target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.cluster.clusterName}/${this.service.name}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    const targetTracking = (policyId: string, metric: string, targetValue: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, policyId, {
        name: `${name}-${policyId}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: this.scalableTarget.serviceNamespace,
        scalableDimension: this.scalableTarget.scalableDimension,
        resourceId: this.scalableTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
          targetValue,
          scaleInCooldown: scaleInCooldownSeconds,
          scaleOutCooldown: scaleOutCooldownSeconds,
        },
      });
    targetTracking("cpu", "ECSServiceAverageCPUUtilization", cpuTargetPercent);
    if (props.memoryTargetPercent !== undefined) {
      targetTracking("memory", "ECSServiceAverageMemoryUtilization", props.memoryTargetPercent);
    }
    if (props.requestCountPerTarget !== undefined) {
      targetTracking(
        "requests",
        "ALBRequestCountPerTarget",
        props.requestCountPerTarget,
        `${props.loadBalancerArnSuffix}/${this.targetGroup.arnSuffix}`,
      );
    }
  }

  /**
   * Makes the service wait for more resources, typically the listener or listener rule that forwards
   * to {@link targetGroup} (which can only be created after this construct, since it needs the target
   * group): ECS refuses to create a service whose target group is not attached to a load balancer.
   */
  public addLoadBalancerDependency(...dependencies: ITerraformDependable[]): void {
    this.service.dependsOn = [...(this.service.dependsOn ?? []), ...dependencies.map((dependency) => dependable(dependency))];
  }

  /** ARN of the ECS service (what a deploy role may update). */
  public get serviceArn(): string {
    return this.service.id;
  }

  /** Name of the ECS service. */
  public get serviceName(): string {
    return this.service.name;
  }
}

/** The task volume name of a writable path: `/app/.next/cache` → `app-next-cache`. */
function volumeName(path: string): string {
  return path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "root";
}

/**
 * The ARN of the ECR repository of a literal ECR image URI
 * (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]`); undefined for other
 * registries. Throws when the image is a token, because then the repository is unknown at synth time.
 */
function ecrRepositoryArn(id: string, image: string): string | undefined {
  if (Token.isUnresolved(image)) {
    throw new Error(
      `EcsWebService "${id}": imageRepositoryArn is required when image is a token (${image}); pass the ARN of the ECR repository the image comes from`,
    );
  }
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)/.exec(image);
  if (!match) return undefined;
  const [, account, region, china, repository] = match;
  return `arn:${china ? "aws-cn" : "aws"}:ecr:${region}:${account}:repository/${repository}`;
}

interface Resolved {
  readonly writablePaths: string[];
  readonly secrets: EcsWebServiceSecret[];
  readonly stopTimeoutSeconds: number;
  readonly cpuTargetPercent: number;
  readonly healthCheckGracePeriodSeconds: number;
  readonly deregistrationDelaySeconds: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
}

/** Checks the props; throws one error listing every problem, each naming the prop. */
function validate(id: string, props: EcsWebServiceProps, resolved: Resolved): void {
  const problems: string[] = [];
  const known = (value: unknown) => !Token.isUnresolved(value);
  const integerIn = (prop: string, value: number | undefined, min: number, max: number, hint = "") => {
    if (value === undefined || !known(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${prop} must be an integer from ${min} to ${max}, got ${value}${hint}`);
    }
  };

  if (known(props.serviceName) && !SERVICE_NAME.test(props.serviceName)) {
    problems.push(
      `serviceName must be 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen (it names the target group), got "${props.serviceName}"`,
    );
  }
  if (!known(props.containerPort)) {
    problems.push("containerPort must be a plain number (it is written into the container definition's JSON), got a token");
  }
  integerIn("containerPort", props.containerPort, 1024, 65535, " (every Linux capability is dropped, so ports below 1024 cannot be bound)");
  integerIn("cpu", props.cpu, 128, 196608, " (CPU units: 1024 = one vCPU)");
  integerIn("memory", props.memory, 128, 4194304, " (MiB)");
  if (known(props.logRetentionDays) && !isLogRetentionDays(props.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${props.logRetentionDays}`);
  }
  integerIn("minCount", props.minCount, 0, 5000);
  integerIn("maxCount", props.maxCount, 1, 5000);
  integerIn("desiredCount", props.desiredCount, 0, 5000);
  if ([props.minCount, props.desiredCount, props.maxCount].every(known)) {
    if (props.minCount > props.maxCount) {
      problems.push(`minCount (${props.minCount}) must not exceed maxCount (${props.maxCount})`);
    } else if (props.desiredCount < props.minCount || props.desiredCount > props.maxCount) {
      problems.push(`desiredCount (${props.desiredCount}) must be between minCount (${props.minCount}) and maxCount (${props.maxCount})`);
    }
  }
  integerIn("cpuTargetPercent", resolved.cpuTargetPercent, 1, 100);
  integerIn("memoryTargetPercent", props.memoryTargetPercent, 1, 100);
  integerIn("requestCountPerTarget", props.requestCountPerTarget, 1, 1000000);
  if (props.requestCountPerTarget !== undefined && props.loadBalancerArnSuffix === undefined) {
    problems.push("requestCountPerTarget needs loadBalancerArnSuffix (the ALB's arn_suffix) to measure requests per target");
  }
  integerIn("scaleInCooldownSeconds", resolved.scaleInCooldownSeconds, 0, 3600);
  integerIn("scaleOutCooldownSeconds", resolved.scaleOutCooldownSeconds, 0, 3600);
  integerIn("stopTimeoutSeconds", resolved.stopTimeoutSeconds, 2, 120);
  integerIn("healthCheckGracePeriodSeconds", resolved.healthCheckGracePeriodSeconds, 0, 2147483647);
  integerIn("deregistrationDelaySeconds", resolved.deregistrationDelaySeconds, 0, 3600);

  if (known(props.healthCheckPath) && !props.healthCheckPath.startsWith("/")) {
    problems.push(`healthCheckPath must start with "/", got "${props.healthCheckPath}"`);
  }
  if (props.containerHealthCheck !== undefined && props.containerHealthCheck.length === 0) {
    problems.push("containerHealthCheck must not be empty; leave it out for no container health check");
  }
  if (props.ingressSecurityGroupIds.length === 0) {
    problems.push("ingressSecurityGroupIds must name at least one security group (the load balancer's), or no request reaches the tasks");
  }
  if (props.subnetIds.length === 0) {
    problems.push("subnetIds must name at least one private subnet");
  }

  const variables = [...Object.keys(props.environment), ...resolved.secrets.map((secret) => secret.name)];
  for (const variable of variables.filter((variable) => !VARIABLE_NAME.test(variable))) {
    problems.push(
      `environment and secrets: "${variable}" is not a valid variable name (letters, digits, underscores; not starting with a digit)`,
    );
  }
  for (const variable of new Set(variables.filter((variable, index) => variables.indexOf(variable) !== index))) {
    problems.push(`environment and secrets: "${variable}" is set more than once`);
  }
  if (props.kmsKeyArn !== undefined && resolved.secrets.length === 0) {
    problems.push("kmsKeyArn only serves to decrypt secrets: give secrets, or leave kmsKeyArn out");
  }

  const names = new Map<string, string>();
  for (const path of resolved.writablePaths) {
    if (!path.startsWith("/") || path === "/") {
      problems.push(`writablePaths: "${path}" must be an absolute path below "/"`);
      continue;
    }
    const volume = volumeName(path);
    if (names.has(volume)) problems.push(`writablePaths: "${path}" and "${names.get(volume)}" would share the task volume "${volume}"`);
    names.set(volume, path);
  }

  if (problems.length > 0) {
    throw new Error(`EcsWebService "${id}": invalid props:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  }
}
