import { Construct } from "constructs";
import { AlarmSet, AlarmSetProps, ThresholdAlarmSettings } from "./alarm-set";

/** Props of {@link BucketReplicationAlarms}. */
export interface BucketReplicationAlarmsProps extends AlarmSetProps {
  /** The replicated bucket (the `SourceBucket` dimension). */
  readonly sourceBucketName: string;
  /** The replica bucket (the `DestinationBucket` dimension). */
  readonly destinationBucketName: string;
  /** Id of the replication rule (the `RuleId` dimension); the rule must publish replication metrics. */
  readonly ruleId: string;
  /** Failed replications (configuration: `observability.alarms.replication.failedOperations`). */
  readonly failedOperations: ThresholdAlarmSettings;
}

/**
 * The alarm of a bucket's replication: objects S3 failed to replicate (`AWS/S3`
 * `OperationsFailedReplication`, published when the rule's replication metrics are on). Published only
 * when something is replicated: missing data counts as not breaching.
 */
export class BucketReplicationAlarms extends AlarmSet {
  constructor(scope: Construct, id: string, props: BucketReplicationAlarmsProps) {
    super(scope, id, props, [
      {
        id: "failed-operations",
        title: "Objects that failed to replicate",
        thresholdText: `${props.failedOperations.threshold} per period`,
        firstResponse:
          "the replica is missing objects: check the replication role's permissions on both KMS keys and the replica bucket, then re-replicate the failed objects with S3 Batch Replication (docs/restore.md).",
        metric: {
          namespace: "AWS/S3",
          metricName: "OperationsFailedReplication",
          dimensions: { SourceBucket: props.sourceBucketName, DestinationBucket: props.destinationBucketName, RuleId: props.ruleId },
          statistic: "Sum",
        },
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: props.failedOperations.threshold,
        timing: props.failedOperations,
        treatMissingData: "notBreaching",
        missingDataReason: "published only while objects are replicated",
        unit: "objects",
      },
    ]);
  }
}
