import { Construct } from "constructs";
import { AlarmSet, AlarmSetProps, atOrAbove, ThresholdAlarmSettings } from "./alarm-set";

/** Thresholds and timing of a work queue's alarms (configuration: `observability.alarms.queue`). */
export interface QueueAlarmSettings {
  /** Messages in the dead-letter queue. */
  readonly deadLetterMessages: ThresholdAlarmSettings;
  /** Age of the queue's oldest message, seconds. */
  readonly oldestMessageAgeSeconds: ThresholdAlarmSettings;
}

/** Props of {@link QueueAlarms}. */
export interface QueueAlarmsProps extends AlarmSetProps {
  /** Name of the work queue (the `QueueName` dimension). */
  readonly queueName: string;
  /** Name of its dead-letter queue. */
  readonly deadLetterQueueName: string;
  /** Thresholds and timing. */
  readonly settings: QueueAlarmSettings;
}

/**
 * The alarms of a queue worker's queue (`AWS/SQS`, published every 5 minutes): messages in the
 * dead-letter queue (work that failed `maxReceiveCount` times and will not be retried) and the age of
 * the oldest message (the worker is not keeping up, or not running). SQS stops publishing for a queue
 * idle for hours: missing data counts as not breaching.
 */
export class QueueAlarms extends AlarmSet {
  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    const { settings } = props;
    const sqs = (queueName: string, metricName: string) => ({
      namespace: "AWS/SQS",
      metricName,
      dimensions: { QueueName: queueName },
      statistic: "Maximum",
    });
    const idle = "SQS publishes nothing for an idle queue";
    super(scope, id, props, [
      atOrAbove(settings.deadLetterMessages, "", {
        id: "dead-letters",
        title: "Messages in the dead-letter queue",
        firstResponse: `messages failed every attempt: read the worker's logs for the failure, fix it, then move the messages back (aws sqs start-message-move-task --source-arn <arn of ${props.deadLetterQueueName}>).`,
        metric: sqs(props.deadLetterQueueName, "ApproximateNumberOfMessagesVisible"),
        missingDataReason: idle,
        unit: "messages",
      }),
      atOrAbove(settings.oldestMessageAgeSeconds, "s", {
        id: "oldest-message-age",
        title: "Age of the oldest message",
        firstResponse:
          "the worker is not keeping up or not running: check its running tasks against maxCount and its logs for stuck messages.",
        metric: sqs(props.queueName, "ApproximateAgeOfOldestMessage"),
        missingDataReason: idle,
        unit: "seconds",
      }),
    ]);
  }
}
