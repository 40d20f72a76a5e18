import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { Construct } from "constructs";
import { AlarmDefinition, AlarmSet, AlarmSetProps, atOrAbove, percentOfRequests, ThresholdAlarmSettings } from "./alarm-set";

/** Namespace of the metrics the estate derives from logs. */
export const TREEPLI_METRICS_NAMESPACE = "Treepli/ApiGateway";

/** The metric the access-log filter publishes for every 429 (dimension `ApiId`). */
export const THROTTLED_REQUESTS_METRIC = "ThrottledRequests";

/** Thresholds and timing of the API's alarms (configuration: `observability.alarms.api`). */
export interface HttpApiAlarmSettings {
  /** 5xx answered to clients, percent of requests. */
  readonly server5xxPercent: ThresholdAlarmSettings;
  /** 4xx answered to clients, percent of requests. */
  readonly client4xxPercent: ThresholdAlarmSettings;
  /** 99th percentile of the latency, milliseconds. */
  readonly latencyP99Milliseconds: ThresholdAlarmSettings;
  /** Requests answered 429 per period. */
  readonly throttledRequests: ThresholdAlarmSettings;
}

/** Props of {@link HttpApiAlarms}. */
export interface HttpApiAlarmsProps extends AlarmSetProps {
  /** Id of the HTTP API (the `ApiId` dimension). */
  readonly apiId: string;
  /**
   * Log group of the stage's JSON access logs, whose lines carry `status` and `apiId` (see
   * `HTTP_API_ACCESS_LOG_FORMAT`): the 429s are counted from it.
   */
  readonly accessLogGroupName: string;
  /** Thresholds and timing. */
  readonly settings: HttpApiAlarmSettings;
}

/**
 * The alarms of an API Gateway HTTP API (`AWS/ApiGateway`, dimension `ApiId`):
 *
 * - 5xx and 4xx as percentages of requests (the 5xx include the VPC link's and the load balancer's
 *   failures, which the load balancer's own alarms tell apart);
 * - the 99th-percentile latency (API Gateway's, integration included);
 * - throttled requests. HTTP APIs publish no throttling metric, so a metric filter on the access logs
 *   counts the lines with status 429 into `Treepli/ApiGateway` `ThrottledRequests` (dimension `ApiId`).
 *
 * Periods without requests count as not breaching: an idle API is not failing.
 */
export class HttpApiAlarms extends AlarmSet {
  /** The metric filter counting 429s. */
  public readonly throttledRequestsFilter: CloudwatchLogMetricFilter;

  constructor(scope: Construct, id: string, props: HttpApiAlarmsProps) {
    super(scope, id, props, apiAlarms(props));
    this.throttledRequestsFilter = new CloudwatchLogMetricFilter(this, "throttled-requests-filter", {
      name: `${props.namePrefix}-throttled-requests`,
      logGroupName: props.accessLogGroupName,
      pattern: '{ $.status = "429" }',
      metricTransformation: {
        namespace: TREEPLI_METRICS_NAMESPACE,
        name: THROTTLED_REQUESTS_METRIC,
        value: "1",
        unit: "Count",
        dimensions: { ApiId: "$.apiId" },
      },
    });
  }
}

function apiAlarms(props: HttpApiAlarmsProps): AlarmDefinition[] {
  const { settings } = props;
  const dimensions = { ApiId: props.apiId };
  const api = (metricName: string, statistic: string) => ({ namespace: "AWS/ApiGateway", metricName, dimensions, statistic });
  const requests = api("Count", "Sum");
  const idle = "no requests, nothing failing";
  return [
    atOrAbove(settings.server5xxPercent, "% of requests", {
      id: "5xx",
      title: "API 5xx",
      firstResponse:
        "read the access logs' integrationError/integrationStatus: a VPC link or load balancer failure (no integrationStatus) or the backend's own 5xx (see the backend load balancer's alarms and the service's logs).",
      metric: percentOfRequests("API 5xx, % of requests", api("5xx", "Sum"), requests),
      missingDataReason: idle,
      unit: "%",
    }),
    atOrAbove(settings.client4xxPercent, "% of requests", {
      id: "4xx",
      title: "API 4xx",
      firstResponse:
        "find the status and path that dominate in the access logs (CloudWatch Logs Insights: stats count() by status, path): a broken client release, a scan, or throttling (429, see the throttling alarm).",
      metric: percentOfRequests("API 4xx, % of requests", api("4xx", "Sum"), requests),
      missingDataReason: idle,
      unit: "%",
    }),
    atOrAbove(settings.latencyP99Milliseconds, "ms", {
      id: "latency",
      title: "API p99 latency",
      firstResponse:
        "compare with the backend load balancer's response time: if both are slow, the service or the database is; if only the API is, look at integrationLatency in the access logs.",
      metric: api("Latency", "p99"),
      missingDataReason: idle,
      unit: "ms",
    }),
    atOrAbove(settings.throttledRequests, "requests per period", {
      id: "throttled",
      title: "API throttled requests (429)",
      firstResponse:
        "clients hit the stage's rate or burst limit: check whether the traffic is legitimate (access logs by ip); if it is, raise backend.throttling.rateLimit/burstLimit.",
      metric: { namespace: TREEPLI_METRICS_NAMESPACE, metricName: THROTTLED_REQUESTS_METRIC, dimensions, statistic: "Sum" },
      missingDataReason: "the log filter publishes only when a 429 is logged",
      unit: "requests",
    }),
  ];
}
