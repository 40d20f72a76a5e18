import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { policyDocument } from "../iam/policy-document";
import { denyInsecureTransport, makeBucketPrivate } from "./private-bucket";

/** Props of {@link StateBucket}. */
export interface StateBucketProps {
  /** Name of the bucket. */
  readonly bucketName: string;

  /**
   * Refuse to destroy the bucket (`prevent_destroy`) and never empty it on destroy.
   * When false the bucket may be destroyed, emptying it first (`force_destroy`).
   *
   * @default true
   */
  readonly protect?: boolean;

  /**
   * Days a superseded state version is kept before it expires.
   *
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * The S3 bucket that holds Terraform state: versioned (every state ever written can be restored),
 * encrypted with KMS, all public access blocked, ACLs disabled, plain-HTTP requests denied.
 */
export class StateBucket extends Construct {
  /** The bucket. */
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const protect = props.protect ?? true;
    const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? 90;

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: !protect,
      lifecycle: { preventDestroy: protect },
    });
    makeBucketPrivate(this, this.bucket.id);
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    // KMS (the account's aws/s3 key) rather than SSE-S3, so every read of the state is a KMS call
    // that CloudTrail records.
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument(denyInsecureTransport(this.bucket.arn)),
    });
  }
}
