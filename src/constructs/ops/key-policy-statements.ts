import { PolicyStatement } from "../iam/policy-document";

/** The account a key policy is written for. */
export interface KeyPolicyAccount {
  /** The account id. */
  readonly accountId: string;
  /** The account's partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
}

/**
 * CloudWatch Logs may use the key for this account's log groups in `region`, and only for them: the
 * encryption context CloudWatch Logs sends names the log group (`kms:EncryptionContext:aws:logs:arn`),
 * as AWS documents for encrypting log data with KMS. Nobody reading the logs needs the key: CloudWatch
 * Logs decrypts for them.
 */
export function cloudWatchLogsKeyStatement(account: KeyPolicyAccount, region: string): PolicyStatement {
  return {
    Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
    Effect: "Allow",
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
    Resource: "*",
    Condition: {
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${account.partition}:logs:${region}:${account.accountId}:log-group:*` },
    },
  };
}

/**
 * The AWS services that publish to an encrypted SNS topic need the topic's key (SNS encrypts each
 * message with a data key it generates on the publisher's behalf); without this statement SNS drops
 * their notifications without an error anyone sees. The topic policy is where the publishers are scoped
 * to this account (`aws:SourceAccount`); the key names the same principals and nothing else.
 */
export function topicPublishersKeyStatement(publishers: readonly string[]): PolicyStatement {
  return {
    Sid: "OperationsTopicPublishersEncrypt",
    Effect: "Allow",
    Principal: { Service: [...publishers] },
    Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
    Resource: "*",
  };
}

/**
 * CloudTrail may encrypt the log files of exactly this trail (`aws:SourceArn`), for trails of this account
 * (`kms:EncryptionContext:aws:cloudtrail:arn`), and describe the key, as AWS documents the key policy for
 * CloudTrail. Reading the log files is granted through IAM (the account statement).
 */
export function cloudTrailKeyStatements(account: KeyPolicyAccount, trailArn: string): PolicyStatement[] {
  return [
    {
      Sid: "CloudTrailEncryptsTheTrailsLogFiles",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceArn": trailArn },
        StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${account.partition}:cloudtrail:*:${account.accountId}:trail/*` },
      },
    },
    {
      Sid: "CloudTrailDescribesKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceArn": trailArn } },
    },
  ];
}
