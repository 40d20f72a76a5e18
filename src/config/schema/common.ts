import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { CLOUDFRONT_PRICE_CLASSES } from "../../constructs/edge/cloudfront-managed-policies";
import { LOG_RETENTION_DAYS } from "../../constructs/observability/log-retention";

// Field schemas more than one layer uses.

export const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be an AWS region such as "eu-west-1"' });

export const accountSingleton = z.enum(["create", "existing"], {
  error: 'must be "create" (this environment owns it) or "existing" (another environment or a person made it)',
});

export const cidrBlock = z.cidrv4({ error: 'must be an IPv4 CIDR such as "10.0.0.0/16"' }).refine(
  // Only judged once the value parses as a CIDR; a malformed one already has its own message.
  (cidr) => !ipaddr.IPv4.isValidCIDR(cidr) || ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() === cidr.split("/")[0],
  { error: 'must be a network address with no host bits set, e.g. "10.0.0.0/16" rather than "10.0.0.1/16"' },
);

export const tagMap = z.record(
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, {
      error: 'tag keys are 1-128 characters of letters, digits, spaces and _.:/=+-@, and must not start with "aws:"',
    }),
  z
    .string()
    .max(256)
    .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, {
      error: "tag values are up to 256 characters of letters, digits, spaces and _.:/=+-@",
    }),
);

export const gitHubRepository = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
  error: 'must be a GitHub repository written "owner/name", e.g. "treepli/backend"',
});

export const domainName = z.string().regex(/^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, {
  error: 'must be a lower-case DNS name such as "app.example.com"',
});

export const logRetentionDays = z.union(
  LOG_RETENTION_DAYS.map((d) => z.literal(d)),
  { error: `must be a CloudWatch Logs retention period: one of ${LOG_RETENTION_DAYS.join(", ")}` },
);

export const priceClass = z.enum(CLOUDFRONT_PRICE_CLASSES, { error: `must be one of ${CLOUDFRONT_PRICE_CLASSES.join(", ")}` });

/** A browser origin for CORS: scheme, host and optional port, nothing else (`https://www.example.com`). */
export const corsOrigin = z.string().regex(/^https?:\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d{1,5})?$/, {
  error: 'must be a browser origin: scheme, host and optional port, no path, e.g. "https://www.treepli.com"',
});

/**
 * The `input` of an issue about a field that is not set (zod would otherwise report the whole object
 * as the offending value); error messages print it as "missing".
 */
export const MISSING = Symbol("missing");
