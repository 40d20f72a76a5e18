import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import { EcsAccountSettingDefault } from "@cdktf/provider-aws/lib/ecs-account-setting-default";
import { IamServiceLinkedRole } from "@cdktf/provider-aws/lib/iam-service-linked-role";
import { ITerraformDependable, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { EcsEc2Cluster } from "../constructs/compute/ecs-ec2-cluster";
import { GithubOidcProvider } from "../constructs/delivery/github-oidc-provider";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { NetworkRefs } from "./vpc-stack";

/** What the service layers use of the cluster (tokens; see {@link NetworkRefs}). */
export interface ClusterRefs {
  /** Name of the shared ECS cluster. */
  readonly clusterName: string;
  /** ARN of the shared ECS cluster. */
  readonly clusterArn: string;
  /** The capacity provider services place their tasks with. */
  readonly capacityProviderName: string;
  /** ARN of the ECS service-linked role, which registers the services' targets in their load balancers. */
  readonly serviceLinkedRoleArn: string;
  /** ARN of the account's GitHub Actions OIDC provider, which both services' deploy roles trust. */
  readonly githubOidcProviderArn: string;
}

/** Props of {@link ClusterStack}. */
export interface ClusterStackProps extends EnvironmentStackProps {
  /** The network from the vpc stack. */
  readonly network: NetworkRefs;
}

/**
 * `<environment>-cluster`: the ECS cluster and container instances both services share, and the
 * account's GitHub Actions OIDC provider both services' deploy roles trust (the shared layer both
 * service stacks already depend on).
 */
export class ClusterStack extends EnvironmentStack {
  /** The cluster, for the service layers. */
  public readonly cluster: ClusterRefs;

  constructor(scope: Construct, props: ClusterStackProps) {
    super(scope, "cluster", props);
    const { config, network } = props;
    const singletons = config.accountSingletons;
    const prerequisites: ITerraformDependable[] = [];

    // The service-linked role exists once per account: created by the one environment that owns it,
    // looked up (which also proves it exists) by the others.
    let serviceLinkedRoleArn: string;
    if (singletons.ecsServiceLinkedRole === "create") {
      const role = new IamServiceLinkedRole(this, "ecs-service-linked-role", {
        awsServiceName: "ecs.amazonaws.com",
        description: "Lets ECS manage the cluster's load balancer targets, ENIs and capacity providers",
      });
      serviceLinkedRoleArn = role.arn;
      prerequisites.push(role);
    } else {
      serviceLinkedRoleArn = new DataAwsIamRole(this, "ecs-service-linked-role", { name: "AWSServiceRoleForECS" }).arn;
    }

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

    const githubOidcProvider = new GithubOidcProvider(this, "github-oidc", { mode: singletons.githubOidcProvider });

    this.cluster = {
      clusterName: cluster.cluster.name,
      clusterArn: cluster.cluster.arn,
      capacityProviderName: cluster.capacityProvider.name,
      serviceLinkedRoleArn,
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
