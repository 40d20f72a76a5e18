import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { BucketReplication, REPLICATION_RULE_ID } from "../constructs/data/bucket-replication";
import { CloudFrontCertificate } from "../constructs/edge/cloudfront-certificate";
import { MediaCdn } from "../constructs/edge/media-cdn";
import { partitionOf } from "../constructs/iam/policy-document";
import { CloudFrontAccessLogs } from "../constructs/observability/cloudfront-access-logs";
import { BucketReplicationAlarms } from "../constructs/observability/bucket-replication-alarms";
import { DashboardPanel } from "../constructs/observability/alarm-set";
import { DistributionAlarms } from "../constructs/observability/distribution-alarms";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { alarmProps, LayerMonitoring } from "./monitoring";
import { OpsRefs } from "./ops-stack";

/** What the backend uses of the media layer (tokens; see {@link NetworkRefs}). */
export interface MediaRefs {
  /** Name of the media bucket the backend uploads to. */
  readonly bucketName: string;
  /** ARN of the media bucket. */
  readonly bucketArn: string;
  /** ARN of the KMS key the bucket encrypts with; writers need kms:GenerateDataKey on it. */
  readonly kmsKeyArn: string;
  /** Domain name the CDN serves media from (the custom domain when configured). */
  readonly cdnDomainName: string;
}

/** Props of {@link MediaStack}. */
export interface MediaStackProps extends EnvironmentStackProps {
  /** The keys of the ops stack (the CDN's viewer logs are encrypted with its us-east-1 logs key). */
  readonly ops: OpsRefs;
}

/** The media bucket's name: globally unique through the account id, and recognisably the environment's. */
export function mediaBucketName(config: EnvironmentStackProps["config"]): string {
  return `treepli-${config.name}-media-${config.aws.accountId}`;
}

/** The media replica's name (in `media.replication.region`). */
export function mediaReplicaBucketName(config: EnvironmentStackProps["config"]): string {
  return `treepli-${config.name}-media-replica-${config.aws.accountId}`;
}

/** Props of {@link MediaStack}. */
export interface MediaStackProps extends EnvironmentStackProps {
  /** The operations layer: topics for the alarms, the backup plan the bucket joins. */
  readonly ops: OpsRefs;
}

/**
 * `<environment>-media`: the private bucket the backend writes user media to, and the CloudFront
 * distribution that serves it (origin access control; nothing else reads the bucket), with its viewer
 * logs (CloudFront standard logging v2, into a log group in us-east-1); the bucket's replica in a second
 * region and its daily AWS Backup (per configuration), and their alarms.
 */
export class MediaStack extends EnvironmentStack {
  /** The media store, for the backend. */
  public readonly media: MediaRefs;

  /** The CDN's and the replication's alarms, for the dashboard. */
  public readonly monitoring: LayerMonitoring;

  constructor(scope: Construct, props: MediaStackProps) {
    super(scope, "media", props);
    const { config, ops } = props;
    const domainName = config.domains.media;

    const certificate = domainName
      ? new CloudFrontCertificate(this, "certificate", {
          domainName,
          hostedZoneId: config.domains.hostedZoneId,
          provider: this.usEast1Provider(),
          validationRecordsOutput: "media_certificate_validation_records",
        })
      : undefined;

    const cdn = new MediaCdn(this, "media", {
      bucketName: mediaBucketName(config),
      protect: config.protectStatefulResources,
      corsAllowedOrigins: [...config.media.corsAllowedOrigins],
      corsDevelopmentOrigins: [...config.media.corsDevelopmentOrigins],
      priceClass: config.media.priceClass,
      noncurrentVersionExpirationDays: config.media.noncurrentVersionExpirationDays,
      domainName,
      certificateArn: certificate?.certificateArn,
      hostedZoneId: config.domains.hostedZoneId,
      comment: `treepli ${config.name} media`,
    });

    const name = `treepli-${config.name}-media`;
    new CloudFrontAccessLogs(this, "viewer-logs", {
      name,
      distributionArn: cdn.distribution.arn,
      accountId: config.aws.accountId,
      partition: partitionOf(config.aws.region),
      retentionDays: config.ops.auditLogRetentionDays,
      kmsKeyArn: ops.logsKeyArnUsEast1,
      provider: this.usEast1Provider(),
    });
    const cdnAlarms = new DistributionAlarms(this, "cdn-alarms", {
      ...alarmProps(this, ops, `${name}-cdn`, `Media CDN (${config.domains.media ?? "CloudFront"})`, "us-east-1"),
      distributionId: cdn.distribution.id,
      originDescription: "the media bucket",
      settings: config.observability.alarms.distribution,
    });
    const panels: DashboardPanel[] = [cdnAlarms.panel];

    const replicationRegion = config.media.replication?.region;
    if (replicationRegion !== undefined) {
      const replication = new BucketReplication(this, "replication", {
        sourceBucketName: cdn.bucketName,
        sourceBucketArn: cdn.bucketArn,
        sourceKeyArn: cdn.kmsKeyArn,
        sourceRegion: config.aws.region,
        sourceVersioning: cdn.versioning,
        replicaBucketName: mediaReplicaBucketName(config),
        replicaRegion: replicationRegion,
        replicaProvider: this.regionProvider(replicationRegion),
        accountId: config.aws.accountId,
        roleName: `${name}-replication`,
        protect: config.protectStatefulResources,
        noncurrentVersionExpirationDays: config.media.noncurrentVersionExpirationDays,
      });
      const replicationAlarms = new BucketReplicationAlarms(this, "replication-alarms", {
        ...alarmProps(this, ops, `${name}-replication`, `Replica ${mediaReplicaBucketName(config)} (${replicationRegion})`),
        sourceBucketName: mediaBucketName(config),
        destinationBucketName: mediaReplicaBucketName(config),
        ruleId: REPLICATION_RULE_ID,
        failedOperations: config.observability.alarms.replication.failedOperations,
      });
      panels.push(replicationAlarms.panel);
      new TerraformOutput(this, "media_replica_bucket_name", {
        description: `Replica of the media bucket in ${replicationRegion}`,
        value: replication.replicaBucket.bucket,
      });
    }
    this.monitoring = { requestPath: { title: `Media: CDN → bucket ${mediaBucketName(config)}`, panels }, otherRows: [] };

    if (config.backup.mediaBucket) {
      // Daily AWS Backup of the bucket (its versions), in the environment's plan (the ops layer).
      new BackupSelection(this, "backup", {
        name: `${name}-bucket`,
        planId: ops.backupPlanId,
        iamRoleArn: ops.backupRoleArn,
        resources: [cdn.bucketArn],
        dependsOn: [cdn.versioning],
      });
    }

    this.media = {
      bucketName: cdn.bucketName,
      bucketArn: cdn.bucketArn,
      kmsKeyArn: cdn.kmsKeyArn,
      cdnDomainName: cdn.cdnDomainName,
    };

    new TerraformOutput(this, "media_bucket_name", { description: "Bucket the backend uploads media to", value: cdn.bucketName });
    new TerraformOutput(this, "media_cdn_domain_name", { description: "Domain name media is served from", value: cdn.cdnDomainName });
    new TerraformOutput(this, "media_distribution_id", {
      description: "CloudFront distribution of the media CDN (for invalidations)",
      value: cdn.distribution.id,
    });
  }
}
