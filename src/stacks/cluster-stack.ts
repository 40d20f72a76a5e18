import { EcsAccountSettingDefault } from "@cdktf/provider-aws/lib/ecs-account-setting-default";
import { ITerraformDependable, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { EcsEc2Cluster } from "../constructs/compute/ecs-ec2-cluster";
import { GithubOidcProvider } from "../constructs/delivery/github-oidc-provider";
import { HostAccessRegistrationAlert } from "../constructs/ops/host-access-registration-alert";
import { AutoscalingGroupAlarms } from "../constructs/observability/autoscaling-group-alarms";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { alarmProps, LayerMonitoring } from "./monitoring";
import { OpsRefs } from "./ops-stack";
import { NetworkRefs } from "./vpc-stack";

/** What the service layers use of the cluster (tokens; see {@link NetworkRefs}). */
export interface ClusterRefs {
  /** Name of the shared ECS cluster. */
  readonly clusterName: string;
  /** ARN of the shared ECS cluster. */
  readonly clusterArn: string;
  /** The capacity provider services place their tasks with. */
  readonly capacityProviderName: string;
  /** ARN of the account's GitHub Actions OIDC provider, which both services' deploy roles trust. */
  readonly githubOidcProviderArn: string;
}

/** Props of {@link ClusterStack}. */
export interface ClusterStackProps extends EnvironmentStackProps {
  /** The keys and topics of the ops stack (the detection of host access and the instances' alarm notify its topic). */
  readonly ops: OpsRefs;
  /** The network from the vpc stack. */
  readonly network: NetworkRefs;
}

/**
 * `<environment>-cluster`: the ECS cluster and container instances both services share, and the
 * account's GitHub Actions OIDC provider both services' deploy roles trust (the shared layer both
 * service stacks already depend on).
 *
 * The ECS service-linked role (`AWSServiceRoleForECS`) is deliberately not managed here: it exists
 * once per account, already exists in any account that has used ECS (so creating it fails there), and
 * `CreateCluster` creates it in an account that has none. The capacity provider, which ECS refuses
 * while the role is missing, is therefore created after the cluster (see {@link EcsEc2Cluster}).
 * Nothing in the estate needs the role's ARN. See docs/decisions.md.
 *
 * Both services share the container instances: the agent refuses privileged containers and keeps tasks
 * away from the instance's metadata and its own API ({@link EcsEc2Cluster}), and a rule notifies the
 * operations topic of any task definition registered with host access ({@link HostAccessRegistrationAlert}).
 */
export class ClusterStack extends EnvironmentStack {
  /** The cluster, for the service layers. */
  public readonly cluster: ClusterRefs;

  /** The container instances' alarm, for the dashboard. */
  public readonly monitoring: LayerMonitoring;

  constructor(scope: Construct, props: ClusterStackProps) {
    super(scope, "cluster", props);
    const { config, ops, network } = props;
    const singletons = config.accountSingletons;
    const prerequisites: ITerraformDependable[] = [];

    // An earlier version created the ECS service-linked role here. Should any state still hold it,
    // Terraform forgets it rather than deleting a role every ECS resource of the account relies on.
    this.addOverride("removed", [{ from: "aws_iam_service_linked_role.ecs-service-linked-role", lifecycle: { destroy: false } }]);

    // ENI trunking raises the number of awsvpc tasks per instance from (ENIs - 1) to the trunk's limit.
    // It is an account setting, applied to instances registered after it is on.
    if (singletons.ecsAccountSettings === "create") {
      prerequisites.push(new EcsAccountSettingDefault(this, "awsvpc-trunking", { name: "awsvpcTrunking", value: "enabled" }));
    }

    const cluster = new EcsEc2Cluster(this, "cluster", {
      clusterName: `treepli-${config.name}`,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      instanceType: config.cluster.instanceType,
      minSize: config.cluster.minSize,
      maxSize: config.cluster.maxSize,
      desiredCapacity: config.cluster.desiredCapacity,
      rootVolumeSizeGiB: config.cluster.rootVolumeSizeGiB,
      targetCapacityPercent: config.cluster.targetCapacityPercent,
      amiSsmParameterName: config.cluster.amiSsmParameterName,
      instanceRefreshMinHealthyPercent: config.cluster.instanceRefreshMinHealthyPercent,
      dependsOn: prerequisites,
    });

    const instanceAlarms = new AutoscalingGroupAlarms(this, "instances-alarms", {
      ...alarmProps(this, ops, `treepli-${config.name}-instances`, `Container instances (treepli-${config.name}-container-instances)`),
      autoScalingGroupName: cluster.autoscalingGroup.name,
      maxSize: config.cluster.maxSize,
      atMaxSize: config.observability.alarms.cluster.atMaxSize,
    });
    this.monitoring = { otherRows: [{ title: "Cluster: the container instances every service runs on", panels: [instanceAlarms.panel] }] };

    const githubOidcProvider = new GithubOidcProvider(this, "github-oidc", { mode: singletons.githubOidcProvider });

    // What the agent cannot refuse and IAM cannot scope (host namespaces, host paths, devices) is detected.
    new HostAccessRegistrationAlert(this, "host-access-alert", {
      ruleName: `treepli-${config.name}-host-access-task-definition`,
      topicArn: ops.topicArn,
    });

    this.cluster = {
      clusterName: cluster.cluster.name,
      clusterArn: cluster.cluster.arn,
      capacityProviderName: cluster.capacityProvider.name,
      githubOidcProviderArn: githubOidcProvider.arn,
    };

    new TerraformOutput(this, "cluster_name", { description: "Name of the shared ECS cluster", value: this.cluster.clusterName });
    new TerraformOutput(this, "cluster_arn", { description: "ARN of the shared ECS cluster", value: this.cluster.clusterArn });
    new TerraformOutput(this, "capacity_provider_name", {
      description: "Capacity provider services place their tasks with",
      value: this.cluster.capacityProviderName,
    });
    new TerraformOutput(this, "autoscaling_group_name", {
      description: "Autoscaling group of the container instances",
      value: cluster.autoscalingGroup.name,
    });
  }
}
