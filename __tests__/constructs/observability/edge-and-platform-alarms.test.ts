import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing } from "cdktf";
import { AutoscalingGroupAlarms } from "../../../src/constructs/observability/autoscaling-group-alarms";
import { BucketReplicationAlarms } from "../../../src/constructs/observability/bucket-replication-alarms";
import { DistributionAlarms } from "../../../src/constructs/observability/distribution-alarms";
import { NatGatewayAlarms } from "../../../src/constructs/observability/nat-gateway-alarms";
import { QueueAlarms } from "../../../src/constructs/observability/queue-alarms";
import { SecretRotationAlarms } from "../../../src/constructs/observability/secret-rotation-alarms";
import { parse, resources } from "../../helpers";
import { alarmNamed, familyProps, settings, TOPIC } from "./alarm-fixtures";

describe("DistributionAlarms", () => {
  const json = parse(
    Testing.synthScope((scope) => {
      const usEast1 = new AwsProvider(scope, "aws-us-east-1", { region: "us-east-1", alias: "us_east_1" });
      new DistributionAlarms(scope, "cdn-alarms", {
        ...familyProps("treepli-staging-media-cdn"),
        topicArn: "arn:aws:sns:us-east-1:111111111111:treepli-staging-ops",
        location: { region: "us-east-1", accountId: "111111111111" },
        provider: usEast1,
        distributionId: "E1ABCDEFGHIJKL",
        originDescription: "the media bucket",
        settings: { server5xxPercent: settings(5) },
      });
    }),
  );

  test("CloudFront's 5xx rate is alarmed on in us-east-1, where CloudFront publishes it, notifying that region's topic", () => {
    const alarm = alarmNamed(resources(json, "aws_cloudwatch_metric_alarm"), "treepli-staging-media-cdn-5xx-rate");
    expect(alarm).toEqual(
      expect.objectContaining({
        provider: "aws.us_east_1",
        namespace: "AWS/CloudFront",
        metric_name: "5xxErrorRate",
        dimensions: { DistributionId: "E1ABCDEFGHIJKL", Region: "Global" },
        statistic: "Average",
        threshold: 5,
        alarm_actions: ["arn:aws:sns:us-east-1:111111111111:treepli-staging-ops"],
        ok_actions: ["arn:aws:sns:us-east-1:111111111111:treepli-staging-ops"],
      }),
    );
  });
});

describe("NatGatewayAlarms", () => {
  const alarms = resources(
    parse(
      Testing.synthScope((scope) => {
        new NatGatewayAlarms(scope, "nat-alarms", {
          ...familyProps("treepli-staging-nat-0"),
          natGatewayId: "nat-0123456789abcdef0",
          settings: { portAllocationErrors: settings(1, { datapointsToAlarm: 2 }), packetsDropped: settings(100) },
        });
      }),
    ),
    "aws_cloudwatch_metric_alarm",
  );

  test("port allocation errors and dropped packets of that gateway, summed per minute", () => {
    expect(alarmNamed(alarms, "treepli-staging-nat-0-port-allocation-errors")).toEqual(
      expect.objectContaining({
        namespace: "AWS/NATGateway",
        metric_name: "ErrorPortAllocation",
        dimensions: { NatGatewayId: "nat-0123456789abcdef0" },
        statistic: "Sum",
        threshold: 1,
        datapoints_to_alarm: 2,
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-nat-0-packets-dropped")).toEqual(
      expect.objectContaining({ metric_name: "PacketsDropCount", threshold: 100 }),
    );
  });
});

describe("AutoscalingGroupAlarms", () => {
  const alarms = resources(
    parse(
      Testing.synthScope((scope) => {
        new AutoscalingGroupAlarms(scope, "instances-alarms", {
          ...familyProps("treepli-staging-instances"),
          autoScalingGroupName: "treepli-staging-container-instances",
          maxSize: 4,
          atMaxSize: { periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15 },
        });
      }),
    ),
    "aws_cloudwatch_metric_alarm",
  );

  test("the group's desired capacity at its maximum size for 15 minutes: the cluster cannot grow", () => {
    expect(alarmNamed(alarms, "treepli-staging-instances-at-max-size")).toEqual(
      expect.objectContaining({
        namespace: "AWS/AutoScaling",
        metric_name: "GroupDesiredCapacity",
        dimensions: { AutoScalingGroupName: "treepli-staging-container-instances" },
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 4,
        evaluation_periods: 15,
        datapoints_to_alarm: 15,
      }),
    );
  });
});

describe("QueueAlarms", () => {
  const alarms = resources(
    parse(
      Testing.synthScope((scope) => {
        new QueueAlarms(scope, "queue-alarms", {
          ...familyProps("treepli-staging-worker-queue"),
          queueName: "treepli-staging-worker",
          deadLetterQueueName: "treepli-staging-worker-dlq",
          settings: {
            deadLetterMessages: settings(1, { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
            oldestMessageAgeSeconds: settings(900, { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 }),
          },
        });
      }),
    ),
    "aws_cloudwatch_metric_alarm",
  );

  test("a message in the dead-letter queue, and the work queue's oldest message too old", () => {
    expect(alarmNamed(alarms, "treepli-staging-worker-queue-dead-letters")).toEqual(
      expect.objectContaining({
        namespace: "AWS/SQS",
        metric_name: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: "treepli-staging-worker-dlq" },
        period: 300,
        threshold: 1,
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-worker-queue-oldest-message-age")).toEqual(
      expect.objectContaining({
        metric_name: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: "treepli-staging-worker" },
        threshold: 900,
      }),
    );
  });
});

describe("BucketReplicationAlarms", () => {
  const alarms = resources(
    parse(
      Testing.synthScope((scope) => {
        new BucketReplicationAlarms(scope, "replication-alarms", {
          ...familyProps("treepli-production-media-replication"),
          sourceBucketName: "treepli-production-media-222222222222",
          destinationBucketName: "treepli-production-media-replica-222222222222",
          ruleId: "replicate-everything",
          failedOperations: settings(1, { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
        });
      }),
    ),
    "aws_cloudwatch_metric_alarm",
  );

  test("objects that failed to replicate, by source, destination and rule", () => {
    expect(alarmNamed(alarms, "treepli-production-media-replication-failed-operations")).toEqual(
      expect.objectContaining({
        namespace: "AWS/S3",
        metric_name: "OperationsFailedReplication",
        dimensions: {
          SourceBucket: "treepli-production-media-222222222222",
          DestinationBucket: "treepli-production-media-replica-222222222222",
          RuleId: "replicate-everything",
        },
        threshold: 1,
      }),
    );
  });
});

describe("SecretRotationAlarms", () => {
  const secretArn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123-AbCdEf";
  const json = parse(
    Testing.synthScope((scope) => {
      new SecretRotationAlarms(scope, "rotation-alarms", {
        ...familyProps("treepli-staging-backend-db-password"),
        secretArn,
        secretDescription: "the backend database's master password",
        restart: { ruleName: "treepli-staging-backend-secret-rotated", runbookName: "treepli-staging-backend-restart" },
        serviceName: "treepli-staging-backend",
        failedRestarts: settings(1, { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
      });
    }),
  );
  const rules = resources(json, "aws_cloudwatch_event_rule");
  const targets = resources(json, "aws_cloudwatch_event_target");
  const patternOf = (name: string) => JSON.parse(rules.find((rule) => rule.name === name).event_pattern);

  test("a failed or abandoned rotation of that one secret reaches the operations topic", () => {
    expect(patternOf("treepli-staging-backend-db-password-rotation-failed")).toEqual({
      source: ["aws.secretsmanager"],
      "detail-type": ["AWS Service Event via CloudTrail"],
      detail: {
        eventSource: ["secretsmanager.amazonaws.com"],
        eventName: ["RotationFailed", "RotationAbandoned"],
        additionalEventData: { SecretId: [secretArn] },
      },
    });
  });

  test("a restart runbook execution that failed, timed out or was cancelled reaches the operations topic", () => {
    expect(patternOf("treepli-staging-backend-db-password-restart-failed")).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["EC2 Automation Execution Status-change Notification"],
      detail: { Definition: ["treepli-staging-backend-restart"], Status: ["Failed", "TimedOut", "Cancelled"] },
    });
    expect(targets.map((target) => target.arn)).toEqual([TOPIC, TOPIC]);
  });

  test("EventBridge failing to start the restart, whether it then dead-letters the event or not, is an alarm; no data is not breaching", () => {
    const alarm = alarmNamed(
      resources(json, "aws_cloudwatch_metric_alarm"),
      "treepli-staging-backend-db-password-restart-failed-invocations",
    );
    expect(alarm).toEqual(
      expect.objectContaining({ threshold: 1, treat_missing_data: "notBreaching", alarm_actions: [TOPIC], ok_actions: [TOPIC] }),
    );
    const queries: any[] = alarm.metric_query;
    // The restart's target has a dead-letter queue: an event given up after its retries is counted in
    // InvocationsSentToDlq, not in FailedInvocations (EventBridge's metric reference), so both count.
    const metrics = queries
      .filter((query) => query.metric)
      .map((query) => [query.metric.metric_name, query.metric.dimensions, query.metric.stat]);
    expect(metrics.sort()).toEqual(
      ["FailedInvocations", "InvocationsFailedToBeSentToDlq", "InvocationsSentToDlq"].map((name) => [
        name,
        { RuleName: "treepli-staging-backend-secret-rotated" },
        "Sum",
      ]),
    );
    const result = queries.find((query) => query.return_data);
    for (const query of queries.filter((q) => q.metric)) expect(result.expression).toContain(`FILL(${query.id}, 0)`);
    expect(result.expression.split("+")).toHaveLength(3);
  });
});

describe("SecretRotationAlarms without a restart (the service no longer reads the password: IAM authentication's phase 2)", () => {
  const json = parse(
    Testing.synthScope((scope) => {
      new SecretRotationAlarms(scope, "rotation-alarms", {
        ...familyProps("treepli-production-backend-db-password"),
        secretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123-AbCdEf",
        secretDescription: "the backend database's master password",
        serviceName: "treepli-production-backend",
        failedRestarts: settings(1, { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
      });
    }),
  );

  test("a failed rotation still reaches the operations topic; nothing watches a restart that does not exist", () => {
    expect(resources(json, "aws_cloudwatch_event_rule").map((rule) => rule.name)).toEqual([
      "treepli-production-backend-db-password-rotation-failed",
    ]);
    expect(resources(json, "aws_cloudwatch_event_target").map((target) => target.arn)).toEqual([TOPIC]);
    expect(resources(json, "aws_cloudwatch_metric_alarm")).toEqual([]);
  });
});
