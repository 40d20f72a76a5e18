import { AlarmSetProps } from "../constructs/observability/alarm-set";
import { DashboardRow } from "../constructs/observability/environment-dashboard";
import { EnvironmentStack } from "./environment-stack";
import { OpsRefs } from "./ops-stack";

/** What a layer adds to the environment's dashboard: its request path, and its other rows. */
export interface LayerMonitoring {
  /** The request path the layer serves, its hops left to right (the dashboard shows the paths first). */
  readonly requestPath?: DashboardRow;
  /** The layer's other rows: queue workers, container instances, NAT gateways. */
  readonly otherRows: readonly DashboardRow[];
}

/**
 * The props every alarm family of a stack shares: the name prefix and panel title given, the operations
 * topic, and where the alarms live — the stack's region, or us-east-1 (its provider and topic) for what
 * publishes its metrics there (CloudFront).
 */
export function alarmProps(
  stack: EnvironmentStack,
  ops: OpsRefs,
  namePrefix: string,
  title: string,
  region: "home" | "us-east-1" = "home",
): AlarmSetProps {
  const { accountId } = stack.config.aws;
  if (region === "us-east-1") {
    return {
      namePrefix,
      title,
      topicArn: ops.topicArnUsEast1,
      location: { region: "us-east-1", accountId },
      provider: stack.usEast1Provider(),
    };
  }
  return { namePrefix, title, topicArn: ops.topicArn, location: { region: stack.config.aws.region, accountId } };
}
