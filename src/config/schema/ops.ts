import { z } from "zod";
import { logRetentionDays, MISSING } from "./common";

/** Name of an SSM parameter, e.g. `/treepli/production/ops/pagerduty-url`. */
const ssmParameterName = z.string().regex(/^\/[A-Za-z0-9_.\-/]{1,1010}$/, {
  error: 'must be an SSM parameter name starting with "/", e.g. "/treepli/production/ops/pagerduty-url"',
});

/** An email address that receives the operations topics' notifications (after confirming the subscription). */
const emailSubscription = z.strictObject({
  protocol: z.literal("email"),
  /** The address; AWS sends it a confirmation link first, and nothing arrives until someone follows it. */
  endpoint: z.email({ error: 'must be an email address such as "ops@treepli.com"' }),
});

/** An HTTPS endpoint (an on-call or chat integration) that receives the notifications as JSON POSTs. */
const httpsSubscription = z
  .strictObject({
    protocol: z.literal("https"),
    /**
     * The URL, written into the synthesized Terraform: only a URL that carries no credential (no
     * user:password, no query string). A URL with a key in it goes in `endpointParameterName` instead.
     *
     * @default - none; then `endpointParameterName` must be given
     */
    endpoint: z
      .url({ protocol: /^https$/, error: 'must be an https URL such as "https://hooks.treepli.com/aws"' })
      .refine(
        (url) => {
          const parsed = new URL(url);
          return parsed.username === "" && parsed.password === "" && parsed.search === "";
        },
        {
          error:
            "carries a credential (user:password or a query string), which would be written into the synthesized Terraform; keep the URL in an SSM SecureString parameter and give endpointParameterName instead",
        },
      )
      .optional(),
    /**
     * An SSM SecureString parameter (home region) holding the URL, for URLs with a key in them: read at plan
     * time, so the URL is in the stack's state (encrypted bucket) but in no source and no synthesized JSON.
     *
     * @default - none; then `endpoint` must be given
     */
    endpointParameterName: ssmParameterName.optional(),
    /**
     * The endpoint confirms the subscription by itself (PagerDuty, Opsgenie and similar integrations do).
     * Without it the subscription stays pending until someone confirms it.
     *
     * @default false
     */
    autoConfirms: z.boolean().default(false),
  })
  .superRefine((subscription, ctx) => {
    const given = [subscription.endpoint, subscription.endpointParameterName].filter((value) => value !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["endpoint"],
        input: given === 0 ? MISSING : subscription.endpoint,
        message: "give exactly one of endpoint (a URL without credentials) or endpointParameterName (an SSM parameter holding the URL)",
      });
    }
  });

/** One subscriber of the operations topics. */
export const opsSubscription = z.discriminatedUnion("protocol", [emailSubscription, httpsSubscription], {
  error: 'must be { protocol: "email", endpoint } or { protocol: "https", endpoint | endpointParameterName }',
});

/** The validated configuration of one subscriber. */
export type OpsSubscriptionConfig = z.output<typeof opsSubscription>;

/**
 * The `ops` layer: the environment's keys, operations topics and the account trail (when this environment
 * creates it, `accountSingletons.cloudTrail`), and the retention of the audit records every layer writes.
 */
export const opsSchema = z.strictObject({
  /**
   * Who receives the operations topics' notifications (alarms, detections, failed automation), in the home
   * region and in us-east-1 alike. Required in production (at least one); refused on the emulator, which
   * delivers nothing (an email subscription would wait for a confirmation nobody can give).
   *
   * @default []
   */
  subscriptions: z
    .array(opsSubscription)
    .default([])
    .superRefine((subscriptions, ctx) => {
      const seen = new Set<string>();
      subscriptions.forEach((subscription, index) => {
        const key = `${subscription.protocol} ${subscription.protocol === "email" ? subscription.endpoint : (subscription.endpoint ?? subscription.endpointParameterName)}`;
        if (seen.has(key)) {
          ctx.addIssue({ code: "custom", path: [index], input: subscription, message: "is listed twice; remove one" });
        }
        seen.add(key);
      });
    }),
  /**
   * Days the audit records are kept: VPC flow logs, the API's access logs, both load balancers' access
   * logs, both distributions' viewer logs and the account trail's log files. At least 365 in production.
   * (Application logs keep their own `services.<name>.logRetentionDays`.)
   *
   * @default 365
   */
  auditLogRetentionDays: logRetentionDays.default(365),
});
