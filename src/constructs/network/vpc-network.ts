import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, serviceRoleTrust } from "../iam/policy-document";
import { SUBNET_TIERS, SubnetTier, subnetLayout } from "./subnet-layout";

/** Props of {@link VpcNetwork}. */
export interface VpcNetworkProps {
  /** Prefix of every `Name` tag and resource name, e.g. `treepli-production`. */
  readonly namePrefix: string;

  /** IPv4 range of the VPC, e.g. `10.0.0.0/16`. */
  readonly cidr: string;

  /** Account id; the flow-log role trusts the flow-log service only on behalf of this account. */
  readonly accountId: string;

  /** Region of the VPC; names the endpoint services (`com.amazonaws.<region>.ecr.api`). */
  readonly region: string;

  /**
   * Number of availability zones (the first N the region offers).
   *
   * @default 2
   */
  readonly azCount?: number;

  /**
   * Prefix length of every subnet.
   *
   * @default 20
   */
  readonly subnetPrefixLength?: number;

  /**
   * `one-per-az`: a NAT gateway in each AZ, each private route table using its own AZ's.
   * `single`: one NAT gateway in the first AZ shared by every private subnet.
   *
   * @default "one-per-az"
   */
  readonly natGateways?: "one-per-az" | "single";

  /**
   * Interface endpoint services (e.g. `ecr.api`), placed in the private subnets with private DNS.
   *
   * @default ["ecr.api", "ecr.dkr", "logs"]
   */
  readonly interfaceEndpoints?: readonly string[];

  /**
   * Days the flow logs are kept.
   *
   * @default 90
   */
  readonly flowLogRetentionDays?: number;

  /**
   * Customer-managed KMS key the flow logs' log group is encrypted with (its policy must let CloudWatch
   * Logs use it for this account's log groups).
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly flowLogKmsKeyArn?: string;
}

/**
 * A VPC over several AZs with three subnet tiers:
 *
 * - `public`: a route to the internet gateway; load balancers and NAT gateways.
 * - `private`: a route to a NAT gateway; container instances, tasks, the API Gateway VPC link.
 * - `isolated`: no route out of the VPC at all; the database.
 *
 * Private subnets reach S3 through a gateway endpoint and ECR and CloudWatch Logs through interface
 * endpoints, so image pulls and logs do not cross the NAT. All traffic is recorded by flow logs, and
 * the default security group is stripped of its rules so nothing can use it by accident.
 */
export class VpcNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: Vpc;

  /** Subnets by tier, in AZ order. */
  public readonly subnets: Readonly<Record<SubnetTier, Subnet[]>>;

  /** The NAT gateways (one, or one per AZ). */
  public readonly natGateways: NatGateway[];

  /** The private route tables, one per AZ. */
  public readonly privateRouteTables: RouteTable[];

  /** Security group of the interface endpoints: HTTPS from inside the VPC. */
  public readonly endpointSecurityGroup: SecurityGroup;

  /** The log group the flow logs go to. */
  public readonly flowLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: VpcNetworkProps) {
    super(scope, id);
    const azCount = props.azCount ?? 2;
    const subnetPrefixLength = props.subnetPrefixLength ?? 20;
    const natStrategy = props.natGateways ?? "one-per-az";
    const interfaceEndpoints = props.interfaceEndpoints ?? ["ecr.api", "ecr.dkr", "logs"];
    const flowLogRetentionDays = props.flowLogRetentionDays ?? 90;
    const name = (suffix: string) => `${props.namePrefix}-${suffix}`;
    const layout = subnetLayout(props.cidr, subnetPrefixLength, azCount);

    const zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true, // required by interface endpoints' private DNS
      enableDnsSupport: true,
      tags: { Name: name("vpc") },
    });

    // Strips the default security group's allow-all rules: anything launched without an explicit
    // group ends up unreachable and unable to reach out, instead of wide open inside the VPC.
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: name("default-do-not-use") },
    });

    const subnets = {} as Record<SubnetTier, Subnet[]>;
    for (const tier of SUBNET_TIERS) {
      subnets[tier] = layout[tier].map(
        (cidrBlock, az) =>
          new Subnet(this, `${tier}-subnet-${az}`, {
            vpcId: this.vpc.id,
            cidrBlock,
            availabilityZone: Fn.element(zones.names, az),
            mapPublicIpOnLaunch: false, // nothing gets a public IP without asking; the ALBs and NAT bring their own
            tags: { Name: name(`${tier}-${az}`), Tier: tier },
          }),
      );
    }
    this.subnets = subnets;

    const internetGateway = new InternetGateway(this, "internet-gateway", {
      vpcId: this.vpc.id,
      tags: { Name: name("igw") },
    });

    const publicRouteTable = new RouteTable(this, "public-route-table", {
      vpcId: this.vpc.id,
      tags: { Name: name("public"), Tier: "public" },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });
    subnets.public.forEach((subnet, az) => {
      new RouteTableAssociation(this, `public-route-table-association-${az}`, {
        subnetId: subnet.id,
        routeTableId: publicRouteTable.id,
      });
    });

    const natCount = natStrategy === "one-per-az" ? azCount : 1;
    this.natGateways = Array.from({ length: natCount }, (_, az) => {
      const eip = new Eip(this, `nat-eip-${az}`, { domain: "vpc", tags: { Name: name(`nat-${az}`) } });
      return new NatGateway(this, `nat-gateway-${az}`, {
        allocationId: eip.allocationId,
        subnetId: subnets.public[az].id,
        tags: { Name: name(`nat-${az}`) },
        dependsOn: [internetGateway],
      });
    });

    this.privateRouteTables = subnets.private.map((subnet, az) => {
      const routeTable = new RouteTable(this, `private-route-table-${az}`, {
        vpcId: this.vpc.id,
        tags: { Name: name(`private-${az}`), Tier: "private" },
      });
      new Route(this, `private-default-route-${az}`, {
        routeTableId: routeTable.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: this.natGateways[natStrategy === "one-per-az" ? az : 0].id,
      });
      new RouteTableAssociation(this, `private-route-table-association-${az}`, {
        subnetId: subnet.id,
        routeTableId: routeTable.id,
      });
      return routeTable;
    });

    // The isolated tier's route table has only the implicit local route: no way in or out of the VPC.
    const isolatedRouteTable = new RouteTable(this, "isolated-route-table", {
      vpcId: this.vpc.id,
      tags: { Name: name("isolated"), Tier: "isolated" },
    });
    subnets.isolated.forEach((subnet, az) => {
      new RouteTableAssociation(this, `isolated-route-table-association-${az}`, {
        subnetId: subnet.id,
        routeTableId: isolatedRouteTable.id,
      });
    });

    // ECR stores image layers in S3: the gateway endpoint keeps those pulls off the NAT (and is free).
    new VpcEndpoint(this, "s3-endpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: this.privateRouteTables.map((table) => table.id),
      tags: { Name: name("s3") },
    });

    this.endpointSecurityGroup = new SecurityGroup(this, "endpoint-security-group", {
      name: name("vpc-endpoints"),
      description: "HTTPS from inside the VPC to the interface endpoints",
      vpcId: this.vpc.id,
      ingress: [
        {
          description: "HTTPS from the VPC",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: [props.cidr],
        },
      ],
      tags: { Name: name("vpc-endpoints") },
    });

    for (const service of interfaceEndpoints) {
      new VpcEndpoint(this, `${service.replace(/\./g, "-")}-endpoint`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: subnets.private.map((subnet) => subnet.id),
        securityGroupIds: [this.endpointSecurityGroup.id],
        tags: { Name: name(service) },
      });
    }

    this.flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/${props.namePrefix}/vpc-flow-logs`,
      retentionInDays: flowLogRetentionDays,
      kmsKeyId: props.flowLogKmsKeyArn,
    });
    const flowLogRole = new IamRole(this, "flow-log-role", {
      name: name("vpc-flow-logs"),
      description: "Lets VPC flow logs write to their log group",
      // Confused-deputy guard: only flow logs of this account may use the role.
      assumeRolePolicy: serviceRoleTrust("vpc-flow-logs.amazonaws.com", props.accountId),
    });
    new IamRolePolicy(this, "flow-log-role-policy", {
      name: "write-flow-logs",
      role: flowLogRole.id,
      policy: policyDocument({
        Sid: "WriteFlowLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
      }),
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: { Name: name("vpc") },
    });
  }
}
