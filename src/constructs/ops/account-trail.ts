import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { denyInsecureTransport, makeBucketPrivate } from "../data/private-bucket";
import { policyDocument } from "../iam/policy-document";
import { KeyPolicyAccount } from "./key-policy-statements";

/** Letters, digits, `.`, `_` and `-`, 3 to 128 characters, starting with a letter or digit: a trail name. */
const TRAIL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/;

/** The ARN of the trail named `name` in `region` (the trail's home region). */
export function trailArn(account: KeyPolicyAccount, region: string, name: string): string {
  return `arn:${account.partition}:cloudtrail:${region}:${account.accountId}:trail/${name}`;
}

/** Props of {@link AccountTrail}. */
export interface AccountTrailProps {
  /** Name of the trail. */
  readonly trailName: string;

  /** Name of the bucket to create for the log files (globally unique). */
  readonly bucketName: string;

  /** The account and partition (the bucket admits CloudTrail for this trail of this account only). */
  readonly account: KeyPolicyAccount;

  /** The trail's home region (where it and its bucket are created). */
  readonly region: string;

  /**
   * ARN of the customer-managed key CloudTrail encrypts the log files with (SSE-KMS); its policy must let
   * CloudTrail use it for this trail ({@link cloudTrailKeyStatements}). The bucket's default encryption
   * uses it too.
   */
  readonly kmsKeyArn: string;

  /** Days a log file is kept before it expires (the audit retention). */
  readonly logRetentionDays: number;

  /**
   * `true`: `prevent_destroy` on the bucket, never emptied on destroy. `false`: the bucket is emptied and
   * destroyed with the stack.
   */
  readonly protect: boolean;
}

/**
 * The account's CloudTrail trail: every region (a multi-region trail), management events (read and
 * write), global service events (IAM, STS), log file integrity validation (signed hourly digests), log
 * files encrypted with a customer-managed key, into a bucket of its own that is private (public access
 * blocked, ACLs disabled, TLS only), versioned and expires log files after the audit retention. The
 * bucket admits CloudTrail only for this trail (`aws:SourceArn`) and only under `AWSLogs/<account>/`.
 *
 * Besides the record it keeps, the trail is what makes EventBridge receive "AWS API Call via CloudTrail"
 * events in the account, which the estate's detections rely on.
 */
export class AccountTrail extends Construct {
  /** The trail. */
  public readonly trail: Cloudtrail;

  /** The bucket of the log files. */
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: AccountTrailProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.trailName) && !TRAIL_NAME.test(props.trailName)) {
      throw new Error(
        `AccountTrail "${id}": trailName must be 3-128 letters, digits, ".", "_" or "-", starting with a letter or digit, got "${props.trailName}"`,
      );
    }
    if (!Token.isUnresolved(props.logRetentionDays) && (!Number.isInteger(props.logRetentionDays) || props.logRetentionDays < 1)) {
      throw new Error(`AccountTrail "${id}": logRetentionDays must be a whole number of at least 1, got ${props.logRetentionDays}`);
    }
    const arn = trailArn(props.account, props.region, props.trailName);

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: !props.protect,
      lifecycle: { preventDestroy: props.protect },
    });
    const publicAccessBlock = makeBucketPrivate(this, this.bucket.id);
    new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-log-files",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.logRetentionDays }],
          // An overwritten or deleted log file (which CloudTrail never does) stays restorable for a month.
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument(
        {
          Sid: "CloudTrailChecksTheBucketAcl",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:GetBucketAcl",
          Resource: this.bucket.arn,
          Condition: { StringEquals: { "aws:SourceArn": arn } },
        },
        {
          Sid: "CloudTrailWritesThisTrailsLogFiles",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${this.bucket.arn}/AWSLogs/${props.account.accountId}/*`,
          Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": arn } },
        },
        denyInsecureTransport(this.bucket.arn),
      ),
      dependsOn: [publicAccessBlock],
    });

    this.trail = new Cloudtrail(this, "trail", {
      name: props.trailName,
      s3BucketName: this.bucket.id,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: props.kmsKeyArn,
      eventSelector: [{ readWriteType: "All", includeManagementEvents: true }],
      // CloudTrail checks that it may write to the bucket when the trail is created.
      dependsOn: [policy],
    });
  }

  /** ARN of the trail. */
  public get trailArn(): string {
    return this.trail.arn;
  }
}
