import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Testing } from "cdktf";
import { AccountTrail, AccountTrailProps, trailArn } from "../../../src/constructs/ops/account-trail";
import { cloudTrailKeyStatements } from "../../../src/constructs/ops/key-policy-statements";
import { onlyResource, parse, policy } from "../../helpers";

const account = { accountId: "123456789012", partition: "aws" };
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TRAIL = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/treepli-account";
const baseProps: AccountTrailProps = {
  trailName: "treepli-account",
  bucketName: "treepli-cloudtrail-123456789012",
  account,
  region: "eu-west-1",
  kmsKeyArn: KEY,
  logRetentionDays: 365,
  protect: true,
};

function synthTrail(props: Partial<AccountTrailProps> = {}) {
  const synthesized = Testing.synthScope((scope) => {
    new AccountTrail(scope, "trail", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("AccountTrail", () => {
  describe("GIVEN a protected trail", () => {
    const { synthesized, json } = synthTrail();

    test("THEN it records management events of every region, with global services, validated and encrypted with the key", () => {
      expect(synthesized).toHaveResourceWithProperties(Cloudtrail, {
        name: "treepli-account",
        is_multi_region_trail: true,
        include_global_service_events: true,
        enable_log_file_validation: true,
        enable_logging: true,
        kms_key_id: KEY,
        event_selector: [{ read_write_type: "All", include_management_events: true }],
      });
    });

    test("THEN its bucket is private, versioned, encrypted with the key, and cannot be destroyed", () => {
      expect(synthesized).toHaveResourceWithProperties(S3Bucket, {
        bucket: "treepli-cloudtrail-123456789012",
        force_destroy: false,
        lifecycle: { prevent_destroy: true },
      });
      expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toEqual(
        expect.objectContaining({
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        }),
      );
      expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
      expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
      expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY }, bucket_key_enabled: true },
      ]);
    });

    test("THEN log files expire after the audit retention", () => {
      expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0].expiration).toEqual([{ days: 365 }]);
    });

    test("THEN the bucket admits CloudTrail for this trail only, under this account's prefix, and refuses plain HTTP", () => {
      const statements = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      expect(statements.map((s: any) => [s.Sid, s.Effect, s.Action, s.Principal])).toEqual([
        ["CloudTrailChecksTheBucketAcl", "Allow", "s3:GetBucketAcl", { Service: "cloudtrail.amazonaws.com" }],
        ["CloudTrailWritesThisTrailsLogFiles", "Allow", "s3:PutObject", { Service: "cloudtrail.amazonaws.com" }],
        ["DenyInsecureTransport", "Deny", "s3:*", { AWS: "*" }],
      ]);
      expect(statements[1].Resource).toMatch(/\/AWSLogs\/123456789012\/\*$/);
      for (const statement of statements.slice(0, 2)) expect(statement.Condition.StringEquals["aws:SourceArn"]).toBe(TRAIL);
    });

    test("THEN the trail is created after the bucket policy (CloudTrail checks it may write)", () => {
      expect(onlyResource(json, "aws_cloudtrail").depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\./)]);
    });
  });

  test("GIVEN an unprotected trail THEN its bucket is emptied and destroyed with the stack", () => {
    expect(synthTrail({ protect: false }).synthesized).toHaveResourceWithProperties(S3Bucket, {
      force_destroy: true,
      lifecycle: { prevent_destroy: false },
    });
  });

  test("GIVEN the key statements for the trail THEN CloudTrail may encrypt for exactly this trail and describe the key", () => {
    const statements = cloudTrailKeyStatements(account, trailArn(account, "eu-west-1", "treepli-account"));
    expect(statements).toEqual([
      expect.objectContaining({
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:GenerateDataKey*",
        Condition: {
          StringEquals: { "aws:SourceArn": TRAIL },
          StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*" },
        },
      }),
      expect.objectContaining({ Action: "kms:DescribeKey", Condition: { StringEquals: { "aws:SourceArn": TRAIL } } }),
    ]);
  });

  test("GIVEN a bad name or retention THEN it is refused", () => {
    expect(() => synthTrail({ trailName: "a" })).toThrow(/trailName must be 3-128 letters/);
    expect(() => synthTrail({ logRetentionDays: 0 })).toThrow(/logRetentionDays must be a whole number of at least 1, got 0/);
  });
});
