import { z } from "zod";
import { corsOrigin, priceClass } from "./common";

/** The `media` layer: the bucket the backend uploads to and the CDN that serves it. */
export const mediaSchema = z.strictObject({
  /**
   * Browser origins (the frontend's) allowed to upload to the bucket with URLs the backend pre-signs.
   * https only and no "*" in production.
   */
  corsAllowedOrigins: z.array(z.union([z.literal("*"), corsOrigin])).min(1, { error: "must list at least one origin" }),
  /**
   * Edge locations of the media CDN.
   *
   * @default "PriceClass_100"
   */
  priceClass: priceClass.default("PriceClass_100"),
  /**
   * Days an overwritten or deleted object's previous version is kept (restorable) before it expires.
   *
   * @default 30
   */
  noncurrentVersionExpirationDays: z.int().min(1).max(3650, { error: "must be between 1 and 3650" }).default(30),
});
