/**
 * Ids of the CloudFront policies AWS manages, and the other fixed CloudFront values the estate uses.
 *
 * The ids are written here rather than looked up with the `aws_cloudfront_cache_policy` /
 * `aws_cloudfront_origin_request_policy` / `aws_cloudfront_response_headers_policy` data sources:
 * AWS documents them as the same in every account and region and they never change, so a look-up
 * adds an API call to every plan for nothing — and the local emulator (moto) lacks the `List*Policies`
 * calls those data sources make, so they would fail there.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
 */

/** Managed cache policies (`cache_policy_id`). */
export const MANAGED_CACHE_POLICY = {
  /** Long TTLs (default 1 day, up to 1 year), no headers/cookies/query strings in the key, gzip and brotli. */
  CachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  /** No caching: every request goes to the origin (dynamic content). */
  CachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
} as const;

/** Managed origin request policies (`origin_request_policy_id`). */
export const MANAGED_ORIGIN_REQUEST_POLICY = {
  /** Every header, cookie and query string of the viewer request, `Host` included. */
  AllViewer: "216adef6-5c7f-47e4-b989-5492eafa07d3",
  /** As AllViewer, but the origin gets its own `Host` (needed for ALB, API Gateway and other HTTPS origins). */
  AllViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
  /** `Origin`, `Access-Control-Request-Method` and `Access-Control-Request-Headers`, for an S3 origin's CORS rules. */
  CorsS3Origin: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
} as const;

/** CloudFront price classes: which edge locations serve a distribution (cheapest first). */
export const CLOUDFRONT_PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;

/** One of {@link CLOUDFRONT_PRICE_CLASSES}. */
export type CloudFrontPriceClass = (typeof CLOUDFRONT_PRICE_CLASSES)[number];

/**
 * The oldest TLS version (and cipher set) a viewer may use with a custom domain: TLS 1.2 with
 * forward-secret ciphers only. Applies only with an ACM certificate (`sni-only`); CloudFront's
 * default certificate cannot be restricted.
 */
export const CLOUDFRONT_MINIMUM_VIEWER_TLS = "TLSv1.2_2021";
