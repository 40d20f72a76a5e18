import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { VpcNetwork } from "../constructs/network/vpc-network";
import { NatGatewayAlarms } from "../constructs/observability/nat-gateway-alarms";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { alarmProps, LayerMonitoring } from "./monitoring";
import { OpsRefs } from "./ops-stack";

/**
 * What the later layers use of the network. The values are tokens: handing them to another stack
 * makes cdktf add an output here and a remote-state lookup there.
 */
export interface NetworkRefs {
  /** The VPC's id. */
  readonly vpcId: string;
  /** The VPC's IPv4 range. */
  readonly vpcCidrBlock: string;
  /** Public subnets (load balancers), in AZ order. */
  readonly publicSubnetIds: string[];
  /** Private subnets (container instances, tasks, VPC link), in AZ order. */
  readonly privateSubnetIds: string[];
  /** Isolated subnets (database), in AZ order. */
  readonly isolatedSubnetIds: string[];
}

/** Props of {@link VpcStack}. */
export interface VpcStackProps extends EnvironmentStackProps {
  /** The keys and topics of the ops stack (the flow logs' log group is encrypted with its logs key; the NAT gateways' alarms notify its topic). */
  readonly ops: OpsRefs;
}

/** `<environment>-vpc`: the network every other layer lives in. */
export class VpcStack extends EnvironmentStack {
  /** The network, for the later layers. */
  public readonly network: NetworkRefs;

  /** The NAT gateways' alarms, for the dashboard. */
  public readonly monitoring: LayerMonitoring;

  constructor(scope: Construct, props: VpcStackProps) {
    super(scope, "vpc", props);
    const { config, ops } = props;

    const network = new VpcNetwork(this, "network", {
      namePrefix: `treepli-${config.name}`,
      cidr: config.vpc.cidr,
      accountId: config.aws.accountId,
      region: config.aws.region,
      azCount: config.vpc.azCount,
      subnetPrefixLength: config.vpc.subnetPrefixLength,
      natGateways: config.vpc.natGateways,
      interfaceEndpoints: config.vpc.interfaceEndpoints,
      // Flow logs are audit records: kept as long as the environment keeps those.
      flowLogRetentionDays: config.ops.auditLogRetentionDays,
      flowLogKmsKeyArn: ops.logsKeyArn,
    });

    const natAlarms = network.natGateways.map(
      (nat, az) =>
        new NatGatewayAlarms(this, `nat-gateway-${az}-alarms`, {
          ...alarmProps(this, ops, `treepli-${config.name}-nat-${az}`, `NAT gateway ${az} (treepli-${config.name}-nat-${az})`),
          natGatewayId: nat.id,
          settings: config.observability.alarms.natGateway,
        }),
    );
    this.monitoring = {
      otherRows: [{ title: "Network: NAT gateways (the private subnets' way out)", panels: natAlarms.map((alarms) => alarms.panel) }],
    };

    this.network = {
      vpcId: network.vpc.id,
      vpcCidrBlock: network.vpc.cidrBlock,
      publicSubnetIds: network.subnets.public.map((subnet) => subnet.id),
      privateSubnetIds: network.subnets.private.map((subnet) => subnet.id),
      isolatedSubnetIds: network.subnets.isolated.map((subnet) => subnet.id),
    };

    new TerraformOutput(this, "vpc_id", { description: "ID of the VPC", value: this.network.vpcId });
    new TerraformOutput(this, "public_subnet_ids", { description: "Public subnets, in AZ order", value: this.network.publicSubnetIds });
    new TerraformOutput(this, "private_subnet_ids", { description: "Private subnets, in AZ order", value: this.network.privateSubnetIds });
    new TerraformOutput(this, "isolated_subnet_ids", {
      description: "Isolated (database) subnets, in AZ order",
      value: this.network.isolatedSubnetIds,
    });
    new TerraformOutput(this, "nat_public_ips", {
      description: "Public IPs the private subnets reach the internet from (for allow-lists of third parties)",
      value: network.natGateways.map((nat) => nat.publicIp),
    });
  }
}
