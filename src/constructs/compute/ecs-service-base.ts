import {
  AppautoscalingPolicy,
  AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification,
} from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { dependable, ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { isLogRetentionDays, LOG_RETENTION_DAYS } from "../observability/log-retention";

/**
 * Letters, digits and inner hyphens, at most 54 characters: the execution role is named
 * `<serviceName>-execution`, and IAM role names end at 64 characters.
 */
const SERVICE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,52}[A-Za-z0-9])?$/;

/** An environment variable name ECS and a POSIX shell both accept. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The shared ECS cluster a service runs on (tokens from the cluster stack). */
export interface EcsServiceCluster {
  /** Name of the ECS cluster (part of the autoscaling resource id and of the service's metrics). */
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
export interface EcsServiceSecret {
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

/** A connection the tasks may open, to an address range (see {@link EcsServiceBaseProps.egress}). */
export interface EcsServiceEgress {
  /** What the application calls there, e.g. `SMTP relay of the mail provider`. */
  readonly description: string;
  /** `tcp` or `udp`. */
  readonly protocol: "tcp" | "udp";
  /** First port of the range. */
  readonly fromPort: number;
  /**
   * Last port of the range.
   *
   * @default - `fromPort`
   */
  readonly toPort?: number;
  /** IPv4 ranges of the destination. */
  readonly cidrBlocks: string[];
}

/** Props every kind of ECS service takes ({@link EcsWebService}, {@link EcsQueueProcessingService}). */
export interface EcsServiceBaseProps {
  /**
   * Name of the ECS service. It also names the task definition family, the security group, the log
   * group (`/ecs/<serviceName>`) and the IAM roles (`<serviceName>-task`, `<serviceName>-execution`):
   * at most 54 letters, digits and inner hyphens.
   */
  readonly serviceName: string;

  /** The shared ECS cluster (on EC2 container instances) the service runs on. */
  readonly cluster: EcsServiceCluster;

  /** VPC of the tasks and their security group. */
  readonly vpcId: string;

  /** Private subnets the tasks' network interfaces are placed in (no public IP is ever assigned). */
  readonly subnetIds: string[];

  /**
   * Full URI of the image Terraform first deploys, including the tag, e.g.
   * `123456789012.dkr.ecr.eu-west-1.amazonaws.com/treepli-backend:bootstrap`.
   *
   * Only the INITIAL image: after the first apply, the GitHub deployment workflow owns the image tag
   * (see {@link EcsServiceBase}, "Who owns the image tag").
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

  /** CPU units reserved for a task (1024 = one vCPU), between 128 and 196608. */
  readonly cpu: number;

  /** Memory of a task in MiB (the hard limit: the container is killed above it), at least 128. */
  readonly memory: number;

  /**
   * Command of the container's own health check, e.g. `["CMD", "/app/healthcheck"]`. A command that
   * does not start with `CMD` or `CMD-SHELL` is run directly (`CMD` is put in front). Leave it out for
   * images without a health-check binary (distroless images have no shell). Runs every 30 s (5 s
   * timeout, unhealthy after 3 failures); failures in the first `healthCheckGracePeriodSeconds` (at
   * most 300) do not count.
   *
   * @default - no container health check
   */
  readonly containerHealthCheck?: string[];

  /**
   * Seconds after a task starts during which failing health checks do not count: the container health
   * check's start period (at most 300) and, for a web service, the load balancer's health checks.
   *
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;

  /** Plain environment variables of the container. Values may be tokens (e.g. a database address). */
  readonly environment: Record<string, string>;

  /**
   * Secrets Manager secrets injected as environment variables. The execution role may read these
   * secrets (`secretsmanager:GetSecretValue`) and no others.
   *
   * @default - none
   */
  readonly secrets?: EcsServiceSecret[];

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
   * Seconds ECS waits after SIGTERM before it kills the container (2 to 120).
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
   * Connections the tasks may open besides HTTPS (TCP 443) to anywhere, which every service has: AWS
   * APIs through the NAT gateway and the VPC endpoints, and HTTPS services. Each is an address range
   * and a port range (e.g. an SMTP relay). Destinations inside the VPC that have a security group (the
   * database) are admitted by the stack with {@link EcsServiceBase.allowEgressTo} instead.
   *
   * @default [] (HTTPS only)
   */
  readonly egress?: EcsServiceEgress[];

  /**
   * Statements of the task role's inline policy: what the application itself may do in AWS.
   *
   * @default - no policy; the application may do nothing in AWS
   */
  readonly taskRolePolicyStatements?: PolicyStatement[];
}

/**
 * What a kind of service adds to the base, computed from its own props before the base is built.
 * Only for subclasses ({@link EcsWebService}, {@link EcsQueueProcessingService}).
 */
export interface EcsServiceKind {
  /** Name of the construct class, for error messages (`EcsWebService "api": invalid props: ...`). */
  readonly constructName: string;

  /**
   * Description of the tasks' security group. EC2 cannot change a group's description: changing it
   * replaces the group (and, with it, every rule that refers to it).
   */
  readonly securityGroupDescription: string;

  /**
   * Ports the container publishes (TCP).
   *
   * @default [] - the container publishes no port
   */
  readonly containerPorts?: number[];

  /** Problems with the subclass's own props; reported together with the base's, in one error. */
  readonly problems: string[];
}

/** A target-tracking scaling policy: a predefined metric, or a customized one (metric math). */
export type TargetTrackingMetric =
  | { readonly predefinedMetricType: string; readonly resourceLabel?: string }
  | { readonly customizedMetric: AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification };

/**
 * What every ECS service of the estate has, whatever brings it work: the shared EC2 cluster, and
 *
 * - a task definition in `awsvpc` network mode for EC2 capacity, with one essential container that is
 *   non-privileged, has a read-only root filesystem (task volumes for `writablePaths`), runs an init
 *   process (signals are forwarded, zombies reaped), drops every Linux capability, and logs with
 *   `awslogs` (non-blocking) to its own log group;
 * - an execution role (used by the ECS agent) allowed exactly to pull from the image's ECR repository,
 *   write to the service's log group and read the given secrets, instead of the AWS-managed
 *   `AmazonECSTaskExecutionRolePolicy` (which allows every repository and log group of the account);
 * - a separate task role (used by the application) with only `taskRolePolicyStatements`; both roles
 *   trust `ecs-tasks.amazonaws.com` from this account only (`aws:SourceAccount`);
 * - a security group of its own whose egress is decided here, for every kind of service (ingress is
 *   the kind's business: separate `aws_security_group_rule`s, so a stack may add its own);
 * - the service, placed through the cluster's capacity provider, spread across availability zones then
 *   bin-packed on memory, with rolling deployments (100 % / 200 %) and the deployment circuit breaker
 *   rolling back a deployment that never becomes healthy;
 * - target-tracking autoscaling on CPU, and on memory when configured; a kind adds its own metric.
 *
 * {@link EcsWebService} puts it behind a load balancer; {@link EcsQueueProcessingService} feeds it
 * from an SQS queue.
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
export abstract class EcsServiceBase extends Construct {
  /** The ECS service. */
  public readonly service: EcsService;

  /** The task definition revision Terraform registers (the initial image; see "Who owns the image tag"). */
  public readonly taskDefinition: EcsTaskDefinition;

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

  private readonly name: string;
  private readonly scaleInCooldownSeconds: number;
  private readonly scaleOutCooldownSeconds: number;

  protected constructor(scope: Construct, id: string, props: EcsServiceBaseProps, kind: EcsServiceKind) {
    super(scope, id);
    const containerName = props.containerName ?? "app";
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? true;
    const writablePaths = props.writablePaths ?? [];
    const secrets = props.secrets ?? [];
    const stopTimeoutSeconds = props.stopTimeoutSeconds ?? 30;
    const cpuTargetPercent = props.cpuTargetPercent ?? 60;
    const healthCheckGracePeriodSeconds = props.healthCheckGracePeriodSeconds ?? 60;
    this.scaleInCooldownSeconds = props.scaleInCooldownSeconds ?? 300;
    this.scaleOutCooldownSeconds = props.scaleOutCooldownSeconds ?? 60;
    const egress = props.egress ?? [];
    const containerPorts = kind.containerPorts ?? [];
    this.containerName = containerName;

    const problems = [
      ...baseProblems(props, {
        writablePaths,
        secrets,
        stopTimeoutSeconds,
        cpuTargetPercent,
        healthCheckGracePeriodSeconds,
        scaleInCooldownSeconds: this.scaleInCooldownSeconds,
        scaleOutCooldownSeconds: this.scaleOutCooldownSeconds,
      }),
      ...kind.problems,
    ];
    if (problems.length > 0) {
      throw new Error(`${kind.constructName} "${id}": invalid props:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    }
    const imageRepositoryArn = props.imageRepositoryArn ?? ecrRepositoryArn(kind.constructName, id, props.image);

    const name = props.serviceName;
    this.name = name;
    const region = new DataAwsRegion(this, "region");
    const account = new DataAwsCallerIdentity(this, "account");

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/ecs/${name}`,
      retentionInDays: props.logRetentionDays,
    });

    const roles = this.createRoles(name, props, { imageRepositoryArn, secrets, region, account });
    this.executionRole = roles.executionRole;
    this.taskRole = roles.taskRole;

    this.taskDefinition = this.createTaskDefinition(name, props, {
      containerName,
      containerPorts,
      readonlyRootFilesystem,
      writablePaths,
      secrets,
      stopTimeoutSeconds,
      healthCheckGracePeriodSeconds,
      region,
    });

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${name}-tasks`,
      description: kind.securityGroupDescription,
      vpcId: props.vpcId,
      tags: { Name: `${name}-tasks` },
    });
    // Egress is the same for every kind of service, decided here once: HTTPS anywhere (AWS APIs through
    // the NAT gateway and the endpoints), what the configuration adds, and what the stack admits with
    // allowEgressTo. DNS (the VPC's resolver) and the task metadata endpoint are not filtered by security
    // groups; image pulls, logs and secrets go through the container instance, not the task's interface.
    new SecurityGroupRule(this, "egress-https", {
      type: "egress",
      securityGroupId: this.securityGroup.id,
      description: "HTTPS to AWS APIs (NAT gateway, VPC endpoints) and other HTTPS services",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
    });
    egress.forEach((rule, index) => {
      new SecurityGroupRule(this, `egress-${index}`, {
        type: "egress",
        securityGroupId: this.securityGroup.id,
        description: rule.description,
        protocol: rule.protocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort ?? rule.fromPort,
        cidrBlocks: rule.cidrBlocks,
      });
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
      dependsOn: [roles.executionPolicy, ...roles.taskPolicies],
    });

    this.scalableTarget = new AppautoscalingTarget(this, "scalable-target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.cluster.clusterName}/${this.service.name}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    this.addTargetTracking("cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, cpuTargetPercent);
    if (props.memoryTargetPercent !== undefined) {
      this.addTargetTracking("memory", { predefinedMetricType: "ECSServiceAverageMemoryUtilization" }, props.memoryTargetPercent);
    }
  }

  /**
   * Lets the tasks connect to members of another security group on one TCP port (e.g. the database's),
   * and nowhere else on that port.
   */
  public allowEgressTo(id: string, destination: { securityGroupId: string; port: number; description: string }): SecurityGroupRule {
    return new SecurityGroupRule(this, id, {
      type: "egress",
      securityGroupId: this.securityGroup.id,
      description: destination.description,
      protocol: "tcp",
      fromPort: destination.port,
      toPort: destination.port,
      sourceSecurityGroupId: destination.securityGroupId,
    });
  }

  /** ARN of the ECS service (what a deploy role may update). */
  public get serviceArn(): string {
    return this.service.id;
  }

  /** Name of the ECS service. */
  public get serviceName(): string {
    return this.service.name;
  }

  /** The task definition family the deployment workflow registers revisions of. */
  public get taskDefinitionFamily(): string {
    return this.taskDefinition.family;
  }

  /** The roles a task definition of this service names (what a deploy role must be allowed to pass). */
  public get taskRoleArns(): string[] {
    return [this.taskRole.arn, this.executionRole.arn];
  }

  /**
   * Makes the service wait for more resources, e.g. the listener (rule) forwarding to a web service's
   * target group.
   */
  protected addServiceDependency(...dependencies: ITerraformDependable[]): void {
    this.service.dependsOn = [...(this.service.dependsOn ?? []), ...dependencies.map((dependency) => dependable(dependency))];
  }

  /**
   * Adds a target-tracking policy (named `<serviceName>-<id>`) on the service's task count, with the
   * service's cooldowns. Several policies scale out when any asks to, and in only when all agree.
   */
  protected addTargetTracking(id: string, metric: TargetTrackingMetric, targetValue: number): AppautoscalingPolicy {
    return new AppautoscalingPolicy(this, id, {
      name: `${this.name}-${id}`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: this.scalableTarget.serviceNamespace,
      scalableDimension: this.scalableTarget.scalableDimension,
      resourceId: this.scalableTarget.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        ...("predefinedMetricType" in metric
          ? { predefinedMetricSpecification: { predefinedMetricType: metric.predefinedMetricType, resourceLabel: metric.resourceLabel } }
          : { customizedMetricSpecification: metric.customizedMetric }),
        targetValue,
        scaleInCooldown: this.scaleInCooldownSeconds,
        scaleOutCooldown: this.scaleOutCooldownSeconds,
      },
    });
  }

  /** The task definition: one essential, locked-down container logging to the service's log group. */
  private createTaskDefinition(
    name: string,
    props: EcsServiceBaseProps,
    resolved: {
      containerName: string;
      containerPorts: number[];
      readonlyRootFilesystem: boolean;
      writablePaths: string[];
      secrets: EcsServiceSecret[];
      stopTimeoutSeconds: number;
      healthCheckGracePeriodSeconds: number;
      region: DataAwsRegion;
    },
  ): EcsTaskDefinition {
    const {
      containerName,
      containerPorts,
      readonlyRootFilesystem,
      writablePaths,
      secrets,
      stopTimeoutSeconds,
      healthCheckGracePeriodSeconds,
      region,
    } = resolved;
    const volumes = writablePaths.map((path) => ({ name: volumeName(path), path }));
    const containerDefinition: Record<string, unknown> = {
      name: containerName,
      image: props.image,
      essential: true,
      privileged: false,
      readonlyRootFilesystem,
      ...(props.user !== undefined ? { user: props.user } : {}),
      ...(containerPorts.length > 0
        ? { portMappings: containerPorts.map((port) => ({ containerPort: port, hostPort: port, protocol: "tcp" })) }
        : {}),
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

    return new EcsTaskDefinition(this, "task-definition", {
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
  }

  /** The execution role and the task role, with their inline policies. */
  private createRoles(
    name: string,
    props: EcsServiceBaseProps,
    context: { imageRepositoryArn?: string; secrets: EcsServiceSecret[]; region: DataAwsRegion; account: DataAwsCallerIdentity },
  ): { executionRole: IamRole; taskRole: IamRole; executionPolicy: IamRolePolicy; taskPolicies: ITerraformDependable[] } {
    const { imageRepositoryArn, secrets, region, account } = context;
    // The confused-deputy guard AWS recommends for ECS task roles: only tasks of this account.
    const ecsTasksTrust = policyDocument({
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
    });

    const executionRole = new IamRole(this, "execution-role", {
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
      role: executionRole.id,
      policy: policyDocument(...executionStatements),
    });

    const taskRole = new IamRole(this, "task-role", {
      name: `${name}-task`,
      description: `The application role of ${name}'s tasks`,
      assumeRolePolicy: ecsTasksTrust,
    });
    const taskPolicies: ITerraformDependable[] = [];
    if (props.taskRolePolicyStatements !== undefined && props.taskRolePolicyStatements.length > 0) {
      taskPolicies.push(
        new IamRolePolicy(this, "task-role-policy", {
          name: "application",
          role: taskRole.id,
          policy: policyDocument(...props.taskRolePolicyStatements),
        }),
      );
    }
    return { executionRole, taskRole, executionPolicy, taskPolicies };
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
function ecrRepositoryArn(constructName: string, id: string, image: string): string | undefined {
  if (Token.isUnresolved(image)) {
    throw new Error(
      `${constructName} "${id}": imageRepositoryArn is required when image is a token (${image}); pass the ARN of the ECR repository the image comes from`,
    );
  }
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)/.exec(image);
  if (!match) return undefined;
  const [, account, region, china, repository] = match;
  return `arn:${china ? "aws-cn" : "aws"}:ecr:${region}:${account}:repository/${repository}`;
}

interface Resolved {
  readonly writablePaths: string[];
  readonly secrets: EcsServiceSecret[];
  readonly stopTimeoutSeconds: number;
  readonly cpuTargetPercent: number;
  readonly healthCheckGracePeriodSeconds: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
}

/** Collects problems with an integer prop: outside min..max, or not an integer. Tokens are not judged. */
export function integerProblem(prop: string, value: number | undefined, min: number, max: number, hint = ""): string[] {
  if (value === undefined || Token.isUnresolved(value)) return [];
  if (!Number.isInteger(value) || value < min || value > max)
    return [`${prop} must be an integer from ${min} to ${max}, got ${value}${hint}`];
  return [];
}

/** Checks the props every kind of service shares; returns one line per problem, each naming the prop. */
function baseProblems(props: EcsServiceBaseProps, resolved: Resolved): string[] {
  const problems: string[] = [];
  const known = (value: unknown) => !Token.isUnresolved(value);

  if (known(props.serviceName) && !SERVICE_NAME.test(props.serviceName)) {
    problems.push(
      `serviceName must be 1 to 54 letters, digits and hyphens, not starting or ending with a hyphen (it names the IAM roles), got "${props.serviceName}"`,
    );
  }
  (props.egress ?? []).forEach((rule, index) => {
    problems.push(...integerProblem(`egress[${index}].fromPort`, rule.fromPort, 1, 65535));
    problems.push(...integerProblem(`egress[${index}].toPort`, rule.toPort, rule.fromPort, 65535, " (at least fromPort)"));
    if (rule.cidrBlocks.length === 0) problems.push(`egress[${index}].cidrBlocks must name at least one address range`);
    if (rule.protocol === "tcp" && rule.fromPort <= 443 && (rule.toPort ?? rule.fromPort) >= 443 && rule.cidrBlocks.includes("0.0.0.0/0")) {
      problems.push(`egress[${index}] covers HTTPS to anywhere, which every service already has; leave port 443 out`);
    }
  });
  problems.push(...integerProblem("cpu", props.cpu, 128, 196608, " (CPU units: 1024 = one vCPU)"));
  problems.push(...integerProblem("memory", props.memory, 128, 4194304, " (MiB)"));
  if (known(props.logRetentionDays) && !isLogRetentionDays(props.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${props.logRetentionDays}`);
  }
  problems.push(...integerProblem("minCount", props.minCount, 0, 5000));
  problems.push(...integerProblem("maxCount", props.maxCount, 1, 5000));
  problems.push(...integerProblem("desiredCount", props.desiredCount, 0, 5000));
  if ([props.minCount, props.desiredCount, props.maxCount].every(known)) {
    if (props.minCount > props.maxCount) {
      problems.push(`minCount (${props.minCount}) must not exceed maxCount (${props.maxCount})`);
    } else if (props.desiredCount < props.minCount || props.desiredCount > props.maxCount) {
      problems.push(`desiredCount (${props.desiredCount}) must be between minCount (${props.minCount}) and maxCount (${props.maxCount})`);
    }
  }
  problems.push(...integerProblem("cpuTargetPercent", resolved.cpuTargetPercent, 1, 100));
  problems.push(...integerProblem("memoryTargetPercent", props.memoryTargetPercent, 1, 100));
  problems.push(...integerProblem("scaleInCooldownSeconds", resolved.scaleInCooldownSeconds, 0, 3600));
  problems.push(...integerProblem("scaleOutCooldownSeconds", resolved.scaleOutCooldownSeconds, 0, 3600));
  problems.push(...integerProblem("stopTimeoutSeconds", resolved.stopTimeoutSeconds, 2, 120));
  problems.push(...integerProblem("healthCheckGracePeriodSeconds", resolved.healthCheckGracePeriodSeconds, 0, 2147483647));

  if (props.containerHealthCheck !== undefined && props.containerHealthCheck.length === 0) {
    problems.push("containerHealthCheck must not be empty; leave it out for no container health check");
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
  return problems;
}
