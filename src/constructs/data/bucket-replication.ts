import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { ITerraformDependable, TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, serviceRoleTrust } from "../iam/policy-document";
import { denyInsecureTransport, makeBucketPrivate } from "./private-bucket";

/** Id of the one replication rule (the `RuleId` of its replication metrics). */
export const REPLICATION_RULE_ID = "replicate-everything";

/** Props of {@link BucketReplication}. */
export interface BucketReplicationProps {
  /** Name of the bucket to replicate (versioned, SSE-KMS). */
  readonly sourceBucketName: string;
  /** ARN of that bucket. */
  readonly sourceBucketArn: string;
  /** ARN of the KMS key its objects are encrypted with. */
  readonly sourceKeyArn: string;
  /** Region of the source bucket (the source key is used through S3 of that region only). */
  readonly sourceRegion: string;
  /**
   * What the source bucket's replication must wait for: its versioning (S3 refuses a replication
   * configuration on a bucket without versioning).
   */
  readonly sourceVersioning: ITerraformDependable;
  /** Name of the replica bucket to create. */
  readonly replicaBucketName: string;
  /** Region of the replica bucket. */
  readonly replicaRegion: string;
  /** Provider of the replica's region (the replica bucket and its key are created there). */
  readonly replicaProvider: TerraformProvider;
  /** The account: the replication role trusts S3 on its behalf only. */
  readonly accountId: string;
  /** Name of the replication role. */
  readonly roleName: string;
  /**
   * `true`: the replica bucket and key cannot be destroyed (`prevent_destroy`, no `force_destroy`).
   * `false`: destroying the bucket empties it first.
   */
  readonly protect: boolean;
  /**
   * Days the replica keeps an overwritten or deleted object's previous version (as the source does).
   *
   * @default 30
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * Replication of a bucket to a second region, for when the first region is lost:
 *
 * - a replica bucket in the second region: private (public access blocked, ACLs off, TLS only),
 *   versioned, encrypted with a key of its own in that region (rotation on, bucket key on), keeping
 *   previous versions as long as the source does;
 * - one rule replicating every object, its tags, and every deletion as a delete marker (a deleted
 *   object must not stay served from the replica after a failover), SSE-KMS objects included,
 *   re-encrypted with the replica's key, with replication metrics on (for the failed-replication alarm);
 * - a replication role that S3 assumes for this account only, allowed exactly: to read the source's
 *   replication configuration and object versions, to decrypt with the source key through S3 of the
 *   source region for that bucket's objects, to write replicas to the replica bucket, and to encrypt
 *   with the replica key through S3 of the replica region for that bucket's objects.
 *
 * Objects written before replication was configured are not replicated: copy them once with S3 Batch
 * Replication (docs/restore.md).
 */
export class BucketReplication extends Construct {
  /** The replica bucket. */
  public readonly replicaBucket: S3Bucket;

  /** The replica's key. */
  public readonly replicaKey: KmsKey;

  /** The role S3 replicates with. */
  public readonly role: IamRole;

  /** The source bucket's replication configuration. */
  public readonly configuration: S3BucketReplicationConfigurationA;

  constructor(scope: Construct, id: string, props: BucketReplicationProps) {
    super(scope, id);
    const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? 30;
    if (
      !Token.isUnresolved(noncurrentVersionExpirationDays) &&
      !(Number.isInteger(noncurrentVersionExpirationDays) && noncurrentVersionExpirationDays >= 1)
    ) {
      throw new Error(
        `BucketReplication "${id}": noncurrentVersionExpirationDays must be a whole number of at least 1, got ${noncurrentVersionExpirationDays}`,
      );
    }
    if (props.replicaRegion === props.sourceRegion) {
      throw new Error(
        `BucketReplication "${id}": replicaRegion must differ from sourceRegion (${props.sourceRegion}): a replica in the same region does not survive its loss`,
      );
    }
    const provider = props.replicaProvider;
    const protect = props.protect;

    this.replicaKey = new KmsKey(this, "replica-key", {
      provider,
      description: `Encrypts the objects of the replica bucket ${props.replicaBucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: protect },
    });
    new KmsAlias(this, "replica-key-alias", {
      provider,
      name: `alias/${props.replicaBucketName.replace(/\./g, "-")}`,
      targetKeyId: this.replicaKey.keyId,
    });

    const { bucket, versioning } = this.replica(props, this.replicaKey, noncurrentVersionExpirationDays);
    this.replicaBucket = bucket;
    this.role = this.replicationRole(props);

    this.configuration = new S3BucketReplicationConfigurationA(this, "configuration", {
      bucket: props.sourceBucketName,
      role: this.role.arn,
      rule: [
        {
          id: REPLICATION_RULE_ID,
          status: "Enabled",
          priority: 1,
          filter: { prefix: "" },
          deleteMarkerReplication: { status: "Enabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: this.replicaBucket.arn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: this.replicaKey.arn },
            metrics: { status: "Enabled" },
          },
        },
      ],
      dependsOn: [props.sourceVersioning, versioning],
    });
  }

  /** The replica bucket, private, versioned, encrypted with its key, expiring old versions. */
  private replica(
    props: BucketReplicationProps,
    key: KmsKey,
    noncurrentVersionExpirationDays: number,
  ): { bucket: S3Bucket; versioning: S3BucketVersioningA } {
    const provider = props.replicaProvider;
    const bucket = new S3Bucket(this, "replica-bucket", {
      provider,
      bucket: props.replicaBucketName,
      forceDestroy: !props.protect,
      lifecycle: { preventDestroy: props.protect },
    });
    const publicAccessBlock = makeBucketPrivate(this, bucket.id, "replica-", provider);
    const versioning = new S3BucketVersioningA(this, "replica-versioning", {
      provider,
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "replica-encryption", {
      provider,
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "replica-lifecycle", {
      provider,
      bucket: bucket.id,
      rule: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
      dependsOn: [versioning],
    });
    new S3BucketPolicy(this, "replica-policy", {
      provider,
      bucket: bucket.id,
      policy: policyDocument(denyInsecureTransport(bucket.arn)),
      dependsOn: [publicAccessBlock],
    });
    return { bucket, versioning };
  }

  /** The role S3 replicates with: exactly the two buckets and the two keys, each through S3 of its region. */
  private replicationRole(props: BucketReplicationProps): IamRole {
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: `S3 replicates ${props.sourceBucketName} to ${props.replicaBucketName} with this role`,
      assumeRolePolicy: serviceRoleTrust("s3.amazonaws.com", props.accountId),
    });
    const source = props.sourceBucketArn;
    const replica = this.replicaBucket.arn;
    // With bucket keys on, S3 uses the bucket's ARN as the encryption context (the object's ARN without).
    const encryptionContext = (bucketArn: string) => ({ "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] });
    new IamRolePolicy(this, "role-policy", {
      name: "replicate",
      role: role.id,
      policy: policyDocument(
        {
          Sid: "ReadReplicationConfiguration",
          Effect: "Allow",
          Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
          Resource: source,
        },
        {
          Sid: "ReadSourceVersions",
          Effect: "Allow",
          Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
          Resource: `${source}/*`,
        },
        {
          Sid: "WriteReplicas",
          Effect: "Allow",
          Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
          Resource: `${replica}/*`,
        },
        {
          Sid: "DecryptSourceObjects",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: props.sourceKeyArn,
          Condition: {
            StringEquals: { "kms:ViaService": `s3.${props.sourceRegion}.amazonaws.com` },
            StringLike: encryptionContext(source),
          },
        },
        {
          Sid: "EncryptReplicas",
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:GenerateDataKey"],
          Resource: this.replicaKey.arn,
          Condition: {
            StringEquals: { "kms:ViaService": `s3.${props.replicaRegion}.amazonaws.com` },
            StringLike: encryptionContext(replica),
          },
        },
      ),
    });
    return role;
  }
}
