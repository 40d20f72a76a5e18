import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import { EcsAccountSettingDefault } from "@cdktf/provider-aws/lib/ecs-account-setting-default";
import { IamServiceLinkedRole } from "@cdktf/provider-aws/lib/iam-service-linked-role";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Testing } from "cdktf";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { dataSources, environmentStacks, onlyResource, parse, resources, synthEnvironment, testConfig } from "../helpers";

describe("vpc layer", () => {
  test("production spans 3 AZs with a NAT gateway in each", () => {
    const json = parse(Testing.synth(environmentStacks(loadEnvironmentConfig("production")).vpc));
    expect(resources(json, "aws_subnet")).toHaveLength(9);
    expect(resources(json, "aws_nat_gateway")).toHaveLength(3);
    expect(onlyResource(json, "aws_vpc").cidr_block).toBe("10.10.0.0/16");
  });

  test("staging spans 2 AZs sharing one NAT gateway", () => {
    const json = parse(Testing.synth(environmentStacks(loadEnvironmentConfig("staging")).vpc));
    expect(resources(json, "aws_subnet")).toHaveLength(6);
    expect(resources(json, "aws_nat_gateway")).toHaveLength(1);
  });

  test("exposes the network to later layers as outputs", () => {
    const json = parse(Testing.synth(environmentStacks(loadEnvironmentConfig("staging")).vpc));
    expect(Object.keys(json.output ?? {})).toEqual(
      expect.arrayContaining(["vpc_id", "public_subnet_ids", "private_subnet_ids", "isolated_subnet_ids", "nat_public_ips"]),
    );
  });
});

describe("cluster layer", () => {
  const config = loadEnvironmentConfig("production");
  const synthesized = synthEnvironment(config).cluster;
  const json = parse(synthesized);

  test("places container instances in the vpc stack's private subnets, read from its remote state", () => {
    const group = onlyResource(json, "aws_autoscaling_group");
    expect(group.vpc_zone_identifier).toHaveLength(3);
    for (const subnet of group.vpc_zone_identifier) {
      expect(subnet).toMatch(
        /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-production-vpc\.outputs\.cross-stack-output-aws_subnetnetwork_private-subnet-\d_[0-9A-F]+id\}$/,
      );
    }
  });

  test("reads the vpc stack's (and the ops stack's) state from the same environment's bucket and key", () => {
    const remoteState = dataSources(json, "terraform_remote_state");
    expect(remoteState.map((state) => state.config.key).sort()).toEqual(["production/ops.tfstate", "production/vpc.tfstate"]);
    for (const state of remoteState) {
      expect(state).toEqual(
        expect.objectContaining({ backend: "s3", config: expect.objectContaining({ bucket: config.stateBackend.bucket }) }),
      );
    }
  });

  test("sizes the container-instance group from configuration", () => {
    expect(synthesized).toHaveResourceWithProperties(AutoscalingGroup, { min_size: 2, max_size: 10, desired_capacity: 3 });
    expect(synthesized).toHaveResourceWithProperties(LaunchTemplate, { instance_type: "m6i.xlarge" });
  });

  test("names the cluster after the environment", () => {
    expect(onlyResource(json, "aws_ecs_cluster").name).toBe("treepli-production");
  });

  test("an environment that creates the account singletons turns on awsvpc trunking before instances register", () => {
    expect(synthesized).toHaveResourceWithProperties(EcsAccountSettingDefault, { name: "awsvpcTrunking", value: "enabled" });
    const group = onlyResource(json, "aws_autoscaling_group");
    expect(group.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_ecs_account_setting_default\./)]));
  });

  test("no environment manages or looks up the ECS service-linked role: ECS creates it with the cluster, and it may already exist", () => {
    for (const name of ["staging", "production", "local"] as const) {
      const cluster = synthEnvironment(loadEnvironmentConfig(name)).cluster;
      expect(cluster).not.toHaveResource(IamServiceLinkedRole);
      expect(cluster).not.toHaveDataSource(DataAwsIamRole);
      // A role an earlier version created is forgotten, never deleted.
      expect(parse(cluster).removed).toEqual([
        { from: "aws_iam_service_linked_role.ecs-service-linked-role", lifecycle: { destroy: false } },
      ]);
    }
  });

  test("an environment that uses the existing singletons looks the OIDC provider up by its URL and leaves the account setting alone", () => {
    const existing = testConfig("staging", { accountSingletons: { githubOidcProvider: "existing", ecsAccountSettings: "existing" } });
    const synthesizedExisting = synthEnvironment(existing).cluster;
    expect(synthesizedExisting).not.toHaveResource(EcsAccountSettingDefault);
    expect(synthesizedExisting).not.toHaveResource(IamOpenidConnectProvider);
    expect(synthesizedExisting).toHaveDataSourceWithProperties(DataAwsIamOpenidConnectProvider, {
      url: "https://token.actions.githubusercontent.com",
    });
  });

  test("the environment that owns the account's GitHub OIDC provider creates it, once, in the shared layer", () => {
    expect(synthesized).toHaveResourceWithProperties(IamOpenidConnectProvider, {
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  test("exposes the cluster to the service layers as outputs", () => {
    expect(Object.keys(json.output ?? {})).toEqual(expect.arrayContaining(["cluster_name", "cluster_arn", "capacity_provider_name"]));
  });
});
