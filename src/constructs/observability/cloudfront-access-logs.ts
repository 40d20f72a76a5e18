import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument } from "../iam/policy-document";
import { isLogRetentionDays, LOG_RETENTION_DAYS } from "./log-retention";

/** What a delivery source or destination name allows (1-60 letters, digits, `_` and `-`). */
const DELIVERY_NAME = /^[\w-]{1,60}$/;

/** Props of {@link CloudFrontAccessLogs}. */
export interface CloudFrontAccessLogsProps {
  /**
   * Name of the delivery source and destination (unique in the account's us-east-1), and of the log group
   * (`/aws/cloudfront/<name>`), e.g. `treepli-production-site`.
   */
  readonly name: string;

  /** ARN of the distribution whose viewer requests are logged. */
  readonly distributionArn: string;

  /** The account (the log group admits deliveries from this account only). */
  readonly accountId: string;

  /** The account's partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;

  /** Days the viewer logs are kept (a retention CloudWatch Logs accepts). */
  readonly retentionDays: number;

  /** ARN of the customer-managed key (in us-east-1) the log group is encrypted with. */
  readonly kmsKeyArn: string;

  /**
   * Provider for us-east-1: CloudFront's logs are delivered there, whatever the stack's region.
   */
  readonly provider: TerraformProvider;

  /**
   * Format of the log records.
   *
   * @default "json" - one JSON object per request, queryable with CloudWatch Logs Insights
   */
  readonly outputFormat?: "json" | "plain" | "w3c";
}

/**
 * CloudFront viewer logs with standard logging v2 (CloudWatch Logs vended logs): a delivery source for the
 * distribution's `ACCESS_LOGS`, a delivery destination pointing at a log group of its own (in us-east-1,
 * encrypted with the logs key, with a retention), and the delivery pairing them. No S3 bucket with ACLs
 * (the legacy standard logs' requirement, which the estate refuses everywhere) is involved.
 *
 * The log group's resource policy lets the log delivery service write to exactly this log group, on
 * behalf of this account's delivery sources (`aws:SourceAccount`, `aws:SourceArn`); written here so that
 * it is reviewed rather than added by CloudWatch Logs on the first `CreateDelivery` (CloudWatch Logs
 * allows 10 resource policies per region and account).
 */
export class CloudFrontAccessLogs extends Construct {
  /** The log group the viewer logs arrive in. */
  public readonly logGroup: CloudwatchLogGroup;

  /** The delivery source (the distribution's access logs). */
  public readonly source: CloudwatchLogDeliverySource;

  /** The delivery pairing source and destination. */
  public readonly delivery: CloudwatchLogDelivery;

  constructor(scope: Construct, id: string, props: CloudFrontAccessLogsProps) {
    super(scope, id);
    const outputFormat = props.outputFormat ?? "json";
    if (!Token.isUnresolved(props.name) && !DELIVERY_NAME.test(props.name)) {
      throw new Error(`CloudFrontAccessLogs "${id}": name must be 1-60 letters, digits, "_" or "-", got "${props.name}"`);
    }
    if (!Token.isUnresolved(props.retentionDays) && !isLogRetentionDays(props.retentionDays)) {
      throw new Error(
        `CloudFrontAccessLogs "${id}": retentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${props.retentionDays}`,
      );
    }
    const provider = props.provider;

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/cloudfront/${props.name}`,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKeyArn,
      provider,
    });
    const policy = new CloudwatchLogResourcePolicy(this, "delivery-policy", {
      policyName: `${props.name}-cloudfront-log-delivery`,
      policyDocument: policyDocument({
        Sid: "LogDeliveryWritesViewerLogs",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${this.logGroup.arn}:log-stream:*`,
        Condition: {
          StringEquals: { "aws:SourceAccount": props.accountId },
          ArnLike: { "aws:SourceArn": `arn:${props.partition}:logs:us-east-1:${props.accountId}:delivery-source:*` },
        },
      }),
      provider,
    });
    this.source = new CloudwatchLogDeliverySource(this, "source", {
      name: props.name,
      logType: "ACCESS_LOGS",
      resourceArn: props.distributionArn,
      provider,
    });
    const destination = new CloudwatchLogDeliveryDestination(this, "destination", {
      name: props.name,
      outputFormat,
      deliveryDestinationConfiguration: [{ destinationResourceArn: this.logGroup.arn }],
      provider,
    });
    this.delivery = new CloudwatchLogDelivery(this, "delivery", {
      deliverySourceName: this.source.name,
      deliveryDestinationArn: destination.arn,
      dependsOn: [policy],
      provider,
    });
  }
}
