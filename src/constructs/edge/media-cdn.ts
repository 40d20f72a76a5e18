import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketCorsConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { CLOUDFRONT_MINIMUM_VIEWER_TLS, CloudFrontPriceClass, MANAGED_CACHE_POLICY } from "./cloudfront-managed-policies";
import { SecurityHeadersPolicy } from "./security-headers-policy";
import { policyDocument } from "../iam/policy-document";
import { denyInsecureTransport, makeBucketPrivate } from "../data/private-bucket";

/**
 * Request headers a browser may send to the bucket when it uploads with a pre-signed URL: the
 * object's content headers (signed into the URL by the backend) and any `x-amz-*` header
 * (checksums, metadata, encryption, storage class).
 */
export const MEDIA_UPLOAD_ALLOWED_HEADERS = [
  "content-type",
  "content-md5",
  "content-disposition",
  "content-encoding",
  "cache-control",
  "x-amz-*",
] as const;

/**
 * Response headers a browser script may read: the `ETag` of each uploaded part is needed to
 * complete a multipart upload, and tells the client which content it stored.
 */
export const MEDIA_EXPOSED_HEADERS = ["ETag"] as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Props of {@link MediaCdn}. */
export interface MediaCdnProps {
  /** Name of the media bucket (globally unique; 3-63 lower-case letters, digits, dots and hyphens). */
  readonly bucketName: string;

  /**
   * Protect the media: `prevent_destroy` on the bucket and its KMS key, and the bucket is never
   * emptied on destroy (`force_destroy` off); the key's deletion window is 30 days. When false
   * (throw-away environments) the bucket is emptied and destroyed with the stack and the key is
   * scheduled for deletion after 7 days.
   */
  readonly protect: boolean;

  /**
   * Browser origins of the site (scheme, host, optional port; e.g. `https://www.treepli.com`) allowed
   * to upload to the bucket directly (PUT or POST with URLs the backend pre-signs) and to read it
   * through the S3 API. This and `corsDevelopmentOrigins` must not both be empty.
   */
  readonly corsAllowedOrigins: string[];

  /**
   * Local development origins (e.g. `http://localhost:3000`) allowed the same, in a CORS rule of
   * their own (`local-development-uploads`) so that a review sees them apart. Leave empty in production.
   *
   * @default []
   */
  readonly corsDevelopmentOrigins?: string[];

  /**
   * How long a browser may cache the answer to a CORS preflight.
   *
   * @default 3000
   */
  readonly corsMaxAgeSeconds?: number;

  /**
   * Days an overwritten or deleted object's previous version is kept (restorable) before it expires.
   *
   * @default 30
   */
  readonly noncurrentVersionExpirationDays?: number;

  /**
   * Days after which the parts of a multipart upload that was never completed are deleted (they
   * are invisible but billed).
   *
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;

  /**
   * Edge locations that serve the media.
   *
   * @default "PriceClass_100" - North America, Europe and Israel
   */
  readonly priceClass?: CloudFrontPriceClass;

  /**
   * Custom domain the media is served from, e.g. `media.treepli.com`. Requires `certificateArn`.
   *
   * @default - none; media is served from the distribution's `*.cloudfront.net` name with
   * CloudFront's default certificate
   */
  readonly domainName?: string;

  /**
   * ARN of an issued ACM certificate in **us-east-1** covering `domainName` (see
   * `CloudFrontCertificate`). Required with `domainName`, not allowed without it.
   *
   * @default - CloudFront's default certificate (only without `domainName`)
   */
  readonly certificateArn?: string;

  /**
   * Route 53 hosted zone of `domainName`: A and AAAA alias records pointing the name at the
   * distribution are created in it. Ignored without `domainName`.
   *
   * @default - no DNS records; the operator points `domainName` at the distribution
   */
  readonly hostedZoneId?: string;

  /**
   * Wait, on apply, until the distribution is deployed to every edge location (takes minutes on
   * AWS), so that the apply ends only when the media is actually served.
   *
   * @default true
   */
  readonly waitForDeployment?: boolean;

  /**
   * Comment on the distribution (shown in the console's distribution list; 128 characters at most).
   *
   * @default - "media: <bucketName>"
   */
  readonly comment?: string;
}

/**
 * The media store: a private S3 bucket written only by the backend (through IAM, with pre-signed
 * URLs for browser uploads) and read only by its own CloudFront distribution.
 *
 * Bucket:
 * - all public access blocked, ACLs disabled (`BucketOwnerEnforced`), plain-HTTP requests denied;
 * - versioned: an overwritten or deleted object can be restored for `noncurrentVersionExpirationDays`;
 *   incomplete multipart uploads and expired delete markers are cleaned up;
 * - encrypted with a customer-managed KMS key (rotated yearly; S3 bucket key on, so objects cost few
 *   KMS calls). Its key policy gives the account the key (so the backend's IAM role policy can grant
 *   `kms:GenerateDataKey`/`kms:Decrypt`, and nobody can be locked out), and lets CloudFront decrypt
 *   only on behalf of this distribution;
 * - the bucket policy lets CloudFront read objects (`s3:GetObject`) only for this distribution
 *   (`AWS:SourceArn`); nothing grants anybody else, let alone the public, any access. CloudFront
 *   gets no `s3:ListBucket`, so a missing key answers 403 rather than 404 (viewers cannot probe
 *   which keys exist);
 * - CORS lets the configured origins upload (PUT/POST) and read (GET/HEAD) directly; local
 *   development origins only where an environment opts in, in a rule of their own.
 *
 * Distribution: origin access control (SigV4, every request signed; no legacy origin access
 * identity), HTTPS only (HTTP redirects), HTTP/2 and HTTP/3, IPv6, compression. It uses the managed
 * `CachingOptimized` cache policy (long TTLs, nothing of the request in the cache key): media objects
 * are immutable by convention — the backend uploads every new file under a new, unique key and never
 * overwrites one — so nothing ever needs invalidating. Its response headers policy (a
 * {@link SecurityHeadersPolicy}) adds the security headers (HSTS, `nosniff` — an uploaded file is only
 * ever what its content type says —, `X-Frame-Options: DENY`, a strict referrer policy) and
 * `Access-Control-Allow-Origin: *` so that browser scripts (canvas, fetch) may read the media:
 * everything the CDN serves is public to whoever has the URL anyway, and no `Origin` header reaches
 * the bucket, so a cached response can never carry one site's `Allow-Origin` to another (the trap of
 * forwarding `Origin` without putting it in the cache key).
 *
 * Logging:
 * - No S3 server access logs: they would record only two callers, CloudFront (whose requests stand for
 *   viewers the bucket cannot see) and the backend's role; they are best-effort, and need a second,
 *   SSE-S3 bucket that admits the logging service. Who wrote or deleted what is better answered by
 *   CloudTrail S3 data events (the IAM principal of each call), on the account's trail.
 * - Viewer logs belong to the distribution and are added beside it (CloudFront standard logging v2 to
 *   CloudWatch Logs, `CloudFrontAccessLogs`), with no ACL-enabled bucket.
 */
export class MediaCdn extends Construct {
  /** The media bucket. */
  public readonly bucket: S3Bucket;

  /** The KMS key the bucket's objects are encrypted with. */
  public readonly key: KmsKey;

  /** The CloudFront distribution serving the bucket. */
  public readonly distribution: CloudfrontDistribution;

  /** The origin access control CloudFront signs its requests to the bucket with. */
  public readonly originAccessControl: CloudfrontOriginAccessControl;

  /** The bucket's versioning (replication and AWS Backup need it on before they are configured). */
  public readonly versioning: S3BucketVersioningA;

  private readonly customDomainName?: string;

  constructor(scope: Construct, id: string, props: MediaCdnProps) {
    super(scope, id);
    validate(props);
    const protect = props.protect;
    const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? 30;
    const abortIncompleteMultipartUploadDays = props.abortIncompleteMultipartUploadDays ?? 7;
    const corsMaxAgeSeconds = props.corsMaxAgeSeconds ?? 3000;
    const corsDevelopmentOrigins = props.corsDevelopmentOrigins ?? [];
    const priceClass = props.priceClass ?? "PriceClass_100";
    const waitForDeployment = props.waitForDeployment ?? true;
    const comment = props.comment ?? `media: ${props.bucketName}`;
    this.customDomainName = props.domainName;

    // Order, so that nothing depends on itself: key -> bucket (encrypted with the key) ->
    // distribution (reads the bucket) -> key policy and bucket policy (both name the distribution).
    // Until its policy is attached the key has KMS's default policy (the account may use it), which
    // is also what the policy below starts with.
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the objects of the media bucket ${props.bucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: protect ? 30 : 7,
      lifecycle: { preventDestroy: protect },
    });
    new KmsAlias(this, "key-alias", { name: `alias/${aliasSafe(props.bucketName)}`, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: !protect,
      lifecycle: { preventDestroy: protect },
    });
    const publicAccessBlock = makeBucketPrivate(this, this.bucket.id);
    this.versioning = this.configureBucket({
      noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays,
      corsMaxAgeSeconds,
      corsAllowedOrigins: props.corsAllowedOrigins,
      corsDevelopmentOrigins,
    });

    this.originAccessControl = new CloudfrontOriginAccessControl(this, "origin-access-control", {
      name: props.bucketName,
      description: `CloudFront reads the media bucket ${props.bucketName}`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });

    const headers = new SecurityHeadersPolicy(this, "response-headers", {
      name: aliasSafe(props.bucketName),
      comment: "Security headers and read-only CORS of the media CDN",
      allowAnyOriginToRead: true,
    });

    const originId = "media-bucket";
    this.distribution = new CloudfrontDistribution(this, "distribution", {
      enabled: true,
      comment,
      priceClass,
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      waitForDeployment,
      aliases: props.domainName ? [props.domainName] : undefined,
      origin: [
        {
          originId,
          domainName: this.bucket.bucketRegionalDomainName,
          originAccessControlId: this.originAccessControl.id,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: "redirect-to-https",
        // Read-only: OPTIONS is not needed, reads through the CDN are simple CORS requests.
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: MANAGED_CACHE_POLICY.CachingOptimized,
        responseHeadersPolicyId: headers.policyId,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: props.certificateArn
        ? { acmCertificateArn: props.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: CLOUDFRONT_MINIMUM_VIEWER_TLS }
        : { cloudfrontDefaultCertificate: true },
    });

    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument(denyInsecureTransport(this.bucket.arn), {
        Sid: "AllowCloudFrontRead",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `${this.bucket.arn}/*`,
        Condition: { StringEquals: { "AWS:SourceArn": this.distribution.arn } },
      }),
      // With all public access blocked first, a mistaken public statement is refused by S3 rather
      // than briefly effective.
      dependsOn: [publicAccessBlock],
    });

    const partition = new DataAwsPartition(this, "partition");
    const account = new DataAwsCallerIdentity(this, "account");
    new KmsKeyPolicy(this, "key-policy", {
      keyId: this.key.id,
      policy: policyDocument(
        {
          // The account administers and may use the key through IAM policies (the backend's task role
          // gets GenerateDataKey/Decrypt that way); without this statement the key could become
          // unmanageable. In a key policy, Resource "*" means this key.
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: `arn:${partition.partition}:iam::${account.accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "AllowCloudFrontDecrypt",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "AWS:SourceArn": this.distribution.arn } },
        },
      ),
    });

    if (props.domainName && props.hostedZoneId) {
      for (const type of ["A", "AAAA"]) {
        new Route53Record(this, `alias-${type.toLowerCase()}`, {
          zoneId: props.hostedZoneId,
          name: props.domainName,
          type,
          alias: {
            name: this.distribution.domainName,
            zoneId: this.distribution.hostedZoneId,
            evaluateTargetHealth: false,
          },
        });
      }
    }
  }

  /** The bucket's versioning, encryption (with the key), lifecycle and CORS for browser uploads. */
  private configureBucket(settings: {
    noncurrentVersionExpirationDays: number;
    abortIncompleteMultipartUploadDays: number;
    corsMaxAgeSeconds: number;
    corsAllowedOrigins: string[];
    corsDevelopmentOrigins: string[];
  }): S3BucketVersioningA {
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
          // One data key per bucket rather than a KMS call per object: cheaper, and far below KMS's
          // request quotas when CloudFront fetches many objects at once.
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: settings.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: settings.abortIncompleteMultipartUploadDays }],
          // A delete marker left alone once its object's versions expired only slows listings.
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
    });
    const uploadRule = (id: string, allowedOrigins: string[]) => ({
      id,
      allowedOrigins,
      allowedMethods: ["GET", "HEAD", "PUT", "POST"],
      allowedHeaders: [...MEDIA_UPLOAD_ALLOWED_HEADERS],
      exposeHeaders: [...MEDIA_EXPOSED_HEADERS],
      maxAgeSeconds: settings.corsMaxAgeSeconds,
    });
    new S3BucketCorsConfiguration(this, "cors", {
      bucket: this.bucket.id,
      corsRule: [
        ...(settings.corsAllowedOrigins.length > 0 ? [uploadRule("browser-uploads", settings.corsAllowedOrigins)] : []),
        ...(settings.corsDevelopmentOrigins.length > 0 ? [uploadRule("local-development-uploads", settings.corsDevelopmentOrigins)] : []),
      ],
    });
    return versioning;
  }

  /** Name of the media bucket. */
  public get bucketName(): string {
    return this.bucket.bucket;
  }

  /** ARN of the media bucket. */
  public get bucketArn(): string {
    return this.bucket.arn;
  }

  /** ARN of the KMS key; writers and readers through the S3 API need it in their IAM policy. */
  public get kmsKeyArn(): string {
    return this.key.arn;
  }

  /** The name media is served from: the custom domain when configured, else the distribution's. */
  public get cdnDomainName(): string {
    return this.customDomainName ?? this.distribution.domainName;
  }
}

function validate(props: MediaCdnProps): void {
  if (!Token.isUnresolved(props.bucketName) && !BUCKET_NAME.test(props.bucketName)) {
    throw new Error(
      `MediaCdn: 'bucketName' must be 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, got: "${props.bucketName}"`,
    );
  }
  if (props.corsAllowedOrigins.length + (props.corsDevelopmentOrigins ?? []).length === 0) {
    throw new Error(
      "MediaCdn: 'corsAllowedOrigins' must name at least one browser origin (e.g. \"https://www.treepli.com\"), or 'corsDevelopmentOrigins' one; without one, browsers cannot upload with pre-signed URLs",
    );
  }
  if (props.domainName !== undefined && props.certificateArn === undefined) {
    throw new Error(
      `MediaCdn: 'domainName' ("${props.domainName}") needs 'certificateArn': an issued ACM certificate in us-east-1 covering it (see CloudFrontCertificate)`,
    );
  }
  if (props.certificateArn !== undefined && props.domainName === undefined) {
    throw new Error("MediaCdn: 'certificateArn' is used only with 'domainName'; give the domain it covers, or leave both out");
  }
  const days: Array<[string, number | undefined]> = [
    ["noncurrentVersionExpirationDays", props.noncurrentVersionExpirationDays],
    ["abortIncompleteMultipartUploadDays", props.abortIncompleteMultipartUploadDays],
    ["corsMaxAgeSeconds", props.corsMaxAgeSeconds],
  ];
  for (const [name, value] of days) {
    if (value !== undefined && !Token.isUnresolved(value) && !(Number.isInteger(value) && value >= 1)) {
      throw new Error(`MediaCdn: '${name}' must be a whole number of at least 1, got: ${value}`);
    }
  }
}

/** KMS alias names allow letters, digits, `/`, `_` and `-`: a bucket name's dots become hyphens. */
function aliasSafe(bucketName: string): string {
  return Token.isUnresolved(bucketName) ? bucketName : bucketName.replace(/\./g, "-");
}
