import { Construct } from "constructs";
import { AlarmSet, AlarmSetProps, atOrAbove, ThresholdAlarmSettings } from "./alarm-set";

/** Thresholds and timing of a NAT gateway's alarms (configuration: `observability.alarms.natGateway`). */
export interface NatGatewayAlarmSettings {
  /** Connections the gateway could not open for lack of a source port. */
  readonly portAllocationErrors: ThresholdAlarmSettings;
  /** Packets dropped per period. */
  readonly packetsDropped: ThresholdAlarmSettings;
}

/** Props of {@link NatGatewayAlarms}. */
export interface NatGatewayAlarmsProps extends AlarmSetProps {
  /** Id of the NAT gateway (the `NatGatewayId` dimension). */
  readonly natGatewayId: string;
  /** Thresholds and timing. */
  readonly settings: NatGatewayAlarmSettings;
}

/**
 * The alarms of a NAT gateway (`AWS/NATGateway`): port allocation errors (more than 55,000 simultaneous
 * connections to one destination: outbound calls fail) and dropped packets. Both are counts published
 * every minute; periods without data count as not breaching.
 */
export class NatGatewayAlarms extends AlarmSet {
  constructor(scope: Construct, id: string, props: NatGatewayAlarmsProps) {
    const { settings } = props;
    const nat = (metricName: string) => ({
      namespace: "AWS/NATGateway",
      metricName,
      dimensions: { NatGatewayId: props.natGatewayId },
      statistic: "Sum",
    });
    const quiet = "the gateway publishes every minute; no data means no traffic";
    super(scope, id, props, [
      atOrAbove(settings.portAllocationErrors, "per period", {
        id: "port-allocation-errors",
        title: "NAT port allocation errors",
        firstResponse:
          "outbound connections from the private subnets fail: find the destination with most connections (VPC flow logs); reuse connections (HTTP keep-alive) or reach AWS services through VPC endpoints instead of the NAT.",
        metric: nat("ErrorPortAllocation"),
        missingDataReason: quiet,
        unit: "errors",
      }),
      atOrAbove(settings.packetsDropped, "packets per period", {
        id: "packets-dropped",
        title: "NAT packets dropped",
        firstResponse:
          "check the AWS Health Dashboard for the NAT gateway's AZ, and compare with the gateway's traffic: a sustained drop rate above 0.01 % of packets is worth a support case.",
        metric: nat("PacketsDropCount"),
        missingDataReason: quiet,
        unit: "packets",
      }),
    ]);
  }
}
