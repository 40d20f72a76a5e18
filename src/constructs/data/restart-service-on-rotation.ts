import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { Construct } from "constructs";
import { policyDocument, serviceRoleTrust } from "../iam/policy-document";
import { DEAD_LETTER_RETENTION_DAYS, denyInsecureQueueTransport } from "../messaging/work-queue";

/** Props of {@link RestartServiceOnRotation}. */
export interface RestartServiceOnRotationProps {
  /** Prefix of the rule, document and roles' names, e.g. `treepli-production-backend`. */
  readonly namePrefix: string;
  /** ARN of the secret whose successful rotation restarts the service. */
  readonly secretArn: string;
  /** Name of the service's cluster. */
  readonly clusterName: string;
  /** ARN of the service's cluster. */
  readonly clusterArn: string;
  /** Name of the service to restart. */
  readonly serviceName: string;
  /** ARN of the service to restart. */
  readonly serviceArn: string;

  /**
   * How long EventBridge keeps retrying to start the runbook (throttling, a transient error) before it
   * gives the event up to the dead-letter queue, in seconds (60 to 86400).
   *
   * @default 3600
   */
  readonly maximumEventAgeSeconds?: number;

  /**
   * How many times EventBridge retries starting the runbook before it gives the event up to the
   * dead-letter queue (0 to 185).
   *
   * @default 10
   */
  readonly maximumRetryAttempts?: number;
}

/**
 * Restarts an ECS service's tasks after a secret they read at start was rotated: an EventBridge rule on
 * Secrets Manager's `RotationSucceeded` event (recorded by CloudTrail) for that one secret starts an
 * SSM Automation runbook that calls `ecs:UpdateService` with `forceNewDeployment` on that one service.
 *
 * The new tasks start with the new password; the old ones drain through an ordinary rolling deployment
 * (circuit breaker included). Between the rotation and the old tasks' replacement (a few minutes), new
 * connections opened by old tasks fail authentication: the application must retry connecting, and
 * should keep its pooled connections, which stay valid. Everything here is plain hashicorp/aws: no
 * Lambda function to build, patch and own.
 *
 * `RotationSucceeded` is a CloudTrail *service* event (detail-type `AWS Service Event via CloudTrail`,
 * the secret's ARN in `detail.additionalEventData.SecretId`), which CloudTrail sends to the default event
 * bus; EventBridge documents a trail as required only for `AWS API Call via CloudTrail` events. Delivery
 * is best effort: a missed event leaves the old tasks running with the old password until their next
 * deployment, so alarm on the service's database connection errors as well.
 *
 * A Lambda function calling `UpdateService` would do the same, but it is code to build, patch and own; a
 * scheduled forced deployment (EventBridge Scheduler, ECS `UpdateService` universal target) would not be
 * tied to the rotation. The runbook needs no code, and its executions are recorded by Systems Manager.
 *
 * What goes wrong is not silent: EventBridge retries starting the runbook (`maximumRetryAttempts`,
 * `maximumEventAgeSeconds`) and then puts the event in a dead-letter queue (SSE-SQS, 14 days) that only
 * this rule may send to. A failed rotation, an Automation execution that did not complete and the rule's
 * failed invocations are notified by `SecretRotationAlarms` (observability), with the layer's other alarms.
 */
export class RestartServiceOnRotation extends Construct {
  /** The EventBridge rule. */
  public readonly rule: CloudwatchEventRule;

  /** The Automation runbook forcing a new deployment of the service. */
  public readonly document: SsmDocument;

  /** The rule's name, as a plain string (for alarms and dashboards in other stacks: no cross-stack output). */
  public readonly ruleName: string;

  /** The runbook's name, as a plain string. */
  public readonly runbookName: string;

  /** Where EventBridge puts a rotation event it could not start the runbook for (alarm on its messages). */
  public readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: RestartServiceOnRotationProps) {
    super(scope, id);
    const maximumEventAgeSeconds = props.maximumEventAgeSeconds ?? 3600;
    const maximumRetryAttempts = props.maximumRetryAttempts ?? 10;
    if (!Number.isInteger(maximumEventAgeSeconds) || maximumEventAgeSeconds < 60 || maximumEventAgeSeconds > 86400) {
      throw new Error(
        `RestartServiceOnRotation "${id}": maximumEventAgeSeconds must be a whole number from 60 to 86400, got ${maximumEventAgeSeconds}`,
      );
    }
    if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < 0 || maximumRetryAttempts > 185) {
      throw new Error(
        `RestartServiceOnRotation "${id}": maximumRetryAttempts must be a whole number from 0 to 185, got ${maximumRetryAttempts}`,
      );
    }
    this.ruleName = `${props.namePrefix}-secret-rotated`;
    this.runbookName = `${props.namePrefix}-restart`;
    const partition = new DataAwsPartition(this, "partition").partition;
    const region = new DataAwsRegion(this, "region").name;
    const account = new DataAwsCallerIdentity(this, "account").accountId;
    const trust = (service: string) => serviceRoleTrust(service, account);

    const automationRole = new IamRole(this, "automation-role", {
      name: `${props.namePrefix}-restart`,
      description: `Forces a new deployment of ${props.serviceName} after its database password rotated`,
      assumeRolePolicy: trust("ssm.amazonaws.com"),
    });
    new IamRolePolicy(this, "automation-policy", {
      name: "restart-service",
      role: automationRole.id,
      policy: policyDocument({
        Effect: "Allow",
        Action: "ecs:UpdateService",
        Resource: props.serviceArn,
        Condition: { ArnEquals: { "ecs:cluster": props.clusterArn } },
      }),
    });

    this.document = new SsmDocument(this, "runbook", {
      name: this.runbookName,
      documentType: "Automation",
      documentFormat: "JSON",
      content: JSON.stringify({
        schemaVersion: "0.3",
        description: `Starts a new deployment of ${props.serviceName} so that its tasks read the rotated secret`,
        assumeRole: "{{ AutomationAssumeRole }}",
        parameters: { AutomationAssumeRole: { type: "String", description: "Role the runbook runs as" } },
        mainSteps: [
          {
            name: "ForceNewDeployment",
            action: "aws:executeAwsApi",
            inputs: {
              Service: "ecs",
              Api: "UpdateService",
              cluster: props.clusterName,
              service: props.serviceName,
              forceNewDeployment: true,
            },
          },
        ],
      }),
    });

    const eventsRole = new IamRole(this, "events-role", {
      name: `${props.namePrefix}-restart-trigger`,
      description: `Lets EventBridge start the runbook restarting ${props.serviceName}`,
      assumeRolePolicy: trust("events.amazonaws.com"),
    });
    // EventBridge targets a runbook as `automation-definition/<name>` (its default version); IAM sees the
    // resolved version, `automation-definition/<name>:<version>`, hence `:*` — still this one runbook.
    const automationDefinition = `arn:${partition}:ssm:${region}:${account}:automation-definition/${this.document.name}`;
    new IamRolePolicy(this, "events-policy", {
      name: "start-runbook",
      role: eventsRole.id,
      policy: policyDocument(
        { Effect: "Allow", Action: "ssm:StartAutomationExecution", Resource: `${automationDefinition}:*` },
        {
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: automationRole.arn,
          Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
        },
      ),
    });

    this.rule = new CloudwatchEventRule(this, "rotation-succeeded", {
      name: this.ruleName,
      description: `A rotation of ${props.serviceName}'s database secret succeeded`,
      eventPattern: JSON.stringify({
        source: ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        detail: {
          eventSource: ["secretsmanager.amazonaws.com"],
          eventName: ["RotationSucceeded"],
          additionalEventData: { SecretId: [props.secretArn] },
        },
      }),
    });
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: `${props.namePrefix}-restart-dlq`,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_DAYS * 86400,
      sqsManagedSseEnabled: true,
    });
    new SqsQueuePolicy(this, "dead-letter-queue-policy", {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument(
        {
          Sid: "ThisRuleDeadLetters",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: this.deadLetterQueue.arn,
          Condition: { ArnEquals: { "aws:SourceArn": this.rule.arn } },
        },
        denyInsecureQueueTransport(this.deadLetterQueue.arn),
      ),
    });
    new CloudwatchEventTarget(this, "restart", {
      rule: this.rule.name,
      targetId: "force-new-deployment",
      arn: automationDefinition,
      roleArn: eventsRole.arn,
      input: JSON.stringify({ AutomationAssumeRole: [automationRole.arn] }),
      retryPolicy: { maximumEventAgeInSeconds: maximumEventAgeSeconds, maximumRetryAttempts },
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
    });
  }
}
