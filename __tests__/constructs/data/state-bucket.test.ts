import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { StateBucket, StateBucketProps } from "../../../src/constructs/data/state-bucket";
import { onlyResource, parse, policy } from "../../helpers";

function synthBucket(props: Partial<StateBucketProps> = {}) {
  const synthesized = Testing.synthScope((scope) => {
    new StateBucket(scope, "state", { bucketName: "treepli-state", ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("StateBucket", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthBucket();

    test("THEN it cannot be destroyed by Terraform, nor emptied on destroy", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
      expect(bucket.force_destroy).toBe(false);
    });

    test("THEN every state version is kept (versioning on)", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    });

    test("THEN objects are encrypted with KMS by default", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [expect.objectContaining({ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" } })],
      });
    });

    test("THEN all public access is blocked and ACLs are disabled", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
    });

    test("THEN requests without TLS are denied", () => {
      const statements = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      expect(statements).toEqual([
        expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } }),
      ]);
    });

    test("THEN old state versions expire after 90 days, never the current one", () => {
      const rule = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0];
      expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
      expect(rule.expiration).toBeUndefined();
    });
  });

  describe("GIVEN protect: false", () => {
    const { json } = synthBucket({ protect: false });

    test("THEN it may be destroyed, emptied first", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.lifecycle).toEqual({ prevent_destroy: false });
      expect(bucket.force_destroy).toBe(true);
    });
  });
});
