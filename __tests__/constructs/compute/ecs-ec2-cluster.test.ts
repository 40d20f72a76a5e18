import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { EcsCapacityProvider } from "@cdktf/provider-aws/lib/ecs-capacity-provider";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Testing } from "cdktf";
import { EcsEc2Cluster, EcsEc2ClusterProps } from "../../../src/constructs/compute/ecs-ec2-cluster";
import { onlyResource, parse, policy, resources, TerraformJson } from "../../helpers";

const baseProps: EcsEc2ClusterProps = {
  clusterName: "treepli-test",
  vpcId: "vpc-123",
  subnetIds: ["subnet-a", "subnet-b"],
  instanceType: "m6i.large",
  minSize: 1,
  maxSize: 4,
  desiredCapacity: 2,
};

function synthCluster(props: Partial<EcsEc2ClusterProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new EcsEc2Cluster(scope, "cluster", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

/** The user data script: the literal inside `${base64encode("...")}`. */
function userData(json: TerraformJson): string {
  const expression: string = onlyResource(json, "aws_launch_template").user_data;
  const literal = /^\$\{base64encode\((".*")\)\}$/s.exec(expression);
  if (!literal) throw new Error(`user_data is not a base64encode() of a literal: ${expression}`);
  return JSON.parse(literal[1]);
}

describe("EcsEc2Cluster", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthCluster();

    test("THEN Container Insights is on", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsCluster, {
        name: "treepli-test",
        setting: [{ name: "containerInsights", value: "enabled" }],
      });
    });

    test("THEN instances boot the ECS-optimized Amazon Linux 2023 AMI from the public SSM parameter", () => {
      expect(synthesized).toHaveDataSourceWithProperties(DataAwsSsmParameter, {
        name: "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
      });
      expect(onlyResource(json, "aws_launch_template").image_id).toMatch(/^\$\{data\.aws_ssm_parameter\.[^.]+\.value\}$/);
    });

    test("THEN the metadata service requires IMDSv2 tokens with a hop limit of 1", () => {
      expect(synthesized).toHaveResourceWithProperties(LaunchTemplate, {
        metadata_options: expect.objectContaining({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 }),
      });
    });

    test("THEN the root volume is encrypted gp3 of 30 GiB", () => {
      expect(synthesized).toHaveResourceWithProperties(LaunchTemplate, {
        block_device_mappings: [
          { device_name: "/dev/xvda", ebs: expect.objectContaining({ encrypted: "true", volume_type: "gp3", volume_size: 30 }) },
        ],
      });
    });

    test("THEN the agent joins this cluster and blocks awsvpc tasks from the instance metadata service", () => {
      const script = userData(json);
      expect(script).toMatch(/^#!\/bin\/bash\n/);
      expect(script).toContain("\nECS_CLUSTER=treepli-test\n");
      expect(script).toContain("\nECS_AWSVPC_BLOCK_IMDS=true\n");
      expect(script).toContain("/etc/ecs/ecs.config");
    });

    test("THEN the group runs in the given subnets, protected from scale-in for managed termination protection", () => {
      expect(synthesized).toHaveResourceWithProperties(AutoscalingGroup, {
        vpc_zone_identifier: ["subnet-a", "subnet-b"],
        min_size: 1,
        max_size: 4,
        desired_capacity: 2,
        protect_from_scale_in: true,
      });
    });

    test("THEN Terraform leaves the instance count to ECS managed scaling after creation", () => {
      expect(onlyResource(json, "aws_autoscaling_group").lifecycle).toEqual({ ignore_changes: ["desired_capacity"] });
    });

    test("THEN a launch template change rolls the instances by an instance refresh that also replaces protected instances", () => {
      const group = onlyResource(json, "aws_autoscaling_group");
      expect(group.launch_template).toEqual({
        id: expect.stringMatching(/^\$\{aws_launch_template\.[^.]+\.id\}$/),
        version: expect.stringMatching(/^\$\{aws_launch_template\.[^.]+\.latest_version\}$/),
      });
      expect(group.instance_refresh).toEqual({
        strategy: "Rolling",
        preferences: expect.objectContaining({ min_healthy_percentage: 50, scale_in_protected_instances: "Refresh" }),
      });
    });

    test("THEN the capacity provider scales the group, protects busy instances and drains before termination", () => {
      expect(synthesized).toHaveResourceWithProperties(EcsCapacityProvider, {
        auto_scaling_group_provider: expect.objectContaining({
          managed_termination_protection: "ENABLED",
          managed_draining: "ENABLED",
          managed_scaling: expect.objectContaining({ status: "ENABLED", target_capacity: 100 }),
        }),
      });
    });

    test("THEN the capacity provider is the cluster's only and default strategy", () => {
      const providers = onlyResource(json, "aws_ecs_cluster_capacity_providers");
      expect(providers.capacity_providers).toEqual([expect.stringMatching(/^\$\{aws_ecs_capacity_provider\.[^.]+\.name\}$/)]);
      expect(synthesized).toHaveResourceWithProperties(EcsClusterCapacityProviders, {
        default_capacity_provider_strategy: [{ capacity_provider: providers.capacity_providers[0], weight: 1, base: 0 }],
      });
    });

    test("THEN the instance role carries no managed policy, and wildcards only where AWS allows nothing else", () => {
      expect(resources(json, "aws_iam_role_policy_attachment")).toEqual([]);
      expect(onlyResource(json, "aws_iam_role").managed_policy_arns).toBeUndefined();
      const statements = policy(onlyResource(json, "aws_iam_role_policy").policy).Statement;
      for (const statement of statements) {
        expect(statement.Effect).toBe("Allow");
        expect([statement.Action].flat().every((action: string) => !action.includes("*"))).toBe(true);
        if ([statement.Resource].flat().includes("*")) {
          expect([statement.Action].flat().sort()).toEqual(["ec2:DescribeTags", "ecs:DiscoverPollEndpoint"]);
        }
      }
      const join = statements.find((s) => s.Sid === "JoinCluster");
      expect(join.Resource).toMatch(/^\$\{aws_ecs_cluster\.[^.]+\.arn\}$/);
    });

    test("THEN the instance role keeps every call of AmazonEC2ContainerServiceforEC2Role the agent makes here, each scoped as narrowly as AWS allows", () => {
      // Every action of AWS's managed policy for container instances (policy version v10, 2026-02-12),
      // with the scope this cluster's role grants it and why; `null` where it is deliberately left out.
      const expected: Record<string, { scope: string[] | null; reason: string }> = {
        "ecs:RegisterContainerInstance": { scope: ["cluster"], reason: "an instance joins this cluster (resource type: cluster)" },
        "ecs:DeregisterContainerInstance": { scope: ["cluster"], reason: "an instance leaves this cluster (resource type: cluster)" },
        "ecs:Poll": { scope: ["cluster", "container-instance"], reason: "the agent polls for its own work (container instance)" },
        "ecs:StartTelemetrySession": { scope: ["cluster", "container-instance"], reason: "metrics of its own container instance" },
        "ecs:UpdateContainerInstancesState": { scope: ["cluster", "container-instance"], reason: "drains its own container instance" },
        "ecs:SubmitContainerStateChange": {
          scope: ["cluster", "container-instance"],
          reason: "reports container states to this cluster (ecs:Submit*)",
        },
        "ecs:SubmitTaskStateChange": {
          scope: ["cluster", "container-instance"],
          reason: "reports task states to this cluster (ecs:Submit*)",
        },
        "ecs:SubmitAttachmentStateChanges": {
          scope: ["cluster", "container-instance"],
          reason: "reports awsvpc ENI attachments (ecs:Submit*)",
        },
        "ecs:TagResource": {
          scope: ["container-instance"],
          reason: "tags its own registration only (ecs:CreateAction = RegisterContainerInstance)",
        },
        "ecs:ListTagsForResource": {
          scope: ["task", "container-instance"],
          reason: "the task metadata endpoint's taskWithTags reads these tags",
        },
        "ecs:DiscoverPollEndpoint": { scope: ["*"], reason: "supports no resource-level permission" },
        "ec2:DescribeTags": { scope: ["*"], reason: "supports no resource-level permission" },
        "ecs:CreateCluster": { scope: null, reason: "Terraform creates the cluster before any instance; ECS_CLUSTER names it" },
        "ecr:GetAuthorizationToken": { scope: null, reason: "images are pulled with each task's execution role" },
        "ecr:BatchCheckLayerAvailability": { scope: null, reason: "images are pulled with each task's execution role" },
        "ecr:GetDownloadUrlForLayer": { scope: null, reason: "images are pulled with each task's execution role" },
        "ecr:BatchGetImage": { scope: null, reason: "images are pulled with each task's execution role" },
        "logs:CreateLogStream": { scope: null, reason: "the awslogs driver gets the execution role's credentials" },
        "logs:PutLogEvents": { scope: null, reason: "the awslogs driver gets the execution role's credentials" },
      };
      const statements = policy(onlyResource(json, "aws_iam_role_policy").policy).Statement;
      const cluster = onlyResource(json, "aws_ecs_cluster");
      expect(cluster).toBeDefined();
      // What a Resource names: this cluster, or a local that derives its children's ARNs from the cluster's.
      const scopeOf = (resource: string): string => {
        if (resource === "*") return "*";
        if (/^\$\{aws_ecs_cluster\.[^.]+\.arn\}$/.test(resource)) return "cluster";
        const local = /^\$\{local\.([^}]+)\}\/\*$/.exec(resource);
        const derived =
          local && /^\$\{replace\(aws_ecs_cluster\.[^.]+\.arn, ":cluster\/", ":([a-z-]+)\/"\)\}$/.exec(json.locals?.[local[1]] ?? "");
        if (!derived) throw new Error(`unexpected resource ${resource}`);
        return derived[1];
      };
      const granted: Record<string, string[]> = {};
      for (const statement of statements) {
        for (const action of [statement.Action].flat()) {
          granted[action] = [...(granted[action] ?? []), ...[statement.Resource].flat().map(scopeOf)].sort();
        }
      }
      const wanted = Object.fromEntries(
        Object.entries(expected)
          .filter(([, { scope }]) => scope !== null)
          .map(([action, { scope }]) => [action, [...(scope as string[])].sort()]),
      );
      expect(granted).toEqual(wanted);
      const tagging = statements.find((s) => [s.Action].flat().includes("ecs:TagResource"));
      expect(tagging.Condition).toEqual({ StringEquals: { "ecs:CreateAction": "RegisterContainerInstance" } });
    });

    test("THEN the capacity provider is created after the cluster, whose creation makes the ECS service-linked role in a fresh account", () => {
      expect(onlyResource(json, "aws_ecs_capacity_provider").depends_on).toEqual([expect.stringMatching(/^aws_ecs_cluster\./)]);
    });

    test("THEN instances boot only once the cluster they join and their permission to join it exist", () => {
      expect(onlyResource(json, "aws_autoscaling_group").depends_on).toEqual(
        expect.arrayContaining([expect.stringMatching(/^aws_ecs_cluster\./), expect.stringMatching(/^aws_iam_role_policy\./)]),
      );
    });

    test("THEN the instance role is for EC2 only and the instances get it through their profile", () => {
      expect(policy(onlyResource(json, "aws_iam_role").assume_role_policy).Statement).toEqual([
        expect.objectContaining({ Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }),
      ]);
      expect(onlyResource(json, "aws_launch_template").iam_instance_profile.arn).toMatch(/^\$\{aws_iam_instance_profile\./);
    });

    test("THEN the instances' security group admits nothing", () => {
      expect(onlyResource(json, "aws_security_group").ingress).toBeUndefined();
    });
  });

  describe("GIVEN explicit sizes and settings", () => {
    const { synthesized } = synthCluster({
      rootVolumeSizeGiB: 80,
      targetCapacityPercent: 75,
      amiSsmParameterName: "/custom/ami",
      instanceRefreshMinHealthyPercent: 90,
    });

    test("THEN they reach the launch template, group and capacity provider", () => {
      expect(synthesized).toHaveResourceWithProperties(LaunchTemplate, {
        block_device_mappings: [expect.objectContaining({ ebs: expect.objectContaining({ volume_size: 80 }) })],
      });
      expect(synthesized).toHaveResourceWithProperties(EcsCapacityProvider, {
        auto_scaling_group_provider: expect.objectContaining({ managed_scaling: expect.objectContaining({ target_capacity: 75 }) }),
      });
      expect(synthesized).toHaveDataSourceWithProperties(DataAwsSsmParameter, { name: "/custom/ami" });
      expect(synthesized).toHaveResourceWithProperties(AutoscalingGroup, {
        instance_refresh: expect.objectContaining({ preferences: expect.objectContaining({ min_healthy_percentage: 90 }) }),
      });
    });
  });

  describe("GIVEN inconsistent sizes", () => {
    test("THEN construction fails naming the props", () => {
      expect(() => synthCluster({ minSize: 3, maxSize: 2, desiredCapacity: 2 })).toThrow(/minSize \(3\) must not exceed maxSize \(2\)/);
      expect(() => synthCluster({ desiredCapacity: 9 })).toThrow(/desiredCapacity \(9\) must be between minSize \(1\) and maxSize \(4\)/);
    });
  });
});
