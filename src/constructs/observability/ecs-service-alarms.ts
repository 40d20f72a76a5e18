import { Construct } from "constructs";
import { AlarmDefinition, AlarmSet, AlarmSetProps, atOrAbove, AlarmTiming, ThresholdAlarmSettings } from "./alarm-set";
import { EventNotification } from "./event-notification";

/** Thresholds and timing of a service's alarms (configuration: `observability.alarms.service`). */
export interface EcsServiceAlarmSettings {
  /** Timing of the running-tasks alarm; its threshold is the service's `minCount`. */
  readonly runningTasks: AlarmTiming;
  /** Average CPU, percent of the tasks' reservation. */
  readonly cpuPercent: ThresholdAlarmSettings;
  /** Average memory, percent of the tasks' hard limit. */
  readonly memoryPercent: ThresholdAlarmSettings;
}

/** Props of {@link EcsServiceAlarms}. */
export interface EcsServiceAlarmsProps extends AlarmSetProps {
  /** Name of the service's cluster (the `ClusterName` dimension). */
  readonly clusterName: string;
  /** Name of the service (the `ServiceName` dimension). */
  readonly serviceName: string;
  /** ARN of the service: the placement-failure rule matches its events only. */
  readonly serviceArn: string;
  /**
   * The fewest tasks the service should run (its autoscaling minimum): fewer raises the running-tasks
   * alarm. With 0 (a worker that scales to zero) there is no such alarm.
   */
  readonly minCount: number;
  /** Thresholds and timing. */
  readonly settings: EcsServiceAlarmSettings;
}

/**
 * The alarms of an ECS service:
 *
 * - running tasks below the service's minimum (Container Insights' `RunningTaskCount`, which the
 *   cluster publishes every minute for every service; no data counts as breaching: it means the service
 *   or its metrics are gone);
 * - average CPU and memory of the service high (`AWS/ECS`), which autoscaling could not bring down;
 * - tasks ECS cannot place: ECS publishes no metric for it, so an EventBridge rule sends the service's
 *   `SERVICE_TASK_PLACEMENT_FAILURE` events (reasons included) to the operations topic.
 */
export class EcsServiceAlarms extends AlarmSet {
  /** The rule sending the service's placement failures to the operations topic. */
  public readonly placementFailure: EventNotification;

  constructor(scope: Construct, id: string, props: EcsServiceAlarmsProps) {
    super(scope, id, props, serviceAlarms(props));
    this.placementFailure = new EventNotification(this, "placement-failure", {
      ruleName: `${props.namePrefix}-placement-failure`,
      description: `ECS cannot place tasks of ${props.serviceName} (no container instance with enough CPU, memory or ENIs)`,
      eventPattern: {
        source: ["aws.ecs"],
        "detail-type": ["ECS Service Action"],
        resources: [props.serviceArn],
        detail: { eventName: ["SERVICE_TASK_PLACEMENT_FAILURE"] },
      },
      topicArn: props.topicArn,
      summary: `ECS could not place tasks of ${props.serviceName}`,
      firstResponse:
        "reasons RESOURCE:MEMORY/CPU/ENI mean the container instances are full: check that the cluster's autoscaling group is not at its maxSize (raise cluster.maxSize) and that managed scaling adds instances. See docs/operations.md.",
      fields: { reasons: "$.detail.reasons", cluster: "$.detail.clusterArn", time: "$.time" },
    });
  }
}

function serviceAlarms(props: EcsServiceAlarmsProps): AlarmDefinition[] {
  const { settings } = props;
  const dimensions = { ClusterName: props.clusterName, ServiceName: props.serviceName };
  const utilization = (metricName: string) => ({ namespace: "AWS/ECS", metricName, dimensions, statistic: "Average" });
  const noTasks = "no tasks report it; the running-tasks alarm covers a service without tasks";
  const definitions: AlarmDefinition[] = [];
  if (props.minCount > 0) {
    definitions.push({
      id: "running-tasks",
      title: "Running tasks",
      thresholdText: `the minimum of ${props.minCount}`,
      firstResponse:
        "read the service's events and its stopped tasks' reasons (aws ecs describe-services / list-tasks --desired-status STOPPED): an image that does not start, a failing health check, or no room on the cluster.",
      metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions, statistic: "Average" },
      comparison: "LessThanThreshold",
      threshold: props.minCount,
      timing: settings.runningTasks,
      treatMissingData: "breaching",
      missingDataReason: "Container Insights reports every service every minute; silence means the service or its metrics are gone",
      unit: "tasks",
    });
  }
  definitions.push(
    atOrAbove(settings.cpuPercent, "% of the reservation", {
      id: "cpu",
      title: "Service CPU",
      firstResponse:
        "autoscaling could not keep up or is at maxCount: check the running count against the service's maxCount, raise maxCount or the task's cpu, and look for a hot loop in a recent release.",
      metric: utilization("CPUUtilization"),
      missingDataReason: noTasks,
      unit: "%",
    }),
    atOrAbove(settings.memoryPercent, "% of the limit", {
      id: "memory",
      title: "Service memory",
      firstResponse:
        "tasks near their hard limit are killed (OutOfMemoryError in stopped tasks): raise the service's memoryMiB, or look for a leak in a recent release.",
      metric: utilization("MemoryUtilization"),
      missingDataReason: noTasks,
      unit: "%",
    }),
  );
  return definitions;
}
