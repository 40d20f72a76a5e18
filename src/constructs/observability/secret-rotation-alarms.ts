import { Construct } from "constructs";
import { AlarmSet, AlarmSetProps, ThresholdAlarmSettings } from "./alarm-set";
import { EventNotification } from "./event-notification";

/** Automation runs whose execution ended without restarting anything. */
export const FAILED_AUTOMATION_STATES = ["Failed", "TimedOut", "Cancelled"] as const;

/** Props of {@link SecretRotationAlarms}. */
export interface SecretRotationAlarmsProps extends AlarmSetProps {
  /** ARN of the rotated secret (the database's master user secret, rotated by RDS). */
  readonly secretArn: string;
  /** What the secret is, for messages, e.g. `the backend database's master password`. */
  readonly secretDescription: string;
  /**
   * The restart that follows a successful rotation (`RestartServiceOnRotation`), while the service still
   * reads the password: the failed invocations of its EventBridge rule (`ruleName`) raise the alarm, and
   * the failed executions of its SSM Automation runbook (`runbookName`) are notified.
   *
   * @default - no restart: only failed rotations are notified
   */
  readonly restart?: { readonly ruleName: string; readonly runbookName: string };
  /** Name of the service the runbook restarts, for messages. */
  readonly serviceName: string;
  /** Threshold and timing of the failed-invocations alarm (configuration: `observability.alarms.rotation.failedRestarts`). */
  readonly failedRestarts: ThresholdAlarmSettings;
}

/** An EventBridge metric of one rule on the default bus (summed per period). */
function events(ruleName: string, metricName: string) {
  return { namespace: "AWS/Events", metricName, dimensions: { RuleName: ruleName }, statistic: "Sum" };
}

/**
 * What tells the operator that the database password's rotation, or the automation that follows it,
 * went wrong — none of it has a CloudWatch metric of its own, except the rule's invocations:
 *
 * - Secrets Manager's `RotationFailed` / `RotationAbandoned` events for the secret (CloudTrail service
 *   events on the default bus, like the `RotationSucceeded` the restart acts on) → the operations topic;
 * - an execution of the restart runbook that failed, timed out or was cancelled (Systems Manager's
 *   `EC2 Automation Execution Status-change Notification`) → the operations topic;
 * - an alarm on the restart rule's failed invocations, dead-lettered or not (EventBridge could not start the runbook: a
 *   missing permission of its role, a deleted runbook). The rule fires only after a rotation, so a
 *   period without data is not breaching.
 *
 * Without these, a failed rotation leaves the old password in place silently, and a failed restart
 * leaves the tasks on a password that no longer works at their next connection.
 */
export class SecretRotationAlarms extends AlarmSet {
  /** The rotation failure notification. */
  public readonly rotationFailed: EventNotification;

  /** The failed-restart notification, when there is a restart. */
  public readonly restartFailed?: EventNotification;

  constructor(scope: Construct, id: string, props: SecretRotationAlarmsProps) {
    const { failedRestarts, restart } = props;
    super(
      scope,
      id,
      props,
      restart === undefined
        ? []
        : [
            {
              id: "restart-failed-invocations",
              title: `Restarts of ${props.serviceName} EventBridge could not start`,
              thresholdText: `${failedRestarts.threshold} invocations`,
              firstResponse: `the password rotated but ${props.serviceName} was not restarted: start a deployment by hand (aws ecs update-service --force-new-deployment), then check the rule ${restart.ruleName}'s role.`,
              // A target with a dead-letter queue (RestartServiceOnRotation's) counts an event given up after its
              // retries in InvocationsSentToDlq, which FailedInvocations does not include (EventBridge's metric
              // reference); InvocationsFailedToBeSentToDlq is such an event lost outright. Any of them means a
              // rotation that no restart followed.
              metric: {
                expression: "FILL(failed, 0) + FILL(deadLettered, 0) + FILL(lost, 0)",
                label: `Restarts of ${props.serviceName} EventBridge could not start`,
                metrics: {
                  failed: events(restart.ruleName, "FailedInvocations"),
                  deadLettered: events(restart.ruleName, "InvocationsSentToDlq"),
                  lost: events(restart.ruleName, "InvocationsFailedToBeSentToDlq"),
                },
              },
              comparison: "GreaterThanOrEqualToThreshold",
              threshold: failedRestarts.threshold,
              timing: failedRestarts,
              treatMissingData: "notBreaching",
              missingDataReason: "the rule fires only after a rotation",
              unit: "invocations",
            },
          ],
    );
    this.rotationFailed = new EventNotification(this, "rotation-failed", {
      ruleName: `${props.namePrefix}-rotation-failed`,
      description: `A rotation of ${props.secretDescription} failed or was abandoned`,
      eventPattern: {
        source: ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        detail: {
          eventSource: ["secretsmanager.amazonaws.com"],
          eventName: ["RotationFailed", "RotationAbandoned"],
          additionalEventData: { SecretId: [props.secretArn] },
        },
      },
      topicArn: props.topicArn,
      provider: props.provider,
      summary: `Secrets Manager: the rotation of ${props.secretDescription} failed`,
      firstResponse:
        "the old password still works: read the secret's rotation status (aws secretsmanager describe-secret) and the RDS events of the instance; rotate again once fixed (aws secretsmanager rotate-secret).",
    });
    if (restart === undefined) return;
    this.restartFailed = new EventNotification(this, "restart-failed", {
      ruleName: `${props.namePrefix}-restart-failed`,
      description: `The runbook restarting ${props.serviceName} after a rotation did not succeed`,
      eventPattern: {
        source: ["aws.ssm"],
        "detail-type": ["EC2 Automation Execution Status-change Notification"],
        detail: { Definition: [restart.runbookName], Status: [...FAILED_AUTOMATION_STATES] },
      },
      topicArn: props.topicArn,
      provider: props.provider,
      summary: `Systems Manager: restarting ${props.serviceName} after its password rotated failed`,
      firstResponse: `the tasks still hold the old password: start a deployment by hand (aws ecs update-service --force-new-deployment --service ${props.serviceName}), then read the execution's failure (aws ssm get-automation-execution).`,
    });
  }
}
