import { Construct } from "constructs";
import { AlarmDefinition, AlarmSet, AlarmSetProps, atOrAbove, percentOfRequests, ThresholdAlarmSettings } from "./alarm-set";

/** A target group behind the load balancer, watched for unhealthy targets. */
export interface WatchedTargetGroup {
  /** Short name of what the group serves (a service's key, e.g. `backend`); ends the alarm's name. */
  readonly label: string;
  /** The target group's ARN suffix (`targetgroup/<name>/<id>`), its `TargetGroup` metric dimension. */
  readonly arnSuffix: string;
}

/** Thresholds and timing of the load balancer's alarms (configuration: `observability.alarms.loadBalancer`). */
export interface LoadBalancerAlarmSettings {
  /** 5xx answered by the targets, percent of requests. */
  readonly target5xxPercent: ThresholdAlarmSettings;
  /** 5xx the load balancer answers itself, percent of requests. */
  readonly loadBalancer5xxPercent: ThresholdAlarmSettings;
  /** Unhealthy targets of a target group. */
  readonly unhealthyHosts: ThresholdAlarmSettings;
  /** 99th percentile of the targets' response time, seconds. */
  readonly targetResponseTimeP99Seconds: ThresholdAlarmSettings;
}

/** Props of {@link LoadBalancerAlarms}. */
export interface LoadBalancerAlarmsProps extends AlarmSetProps {
  /** The load balancer's ARN suffix (`app/<name>/<id>`), its `LoadBalancer` metric dimension. */
  readonly loadBalancerArnSuffix: string;
  /** The target groups to watch for unhealthy targets (one alarm each). */
  readonly targetGroups: readonly WatchedTargetGroup[];
  /** Thresholds and timing. */
  readonly settings: LoadBalancerAlarmSettings;
}

/**
 * The alarms of an application load balancer (`AWS/ApplicationELB`, one-minute metrics):
 *
 * - 5xx answered by the targets and 5xx the load balancer answers itself (502/503/504: no healthy
 *   target, a target closed the connection or timed out), each as a percentage of requests;
 * - unhealthy targets, per target group;
 * - the targets' 99th-percentile response time.
 *
 * Periods without requests have no error rate and no response time: they count as not breaching (an
 * idle load balancer is not failing; a service without tasks is the running-tasks alarm's business).
 */
export class LoadBalancerAlarms extends AlarmSet {
  constructor(scope: Construct, id: string, props: LoadBalancerAlarmsProps) {
    super(scope, id, props, loadBalancerAlarms(props));
  }
}

function loadBalancerAlarms(props: LoadBalancerAlarmsProps): AlarmDefinition[] {
  const { settings } = props;
  const loadBalancer = { LoadBalancer: props.loadBalancerArnSuffix };
  const elb = (metricName: string, statistic: string, dimensions: Record<string, string> = loadBalancer) => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions,
    statistic,
  });
  const requests = elb("RequestCount", "Sum");
  const idle = "no requests, nothing failing";
  return [
    atOrAbove(settings.target5xxPercent, "% of requests", {
      id: "target-5xx",
      title: "5xx from the targets",
      firstResponse:
        "the application is failing requests: read the service's logs (/ecs/<service>) for errors, and whether a deployment just started (ECS service events); roll back with the deploy workflow if it did.",
      metric: percentOfRequests("Target 5xx, % of requests", elb("HTTPCode_Target_5XX_Count", "Sum"), requests),
      missingDataReason: idle,
      unit: "%",
    }),
    atOrAbove(settings.loadBalancer5xxPercent, "% of requests", {
      id: "load-balancer-5xx",
      title: "5xx from the load balancer itself",
      firstResponse:
        "503 means no healthy target: check the service's running tasks and target health; 502/504 mean tasks crash, close connections or time out: check the tasks' logs and stopped-task reasons.",
      metric: percentOfRequests("Load balancer 5xx, % of requests", elb("HTTPCode_ELB_5XX_Count", "Sum"), requests),
      missingDataReason: idle,
      unit: "%",
    }),
    ...props.targetGroups.map(
      (group): AlarmDefinition => ({
        id: `unhealthy-hosts-${group.label}`,
        title: `Unhealthy targets of ${group.label}`,
        thresholdText: `${settings.unhealthyHosts.threshold}`,
        firstResponse:
          "tasks fail the health check: read the target group's health reasons (aws elbv2 describe-target-health) and the tasks' logs; a task that never becomes healthy is replaced, and the deployment circuit breaker rolls back a bad release.",
        metric: elb("UnHealthyHostCount", "Maximum", { TargetGroup: group.arnSuffix, ...loadBalancer }),
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: settings.unhealthyHosts.threshold,
        timing: settings.unhealthyHosts,
        treatMissingData: "notBreaching",
        missingDataReason: "the count is published every minute while the group is attached; no data means no targets to judge",
        unit: "targets",
      }),
    ),
    atOrAbove(settings.targetResponseTimeP99Seconds, "s", {
      id: "target-response-time",
      title: "Targets' p99 response time",
      firstResponse:
        "the application is slow: check the service's CPU and memory, the database's CPU and connections, and whether autoscaling is at the service's maxCount.",
      metric: elb("TargetResponseTime", "p99"),
      missingDataReason: idle,
      unit: "seconds",
    }),
  ];
}
