import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";

/** Seconds browsers remember to use HTTPS only (two years, the value HSTS preload lists ask for). */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** CloudFront policy names: letters, digits, hyphens and underscores, up to 128 characters. */
const POLICY_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Props of {@link SecurityHeadersPolicy}. */
export interface SecurityHeadersPolicyProps {
  /** Name of the policy, unique in the account (letters, digits, `-`, `_`; e.g. `treepli-production-site`). */
  readonly name: string;

  /**
   * Comment shown in the CloudFront console.
   *
   * @default - none
   */
  readonly comment?: string;

  /**
   * `X-Frame-Options`: `DENY` (no page may frame these responses) or `SAMEORIGIN` (pages of the same
   * origin may).
   *
   * @default "DENY"
   */
  readonly frameOption?: "DENY" | "SAMEORIGIN";

  /**
   * `Referrer-Policy`.
   *
   * @default "strict-origin-when-cross-origin" - other sites see only the origin, never the path
   */
  readonly referrerPolicy?: string;

  /**
   * Answer every request with `Access-Control-Allow-Origin: *` for GET and HEAD (no credentials), so
   * that browser scripts of any site may read the responses (media served to canvas or fetch). Only
   * for content that is public to whoever has its URL.
   *
   * @default false
   */
  readonly allowAnyOriginToRead?: boolean;
}

/**
 * A CloudFront response headers policy with the security headers every response of a distribution
 * gets, whatever the origin sent (CloudFront's value wins, `override`):
 *
 * - `Strict-Transport-Security: max-age=63072000; includeSubDomains` — browsers use HTTPS only, for two
 *   years (not `preload`: that is a decision for the registrable domain, made once, outside this code);
 * - `X-Content-Type-Options: nosniff` — a response is used only as the type it declares (an uploaded
 *   file served as an image cannot run as a script);
 * - `X-Frame-Options: DENY` — no other page may frame the responses (clickjacking);
 * - `Referrer-Policy: strict-origin-when-cross-origin` — other sites never see paths or query strings.
 *
 * `Content-Security-Policy` is left to the application (Next.js needs per-request nonces for a strict one).
 */
export class SecurityHeadersPolicy extends Construct {
  /** The policy. */
  public readonly policy: CloudfrontResponseHeadersPolicy;

  /** Its id, the `response_headers_policy_id` of cache behaviors. */
  public readonly policyId: string;

  constructor(scope: Construct, id: string, props: SecurityHeadersPolicyProps) {
    super(scope, id);
    const frameOption = props.frameOption ?? "DENY";
    const referrerPolicy = props.referrerPolicy ?? "strict-origin-when-cross-origin";
    const allowAnyOriginToRead = props.allowAnyOriginToRead ?? false;
    if (!Token.isUnresolved(props.name) && !POLICY_NAME.test(props.name)) {
      throw new Error(
        `SecurityHeadersPolicy "${id}": name "${props.name}" is not a CloudFront policy name; use 1-128 letters, digits, "-" and "_" (e.g. "treepli-production-site")`,
      );
    }

    this.policy = new CloudfrontResponseHeadersPolicy(this, "policy", {
      name: props.name,
      comment: props.comment,
      securityHeadersConfig: {
        strictTransportSecurity: { accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS, includeSubdomains: true, preload: false, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption, override: true },
        referrerPolicy: { referrerPolicy, override: true },
      },
      corsConfig: allowAnyOriginToRead
        ? {
            accessControlAllowCredentials: false,
            accessControlAllowOrigins: { items: ["*"] },
            accessControlAllowMethods: { items: ["GET", "HEAD"] },
            accessControlAllowHeaders: { items: ["*"] },
            // The origin (a private bucket reached without the viewer's Origin) sends no CORS headers.
            originOverride: true,
          }
        : undefined,
    });
    this.policyId = this.policy.id;
  }
}
