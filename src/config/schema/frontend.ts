import { z } from "zod";
import { DEFAULT_ORIGIN_HEADER_NAME, validateOriginHeaderName } from "../../constructs/edge/origin-secret";
import { DEFAULT_PUBLIC_ASSET_PATH_PATTERNS } from "../../constructs/edge/site-distribution";
import { priceClass } from "./common";
import { servicesSchema } from "./service";

/** The `frontend` layer: the Next.js site, its CDN and load balancer. */
export const frontendSchema = z.strictObject({
  /**
   * The layer's ECS services, keyed by name: `frontend`, the Next.js site behind the load balancer (a
   * web service), and any number of queue workers.
   */
  services: servicesSchema("frontend", { containerPort: 3000, healthCheckPath: "/api/health" }),
  /**
   * Edge locations of the site's CDN.
   *
   * @default "PriceClass_100"
   */
  priceClass: priceClass.default("PriceClass_100"),
  /**
   * CloudFront path patterns of the files in the Next.js app's `public/` folder, cached for 5 minutes to
   * a day (see SiteDistribution). Match them to the application's layout; never `/*`.
   *
   * @default ["/favicon.ico", "/robots.txt", "/sitemap.xml", "/images/*", "/fonts/*"]
   */
  publicAssetPathPatterns: z
    .array(
      z
        .string()
        .regex(/^\/[A-Za-z0-9_.\-/*]+$/, { error: 'must be a CloudFront path pattern such as "/images/*"' })
        .refine((pattern) => pattern !== "/*", { error: 'must not be "/*": it would cache every page' }),
    )
    .max(20, { error: "must list at most 20 patterns (CloudFront allows 25 behaviors per distribution)" })
    .default([...DEFAULT_PUBLIC_ASSET_PATH_PATTERNS]),
  /**
   * Header CloudFront adds to every origin request, carrying the origin secret; the load balancer
   * answers 403 without it. An ALB header condition accepts names of up to 40 characters.
   *
   * @default "X-Origin-Verify"
   */
  originHeaderName: z
    .string()
    .superRefine((name, ctx) => {
      try {
        validateOriginHeaderName(name, "frontend.originHeaderName");
      } catch (error) {
        ctx.addIssue({ code: "custom", input: name, message: (error as Error).message });
      }
    })
    .default(DEFAULT_ORIGIN_HEADER_NAME),
  /**
   * Rotation counter of the origin secret (kept by the bootstrap stack). Raise it by one to rotate:
   * deploy the bootstrap stack, then the frontend stack (docs/origin-secret.md). Never lower it.
   *
   * @default 1
   */
  originSecretGeneration: z.int().min(1, { error: "must be 1 or more (1 for a new environment)" }).default(1),
});
