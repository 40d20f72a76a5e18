import { z } from "zod";
import { backendSchema } from "./schema/backend";
import { backupSchema } from "./schema/backup";
import { clusterSchema } from "./schema/cluster";
import { accountSingleton, awsRegion, domainName, MISSING, tagMap } from "./schema/common";
import { frontendSchema } from "./schema/frontend";
import { mediaSchema } from "./schema/media";
import { opsSchema } from "./schema/ops";
import { observabilitySchema } from "./schema/observability";
import { vpcSchema } from "./schema/vpc";
import { EMULATOR_ACCOUNT_ID } from "../emulator/emulator-settings";

export { MISSING } from "./schema/common";
export { INTERFACE_ENDPOINT_SERVICES } from "./schema/vpc";
// The committed environments' names, for the modules that have always imported them from here.
export { ENVIRONMENT_NAMES } from "./environments";

/**
 * Name of one environment: the first half of every stack name (`production-vpc`) and part of its
 * resources' names (`treepli-production-backend`). Environments are data (`environments.ts`), so any
 * name that passes {@link environmentName} is one.
 */
export type EnvironmentName = string;

/**
 * Account ids reserved for test fixtures and benchmarks (`000000000001` to `000000000999`). No real
 * environment may use one (validation refuses it unless the loader is told it loads fixtures), so a
 * fixture copied into `environments.ts` by mistake can never be applied.
 */
export const FIXTURE_ACCOUNT_ID = /^000000000\d{3}$/;

/** The service layers, each with a `services` map; a service's key names it across the environment. */
export const SERVICE_LAYERS = ["backend", "frontend"] as const;

/** `treepli-<environment>-<service>`: the name of a service's ECS service, roles, log group and task family. */
export function serviceName(environment: EnvironmentName, service: string): string {
  return `treepli-${environment}-${service}`;
}

/** Longest service name: its task execution role is `<name>-execution`, and IAM role names end at 64. */
export const MAX_SERVICE_NAME_LENGTH = 54;

/** Longest name of a web service: its target group is named after it, and target group names end at 32. */
export const MAX_WEB_SERVICE_NAME_LENGTH = 32;

const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, {
    error: 'must be lower-case letters and digits, words joined by single hyphens, starting with a letter, e.g. "staging"',
  })
  .max(20, { error: "must be at most 20 characters (it is part of every resource name)" });

/** Days production keeps its audit records at least (`ops.auditLogRetentionDays`). */
export const PRODUCTION_AUDIT_RETENTION_DAYS = 365;

/** Account-wide singletons: who creates each one in an AWS account. */
export const accountSingletonsSchema = z.strictObject({
  /**
   * The IAM OIDC identity provider for GitHub Actions (`token.actions.githubusercontent.com`); IAM
   * allows one per URL in an account. `create` fails where the account already has it (another project
   * may have registered it): find out with
   * `aws iam list-open-id-connect-providers --query "OpenIDConnectProviderList[?ends_with(Arn, '/token.actions.githubusercontent.com')].Arn"`
   * and say `existing` if it prints an ARN.
   */
  githubOidcProvider: accountSingleton,
  /**
   * The account's ECS default settings in the region (`awsvpcTrunking`). Creating them succeeds
   * whether or not they were set before; the owner's destroy resets them for the whole account.
   */
  ecsAccountSettings: accountSingleton,
  /**
   * The account's CloudTrail trail (multi-region, management events), its bucket and the key statements
   * for it (in the ops layer). EventBridge receives "AWS API Call via CloudTrail" events, which the
   * detection of host access on the shared container instances needs, only where a trail exists. Say
   * `existing` where the account already has a trail logging management write events in every region
   * (an organization trail, another project's); find out with
   * `aws cloudtrail describe-trails --query "trailList[?IsMultiRegionTrail].TrailARN"`.
   */
  cloudTrail: accountSingleton,
});

/** The names of the account-wide singletons. */
export const ACCOUNT_SINGLETONS = Object.keys(accountSingletonsSchema.shape) as (keyof typeof accountSingletonsSchema.shape)[];

/**
 * Schema of one environment's configuration. It is the single source of truth for the
 * {@link EnvironmentConfig} type: every field is documented here or in its layer's `schema/<layer>.ts`, with its default.
 */
export const environmentConfigSchema = z
  .strictObject({
    /** Environment name: the first half of every stack name and of every state key; equal to its key in `environments.ts`. */
    name: environmentName,

    /**
     * Whether a plain `cdktf synth` (no `TREEPLI_ENV`) synthesizes this environment: `true` for the
     * environments Atlantis plans, `false` for those synthesized only when named (the emulator's).
     */
    synthesizedByDefault: z.boolean(),

    /** The AWS account and region every stack of this environment is deployed to. */
    aws: z.strictObject({
      /** 12-digit account id. The provider refuses credentials of any other account. */
      accountId: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id such as "123456789012"' }),
      /** Region of every regional resource, e.g. `eu-west-1`. */
      region: awsRegion,
    }),

    /**
     * The AWS API emulator every provider and backend of this environment talks to (the `local`
     * environment). Only with the emulator's account id, {@link EMULATOR_ACCOUNT_ID}.
     *
     * @default - none; real AWS endpoints
     */
    emulator: z
      .strictObject({
        /** Base URL of the emulator, e.g. `http://127.0.0.1:4566`. */
        endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "http://127.0.0.1:5000"' }),
      })
      .optional(),

    /** Where every stack keeps its Terraform state (created by the bootstrap stack). */
    stateBackend: z.strictObject({
      /** S3 bucket; each environment has its own so that one environment's credentials never touch another's state. */
      bucket: z.string().regex(/^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error: "must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens",
      }),
      /**
       * Region of the state bucket.
       *
       * @default - the environment's `aws.region`
       */
      region: awsRegion.optional(),
    }),

    /**
     * Tags every taggable resource gets (through the provider's `default_tags`), on top of
     * `Environment`, `Layer` and `ManagedBy`, which the stacks always set.
     *
     * @default {}
     */
    tags: tagMap.default({}),

    /**
     * Protect stateful resources (state bucket now; database, media bucket and image repositories in
     * their layers): `prevent_destroy`, no `force_destroy`, deletion protection. Must be `true` in
     * production.
     */
    protectStatefulResources: z.boolean(),

    /**
     * Account-wide singletons. At most one environment per AWS account may `create` each; every
     * other environment sharing the account, and every account where something else already made it,
     * says `existing`. (The ECS service-linked role is not among them: ECS creates it on demand and
     * Terraform leaves it alone; see docs/decisions.md.)
     */
    accountSingletons: accountSingletonsSchema,

    /** The `ops` layer: keys, operations topics, the account trail, and how long audit records are kept. */
    ops: opsSchema,

    /** The `vpc` layer. */
    vpc: vpcSchema,

    /** The `cluster` layer: the shared ECS cluster and its container instances. */
    cluster: clusterSchema,

    /** How GitHub deploys this environment's services (each service names its repository). */
    github: z.strictObject({
      /**
       * The GitHub environment whose workflows may deploy (the role trust pins `sub` to
       * `repo:<owner/name>:environment:<this>`).
       */
      deployEnvironment: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,255}$/, { error: "must be a GitHub environment name (letters, digits, _ . -)" }),
    }),

    /**
     * DNS names of the public endpoints.
     *
     * @default - none; CloudFront and API Gateway default domains are used
     */
    domains: z
      .strictObject({
        /** The site served by the frontend distribution. */
        site: domainName.optional(),
        /** The backend's API. */
        api: domainName.optional(),
        /** The media CDN. */
        media: domainName.optional(),
        /**
         * Route 53 public hosted zone holding these names. With it, certificates are validated and alias
         * records created by Terraform; without it, an operator creates the records the stacks output.
         *
         * @default - none
         */
        hostedZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{1,31}$/, { error: 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"' })
          .optional(),
      })
      .default({}),

    /** The `media` layer: the bucket the backend uploads to and the CDN that serves it. */
    media: mediaSchema,

    /** The `backend` layer: the Go API, its API Gateway, database and image repository. */
    backend: backendSchema,

    /** The `frontend` layer: the Next.js site, its CDN and load balancer. */
    frontend: frontendSchema,

    /** Alarm thresholds of every service and store, and the environment's budget (`schema/observability.ts`). */
    observability: observabilitySchema,

    /**
     * AWS Backup of the database and the media bucket, and the copy to a second region (`schema/backup.ts`).
     *
     * @default - daily backups kept 35 days, no copy (production must configure one)
     */
    backup: backupSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.name === "production" && !config.protectStatefulResources) {
      ctx.addIssue({
        code: "custom",
        path: ["protectStatefulResources"],
        input: config.protectStatefulResources,
        message: "must be true in production: stateful resources may not be destroyable by accident there",
      });
    }
    if (config.name === "production") {
      config.media.corsDevelopmentOrigins.forEach((origin, index) => {
        ctx.addIssue({
          code: "custom",
          path: ["media", "corsDevelopmentOrigins", index],
          input: origin,
          message: "is not allowed in production: no local development origin may upload to production's media",
        });
      });
      config.media.corsAllowedOrigins.forEach((origin, index) => {
        if (!origin.startsWith("https://")) {
          ctx.addIssue({
            code: "custom",
            path: ["media", "corsAllowedOrigins", index],
            input: origin,
            message: 'must be an https origin in production (no "*", no plain http), e.g. "https://www.treepli.com"',
          });
        }
      });
      if (!config.backend.database.multiAz) {
        ctx.addIssue({
          code: "custom",
          path: ["backend", "database", "multiAz"],
          input: config.backend.database.multiAz,
          message: "must be true in production: the database must survive the loss of an AZ",
        });
      }
      if (config.ops.subscriptions.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["ops", "subscriptions"],
          input: config.ops.subscriptions,
          message: "must list at least one subscriber in production: alarms and detections would otherwise reach nobody",
        });
      }
      if (config.ops.auditLogRetentionDays < PRODUCTION_AUDIT_RETENTION_DAYS) {
        ctx.addIssue({
          code: "custom",
          path: ["ops", "auditLogRetentionDays"],
          input: config.ops.auditLogRetentionDays,
          message: `must be at least ${PRODUCTION_AUDIT_RETENTION_DAYS} in production: flow logs, access logs and the trail are kept for a year`,
        });
      }
      if (config.backup.copy === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["backup", "copy"],
          input: MISSING,
          message:
            'is required in production: the database and media backups must survive the loss of the region (e.g. { region: "eu-central-1" })',
        });
      }
      if (config.media.replication === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["media", "replication"],
          input: MISSING,
          message: 'is required in production: media must survive the loss of the region (e.g. { region: "eu-central-1" })',
        });
      }
      if (!config.domains.site) {
        ctx.addIssue({
          code: "custom",
          path: ["domains", "site"],
          input: MISSING,
          message: "is required in production: CloudFront reaches the load balancer over HTTPS, which needs a domain and certificate",
        });
      }
    }
    if (config.emulator && config.aws.accountId !== EMULATOR_ACCOUNT_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["emulator", "endpoint"],
        input: config.emulator.endpoint,
        message: `is only allowed in an environment on the emulator's account (aws.accountId "${EMULATOR_ACCOUNT_ID}"); real environments talk to AWS`,
      });
    }
    if (config.emulator && config.ops.subscriptions.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["ops", "subscriptions"],
        input: config.ops.subscriptions,
        message:
          "must be empty on the emulator: it delivers nothing, and an email subscription would wait for a confirmation nobody can give",
      });
    }
    if (!config.emulator && config.aws.accountId === EMULATOR_ACCOUNT_ID) {
      ctx.addIssue({
        code: "custom",
        path: ["aws", "accountId"],
        input: config.aws.accountId,
        message: "is the AWS emulator's account id: give a real environment its own account, or set emulator.endpoint",
      });
    }
    for (const [path, region] of [
      [["backup", "copy", "region"], config.backup.copy?.region],
      [["media", "replication", "region"], config.media.replication?.region],
    ] as const) {
      if (region === config.aws.region) {
        ctx.addIssue({
          code: "custom",
          path: [...path],
          input: region,
          message: `is the environment's own region (aws.region): a second region is what survives the loss of the first; choose another`,
        });
      }
    }
    serviceProblems(config, ctx);
  });

/** Service names are environment-wide: unique across layers, and short enough for what they name. */
function serviceProblems(config: { name: string; backend: ServiceLayerConfig; frontend: ServiceLayerConfig }, ctx: z.RefinementCtx): void {
  const layerOf = new Map<string, string>();
  for (const layer of SERVICE_LAYERS) {
    for (const [key, service] of Object.entries(config[layer].services)) {
      const name = serviceName(config.name, key);
      const other = layerOf.get(key);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [layer, "services", key],
          input: key,
          message: `is also a service of the ${other} layer: both would be named "${name}"; rename one`,
        });
      }
      layerOf.set(key, layer);
      const [limit, reason] =
        service.web !== undefined
          ? [MAX_WEB_SERVICE_NAME_LENGTH, "it names the service's target group"]
          : [MAX_SERVICE_NAME_LENGTH, "its execution role is <name>-execution"];
      if (name.length > limit) {
        ctx.addIssue({
          code: "custom",
          path: [layer, "services", key],
          input: key,
          message: `makes the service name "${name}" ${name.length} characters long; at most ${limit} fit (${reason}): shorten the service or environment name`,
        });
      }
    }
  }
}

interface ServiceLayerConfig {
  readonly services: Record<string, { readonly web?: unknown }>;
}

/** Configuration of one environment as written in `environments.ts` (defaults may be left out). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;

/** Validated configuration of one environment, with every default applied. Deeply frozen. */
export type EnvironmentConfig = DeepReadonly<z.output<typeof environmentConfigSchema>>;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
