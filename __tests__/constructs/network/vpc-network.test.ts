import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Testing } from "cdktf";
import { VpcNetwork, VpcNetworkProps } from "../../../src/constructs/network/vpc-network";
import { onlyResource, parse, policy, resources, TerraformJson } from "../../helpers";

const baseProps: VpcNetworkProps = { namePrefix: "treepli-test", cidr: "10.0.0.0/16", accountId: "123456789012", region: "eu-west-1" };

function synthNetwork(props: Partial<VpcNetworkProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new VpcNetwork(scope, "network", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

/** Resource key of a Terraform reference like `${aws_route_table.x.id}`. */
const referenced = (expression: string) => expression.replace(/^\$\{[a-z0-9_]+\.([^.]+)\.[a-z_]+\}$/, "$1");

/** The subnets of a tier (by their Tier tag), keyed by their resource key. */
function subnetsOfTier(json: TerraformJson, tier: string): Record<string, any> {
  return Object.fromEntries(Object.entries(json.resource.aws_subnet).filter(([, subnet]) => subnet.tags.Tier === tier));
}

/** The routes of the route table each subnet of a tier is associated with. */
function routesOfTier(json: TerraformJson, tier: string): any[][] {
  const subnetKeys = Object.keys(subnetsOfTier(json, tier));
  const associations = resources(json, "aws_route_table_association").filter((a) => subnetKeys.includes(referenced(a.subnet_id)));
  expect(associations).toHaveLength(subnetKeys.length);
  return associations.map((a) =>
    resources(json, "aws_route").filter((route) => referenced(route.route_table_id) === referenced(a.route_table_id)),
  );
}

describe("VpcNetwork", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthNetwork();

    test("THEN each tier has one subnet per AZ (2), in distinct AZs, none handing out public IPs", () => {
      for (const tier of ["public", "private", "isolated"]) {
        const subnets = Object.values(subnetsOfTier(json, tier));
        expect(subnets).toHaveLength(2);
        expect(new Set(subnets.map((s) => s.availability_zone)).size).toBe(2);
        for (const subnet of subnets) expect(subnet.map_public_ip_on_launch).toBe(false);
      }
    });

    test("THEN the AZs come from the region's available zones, not hard-coded names", () => {
      for (const subnet of resources(json, "aws_subnet")) {
        expect(subnet.availability_zone).toMatch(/^\$\{element\(data\.aws_availability_zones\.[^.]+\.names, \d\)\}$/);
      }
    });

    test("THEN public subnets route to the internet gateway", () => {
      for (const routes of routesOfTier(json, "public")) {
        expect(routes).toEqual([
          expect.objectContaining({
            destination_cidr_block: "0.0.0.0/0",
            gateway_id: expect.stringMatching(/^\$\{aws_internet_gateway\./),
          }),
        ]);
      }
    });

    test("THEN each private subnet routes to the NAT gateway in its own AZ", () => {
      const natGateways = Object.entries(json.resource.aws_nat_gateway);
      expect(natGateways).toHaveLength(2);
      const routes = routesOfTier(json, "private");
      const natOfRoute = routes.map((r) => {
        expect(r).toHaveLength(1);
        expect(r[0].destination_cidr_block).toBe("0.0.0.0/0");
        return referenced(r[0].nat_gateway_id);
      });
      expect(new Set(natOfRoute).size).toBe(2);
      // Each NAT gateway lives in the public subnet of the same AZ index as the private subnet using it.
      const privateSubnets = Object.values(subnetsOfTier(json, "private"));
      natOfRoute.forEach((natKey, az) => {
        const nat = json.resource.aws_nat_gateway[natKey];
        const publicSubnet = json.resource.aws_subnet[referenced(nat.subnet_id)];
        expect(publicSubnet.tags.Tier).toBe("public");
        expect(publicSubnet.availability_zone).toBe(privateSubnets[az].availability_zone);
      });
    });

    test("THEN isolated subnets have no route out of the VPC", () => {
      for (const routes of routesOfTier(json, "isolated")) expect(routes).toEqual([]);
      expect(resources(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Gateway")[0].route_table_ids).toHaveLength(2);
    });

    test("THEN S3 is reached through a gateway endpoint on the private route tables", () => {
      expect(synthesized).toHaveResourceWithProperties(VpcEndpoint, {
        service_name: "com.amazonaws.eu-west-1.s3",
        vpc_endpoint_type: "Gateway",
        route_table_ids: expect.arrayContaining([expect.stringMatching(/aws_route_table\.network_private-route-table-0/)]),
      });
    });

    test("THEN ECR (api, dkr) and CloudWatch Logs are reached through interface endpoints with private DNS in the private subnets", () => {
      const interfaceEndpoints = resources(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
      expect(interfaceEndpoints.map((e) => e.service_name).sort()).toEqual([
        "com.amazonaws.eu-west-1.ecr.api",
        "com.amazonaws.eu-west-1.ecr.dkr",
        "com.amazonaws.eu-west-1.logs",
      ]);
      const privateSubnetKeys = Object.keys(subnetsOfTier(json, "private"));
      for (const endpoint of interfaceEndpoints) {
        expect(endpoint.private_dns_enabled).toBe(true);
        expect(endpoint.subnet_ids.map(referenced).sort()).toEqual(privateSubnetKeys.sort());
      }
    });

    test("THEN the interface endpoints admit only HTTPS from inside the VPC", () => {
      const group = onlyResource(json, "aws_security_group");
      expect(group.ingress).toEqual([
        expect.objectContaining({ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/16"] }),
      ]);
    });

    test("THEN all traffic is recorded by flow logs kept for 90 days", () => {
      expect(synthesized).toHaveResourceWithProperties(FlowLog, { traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 90 });
    });

    test("THEN the flow-log role may only write to its own log group, and only flow logs of this account may assume it", () => {
      const role = onlyResource(json, "aws_iam_role");
      const trust = policy(role.assume_role_policy).Statement;
      expect(trust).toEqual([
        expect.objectContaining({
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        }),
      ]);
      const statements = policy(onlyResource(json, "aws_iam_role_policy").policy).Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0].Resource).toEqual([
        expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}$/),
        expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}:\*$/),
      ]);
    });

    test("THEN the default security group is stripped of every rule", () => {
      expect(synthesized).toHaveResourceWithProperties(DefaultSecurityGroup, { ingress: [], egress: [] });
    });
  });

  describe("GIVEN a single NAT gateway", () => {
    const { json } = synthNetwork({ natGateways: "single", azCount: 3 });

    test("THEN every private subnet routes through the one NAT gateway", () => {
      expect(resources(json, "aws_nat_gateway")).toHaveLength(1);
      const nats = routesOfTier(json, "private").map((routes) => referenced(routes[0].nat_gateway_id));
      expect(nats).toHaveLength(3);
      expect(new Set(nats).size).toBe(1);
    });
  });

  describe("GIVEN 3 AZs, other endpoints and a retention", () => {
    const { synthesized, json } = synthNetwork({
      azCount: 3,
      interfaceEndpoints: ["ecr.api", "secretsmanager"],
      flowLogRetentionDays: 365,
    });

    test("THEN there are 3 subnets per tier and 3 NAT gateways", () => {
      expect(resources(json, "aws_subnet")).toHaveLength(9);
      expect(resources(json, "aws_nat_gateway")).toHaveLength(3);
    });

    test("THEN exactly the configured interface endpoints exist", () => {
      const services = resources(json, "aws_vpc_endpoint")
        .filter((e) => e.vpc_endpoint_type === "Interface")
        .map((e) => e.service_name);
      expect(services.sort()).toEqual(["com.amazonaws.eu-west-1.ecr.api", "com.amazonaws.eu-west-1.secretsmanager"]);
    });

    test("THEN the flow logs are kept as configured", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 365 });
    });
  });
});
