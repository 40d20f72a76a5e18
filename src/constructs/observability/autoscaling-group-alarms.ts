import { Construct } from "constructs";
import { AlarmSet, AlarmSetProps, AlarmTiming } from "./alarm-set";

/** Props of {@link AutoscalingGroupAlarms}. */
export interface AutoscalingGroupAlarmsProps extends AlarmSetProps {
  /** Name of the autoscaling group (the `AutoScalingGroupName` dimension). Its group metrics must be on. */
  readonly autoScalingGroupName: string;
  /** The group's maximum size: a desired capacity at it raises the alarm. */
  readonly maxSize: number;
  /** Timing of the alarm (configuration: `observability.alarms.cluster.atMaxSize`). */
  readonly atMaxSize: AlarmTiming;
}

/**
 * The alarm of the cluster's autoscaling group: its desired capacity at its maximum size
 * (`GroupDesiredCapacity`, a group metric the group must collect). ECS managed scaling then wants more
 * instances than the group may have, and new tasks wait or fail to be placed. No data keeps the
 * alarm's state (the group metrics arrive every minute; a gap says nothing about capacity).
 */
export class AutoscalingGroupAlarms extends AlarmSet {
  constructor(scope: Construct, id: string, props: AutoscalingGroupAlarmsProps) {
    super(scope, id, props, [
      {
        id: "at-max-size",
        title: "Container instances at the group's maximum",
        thresholdText: `the maximum of ${props.maxSize} instances`,
        firstResponse:
          "the cluster cannot grow: raise cluster.maxSize (or a larger cluster.instanceType), and check which service's autoscaling asked for the capacity.",
        metric: {
          namespace: "AWS/AutoScaling",
          metricName: "GroupDesiredCapacity",
          dimensions: { AutoScalingGroupName: props.autoScalingGroupName },
          statistic: "Maximum",
        },
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: props.maxSize,
        timing: props.atMaxSize,
        treatMissingData: "missing",
        missingDataReason: "a gap in the group metrics says nothing about capacity: the alarm keeps its state",
        unit: "instances",
      },
    ]);
  }
}
