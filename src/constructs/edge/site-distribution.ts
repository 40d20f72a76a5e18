import {
  CloudfrontDistribution,
  CloudfrontDistributionOrderedCacheBehavior,
  CloudfrontDistributionViewerCertificate,
} from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import {
  CLOUDFRONT_MINIMUM_VIEWER_TLS,
  CloudFrontPriceClass,
  MANAGED_CACHE_POLICY,
  MANAGED_ORIGIN_REQUEST_POLICY,
} from "./cloudfront-managed-policies";
import { DEFAULT_ORIGIN_HEADER_NAME, validateOriginHeaderName } from "./origin-secret";

/** Id of the site's only origin inside the distribution. */
const ORIGIN_ID = "site";

const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];
const READ_METHODS = ["GET", "HEAD"];

/** Props of {@link SiteDistribution}. */
export interface SiteDistributionProps {
  /**
   * Domain name CloudFront connects to: the load balancer's DNS name, or a name of the site that
   * points at it (e.g. `origin.treepli.com`) when the origin is reached over HTTPS.
   */
  readonly originDomainName: string;

  /**
   * Whether CloudFront reaches the origin over HTTPS (`https-only`, TLS 1.2) or plain HTTP
   * (`http-only`). Use HTTPS whenever a domain is configured: CloudFront checks that the origin's
   * certificate matches `originDomainName`, so HTTPS needs a name the load balancer has a
   * certificate for; its bare DNS name (`*.elb.amazonaws.com`) has none, hence HTTP without a domain.
   * Over HTTP the secret header crosses the internet in clear text.
   */
  readonly originUsesHttps: boolean;

  /**
   * Value of the secret origin header (a token: {@link OriginSecretValues.current}); never a literal.
   */
  readonly originSecretValue: string;

  /**
   * Name of the secret origin header; at most 40 characters (the limit of an ALB condition).
   *
   * @default "X-Origin-Verify"
   */
  readonly originHeaderName?: string;

  /**
   * Names the site is served under (CNAMEs). Each needs `certificateArn`.
   *
   * @default - none: the site answers only on the distribution's `*.cloudfront.net` name
   */
  readonly aliases?: string[];

  /**
   * ACM certificate (in us-east-1) covering `aliases`, served with SNI and at least TLS 1.2
   * (`TLSv1.2_2021`). Required when `aliases` is given.
   *
   * @default - CloudFront's default `*.cloudfront.net` certificate
   */
  readonly certificateArn?: string;

  /**
   * Edge locations that serve the site: `PriceClass_100` (North America, Europe), `PriceClass_200`
   * (and most other regions) or `PriceClass_All`.
   *
   * @default "PriceClass_100"
   */
  readonly priceClass?: CloudFrontPriceClass;

  /**
   * Path patterns whose responses never change for a given URL (content-hashed build output), cached
   * with the managed CachingOptimized policy, GET/HEAD only. Everything else is not cached and is
   * forwarded with all viewer headers, cookies and query strings except `Host`.
   * Next.js's `public/` files are not content-hashed, so they are not cached by default, and
   * `/_next/image` depends on query strings and `Accept`, which CachingOptimized ignores.
   *
   * @default ["/_next/static/*"]
   */
  readonly immutablePathPatterns?: string[];

  /**
   * Response headers policy (e.g. the managed SecurityHeadersPolicy) applied to every behavior.
   *
   * @default - none; the application sets its own response headers
   */
  readonly responseHeadersPolicyId?: string;

  /**
   * Seconds CloudFront waits for the origin's response.
   *
   * @default 30
   */
  readonly originReadTimeoutSeconds?: number;

  /**
   * Wait until the distribution is deployed to every edge location before the apply finishes, so
   * that a rotation of the origin secret is known to have reached the edge before the old value is
   * retired.
   *
   * @default true
   */
  readonly waitForDeployment?: boolean;

  /**
   * Comment shown in the CloudFront console.
   *
   * @default - none
   */
  readonly comment?: string;

  /**
   * Resources updated before the distribution, e.g. the {@link OriginHeaderListenerRule}, so that
   * during a rotation the load balancer accepts a new secret value before CloudFront sends it.
   *
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];

  /**
   * Tags of the distribution.
   *
   * @default {}
   */
  readonly tags?: Record<string, string>;
}

/**
 * The CloudFront distribution in front of the Next.js site:
 *
 * - one custom origin (the public ALB) that receives the secret origin header on every request;
 * - viewers redirected to HTTPS, HTTP/2 and HTTP/3, IPv6, compression;
 * - by default nothing cached (managed CachingDisabled) and every viewer header, cookie and query
 *   string forwarded except `Host` (managed AllViewerExceptHostHeader), all methods allowed;
 * - content-hashed assets (`/_next/static/*`) cached (managed CachingOptimized), GET/HEAD only.
 */
export class SiteDistribution extends Construct {
  /** The distribution. */
  public readonly distribution: CloudfrontDistribution;

  /** The distribution's domain name (`*.cloudfront.net`), for DNS aliases. */
  public readonly domainName: string;

  /** The distribution's Route 53 hosted zone id, for alias records. */
  public readonly hostedZoneId: string;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);
    const originHeaderName = props.originHeaderName ?? DEFAULT_ORIGIN_HEADER_NAME;
    const aliases = props.aliases ?? [];
    const priceClass = props.priceClass ?? "PriceClass_100";
    const immutablePathPatterns = props.immutablePathPatterns ?? ["/_next/static/*"];
    const originReadTimeoutSeconds = props.originReadTimeoutSeconds ?? 30;
    const waitForDeployment = props.waitForDeployment ?? true;

    validateOriginHeaderName(originHeaderName, "originHeaderName");
    // A token, or a raw Terraform expression such as `${var.origin_secret}`: never a literal value.
    if (!Token.isUnresolved(props.originSecretValue) && !/^\$\{.+\}$/s.test(props.originSecretValue)) {
      throw new Error(
        `'originSecretValue' must be a token read from Secrets Manager (OriginSecretValues.current), not a literal: ` +
          `a literal would be written into the synthesized Terraform JSON.`,
      );
    }
    if (aliases.length > 0 && props.certificateArn === undefined) {
      throw new Error(`'aliases' (${aliases.join(", ")}) need 'certificateArn': an ACM certificate in us-east-1 covering them.`);
    }
    if (!Token.isUnresolved(originReadTimeoutSeconds) && (originReadTimeoutSeconds < 1 || originReadTimeoutSeconds > 180)) {
      throw new Error(`'originReadTimeoutSeconds' must be from 1 to 180, got ${originReadTimeoutSeconds}.`);
    }
    for (const pattern of immutablePathPatterns) {
      if (!Token.isUnresolved(pattern) && (pattern === "*" || pattern === "/*")) {
        throw new Error(
          `'immutablePathPatterns' must not contain '${pattern}': it would cache every page. List content-hashed paths such as '/_next/static/*'.`,
        );
      }
    }

    const viewerCertificate: CloudfrontDistributionViewerCertificate =
      props.certificateArn === undefined
        ? { cloudfrontDefaultCertificate: true }
        : { acmCertificateArn: props.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: CLOUDFRONT_MINIMUM_VIEWER_TLS };

    const immutableBehaviors: CloudfrontDistributionOrderedCacheBehavior[] = immutablePathPatterns.map((pathPattern) => ({
      pathPattern,
      targetOriginId: ORIGIN_ID,
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: READ_METHODS,
      cachedMethods: READ_METHODS,
      cachePolicyId: MANAGED_CACHE_POLICY.CachingOptimized,
      responseHeadersPolicyId: props.responseHeadersPolicyId,
      compress: true,
    }));

    this.distribution = new CloudfrontDistribution(this, "distribution", {
      enabled: true,
      comment: props.comment,
      aliases: aliases.length > 0 ? aliases : undefined,
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass,
      waitForDeployment,
      origin: [
        {
          originId: ORIGIN_ID,
          domainName: props.originDomainName,
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: props.originUsesHttps ? "https-only" : "http-only",
            originSslProtocols: ["TLSv1.2"],
            originReadTimeout: originReadTimeoutSeconds,
            originKeepaliveTimeout: 5,
          },
          customHeader: [{ name: originHeaderName, value: props.originSecretValue }],
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: ORIGIN_ID,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ALL_METHODS,
        cachedMethods: READ_METHODS,
        cachePolicyId: MANAGED_CACHE_POLICY.CachingDisabled,
        originRequestPolicyId: MANAGED_ORIGIN_REQUEST_POLICY.AllViewerExceptHostHeader,
        responseHeadersPolicyId: props.responseHeadersPolicyId,
        compress: true,
      },
      orderedCacheBehavior: immutableBehaviors,
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate,
      dependsOn: props.dependsOn,
      tags: props.tags,
    });
    this.domainName = this.distribution.domainName;
    this.hostedZoneId = this.distribution.hostedZoneId;
  }
}
