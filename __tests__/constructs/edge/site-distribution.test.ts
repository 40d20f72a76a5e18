import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { TerraformVariable, Testing } from "cdktf";
import { SiteDistribution, SiteDistributionProps } from "../../../src/constructs/edge/site-distribution";
import { onlyResource, parse, TerraformJson } from "../../helpers";

const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/** Stands for `OriginSecretValues.current` (or a sensitive input): an expression, never a literal. */
const SECRET_TOKEN = "${var.origin_secret}";

const baseProps: SiteDistributionProps = {
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

    test("THEN content-hashed Next.js assets are cached (CachingOptimized), GET/HEAD only, and nothing else is", () => {
      expect(distribution.ordered_cache_behavior).toEqual([
        {
          path_pattern: "/_next/static/*",
          target_origin_id: distribution.origin[0].origin_id,
          viewer_protocol_policy: "redirect-to-https",
          allowed_methods: ["GET", "HEAD"],
          cached_methods: ["GET", "HEAD"],
          cache_policy_id: CACHING_OPTIMIZED,
          compress: true,
        },
      ]);
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

  describe("GIVEN a custom header name, extra immutable paths and a response headers policy", () => {
    const { distribution } = synthSite({
      originHeaderName: "X-Treepli-Origin",
      immutablePathPatterns: ["/_next/static/*", "/fonts/*"],
      responseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03",
    });

    test("THEN the header has that name", () => {
      expect(distribution.origin[0].custom_header).toEqual([{ name: "X-Treepli-Origin", value: SECRET_TOKEN }]);
    });

    test("THEN each path is cached and every behavior carries the response headers policy", () => {
      expect(distribution.ordered_cache_behavior.map((b: any) => [b.path_pattern, b.cache_policy_id])).toEqual([
        ["/_next/static/*", CACHING_OPTIMIZED],
        ["/fonts/*", CACHING_OPTIMIZED],
      ]);
      for (const behavior of [distribution.default_cache_behavior, ...distribution.ordered_cache_behavior]) {
        expect(behavior.response_headers_policy_id).toBe("67f7725c-6f97-4210-82d7-5512b31e9d03");
      }
    });
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
