import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { createHash } from "crypto";
import { TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument } from "../iam/policy-document";

/**
 * The AWS services that publish to the operations topics, by what they send: CloudWatch alarms,
 * EventBridge rules (detections, failed automation), AWS Budgets, RDS event subscriptions and AWS Backup
 * (job and vault notifications). Each must be named in the topic policy and in the topic key's policy.
 */
export const OPERATIONS_TOPIC_PUBLISHERS = {
  cloudWatchAlarms: "cloudwatch.amazonaws.com",
  eventBridgeRules: "events.amazonaws.com",
  budgets: "budgets.amazonaws.com",
  rdsEvents: "events.rds.amazonaws.com",
  backup: "backup.amazonaws.com",
} as const;

/** One subscriber of a topic. */
export type TopicSubscriber =
  | {
      /** An email address; AWS first sends it a confirmation link. */
      readonly protocol: "email";
      readonly endpoint: string;
    }
  | {
      /** An HTTPS endpoint, given as a URL or as the name of an SSM SecureString parameter that holds it. */
      readonly protocol: "https";
      readonly endpoint?: string;
      readonly endpointParameterName?: string;
      /** The endpoint confirms the subscription itself. */
      readonly autoConfirms: boolean;
    };

/** Props of {@link OperationsTopic}. */
export interface OperationsTopicProps {
  /** Name of the topic (unique in the account and region), e.g. `treepli-production-ops`. */
  readonly name: string;

  /** The account whose services may publish (`aws:SourceAccount`). */
  readonly accountId: string;

  /** ARN of the customer-managed key the topic encrypts its messages with; its policy must admit the publishers. */
  readonly kmsKeyArn: string;

  /**
   * The service principals that may publish, and nobody else.
   *
   * @default - every service of {@link OPERATIONS_TOPIC_PUBLISHERS}
   */
  readonly publishers?: readonly string[];

  /**
   * Who receives the topic's messages.
   *
   * @default [] - nobody (the emulator's environment)
   */
  readonly subscribers?: readonly TopicSubscriber[];

  /**
   * `true`: `prevent_destroy` on the topic (production). A deleted topic takes its confirmed subscriptions
   * with it, and every alarm, rule, budget and backup plan naming its ARN notifies nothing until re-pointed.
   *
   * @default false
   */
  readonly protect?: boolean;

  /**
   * Provider of the topic's region.
   *
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * An SNS topic for operations notifications:
 *
 * - encrypted with a customer-managed key (the AWS-managed `aws/sns` key cannot be shared with AWS
 *   services, which then silently fail to publish);
 * - a topic policy that lets exactly the given AWS services publish, only on behalf of this account
 *   (`aws:SourceAccount`, the guard against another customer's alarm or rule naming this topic); people
 *   and roles of the account publish or subscribe through their IAM policies, nobody outside it at all;
 * - the configured email and HTTPS subscriptions.
 */
export class OperationsTopic extends Construct {
  /** The topic. */
  public readonly topic: SnsTopic;

  /** The topic policy. */
  public readonly policy: SnsTopicPolicy;

  constructor(scope: Construct, id: string, props: OperationsTopicProps) {
    super(scope, id);
    const publishers = props.publishers ?? Object.values(OPERATIONS_TOPIC_PUBLISHERS);
    const subscribers = props.subscribers ?? [];
    if (publishers.length === 0) throw new Error(`OperationsTopic "${id}": publishers is empty; nothing could notify the topic`);
    subscribers.forEach((subscriber, index) => {
      if (subscriber.protocol === "https" && [subscriber.endpoint, subscriber.endpointParameterName].filter(Boolean).length !== 1) {
        throw new Error(
          `OperationsTopic "${id}": subscribers[${index}] (https) must give exactly one of endpoint or endpointParameterName`,
        );
      }
      const url = subscriber.protocol === "https" ? subscriber.endpoint : undefined;
      if (url !== undefined && !Token.isUnresolved(url) && !url.startsWith("https://")) {
        throw new Error(`OperationsTopic "${id}": subscribers[${index}].endpoint must be an https URL, got "${url}"`);
      }
    });

    this.topic = new SnsTopic(this, "topic", {
      name: props.name,
      kmsMasterKeyId: props.kmsKeyArn,
      lifecycle: { preventDestroy: props.protect ?? false },
      provider: props.provider,
    });
    this.policy = new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: policyDocument({
        Sid: "AwsServicesOfThisAccountPublish",
        Effect: "Allow",
        Principal: { Service: [...publishers] },
        Action: "sns:Publish",
        Resource: this.topic.arn,
        Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
      }),
      provider: props.provider,
    });

    for (const subscriber of subscribers) {
      // Keyed by what it points at, so reordering the configuration moves no subscription (a new email
      // subscription waits for a new confirmation).
      const id = subscriptionId(subscriber);
      const endpoint =
        subscriber.protocol === "https" && subscriber.endpointParameterName !== undefined
          ? // In the home region (the stack's default provider), for the topics of both regions.
            new DataAwsSsmParameter(this, `${id}-endpoint`, { name: subscriber.endpointParameterName, withDecryption: true }).value
          : (subscriber.endpoint as string);
      new SnsTopicSubscription(this, id, {
        topicArn: this.topic.arn,
        protocol: subscriber.protocol,
        endpoint,
        endpointAutoConfirms: subscriber.protocol === "https" ? subscriber.autoConfirms : undefined,
        provider: props.provider,
      });
    }
  }

  /** ARN of the topic. */
  public get topicArn(): string {
    return this.topic.arn;
  }
}

/** A construct id naming what a subscription points at: `email-ops-treepli-com`, `https-param-treepli-ops-url`. */
function subscriptionId(subscriber: TopicSubscriber): string {
  const target =
    subscriber.protocol === "email"
      ? subscriber.endpoint
      : subscriber.endpointParameterName !== undefined
        ? `param-${subscriber.endpointParameterName}`
        : (subscriber.endpoint as string).replace(/^https:\/\//, "");
  const readable = `${subscriber.protocol}-${target.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
  return readable.length <= 64 ? readable : `${readable.slice(0, 55)}-${createHash("sha256").update(target).digest("hex").slice(0, 8)}`;
}
