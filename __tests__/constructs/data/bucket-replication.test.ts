import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { BucketReplication, REPLICATION_RULE_ID } from "../../../src/constructs/data/bucket-replication";
import { onlyResource, parse, policy, resources } from "../../helpers";

const SOURCE = "arn:aws:s3:::treepli-production-media-222222222222";
const SOURCE_KEY = "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555";

function synth(protect = true, replicaRegion = "eu-central-1") {
  return parse(
    Testing.synthScope((scope) => {
      const replicaProvider = new AwsProvider(scope, "aws-eu-central-1", { region: "eu-central-1", alias: "eu_central_1" });
      const sourceVersioning = new S3BucketVersioningA(scope, "source-versioning", {
        bucket: "treepli-production-media-222222222222",
        versioningConfiguration: { status: "Enabled" },
      });
      new BucketReplication(scope, "replication", {
        sourceBucketName: "treepli-production-media-222222222222",
        sourceBucketArn: SOURCE,
        sourceKeyArn: SOURCE_KEY,
        sourceRegion: "eu-west-1",
        sourceVersioning,
        replicaBucketName: "treepli-production-media-replica-222222222222",
        replicaRegion,
        replicaProvider,
        accountId: "222222222222",
        roleName: "treepli-production-media-replication",
        protect,
        noncurrentVersionExpirationDays: 30,
      });
    }),
  );
}

describe("BucketReplication", () => {
  const json = synth();
  const replica = "${aws_s3_bucket.replication_replica-bucket_";

  test("the replica bucket lives in the second region, cannot be destroyed in production, and is private", () => {
    const bucket = onlyResource(json, "aws_s3_bucket");
    expect(bucket).toEqual(
      expect.objectContaining({
        bucket: "treepli-production-media-replica-222222222222",
        provider: "aws.eu_central_1",
        force_destroy: false,
      }),
    );
    expect(bucket.lifecycle.prevent_destroy).toBe(true);
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toEqual(
      expect.objectContaining({
        provider: "aws.eu_central_1",
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    );
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule.object_ownership).toBe("BucketOwnerEnforced");
    expect(policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny" }),
    ]);
  });

  test("the replica is versioned and encrypted with its own rotating key of its region, and keeps old versions as long as the source", () => {
    const versioning = resources(json, "aws_s3_bucket_versioning").find((v) => String(v.bucket).startsWith(replica));
    expect(versioning.versioning_configuration.status).toBe("Enabled");
    const key = onlyResource(json, "aws_kms_key");
    expect(key).toEqual(expect.objectContaining({ provider: "aws.eu_central_1", enable_key_rotation: true }));
    const encryption = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption.rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: expect.stringMatching(/aws_kms_key\.replication_replica-key_.*\.arn/),
    });
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0].noncurrent_version_expiration).toEqual([
      { noncurrent_days: 30 },
    ]);
  });

  test("one rule replicates every object and deletion, SSE-KMS objects re-encrypted with the replica's key, with metrics on", () => {
    const configuration = onlyResource(json, "aws_s3_bucket_replication_configuration");
    expect(configuration.bucket).toBe("treepli-production-media-222222222222");
    expect(configuration.provider).toBeUndefined();
    expect(configuration.rule).toEqual([
      {
        id: REPLICATION_RULE_ID,
        status: "Enabled",
        priority: 1,
        filter: { prefix: "" },
        delete_marker_replication: { status: "Enabled" },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" } },
        destination: {
          bucket: expect.stringMatching(/aws_s3_bucket\.replication_replica-bucket_.*\.arn/),
          storage_class: "STANDARD",
          encryption_configuration: { replica_kms_key_id: expect.stringMatching(/aws_kms_key\.replication_replica-key_.*\.arn/) },
          metrics: { status: "Enabled" },
        },
      },
    ]);
    // S3 refuses a replication configuration before both buckets are versioned.
    expect(configuration.depends_on).toEqual([
      expect.stringMatching(/^aws_s3_bucket_versioning\.source-versioning/),
      expect.stringMatching(/^aws_s3_bucket_versioning\.replication_replica-versioning/),
    ]);
  });

  test("the replication role may exactly read the source, write replicas, and use each key through S3 of its region for its bucket", () => {
    const role = onlyResource(json, "aws_iam_role");
    expect(policy(role.assume_role_policy).Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "s3.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": "222222222222" } },
      }),
    ]);
    const statements = policy(onlyResource(json, "aws_iam_role_policy").policy).Statement;
    expect(statements.map((s: any) => [s.Sid, s.Action, s.Resource])).toEqual([
      ["ReadReplicationConfiguration", ["s3:GetReplicationConfiguration", "s3:ListBucket"], SOURCE],
      ["ReadSourceVersions", ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], `${SOURCE}/*`],
      [
        "WriteReplicas",
        ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
        expect.stringMatching(/replica-bucket_.*\.arn\}\/\*$/),
      ],
      ["DecryptSourceObjects", "kms:Decrypt", SOURCE_KEY],
      ["EncryptReplicas", ["kms:Encrypt", "kms:GenerateDataKey"], expect.stringMatching(/aws_kms_key\.replication_replica-key_.*\.arn/)],
    ]);
    expect(statements[3].Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": [SOURCE, `${SOURCE}/*`] },
    });
    expect(statements[4].Condition.StringEquals).toEqual({ "kms:ViaService": "s3.eu-central-1.amazonaws.com" });
  });

  test("GIVEN an unprotected environment THEN the replica can be destroyed (emptied first)", () => {
    const bucket = onlyResource(synth(false), "aws_s3_bucket");
    expect(bucket.force_destroy).toBe(true);
    expect(bucket.lifecycle.prevent_destroy).toBe(false);
  });

  test("GIVEN the source's own region as the replica's THEN construction fails", () => {
    expect(() => synth(true, "eu-west-1")).toThrow(/replicaRegion must differ from sourceRegion \(eu-west-1\)/);
  });
});
