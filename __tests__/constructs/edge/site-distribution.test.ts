import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { TerraformVariable, Testing } from "cdktf";
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { SiteDistribution, SiteDistributionProps } from "../../../src/constructs/edge/site-distribution";
import { onlyResource, parse, TerraformJson } from "../../helpers";

const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/** Stands for `OriginSecretValues.current` (or a sensitive input): an expression, never a literal. */
const SECRET_TOKEN = "${var.origin_secret}";

const baseProps: SiteDistributionProps = {
  name: "treepli-test-site",
  originDomainName: "frontend-123.eu-west-1.elb.amazonaws.com",
  originUsesHttps: false,
  originSecretValue: SECRET_TOKEN,
};

function synthSite(props: Partial<SiteDistributionProps> = {}): { synthesized: string; distribution: any } {
  const synthesized = Testing.synthScope((scope) => {
    const secret = new TerraformVariable(scope, "origin_secret", { type: "string", sensitive: true });
    new SiteDistribution(scope, "site", { ...baseProps, originSecretValue: secret.stringValue, ...props });
  });
  const json: TerraformJson = parse(synthesized);
  return { synthesized, distribution: onlyResource(json, "aws_cloudfront_distribution") };
}

describe("SiteDistribution", () => {
  describe("GIVEN the defaults (origin = the ALB's DNS name over HTTP)", () => {
    const { synthesized, distribution } = synthSite();

    test("THEN every request to the origin carries the secret header, taken from Secrets Manager", () => {
      expect(distribution.origin).toHaveLength(1);
      expect(distribution.origin[0]).toMatchObject({
        domain_name: baseProps.originDomainName,
        custom_header: [{ name: "X-Origin-Verify", value: SECRET_TOKEN }],
      });
    });

    test("THEN CloudFront reaches the ALB over HTTP, as its DNS name has no certificate", () => {
      expect(distribution.origin[0].custom_origin_config).toEqual({
        http_port: 80,
        https_port: 443,
        origin_protocol_policy: "http-only",
        origin_ssl_protocols: ["TLSv1.2"],
        origin_read_timeout: 30,
        origin_keepalive_timeout: 5,
      });
    });

    test("THEN pages are not cached, all methods pass and every viewer header except Host reaches the origin", () => {
      expect(distribution.default_cache_behavior).toEqual(
        expect.objectContaining({
          target_origin_id: distribution.origin[0].origin_id,
          viewer_protocol_policy: "redirect-to-https",
          allowed_methods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cached_methods: ["GET", "HEAD"],
          cache_policy_id: CACHING_DISABLED,
          origin_request_policy_id: ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: true,
        }),
      );
    });

    test("THEN content-hashed assets, the image optimizer and public assets each have a GET/HEAD behavior, and nothing else is cached", () => {
      const json = parse(synthesized);
      const policyId = (name: string) =>
        `\${aws_cloudfront_cache_policy.${Object.entries(json.resource.aws_cloudfront_cache_policy).find(([, p]: [string, any]) => p.name === name)![0]}.id}`;
      const readOnly = { allowed_methods: ["GET", "HEAD"], cached_methods: ["GET", "HEAD"], viewer_protocol_policy: "redirect-to-https" };
      expect(distribution.ordered_cache_behavior.map((b: any) => [b.path_pattern, b.cache_policy_id, b.compress])).toEqual([
        ["/_next/static/*", CACHING_OPTIMIZED, true],
        ["/_next/image*", policyId("treepli-test-site-next-image"), false],
        ...["/favicon.ico", "/robots.txt", "/sitemap.xml", "/images/*", "/fonts/*"].map((p) => [
          p,
          policyId("treepli-test-site-public-assets"),
          true,
        ]),
      ]);
      for (const behavior of distribution.ordered_cache_behavior) {
        expect(behavior).toEqual(expect.objectContaining({ ...readOnly, target_origin_id: distribution.origin[0].origin_id }));
        expect(behavior.origin_request_policy_id).toBeUndefined();
      }
    });

    test("THEN optimized images are cached per url, width, quality and Accept (WebP/AVIF), honoring Next.js's Cache-Control, never per cookie", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontCachePolicy, {
        name: "treepli-test-site-next-image",
        min_ttl: 0,
        default_ttl: 86400,
        max_ttl: 31536000,
        parameters_in_cache_key_and_forwarded_to_origin: {
          enable_accept_encoding_gzip: false,
          enable_accept_encoding_brotli: false,
          query_strings_config: { query_string_behavior: "whitelist", query_strings: { items: ["url", "w", "q"] } },
          headers_config: { header_behavior: "whitelist", headers: { items: ["Accept"] } },
          cookies_config: { cookie_behavior: "none" },
        },
      });
    });

    test("THEN public assets (max-age=0 from Next.js) are cached at least 5 minutes and at most a day, keyed on the path only", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontCachePolicy, {
        name: "treepli-test-site-public-assets",
        min_ttl: 300,
        default_ttl: 3600,
        max_ttl: 86400,
        parameters_in_cache_key_and_forwarded_to_origin: {
          enable_accept_encoding_gzip: true,
          enable_accept_encoding_brotli: true,
          query_strings_config: { query_string_behavior: "none" },
          headers_config: { header_behavior: "none" },
          cookies_config: { cookie_behavior: "none" },
        },
      });
    });

    test("THEN every response gets HSTS (2 years, subdomains), nosniff, X-Frame-Options DENY and a strict referrer policy", () => {
      const json = parse(synthesized);
      const [policyName, headers] = Object.entries(json.resource.aws_cloudfront_response_headers_policy)[0] as [string, any];
      expect(headers).toEqual(
        expect.objectContaining({
          name: "treepli-test-site",
          security_headers_config: {
            strict_transport_security: { access_control_max_age_sec: 63072000, include_subdomains: true, preload: false, override: true },
            content_type_options: { override: true },
            frame_options: { frame_option: "DENY", override: true },
            referrer_policy: { referrer_policy: "strict-origin-when-cross-origin", override: true },
          },
        }),
      );
      expect(headers.cors_config).toBeUndefined();
      for (const behavior of [distribution.default_cache_behavior, ...distribution.ordered_cache_behavior]) {
        expect(behavior.response_headers_policy_id).toBe(`\${aws_cloudfront_response_headers_policy.${policyName}.id}`);
      }
    });

    test("THEN viewers get HTTPS (HTTP redirected), HTTP/2 and HTTP/3, IPv6, on the cheapest price class", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontDistribution, {
        enabled: true,
        http_version: "http2and3",
        is_ipv6_enabled: true,
        price_class: "PriceClass_100",
        restrictions: { geo_restriction: { restriction_type: "none" } },
      });
    });

    test("THEN it serves the default *.cloudfront.net certificate, without aliases", () => {
      expect(distribution.viewer_certificate).toEqual({ cloudfront_default_certificate: true });
      expect(distribution.aliases).toBeUndefined();
    });

    test("THEN an apply waits until the distribution is deployed", () => {
      expect(distribution.wait_for_deployment).toBe(true);
    });
  });

  describe("GIVEN an origin domain with HTTPS, aliases and a certificate", () => {
    const { distribution } = synthSite({
      originDomainName: "origin.treepli.com",
      originUsesHttps: true,
      aliases: ["treepli.com", "www.treepli.com"],
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
      priceClass: "PriceClass_All",
      waitForDeployment: false,
    });

    test("THEN CloudFront reaches the origin over HTTPS only, TLS 1.2", () => {
      expect(distribution.origin[0].domain_name).toBe("origin.treepli.com");
      expect(distribution.origin[0].custom_origin_config).toMatchObject({
        origin_protocol_policy: "https-only",
        origin_ssl_protocols: ["TLSv1.2"],
      });
    });

    test("THEN viewers reach the aliases with the certificate over SNI, TLS 1.2 or later", () => {
      expect(distribution.aliases).toEqual(["treepli.com", "www.treepli.com"]);
      expect(distribution.viewer_certificate).toEqual({
        acm_certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        ssl_support_method: "sni-only",
        minimum_protocol_version: "TLSv1.2_2021",
      });
    });

    test("THEN the price class and deployment wait follow the props", () => {
      expect(distribution).toMatchObject({ price_class: "PriceClass_All", wait_for_deployment: false });
    });
  });

  describe("GIVEN a custom header name, extra immutable paths, other public assets and a response headers policy", () => {
    const { synthesized, distribution } = synthSite({
      originHeaderName: "X-Treepli-Origin",
      immutablePathPatterns: ["/_next/static/*", "/fonts/*"],
      publicAssetPathPatterns: ["/robots.txt"],
      responseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03",
    });

    test("THEN the header has that name", () => {
      expect(distribution.origin[0].custom_header).toEqual([{ name: "X-Treepli-Origin", value: SECRET_TOKEN }]);
    });

    test("THEN each path is cached and every behavior carries the given response headers policy (none is created)", () => {
      expect(distribution.ordered_cache_behavior.map((b: any) => b.path_pattern)).toEqual([
        "/_next/static/*",
        "/fonts/*",
        "/_next/image*",
        "/robots.txt",
      ]);
      expect(distribution.ordered_cache_behavior[1].cache_policy_id).toBe(CACHING_OPTIMIZED);
      for (const behavior of [distribution.default_cache_behavior, ...distribution.ordered_cache_behavior]) {
        expect(behavior.response_headers_policy_id).toBe("67f7725c-6f97-4210-82d7-5512b31e9d03");
      }
      expect(parse(synthesized).resource.aws_cloudfront_response_headers_policy).toBeUndefined();
    });
  });

  test("fails when a path pattern would cache every page, or is listed twice", () => {
    expect(() => synthSite({ publicAssetPathPatterns: ["/*"] })).toThrow(/'publicAssetPathPatterns' must not contain '\/\*'/);
    expect(() => synthSite({ immutablePathPatterns: ["/fonts/*"] })).toThrow(/path pattern\(s\) \/fonts\/\* appear more than once/);
  });

  test("GIVEN dependsOn (the listener rule) THEN the distribution is updated after it, so the ALB accepts a new value first", () => {
    const json = parse(
      Testing.synthScope((scope) => {
        const rule = new LbListenerRule(scope, "rule", {
          listenerArn: "arn:listener",
          condition: [{ httpHeader: { httpHeaderName: "X-Origin-Verify", values: ["${local.v}"] } }],
          action: [{ type: "forward", targetGroupArn: "arn:tg" }],
        });
        new SiteDistribution(scope, "site", { ...baseProps, dependsOn: [rule] });
      }),
    );
    const [ruleName] = Object.keys(json.resource.aws_lb_listener_rule);
    expect(onlyResource(json, "aws_cloudfront_distribution").depends_on).toEqual([`aws_lb_listener_rule.${ruleName}`]);
  });

  test("fails on a literal secret value, which would be written into the synthesized JSON", () => {
    expect(() => synthSite({ originSecretValue: "s3cr3t-value" })).toThrow(/'originSecretValue' must be a token read from Secrets Manager/);
  });

  test("fails on a header name longer than 40 characters or reserved by CloudFront", () => {
    expect(() => synthSite({ originHeaderName: `X-${"a".repeat(39)}` })).toThrow(/'originHeaderName' must be 1 to 40 characters long/);
    expect(() => synthSite({ originHeaderName: "X-Edge-Secret" })).toThrow(
      /'originHeaderName' 'X-Edge-Secret' is a header CloudFront does not let/,
    );
  });

  test("fails on aliases without a certificate", () => {
    expect(() => synthSite({ aliases: ["treepli.com"] })).toThrow(/'aliases' \(treepli.com\) need 'certificateArn'/);
  });

  test("fails on an immutable path pattern that would cache every page", () => {
    expect(() => synthSite({ immutablePathPatterns: ["/*"] })).toThrow(/'immutablePathPatterns' must not contain '\/\*'/);
  });

  test("fails on an origin read timeout outside 1..180 seconds", () => {
    expect(() => synthSite({ originReadTimeoutSeconds: 0 })).toThrow(/'originReadTimeoutSeconds' must be from 1 to 180, got 0/);
  });
});
