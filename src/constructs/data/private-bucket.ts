import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { PolicyStatement } from "../iam/policy-document";

/**
 * What every bucket of the estate has: all four public-access blocks on, and ACLs disabled
 * (`BucketOwnerEnforced`: the bucket owner owns every object, access is decided by policies only).
 * Returns the public access block, for a bucket policy to depend on (a mistaken public statement is
 * then refused by S3 rather than briefly effective). `provider`: the bucket's region's, when it is not
 * the stack's default one.
 */
export function makeBucketPrivate(
  scope: Construct,
  bucketId: string,
  idPrefix = "",
  provider?: TerraformProvider,
): S3BucketPublicAccessBlock {
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, `${idPrefix}public-access-block`, {
    provider,
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, `${idPrefix}ownership`, {
    provider,
    bucket: bucketId,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  return publicAccessBlock;
}

/** The bucket-policy statement that refuses every request not made over TLS. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: { AWS: "*" },
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": false } },
  };
}
