import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
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
import { SecurityHeadersPolicy } from "./security-headers-policy";

/** Id of the site's only origin inside the distribution. */
const ORIGIN_ID = "site";

const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];
const READ_METHODS = ["GET", "HEAD"];

/** Path of Next.js's image optimizer (`/_next/image?url=...&w=...&q=...`). */
export const NEXT_IMAGE_PATH_PATTERN = "/_next/image*";

/**
 * Files of a Next.js `public/` folder that most sites have; override to match the application's
 * layout (one behavior per pattern, CloudFront allows 25 per distribution).
 */
export const DEFAULT_PUBLIC_ASSET_PATH_PATTERNS = ["/favicon.ico", "/robots.txt", "/sitemap.xml", "/images/*", "/fonts/*"];

/** Seconds a public asset is cached at least, overriding the `max-age=0` Next.js sends for `public/` files. */
export const PUBLIC_ASSET_MIN_TTL_SECONDS = 300;

/** Props of {@link SiteDistribution}. */
export interface SiteDistributionProps {
  /**
   * Name of the distribution's CloudFront policies (response headers, cache policies), unique in the
   * account: letters, digits, `-` and `_`, e.g. `treepli-production-site`.
   */
  readonly name: string;

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
   * with the managed CachingOptimized policy, GET/HEAD only. Everything not matched by these, the image
   * optimizer or the public assets is not cached and is forwarded with all viewer headers, cookies and
   * query strings except `Host`.
   *
   * @default ["/_next/static/*"]
   */
  readonly immutablePathPatterns?: string[];

  /**
   * Path patterns of the files of Next.js's `public/` folder. They are not content-hashed and Next.js
   * serves them with `max-age=0`, so they are cached for at least 5 minutes (a changed file shows within
   * that), for as long as the origin's `Cache-Control` says up to a day, or an hour when it says nothing;
   * GET/HEAD only, compressed, nothing of the request in the cache key.
   *
   * @default DEFAULT_PUBLIC_ASSET_PATH_PATTERNS
   */
  readonly publicAssetPathPatterns?: string[];

  /**
   * Response headers policy applied to every behavior.
   *
   * @default - a {@link SecurityHeadersPolicy} named after `name`: HSTS, nosniff, `X-Frame-Options: DENY`,
   * `Referrer-Policy: strict-origin-when-cross-origin`
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
 * - content-hashed assets (`/_next/static/*`) cached (managed CachingOptimized), GET/HEAD only;
 * - the image optimizer (`/_next/image*`) cached by its own policy: the `url`, `w` and `q` query
 *   strings and the `Accept` header (which picks WebP or AVIF) in the cache key, the origin's
 *   `Cache-Control` (Next.js's `minimumCacheTTL`) honored, a day when it says nothing; no other query
 *   string, header or cookie reaches the optimizer, so random parameters cannot bypass the cache;
 * - public assets cached briefly by their own policy (see `publicAssetPathPatterns`);
 * - security headers on every response (a {@link SecurityHeadersPolicy}).
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
    const publicAssetPathPatterns = props.publicAssetPathPatterns ?? DEFAULT_PUBLIC_ASSET_PATH_PATTERNS;
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
    for (const [prop, patterns, example] of [
      ["immutablePathPatterns", immutablePathPatterns, "'/_next/static/*'"],
      ["publicAssetPathPatterns", publicAssetPathPatterns, "'/images/*'"],
    ] as const) {
      for (const pattern of patterns) {
        if (!Token.isUnresolved(pattern) && (pattern === "*" || pattern === "/*")) {
          throw new Error(`'${prop}' must not contain '${pattern}': it would cache every page. List paths such as ${example}.`);
        }
      }
    }
    const patterns = [...immutablePathPatterns, NEXT_IMAGE_PATH_PATTERN, ...publicAssetPathPatterns];
    const repeated = patterns.filter((pattern, index) => patterns.indexOf(pattern) !== index);
    if (repeated.length > 0) {
      throw new Error(
        `path pattern(s) ${[...new Set(repeated)].join(", ")} appear more than once in 'immutablePathPatterns' and 'publicAssetPathPatterns'.`,
      );
    }
    const responseHeadersPolicyId =
      props.responseHeadersPolicyId ??
      new SecurityHeadersPolicy(this, "security-headers", { name: props.name, comment: "Security headers of the site" }).policyId;

    const viewerCertificate: CloudfrontDistributionViewerCertificate =
      props.certificateArn === undefined
        ? { cloudfrontDefaultCertificate: true }
        : { acmCertificateArn: props.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: CLOUDFRONT_MINIMUM_VIEWER_TLS };

    const readOnly = (pathPattern: string, cachePolicyId: string, compress = true): CloudfrontDistributionOrderedCacheBehavior => ({
      pathPattern,
      targetOriginId: ORIGIN_ID,
      viewerProtocolPolicy: "redirect-to-https",
      allowedMethods: READ_METHODS,
      cachedMethods: READ_METHODS,
      cachePolicyId,
      responseHeadersPolicyId,
      compress,
    });
    const imagePolicy = this.cachePolicy("next-image-cache", {
      name: `${props.name}-next-image`,
      comment: "Next.js image optimizer: url, w, q and Accept in the key; the origin's Cache-Control",
      minTtl: 0,
      defaultTtl: 86_400,
      maxTtl: 31_536_000,
      queryStrings: ["url", "w", "q"],
      headers: ["Accept"],
      // Optimized images are already compressed: Accept-Encoding would only split the cache.
      compress: false,
    });
    const publicAssetPolicy = this.cachePolicy("public-asset-cache", {
      name: `${props.name}-public-assets`,
      comment: "Files of the public/ folder: at least 5 minutes, up to a day",
      minTtl: PUBLIC_ASSET_MIN_TTL_SECONDS,
      defaultTtl: 3_600,
      maxTtl: 86_400,
      compress: true,
    });
    const orderedBehaviors: CloudfrontDistributionOrderedCacheBehavior[] = [
      ...immutablePathPatterns.map((pattern) => readOnly(pattern, MANAGED_CACHE_POLICY.CachingOptimized)),
      readOnly(NEXT_IMAGE_PATH_PATTERN, imagePolicy.id, false),
      ...publicAssetPathPatterns.map((pattern) => readOnly(pattern, publicAssetPolicy.id)),
    ];

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
        responseHeadersPolicyId,
        compress: true,
      },
      orderedCacheBehavior: orderedBehaviors,
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate,
      dependsOn: props.dependsOn,
      tags: props.tags,
    });
    this.domainName = this.distribution.domainName;
    this.hostedZoneId = this.distribution.hostedZoneId;
  }

  /** A cache policy keyed on nothing of the request but the given query strings and headers (never cookies). */
  private cachePolicy(
    id: string,
    options: {
      name: string;
      comment: string;
      minTtl: number;
      defaultTtl: number;
      maxTtl: number;
      queryStrings?: string[];
      headers?: string[];
      compress: boolean;
    },
  ): CloudfrontCachePolicy {
    const { queryStrings = [], headers = [] } = options;
    return new CloudfrontCachePolicy(this, id, {
      name: options.name,
      comment: options.comment,
      minTtl: options.minTtl,
      defaultTtl: options.defaultTtl,
      maxTtl: options.maxTtl,
      parametersInCacheKeyAndForwardedToOrigin: {
        enableAcceptEncodingGzip: options.compress,
        enableAcceptEncodingBrotli: options.compress,
        queryStringsConfig:
          queryStrings.length > 0
            ? { queryStringBehavior: "whitelist", queryStrings: { items: queryStrings } }
            : { queryStringBehavior: "none" },
        headersConfig: headers.length > 0 ? { headerBehavior: "whitelist", headers: { items: headers } } : { headerBehavior: "none" },
        cookiesConfig: { cookieBehavior: "none" },
      },
    });
  }
}
