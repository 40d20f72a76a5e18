import { z } from "zod";
import { awsRegion, corsOrigin, priceClass } from "./common";

/** Hosts of local development origins: a browser on a developer's machine. */
const LOOPBACK_HOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** The `media` layer: the bucket the backend uploads to and the CDN that serves it. */
export const mediaSchema = z
  .strictObject({
    /**
     * Browser origins of the deployed site allowed to upload to the bucket with URLs the backend
     * pre-signs. https only and no "*" in production; never a local development origin (those go in
     * `corsDevelopmentOrigins`).
     *
     * @default []
     */
    corsAllowedOrigins: z
      .array(
        z.union([z.literal("*"), corsOrigin]).refine((origin) => !LOOPBACK_HOST.test(origin), {
          error: "is a local development origin: list it in media.corsDevelopmentOrigins instead (refused in production)",
        }),
      )
      .default([]),
    /**
     * Local development origins (`http://localhost:<port>`, `127.0.0.1`, `[::1]`) allowed to upload too,
     * for developers who run the frontend on their machine against this environment. Opt-in per
     * environment, in its own CORS rule; refused in production.
     *
     * @default []
     */
    corsDevelopmentOrigins: z
      .array(
        z.string().regex(LOOPBACK_HOST, {
          error: 'must be a local development origin such as "http://localhost:3000" (localhost, 127.0.0.1 or [::1])',
        }),
      )
      .default([]),
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
    /**
     * Replication of every object (and every deletion, as a delete marker) to a bucket in a second
     * region, encrypted with a key of that region. Required in production.
     *
     * @default - no replica
     */
    replication: z
      .strictObject({
        /** Region of the replica bucket; not the environment's own. */
        region: awsRegion,
      })
      .optional(),
  })
  .superRefine((media, ctx) => {
    if (media.corsAllowedOrigins.length + media.corsDevelopmentOrigins.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["corsAllowedOrigins"],
        input: media.corsAllowedOrigins,
        message: "must list at least one origin (or media.corsDevelopmentOrigins one): without one, browsers cannot upload",
      });
    }
  });
