import { z } from "zod";
import { backendSchema } from "./schema/backend";
import { clusterSchema } from "./schema/cluster";
import { accountSingleton, awsRegion, domainName, gitHubRepository, MISSING, tagMap } from "./schema/common";
import { frontendSchema } from "./schema/frontend";
import { mediaSchema } from "./schema/media";
import { vpcSchema } from "./schema/vpc";

export { MISSING } from "./schema/common";
export { INTERFACE_ENDPOINT_SERVICES } from "./schema/vpc";

/**
 * Every environment this app knows. `local` targets the AWS emulator on this machine and is only
 * synthesized when asked for (see `TREEPLI_ENV` in the README).
 */
export const ENVIRONMENT_NAMES = ["staging", "production", "local"] as const;

/** Name of one environment; the first half of every stack name (`production-vpc`). */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The environments one plain `cdktf synth` produces. */
export const DEFAULT_ENVIRONMENTS: readonly EnvironmentName[] = ["staging", "production"];

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
});

/** The names of the account-wide singletons. */
export const ACCOUNT_SINGLETONS = Object.keys(accountSingletonsSchema.shape) as (keyof typeof accountSingletonsSchema.shape)[];

/**
 * Schema of one environment's configuration. It is the single source of truth for the
 * {@link EnvironmentConfig} type: every field is documented here or in its layer's `schema/<layer>.ts`, with its default.
 */
export const environmentConfigSchema = z
  .strictObject({
    /** Environment name: the first half of every stack name and of every state key. */
    name: z.enum(ENVIRONMENT_NAMES, { error: `must be one of ${ENVIRONMENT_NAMES.join(", ")}` }),

    /** The AWS account and region every stack of this environment is deployed to. */
    aws: z.strictObject({
      /** 12-digit account id. The provider refuses credentials of any other account. */
      accountId: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id such as "123456789012"' }),
      /** Region of every regional resource, e.g. `eu-west-1`. */
      region: awsRegion,
    }),

    /**
     * Set only for the `local` environment: the AWS API emulator every provider and backend talks to.
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

    /** The `vpc` layer. */
    vpc: vpcSchema,

    /** The `cluster` layer: the shared ECS cluster and its container instances. */
    cluster: clusterSchema,

    /** Owner-specific values the later layers use: GitHub repositories that deploy, DNS names. */
    github: z.strictObject({
      /** Repository of the Go backend, `owner/name`. */
      backendRepository: gitHubRepository,
      /** Repository of the Next.js frontend, `owner/name`. */
      frontendRepository: gitHubRepository,
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
      if (!config.domains.site) {
        ctx.addIssue({
          code: "custom",
          path: ["domains", "site"],
          input: MISSING,
          message: "is required in production: CloudFront reaches the load balancer over HTTPS, which needs a domain and certificate",
        });
      }
    }
    if (config.name === "local" && !config.emulator) {
      ctx.addIssue({
        code: "custom",
        path: ["emulator"],
        input: config.emulator,
        message: "is required for the local environment: it targets the AWS emulator",
      });
    }
    if (config.name !== "local" && config.emulator) {
      ctx.addIssue({
        code: "custom",
        path: ["emulator", "endpoint"],
        input: config.emulator.endpoint,
        message: 'is only allowed in the "local" environment; real environments talk to AWS',
      });
    }
  });

/** Configuration of one environment as written in `environments.ts` (defaults may be left out). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;

/** Validated configuration of one environment, with every default applied. Deeply frozen. */
export type EnvironmentConfig = DeepReadonly<z.output<typeof environmentConfigSchema>>;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
