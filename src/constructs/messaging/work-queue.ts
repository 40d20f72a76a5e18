import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";

/** What SQS allows in a queue name, leaving room for the dead-letter queue's `-dlq`. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,76}$/;

/** Days the dead-letter queue keeps a message (SQS's maximum), counted from its first enqueue. */
export const DEAD_LETTER_RETENTION_DAYS = 14;

const SECONDS_PER_DAY = 86400;

/** What a consumer needs on its queue: receive, delete what it processed, extend or end a message's invisibility. */
export const SQS_CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"] as const;

/** Props of {@link WorkQueue}. */
export interface WorkQueueProps {
  /** Name of the queue (letters, digits, `-` and `_`, at most 76); the dead-letter queue is `<queueName>-dlq`. */
  readonly queueName: string;

  /**
   * Seconds a received message stays invisible to other consumers (0 to 43200). Longer than the slowest
   * message takes to process, or the consumer extends it with `ChangeMessageVisibility`.
   *
   * @default 300
   */
  readonly visibilityTimeoutSeconds?: number;

  /**
   * Days an unprocessed message is kept (1 to 7, so that a message moved to the dead-letter queue stays
   * there at least a week: the dead-letter queue keeps messages 14 days counted from their first enqueue).
   *
   * @default 4
   */
  readonly messageRetentionDays?: number;

  /**
   * Receives after which a message that was never deleted moves to the dead-letter queue (1 to 1000).
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * Seconds a receive waits for a message (long polling, 0 to 20): fewer empty receives, which SQS bills.
   *
   * @default 20
   */
  readonly receiveWaitTimeSeconds?: number;
}

/**
 * A standard SQS queue of work for one consumer, with its dead-letter queue:
 *
 * - both queues are encrypted at rest with SQS-managed keys (SSE-SQS): no key policy to keep in step
 *   with producers, and AWS services that publish to queues (SNS, EventBridge) can use them;
 * - a message received `maxReceiveCount` times without being deleted moves to the dead-letter queue,
 *   which keeps it 14 days (the maximum) for an operator to inspect and redrive; only this queue may use
 *   it as its dead-letter queue (`redrive_allow_policy`);
 * - both queue policies refuse every request not made over TLS;
 * - long polling (`receiveWaitTimeSeconds`).
 *
 * Who may send and consume is decided by IAM policies of the producers' and consumer's roles
 * ({@link SQS_CONSUME_ACTIONS}); the queue policies only add the TLS requirement.
 */
export class WorkQueue extends Construct {
  /** The queue. */
  public readonly queue: SqsQueue;

  /** The dead-letter queue. */
  public readonly deadLetterQueue: SqsQueue;

  /** ARN of the queue. */
  public readonly queueArn: string;

  /** URL of the queue (what the SDK's SendMessage and ReceiveMessage take). */
  public readonly queueUrl: string;

  /** Name of the queue (the `QueueName` dimension of its CloudWatch metrics). */
  public readonly queueName: string;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const visibilityTimeoutSeconds = props.visibilityTimeoutSeconds ?? 300;
    const messageRetentionDays = props.messageRetentionDays ?? 4;
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const receiveWaitTimeSeconds = props.receiveWaitTimeSeconds ?? 20;
    validate(id, props, { visibilityTimeoutSeconds, messageRetentionDays, maxReceiveCount, receiveWaitTimeSeconds });

    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: `${props.queueName}-dlq`,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_DAYS * SECONDS_PER_DAY,
      sqsManagedSseEnabled: true,
    });

    this.queue = new SqsQueue(this, "queue", {
      name: props.queueName,
      visibilityTimeoutSeconds,
      messageRetentionSeconds: messageRetentionDays * SECONDS_PER_DAY,
      receiveWaitTimeSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount }),
    });
    this.queueArn = this.queue.arn;
    this.queueUrl = this.queue.url;
    this.queueName = this.queue.name;

    // A separate resource: inline on the dead-letter queue it would name the queue, which names the
    // dead-letter queue (a cycle).
    new SqsQueueRedriveAllowPolicy(this, "dead-letter-redrive-allow-policy", {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [this.queue.arn] }),
    });

    for (const [policyId, queue] of [
      ["queue-policy", this.queue],
      ["dead-letter-queue-policy", this.deadLetterQueue],
    ] as const) {
      new SqsQueuePolicy(this, policyId, { queueUrl: queue.url, policy: policyDocument(denyInsecureQueueTransport(queue.arn)) });
    }
  }
}

/** The queue-policy statement that refuses every request not made over TLS. */
export function denyInsecureQueueTransport(queueArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: { AWS: "*" },
    Action: "sqs:*",
    Resource: queueArn,
    Condition: { Bool: { "aws:SecureTransport": false } },
  };
}

function validate(
  id: string,
  props: WorkQueueProps,
  resolved: { visibilityTimeoutSeconds: number; messageRetentionDays: number; maxReceiveCount: number; receiveWaitTimeSeconds: number },
): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.queueName) && !QUEUE_NAME.test(props.queueName)) {
    problems.push(`queueName must be 1 to 76 letters, digits, "-" and "_" (the dead-letter queue adds "-dlq"), got "${props.queueName}"`);
  }
  const ranges: Array<[keyof typeof resolved, number, number]> = [
    ["visibilityTimeoutSeconds", 0, 43200],
    ["messageRetentionDays", 1, 7],
    ["maxReceiveCount", 1, 1000],
    ["receiveWaitTimeSeconds", 0, 20],
  ];
  for (const [prop, min, max] of ranges) {
    const value = resolved[prop];
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > max)) {
      problems.push(`${prop} must be an integer from ${min} to ${max}, got ${value}`);
    }
  }
  if (problems.length > 0) throw new Error(`WorkQueue "${id}": invalid props:\n${problems.map((p) => `  ${p}`).join("\n")}`);
}
