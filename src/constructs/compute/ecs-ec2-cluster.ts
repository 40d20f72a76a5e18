import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { EcsCapacityProvider } from "@cdktf/provider-aws/lib/ecs-capacity-provider";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Fn, ITerraformDependable, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { policyDocument } from "../iam/policy-document";

/**
 * The ECS agent settings (`/etc/ecs/ecs.config`) that narrow what a task can reach on a container
 * instance that several services share. Settings equal to the agent's default are written anyway, so the
 * launch template states the intent and a changed default in a future AMI does not silently widen it.
 */
export const ECS_AGENT_ISOLATION = {
  /** Refuse privileged containers (every device and capability of the host). */
  ECS_DISABLE_PRIVILEGED: "true",
  /** awsvpc tasks cannot reach the instance metadata service, hence not the instance role's credentials. */
  ECS_AWSVPC_BLOCK_IMDS: "true",
  /** Tasks get their own task role's credentials (through the agent's credential endpoint). */
  ECS_ENABLE_TASK_IAM_ROLE: "true",
  /** A task in host network mode gets no task role credentials (default false). */
  ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST: "false",
  /**
   * The agent's introspection API (every task and container on the instance) stays closed to awsvpc
   * tasks and to anything off the host (default false).
   */
  ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS: "false",
  /**
   * Task definitions may not choose SELinux or AppArmor labels (`dockerSecurityOptions`), such as an
   * unconfined or "super privileged" label (defaults false).
   */
  ECS_SELINUX_CAPABLE: "false",
  ECS_APPARMOR_CAPABLE: "false",
  /**
   * At most this many processes and threads per task (the cgroup's pids.max): a fork bomb or a thread
   * leak in one service cannot exhaust the host's process table under the other. Far above what a Go or
   * Node.js service uses.
   */
  ECS_TASK_PIDS_LIMIT: "4096",
} as const;

/**
 * Group metrics the autoscaling group publishes to CloudWatch every minute (free of charge): what the
 * at-maximum alarm and the dashboard read.
 */
export const AUTOSCALING_GROUP_METRICS = [
  "GroupDesiredCapacity",
  "GroupInServiceInstances",
  "GroupMaxSize",
  "GroupPendingInstances",
] as const;

/** Props of {@link EcsEc2Cluster}. */
export interface EcsEc2ClusterProps {
  /** Name of the ECS cluster; also prefixes the names of its other resources. */
  readonly clusterName: string;

  /** VPC of the container instances. */
  readonly vpcId: string;

  /** Subnets the container instances run in (the private tier). */
  readonly subnetIds: string[];

  /** EC2 instance type of the container instances. */
  readonly instanceType: string;

  /** Fewest container instances. */
  readonly minSize: number;

  /** Most container instances. */
  readonly maxSize: number;

  /** Container instances at creation; afterwards ECS managed scaling owns the number. */
  readonly desiredCapacity: number;

  /**
   * Size of the encrypted gp3 root volume.
   *
   * @default 30
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * The utilization managed scaling aims for.
   *
   * @default 100
   */
  readonly targetCapacityPercent?: number;

  /**
   * Public SSM parameter with the ECS-optimized AMI id.
   *
   * @default "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
   */
  readonly amiSsmParameterName?: string;

  /**
   * Share of the group kept in service while an instance refresh replaces instances.
   *
   * @default 50
   */
  readonly instanceRefreshMinHealthyPercent?: number;

  /**
   * Resources that must exist before the instances and the capacity provider, such as the account's
   * `awsvpcTrunking` setting (instances registered before it is on never get a trunk interface). The
   * capacity provider always waits for the cluster itself, whose creation creates the ECS
   * service-linked role in an account that has none.
   *
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An ECS cluster on EC2 container instances:
 *
 * - the cluster, with Container Insights;
 * - a launch template with the ECS-optimized Amazon Linux 2023 AMI (from the public SSM parameter),
 *   IMDSv2 only with a hop limit of 1, an encrypted root volume, and an agent configuration
 *   ({@link ECS_AGENT_ISOLATION}) that refuses privileged containers, blocks `awsvpc` tasks from the
 *   instance metadata service (so tasks can only use their own task roles, never the instance's) and
 *   from the agent's introspection API, and limits the processes of each task;
 * - an autoscaling group that replaces its instances by a rolling instance refresh whenever the
 *   launch template changes (a new AMI, a new instance type);
 * - an instance role allowed only what the ECS agent needs for this cluster;
 * - a capacity provider with managed scaling, managed termination protection and managed draining,
 *   the cluster's default strategy.
 */
export class EcsEc2Cluster extends Construct {
  /** The ECS cluster. */
  public readonly cluster: EcsCluster;

  /** The capacity provider services should place their tasks with. */
  public readonly capacityProvider: EcsCapacityProvider;

  /** The container instances' autoscaling group. */
  public readonly autoscalingGroup: AutoscalingGroup;

  /** The container instances' launch template. */
  public readonly launchTemplate: LaunchTemplate;

  /** The container instances' role. */
  public readonly instanceRole: IamRole;

  /** Security group of the container instances themselves (no ingress: tasks have their own groups). */
  public readonly instanceSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: EcsEc2ClusterProps) {
    super(scope, id);
    const rootVolumeSizeGiB = props.rootVolumeSizeGiB ?? 30;
    const targetCapacityPercent = props.targetCapacityPercent ?? 100;
    const amiSsmParameterName = props.amiSsmParameterName ?? "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";
    const instanceRefreshMinHealthyPercent = props.instanceRefreshMinHealthyPercent ?? 50;
    if (props.minSize > props.maxSize) {
      throw new Error(`EcsEc2Cluster "${id}": minSize (${props.minSize}) must not exceed maxSize (${props.maxSize})`);
    }
    if (props.desiredCapacity < props.minSize || props.desiredCapacity > props.maxSize) {
      throw new Error(
        `EcsEc2Cluster "${id}": desiredCapacity (${props.desiredCapacity}) must be between minSize (${props.minSize}) and maxSize (${props.maxSize})`,
      );
    }
    const name = (suffix: string) => `${props.clusterName}-${suffix}`;

    this.cluster = new EcsCluster(this, "cluster", {
      name: props.clusterName,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });

    const ami = new DataAwsSsmParameter(this, "ami", { name: amiSsmParameterName });

    const {
      role: instanceRole,
      profileArn: instanceProfileArn,
      policy: instanceRolePolicy,
    } = this.createInstanceRole(props.clusterName, name);
    this.instanceRole = instanceRole;

    this.instanceSecurityGroup = new SecurityGroup(this, "instance-security-group", {
      name: name("container-instances"),
      description:
        "ECS container instances: no ingress (tasks use their own awsvpc security groups); egress to the ECS, ECR and other AWS APIs",
      vpcId: props.vpcId,
      egress: [
        {
          description: "HTTPS to AWS APIs (through the NAT gateway or VPC endpoints)",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
        },
      ],
      tags: { Name: name("container-instances") },
    });

    const agentConfig = [
      `ECS_CLUSTER=${props.clusterName}`,
      ...Object.entries(ECS_AGENT_ISOLATION).map(([name, value]) => `${name}=${value}`),
    ];
    const userData = ["#!/bin/bash", "cat >> /etc/ecs/ecs.config <<'CONFIG'", ...agentConfig, "CONFIG", ""].join("\n");

    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: name("container-instance"),
      description: `ECS container instances of ${props.clusterName}`,
      imageId: ami.value,
      instanceType: props.instanceType,
      iamInstanceProfile: { arn: instanceProfileArn },
      vpcSecurityGroupIds: [this.instanceSecurityGroup.id],
      userData: Fn.base64encode(userData),
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeSize: rootVolumeSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        },
      ],
      monitoring: { enabled: true },
      tagSpecifications: ["instance", "volume"].map((resourceType) => ({
        resourceType,
        tags: { Name: name("container-instance"), Cluster: props.clusterName },
      })),
    });

    this.autoscalingGroup = new AutoscalingGroup(this, "autoscaling-group", {
      name: name("container-instances"),
      vpcZoneIdentifier: props.subnetIds,
      minSize: props.minSize,
      maxSize: props.maxSize,
      desiredCapacity: props.desiredCapacity,
      launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.toString() },
      healthCheckType: "EC2",
      healthCheckGracePeriod: 120,
      defaultInstanceWarmup: 120,
      // Managed termination protection needs it: ECS decides which instances are empty enough to go.
      protectFromScaleIn: true,
      enabledMetrics: [...AUTOSCALING_GROUP_METRICS],
      metricsGranularity: "1Minute",
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: instanceRefreshMinHealthyPercent,
          // Protected instances would otherwise never be replaced; managed draining moves their tasks first.
          scaleInProtectedInstances: "Refresh",
          standbyInstances: "Terminate",
        },
      },
      tag: [
        { key: "Name", value: name("container-instance"), propagateAtLaunch: true },
        { key: "AmazonECSManaged", value: "true", propagateAtLaunch: true },
      ],
      // ECS managed scaling owns the instance count once the group exists.
      lifecycle: { ignoreChanges: ["desired_capacity"] },
      // Instances register with the cluster named in their user data as they boot: the cluster and the
      // role's permission to join it come first (else the agent's first registration fails and it waits
      // for ecs-init to restart it).
      dependsOn: [this.cluster, instanceRolePolicy, ...(props.dependsOn ?? [])],
    });

    this.capacityProvider = new EcsCapacityProvider(this, "capacity-provider", {
      name: name("ec2"),
      autoScalingGroupProvider: {
        autoScalingGroupArn: this.autoscalingGroup.arn,
        managedTerminationProtection: "ENABLED",
        managedDraining: "ENABLED",
        managedScaling: {
          status: "ENABLED",
          targetCapacity: targetCapacityPercent,
          minimumScalingStepSize: 1,
          maximumScalingStepSize: Math.max(1, Math.min(10, props.maxSize)),
          instanceWarmupPeriod: 120,
        },
      },
      // ECS refuses a capacity provider while the account has no ECS service-linked role
      // ("The ECS Service Linked Role does not exist"), and in a fresh account CreateCluster is what
      // creates that role: the cluster must come first.
      dependsOn: [this.cluster, ...(props.dependsOn ?? [])],
    });

    new EcsClusterCapacityProviders(this, "cluster-capacity-providers", {
      clusterName: this.cluster.name,
      capacityProviders: [this.capacityProvider.name],
      defaultCapacityProviderStrategy: [{ capacityProvider: this.capacityProvider.name, weight: 1, base: 0 }],
    });
  }

  /**
   * The container instances' role and instance profile. The inline policy keeps every call the ECS
   * agent makes that AWS's managed AmazonEC2ContainerServiceforEC2Role (v10, 2026-02-12) allows,
   * scoped to this cluster, and leaves out what the estate does not need:
   *
   * - `ecs:CreateCluster` and its tagging: the agent creates a cluster only when `ECS_CLUSTER` names
   *   none that exists; here the cluster exists before any instance (Terraform creates it);
   * - ECR pulls and CloudWatch Logs writes: every task has an execution role, which the agent uses to
   *   pull the task's image and hands to the awslogs driver (`awslogs-credentials-endpoint`).
   *
   * The test of this construct lists each action of the managed policy with the reason for its scope.
   */
  private createInstanceRole(
    clusterName: string,
    name: (suffix: string) => string,
  ): { role: IamRole; profileArn: string; policy: IamRolePolicy } {
    const role = new IamRole(this, "instance-role", {
      name: name("container-instance"),
      description: `Lets EC2 container instances join the ${clusterName} ECS cluster`,
      assumeRolePolicy: policyDocument({
        Effect: "Allow",
        Principal: { Service: "ec2.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
    });
    // ARNs of this cluster's container instances and tasks (`...:container-instance/<cluster>/<id>`).
    // Locals keep the policy JSON free of quoted function arguments, so it stays readable (and parseable).
    const clusterChild = (local: string, type: string) =>
      `${new TerraformLocal(this, local, Fn.replace(this.cluster.arn, ":cluster/", `:${type}/`)).asString}/*`;
    const containerInstances = clusterChild("container_instance_arns", "container-instance");
    const tasks = clusterChild("task_arns", "task");
    const policy = new IamRolePolicy(this, "instance-role-policy", {
      name: "ecs-agent",
      role: role.id,
      policy: policyDocument(
        {
          Sid: "JoinCluster",
          Effect: "Allow",
          Action: ["ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance"],
          Resource: this.cluster.arn,
        },
        {
          Sid: "RunAsContainerInstance",
          Effect: "Allow",
          Action: [
            "ecs:Poll",
            "ecs:StartTelemetrySession",
            "ecs:SubmitContainerStateChange",
            "ecs:SubmitTaskStateChange",
            "ecs:SubmitAttachmentStateChanges",
            "ecs:UpdateContainerInstancesState",
          ],
          Resource: [this.cluster.arn, containerInstances],
        },
        {
          Sid: "TagOwnRegistration",
          Effect: "Allow",
          Action: "ecs:TagResource",
          Resource: containerInstances,
          Condition: { StringEquals: { "ecs:CreateAction": "RegisterContainerInstance" } },
        },
        {
          // The task metadata endpoint's `/taskWithTags` answers with the task's and the container
          // instance's tags, which the agent reads with the instance's credentials.
          Sid: "ReadTagsForTaskMetadata",
          Effect: "Allow",
          Action: "ecs:ListTagsForResource",
          Resource: [tasks, containerInstances],
        },
        {
          Sid: "DiscoverEndpoints",
          Effect: "Allow",
          // Neither action supports resource-level permissions: AWS accepts only "*" here.
          // DescribeTags reads the instance's own EC2 tags (ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM).
          Action: ["ecs:DiscoverPollEndpoint", "ec2:DescribeTags"],
          Resource: "*",
        },
      ),
    });
    const profile = new IamInstanceProfile(this, "instance-profile", {
      name: name("container-instance"),
      role: role.name,
    });
    return { role, profileArn: profile.arn, policy };
  }
}
