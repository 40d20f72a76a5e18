import { Construct } from "constructs";
import { AlarmSet, AlarmSetProps, atOrAbove, ThresholdAlarmSettings } from "./alarm-set";

/** Thresholds and timing of a distribution's alarms (configuration: `observability.alarms.distribution`). */
export interface DistributionAlarmSettings {
  /** 5xx answered to viewers, percent of requests. */
  readonly server5xxPercent: ThresholdAlarmSettings;
}

/** Props of {@link DistributionAlarms}. */
export interface DistributionAlarmsProps extends AlarmSetProps {
  /** Id of the CloudFront distribution (the `DistributionId` dimension). */
  readonly distributionId: string;
  /** What the distribution serves, for the first response (e.g. `the site's load balancer`, `the media bucket`). */
  readonly originDescription: string;
  /** Thresholds and timing. */
  readonly settings: DistributionAlarmSettings;
}

/**
 * The alarm of a CloudFront distribution: its `5xxErrorRate` (percent of viewer requests answered 5xx,
 * from CloudFront or the origin). CloudFront publishes its metrics in us-east-1 only, so the alarm must
 * live there and notify the operations topic of us-east-1: give `provider`, `location` and `topicArn`
 * of that region. Periods without requests count as not breaching.
 */
export class DistributionAlarms extends AlarmSet {
  constructor(scope: Construct, id: string, props: DistributionAlarmsProps) {
    const { settings } = props;
    super(scope, id, props, [
      atOrAbove(settings.server5xxPercent, "% of requests", {
        id: "5xx-rate",
        title: "CloudFront 5xx",
        firstResponse: `CloudFront could not get an answer from ${props.originDescription} (502/504) or the origin answered 5xx: check the origin's own alarms first; a 502 alone points at TLS or DNS between CloudFront and the origin.`,
        metric: {
          namespace: "AWS/CloudFront",
          metricName: "5xxErrorRate",
          dimensions: { DistributionId: props.distributionId, Region: "Global" },
          statistic: "Average",
        },
        missingDataReason: "no requests, nothing failing",
        unit: "%",
      }),
    ]);
  }
}
