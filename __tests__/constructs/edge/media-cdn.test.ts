import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { TerraformOutput, Testing } from "cdktf";
import { MANAGED_CACHE_POLICY } from "../../../src/constructs/edge/cloudfront-managed-policies";
import { MediaCdn, MediaCdnProps } from "../../../src/constructs/edge/media-cdn";
import { onlyResource, parse, policy, resources } from "../../helpers";

const BUCKET = "treepli-staging-media-123456789012";
const CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc";

function synthMedia(props: Partial<MediaCdnProps> = {}) {
  let cdn: MediaCdn | undefined;
  const synthesized = Testing.synthScope((scope) => {
    cdn = new MediaCdn(scope, "media", {
      bucketName: BUCKET,
      protect: true,
      corsAllowedOrigins: ["https://www.treepli.com"],
      ...props,
    });
    new TerraformOutput(scope, "cdn_domain_name", { value: cdn.cdnDomainName });
  });
  return { synthesized, json: parse(synthesized), cdn: cdn! };
}

/** The Terraform address of the single resource of a type, e.g. `aws_cloudfront_distribution.media_...`. */
function address(json: ReturnType<typeof parse>, type: string): string {
  const names = Object.keys(json.resource[type] ?? {});
  if (names.length !== 1) throw new Error(`expected exactly one ${type}, found ${names.length}`);
  return `${type}.${names[0]}`;
}

describe("MediaCdn", () => {
  describe("GIVEN the defaults (protected, no custom domain)", () => {
    const { synthesized, json } = synthMedia();
    const distribution = onlyResource(json, "aws_cloudfront_distribution");
    const distributionArn = `\${${address(json, "aws_cloudfront_distribution")}.arn}`;

    test("THEN all public access is blocked and ACLs are disabled", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
    });

    test("THEN the bucket and its key cannot be destroyed by Terraform, nor the bucket emptied", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
      expect(bucket.force_destroy).toBe(false);
      const key = onlyResource(json, "aws_kms_key");
      expect(key.lifecycle).toEqual({ prevent_destroy: true });
      expect(key.deletion_window_in_days).toBe(30);
    });

    test("THEN overwritten and deleted media stays restorable (versioning on)", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    });

    test("THEN objects are encrypted with the bucket's own rotated KMS key, with a bucket key", () => {
      expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
      expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [
          {
            apply_server_side_encryption_by_default: {
              sse_algorithm: "aws:kms",
              kms_master_key_id: `\${${address(json, "aws_kms_key")}.arn}`,
            },
            bucket_key_enabled: true,
          },
        ],
      });
      expect(synthesized).toHaveResourceWithProperties(KmsAlias, { name: `alias/${BUCKET}` });
    });

    test("THEN the key policy keeps the account in control and lets only this distribution decrypt", () => {
      const keyPolicy = onlyResource(json, "aws_kms_key_policy");
      expect(keyPolicy.key_id).toBe(`\${${address(json, "aws_kms_key")}.id}`);
      const statements = policy(keyPolicy.policy).Statement;
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: "Allow",
          Principal: {
            AWS: expect.stringMatching(
              /^arn:\$\{data\.aws_partition\.[^}]+\}:iam::\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:root$/,
            ),
          },
          Action: "kms:*",
        }),
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "kms:Decrypt",
          Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
        }),
      ]);
    });

    test("THEN the key's own resource carries no inline policy, so key -> bucket -> distribution -> policy has no cycle", () => {
      expect(onlyResource(json, "aws_kms_key").policy).toBeUndefined();
    });

    test("THEN the bucket policy denies plain HTTP and lets only this distribution read objects", () => {
      const bucketArn = `\${${address(json, "aws_s3_bucket")}.arn}`;
      const statements = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": false } },
        }),
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: `${bucketArn}/*`,
          Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
        }),
      ]);
    });

    test("THEN no statement allows a wildcard principal, and every service is pinned to this distribution", () => {
      const documents = [onlyResource(json, "aws_s3_bucket_policy").policy, onlyResource(json, "aws_kms_key_policy").policy];
      const allows = documents.flatMap((document) => policy(document).Statement.filter((statement) => statement.Effect === "Allow"));
      for (const statement of allows) {
        expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
        if (statement.Principal.Service) expect(statement.Condition.StringEquals["AWS:SourceArn"]).toBeDefined();
      }
    });

    test("THEN old versions expire after 30 days, failed uploads after 7, and dangling delete markers are removed", () => {
      const rules = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule;
      expect(rules).toHaveLength(1);
      expect(rules[0]).toMatchObject({
        status: "Enabled",
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        expiration: [{ expired_object_delete_marker: true }],
      });
      // Current media never expires.
      expect(rules[0].expiration[0].days).toBeUndefined();
    });

    test("THEN no local development origin may upload: there is one CORS rule, the site's", () => {
      expect(onlyResource(json, "aws_s3_bucket_cors_configuration").cors_rule.map((r: any) => r.id)).toEqual(["browser-uploads"]);
    });

    test("THEN browsers on the configured origins may upload with pre-signed URLs and read", () => {
      const [rule] = onlyResource(json, "aws_s3_bucket_cors_configuration").cors_rule;
      expect(rule.allowed_origins).toEqual(["https://www.treepli.com"]);
      expect(rule.allowed_methods).toEqual(["GET", "HEAD", "PUT", "POST"]);
      expect(rule.allowed_headers).toEqual(expect.arrayContaining(["content-type", "content-md5", "x-amz-*"]));
      expect(rule.expose_headers).toEqual(["ETag"]);
      expect(rule.max_age_seconds).toBe(3000);
    });

    test("THEN CloudFront signs every request to the bucket with an origin access control", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontOriginAccessControl, {
        origin_access_control_origin_type: "s3",
        signing_behavior: "always",
        signing_protocol: "sigv4",
      });
      expect(distribution.origin).toEqual([
        {
          origin_id: "media-bucket",
          domain_name: `\${${address(json, "aws_s3_bucket")}.bucket_regional_domain_name}`,
          origin_access_control_id: `\${${address(json, "aws_cloudfront_origin_access_control")}.id}`,
        },
      ]);
    });

    test("THEN viewers are redirected to HTTPS, read only, compressed, with immutable-media caching and CORS", () => {
      expect(distribution.default_cache_behavior).toEqual(
        expect.objectContaining({
          viewer_protocol_policy: "redirect-to-https",
          allowed_methods: ["GET", "HEAD"],
          cached_methods: ["GET", "HEAD"],
          compress: true,
          cache_policy_id: MANAGED_CACHE_POLICY.CachingOptimized,
          response_headers_policy_id: `\${${address(json, "aws_cloudfront_response_headers_policy")}.id}`,
        }),
      );
      // Legacy cache settings would conflict with the cache policy.
      expect(distribution.default_cache_behavior.forwarded_values).toBeUndefined();
    });

    test("THEN every response gets HSTS, nosniff, X-Frame-Options DENY, a strict referrer policy, and may be read by any site's scripts (GET/HEAD, no credentials)", () => {
      expect(onlyResource(json, "aws_cloudfront_response_headers_policy")).toEqual(
        expect.objectContaining({
          security_headers_config: {
            strict_transport_security: { access_control_max_age_sec: 63072000, include_subdomains: true, preload: false, override: true },
            content_type_options: { override: true },
            frame_options: { frame_option: "DENY", override: true },
            referrer_policy: { referrer_policy: "strict-origin-when-cross-origin", override: true },
          },
          cors_config: {
            access_control_allow_credentials: false,
            access_control_allow_origins: { items: ["*"] },
            access_control_allow_methods: { items: ["GET", "HEAD"] },
            access_control_allow_headers: { items: ["*"] },
            origin_override: true,
          },
        }),
      );
    });

    test("THEN it serves HTTP/2 and HTTP/3 over IPv4 and IPv6 from the cheapest price class, waiting for deployment", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontDistribution, {
        enabled: true,
        http_version: "http2and3",
        is_ipv6_enabled: true,
        price_class: "PriceClass_100",
        wait_for_deployment: true,
        comment: `media: ${BUCKET}`,
      });
    });

    test("THEN the default certificate is used, without aliases or DNS records", () => {
      expect(distribution.viewer_certificate).toEqual({ cloudfront_default_certificate: true });
      expect(distribution.aliases).toBeUndefined();
      expect(resources(json, "aws_route53_record")).toEqual([]);
    });

    test("THEN the CDN domain name is the distribution's", () => {
      expect(json.output?.cdn_domain_name.value).toBe(`\${${address(json, "aws_cloudfront_distribution")}.domain_name}`);
    });
  });

  describe("GIVEN protect: false", () => {
    const { json } = synthMedia({ protect: false });

    test("THEN the bucket is emptied and destroyed with the stack, the key deleted after 7 days", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.lifecycle).toEqual({ prevent_destroy: false });
      expect(bucket.force_destroy).toBe(true);
      const key = onlyResource(json, "aws_kms_key");
      expect(key.lifecycle).toEqual({ prevent_destroy: false });
      expect(key.deletion_window_in_days).toBe(7);
    });
  });

  describe("GIVEN a custom domain with a certificate and a hosted zone", () => {
    const { json, cdn } = synthMedia({
      domainName: "media.treepli.com",
      certificateArn: CERTIFICATE_ARN,
      hostedZoneId: "Z123",
      priceClass: "PriceClass_All",
      waitForDeployment: false,
      noncurrentVersionExpirationDays: 90,
      abortIncompleteMultipartUploadDays: 2,
    });
    const distribution = onlyResource(json, "aws_cloudfront_distribution");

    test("THEN the distribution answers for the domain with the certificate, SNI and TLS 1.2 at least", () => {
      expect(distribution.aliases).toEqual(["media.treepli.com"]);
      expect(distribution.viewer_certificate).toEqual({
        acm_certificate_arn: CERTIFICATE_ARN,
        ssl_support_method: "sni-only",
        minimum_protocol_version: "TLSv1.2_2021",
      });
    });

    test("THEN the name points at the distribution over IPv4 and IPv6", () => {
      const records = resources(json, "aws_route53_record");
      expect(records.map((record) => record.type).sort()).toEqual(["A", "AAAA"]);
      const distributionAddress = address(json, "aws_cloudfront_distribution");
      for (const record of records) {
        expect(record).toMatchObject({
          zone_id: "Z123",
          name: "media.treepli.com",
          alias: {
            name: `\${${distributionAddress}.domain_name}`,
            zone_id: `\${${distributionAddress}.hosted_zone_id}`,
            evaluate_target_health: false,
          },
        });
      }
    });

    test("THEN the CDN domain name is the custom domain", () => {
      expect(cdn.cdnDomainName).toBe("media.treepli.com");
      expect(json.output?.cdn_domain_name.value).toBe("media.treepli.com");
    });

    test("THEN price class, deployment wait and retention follow the props", () => {
      expect(distribution.price_class).toBe("PriceClass_All");
      expect(distribution.wait_for_deployment).toBe(false);
      const [rule] = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule;
      expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
      expect(rule.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 2 }]);
    });
  });

  describe("GIVEN a hosted zone but no custom domain", () => {
    const { json } = synthMedia({ hostedZoneId: "Z123" });

    test("THEN no DNS record is created (there is no name to point)", () => {
      expect(resources(json, "aws_route53_record")).toEqual([]);
    });
  });

  describe("GIVEN a bucket name with dots", () => {
    const { json } = synthMedia({ bucketName: "media.treepli.com" });

    test("THEN the key alias replaces them, as KMS aliases allow no dots", () => {
      expect(onlyResource(json, "aws_kms_alias").name).toBe("alias/media-treepli-com");
    });
  });

  describe("GIVEN invalid props", () => {
    const build = (props: Partial<MediaCdnProps>) => () => synthMedia(props);

    test("THEN no CORS origin fails, naming the prop", () => {
      expect(build({ corsAllowedOrigins: [] })).toThrow(/'corsAllowedOrigins' must name at least one browser origin/);
      expect(build({ corsAllowedOrigins: [], corsDevelopmentOrigins: ["http://localhost:3000"] })).not.toThrow();
    });

    test("THEN a domain without a certificate fails", () => {
      expect(build({ domainName: "media.treepli.com" })).toThrow(/'domainName' \("media.treepli.com"\) needs 'certificateArn'/);
    });

    test("THEN a certificate without a domain fails", () => {
      expect(build({ certificateArn: CERTIFICATE_ARN })).toThrow(/'certificateArn' is used only with 'domainName'/);
    });

    test("THEN an invalid bucket name fails before AWS would", () => {
      expect(build({ bucketName: "Treepli_Media" })).toThrow(/'bucketName' must be 3-63 lower-case .* got: "Treepli_Media"/);
    });

    test("THEN a retention of zero days fails", () => {
      expect(build({ noncurrentVersionExpirationDays: 0 })).toThrow(
        /'noncurrentVersionExpirationDays' must be a whole number of at least 1, got: 0/,
      );
    });
  });
});
