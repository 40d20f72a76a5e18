import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { S3BucketCorsConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { defaultProviderOnly, onlyResource, parse, policy, resources, synthEnvironment, testConfig } from "../helpers";

describe("media layer", () => {
  describe("GIVEN production", () => {
    const synthesized = synthEnvironment(loadEnvironmentConfig("production")).media;
    // The bucket's own region (the replica and its key live in the second region, through another provider).
    const json = defaultProviderOnly(parse(synthesized));

    test("THEN the bucket is named after the environment and account, and cannot be destroyed by accident", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.bucket).toBe("treepli-production-media-222222222222");
      expect(bucket.force_destroy).toBe(false);
      expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
      expect(onlyResource(json, "aws_kms_key").lifecycle).toEqual({ prevent_destroy: true });
    });

    test("THEN browsers may upload only from the configured https origin: no local development origin", () => {
      expect(onlyResource(json, "aws_s3_bucket_cors_configuration").cors_rule).toEqual([
        expect.objectContaining({ id: "browser-uploads", allowed_origins: ["https://www.treepli.example"] }),
      ]);
      expect(synthesized).toHaveResourceWithProperties(S3BucketCorsConfiguration, { cors_rule: [expect.anything()] });
    });

    test("THEN the CDN uses the configured price class and the media domain, with a certificate from us-east-1", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontDistribution, {
        price_class: "PriceClass_200",
        aliases: ["media.treepli.example"],
      });
      const certificate = onlyResource(parse(synthesized), "aws_acm_certificate");
      expect(certificate.domain_name).toBe("media.treepli.example");
      expect(certificate.provider).toBe("aws.us_east_1");
      expect(json.provider.aws).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ alias: "us_east_1", region: "us-east-1", allowed_account_ids: ["222222222222"] }),
        ]),
      );
    });

    test("THEN without a hosted zone, the certificate's validation records are an output for the operator", () => {
      expect(Object.keys(json.output ?? {})).toEqual(
        expect.arrayContaining(["media_bucket_name", "media_cdn_domain_name", "media_certificate_validation_records"]),
      );
    });

    test("THEN the bucket policy admits CloudFront for this distribution only, and nothing public", () => {
      const statements = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      const allows = statements.filter((s) => s.Effect === "Allow");
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: "cloudfront.amazonaws.com" },
          Condition: { StringEquals: { "AWS:SourceArn": expect.stringMatching(/^\$\{aws_cloudfront_distribution\.[^}]+\.arn\}$/) } },
        }),
      ]);
    });
  });

  describe("GIVEN staging with a hosted zone", () => {
    const config = testConfig("staging", { domains: { hostedZoneId: "Z0123456789ABCDEFGHIJ" } });
    const json = parse(synthEnvironment(config).media);

    test("THEN Terraform validates the certificate and points the media name at the CDN", () => {
      expect(resources(json, "aws_acm_certificate_validation")).toHaveLength(1);
      const aliases = resources(json, "aws_route53_record").filter((r) => r.alias);
      expect(aliases.map((r) => [r.name, r.type]).sort()).toEqual([
        ["media.staging.treepli.example", "A"],
        ["media.staging.treepli.example", "AAAA"],
      ]);
      expect(Object.keys(json.output ?? {})).not.toContain("media_certificate_validation_records");
    });

    test("THEN the bucket can be destroyed with its objects (staging does not protect stateful resources)", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.force_destroy).toBe(true);
      expect(bucket.lifecycle).toEqual({ prevent_destroy: false });
    });
  });

  describe("GIVEN local (no domain)", () => {
    const synthesized = synthEnvironment(loadEnvironmentConfig("local")).media;

    test("THEN the CDN uses CloudFront's default certificate and no certificate is requested", () => {
      expect(synthesized).not.toHaveResource(AcmCertificate);
      expect(synthesized).toHaveResourceWithProperties(CloudfrontDistribution, {
        viewer_certificate: expect.objectContaining({ cloudfront_default_certificate: true }),
      });
    });
  });
});
