import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { CLOUDFRONT_PRICE_CLASSES } from "../constructs/edge/cloudfront-managed-policies";
import { MAX_AZ_COUNT, SUBNETS_RESERVED, SUBNET_TIERS, shortestSubnetPrefixLength } from "../constructs/network/subnet-layout";
import { LOG_RETENTION_DAYS } from "../constructs/observability/log-retention";
import { RDS_MONITORING_INTERVALS } from "../constructs/data/postgres-database";
import { DEFAULT_ORIGIN_HEADER_NAME, validateOriginHeaderName } from "../constructs/edge/origin-secret";

/**
 * Every environment this app knows. `local` targets the AWS emulator on this machine and is only
 * synthesized when asked for (see `TREEPLI_ENV` in the README).
 */
export const ENVIRONMENT_NAMES = ["staging", "production", "local"] as const;

/** Name of one environment; the first half of every stack name (`production-vpc`). */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The environments one plain `cdktf synth` produces. */
export const DEFAULT_ENVIRONMENTS: readonly EnvironmentName[] = ["staging", "production"];

/** Interface endpoints the VPC layer knows how to create (service name after `com.amazonaws.<region>.`). */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ecr.api",
  "ecr.dkr",
  "logs",
  "ecs",
  "ecs-agent",
  "ecs-telemetry",
  "secretsmanager",
  "ssm",
  "ssmmessages",
  "ec2messages",
  "sts",
] as const;

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be an AWS region such as "eu-west-1"' });

const accountSingleton = z.enum(["create", "existing"], {
  error: 'must be "create" (this environment owns it) or "existing" (another environment or a person made it)',
});

const cidrBlock = z.cidrv4({ error: 'must be an IPv4 CIDR such as "10.0.0.0/16"' }).refine(
  // Only judged once the value parses as a CIDR; a malformed one already has its own message.
  (cidr) => !ipaddr.IPv4.isValidCIDR(cidr) || ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() === cidr.split("/")[0],
  { error: 'must be a network address with no host bits set, e.g. "10.0.0.0/16" rather than "10.0.0.1/16"' },
);

const tagMap = z.record(
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

const gitHubRepository = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
  error: 'must be a GitHub repository written "owner/name", e.g. "treepli/backend"',
});

const domainName = z.string().regex(/^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, {
  error: 'must be a lower-case DNS name such as "app.example.com"',
});

const logRetentionDays = z.union(
  LOG_RETENTION_DAYS.map((d) => z.literal(d)),
  { error: `must be a CloudWatch Logs retention period: one of ${LOG_RETENTION_DAYS.join(", ")}` },
);

const priceClass = z.enum(CLOUDFRONT_PRICE_CLASSES, { error: `must be one of ${CLOUDFRONT_PRICE_CLASSES.join(", ")}` });

/** A browser origin for CORS: scheme, host and optional port, nothing else (`https://www.example.com`). */
const corsOrigin = z.string().regex(/^https?:\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d{1,5})?$/, {
  error: 'must be a browser origin: scheme, host and optional port, no path, e.g. "https://www.treepli.com"',
});

/**
 * Sizing and behaviour of one load-balanced ECS service (the backend and the frontend each have one).
 * `defaults` differ per service (the Go API listens on 8080, Next.js on 3000).
 */
function serviceSchema(defaults: { containerPort: number; healthCheckPath: string }) {
  return z
    .strictObject({
      /**
       * Port the container listens on.
       *
       * @default 8080 for the backend, 3000 for the frontend
       */
      containerPort: z.int().min(1).max(65535, { error: "must be a TCP port, 1-65535" }).default(defaults.containerPort),
      /**
       * Path the load balancer's health check requests; a 200 from it means the task may take traffic.
       *
       * @default "/healthz" for the backend, "/api/health" for the frontend
       */
      healthCheckPath: z
        .string()
        .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$/, { error: 'must be a URL path starting with "/", e.g. "/healthz"' })
        .default(defaults.healthCheckPath),
      /** CPU units of a task (1024 = one vCPU). */
      cpu: z.int().min(128, { error: "must be at least 128 CPU units" }).max(16384, { error: "must be at most 16384 CPU units" }),
      /** Memory of a task, MiB (the hard limit: a task using more is killed). */
      memoryMiB: z.int().min(128, { error: "must be at least 128 MiB" }).max(122880, { error: "must be at most 122880 MiB" }),
      /** Tasks at creation; afterwards autoscaling owns the number (Terraform ignores it). */
      desiredCount: z.int().min(0, { error: "must be 0 or more" }),
      /** Fewest tasks autoscaling keeps. */
      minCount: z.int().min(0, { error: "must be 0 or more" }),
      /** Most tasks autoscaling may run. */
      maxCount: z.int().min(1, { error: "must be at least 1" }).max(1000, { error: "must be at most 1000" }),
      /**
       * Average CPU utilization autoscaling holds the service at.
       *
       * @default 60
       */
      cpuTargetPercent: z.int().min(10).max(95, { error: "must be between 10 and 95" }).default(60),
      /**
       * Average memory utilization autoscaling holds the service at.
       *
       * @default 75
       */
      memoryTargetPercent: z.int().min(10).max(95, { error: "must be between 10 and 95" }).default(75),
      /**
       * Days the containers' logs are kept.
       *
       * @default 30
       */
      logRetentionDays: logRetentionDays.default(30),
      /**
       * Images the container repository keeps (newest first; older ones expire). Rolling back is possible
       * to any image still kept.
       *
       * @default 30
       */
      keepImages: z.int().min(1).max(1000, { error: "must be between 1 and 1000" }).default(30),
      /**
       * Image tag of the task definition Terraform creates. Afterwards GitHub owns the image: its workflow
       * registers task definitions and rolls them out, and Terraform ignores the service's task definition.
       * Push an image with this tag (or run the deploy workflow) before the service's first tasks can start.
       *
       * @default "initial"
       */
      initialImageTag: z
        .string()
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "must be a Docker image tag (letters, digits, _ . -; up to 128)" })
        .default("initial"),
    })
    .superRefine((service, ctx) => {
      if (service.minCount > service.maxCount) {
        ctx.addIssue({
          code: "custom",
          path: ["minCount"],
          input: service.minCount,
          message: `must not exceed maxCount (${service.maxCount})`,
        });
      }
      if (service.desiredCount < service.minCount || service.desiredCount > service.maxCount) {
        ctx.addIssue({
          code: "custom",
          path: ["desiredCount"],
          input: service.desiredCount,
          message: `must be between minCount (${service.minCount}) and maxCount (${service.maxCount})`,
        });
      }
    });
}

/**
 * The `input` of an issue about a field that is not set (zod would otherwise report the whole object
 * as the offending value); error messages print it as "missing".
 */
export const MISSING = Symbol("missing");

/**
 * Schema of one environment's configuration. It is the single source of truth for the
 * {@link EnvironmentConfig} type: every field is documented here, with its default.
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
     * Account-wide singletons. Exactly one environment per AWS account may `create` each; every
     * other environment sharing the account says `existing`.
     */
    accountSingletons: z.strictObject({
      /** The IAM OIDC identity provider for GitHub Actions (`token.actions.githubusercontent.com`). */
      githubOidcProvider: accountSingleton,
      /** The ECS service-linked role `AWSServiceRoleForECS`. */
      ecsServiceLinkedRole: accountSingleton,
      /**
       * The account's ECS default settings (`awsvpcTrunking`, `containerInsights`), which apply to the
       * whole account in the region.
       */
      ecsAccountSettings: accountSingleton,
    }),

    /** The `vpc` layer. */
    vpc: z
      .strictObject({
        /** IPv4 range of the VPC. Its size must leave room for 3 tiers x 4 AZs of subnets of `subnetPrefixLength`. */
        cidr: cidrBlock,
        /**
         * Availability zones the subnets span (the first N the region offers).
         *
         * @default 2
         */
        azCount: z
          .int()
          .min(2, { error: "must be at least 2 so that the estate survives the loss of one AZ" })
          .max(MAX_AZ_COUNT, {
            error: `must be at most ${MAX_AZ_COUNT}: the subnet layout reserves room for ${MAX_AZ_COUNT} AZs per tier`,
          })
          .default(2),
        /**
         * Prefix length of every subnet (e.g. 20 for /20 subnets in a /16 VPC).
         *
         * @default 20
         */
        subnetPrefixLength: z.int().min(16).max(28, { error: "must be between 16 and 28 (AWS subnets are /16 to /28)" }).default(20),
        /**
         * `one-per-az`: a NAT gateway in every AZ (no cross-AZ dependency; production).
         * `single`: one shared NAT gateway (cheaper; an AZ outage cuts egress for the others).
         */
        natGateways: z.enum(["one-per-az", "single"], { error: 'must be "one-per-az" or "single"' }),
        /**
         * Interface endpoints in the private subnets, so container instances reach these services
         * without the NAT gateway. An S3 gateway endpoint is always created.
         *
         * @default ["ecr.api", "ecr.dkr", "logs"]
         */
        interfaceEndpoints: z
          .array(z.enum(INTERFACE_ENDPOINT_SERVICES, { error: `must be one of ${INTERFACE_ENDPOINT_SERVICES.join(", ")}` }))
          .default(["ecr.api", "ecr.dkr", "logs"]),
        /**
         * Days the VPC flow logs are kept in CloudWatch Logs.
         *
         * @default 90
         */
        flowLogRetentionDays: logRetentionDays.default(90),
      })
      .superRefine((vpc, ctx) => {
        const vpcPrefix = Number(vpc.cidr.split("/")[1]);
        if (vpc.subnetPrefixLength < shortestSubnetPrefixLength(vpcPrefix)) {
          ctx.addIssue({
            code: "custom",
            path: ["subnetPrefixLength"],
            input: vpc.subnetPrefixLength,
            message: `leaves room for fewer than the ${SUBNETS_RESERVED} subnets (${SUBNET_TIERS.length} tiers x ${MAX_AZ_COUNT} AZs) the layout needs in a /${vpcPrefix} VPC; use /${shortestSubnetPrefixLength(vpcPrefix)} or longer, or a larger vpc.cidr`,
          });
        }
      }),

    /** The `cluster` layer: the shared ECS cluster and its container instances. */
    cluster: z
      .strictObject({
        /**
         * EC2 instance type of the container instances. `awsvpc` trunking needs a Nitro type that
         * supports it (c5/m5/r5 and newer families, not t2/t3).
         */
        instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must be an EC2 instance type such as "m6i.large"' }),
        /** Fewest container instances the autoscaling group keeps. */
        minSize: z.int().min(0, { error: "must be 0 or more" }),
        /** Most container instances the capacity provider may scale out to. */
        maxSize: z.int().min(1, { error: "must be at least 1" }).max(100, { error: "must be at most 100" }),
        /** Container instances at creation; afterwards ECS managed scaling owns the number. */
        desiredCapacity: z.int().min(0, { error: "must be 0 or more" }),
        /**
         * Size of the encrypted gp3 root volume. The ECS-optimized AMI needs at least 30 GiB.
         *
         * @default 30
         */
        rootVolumeSizeGiB: z.int().min(30, { error: "must be at least 30 (the ECS-optimized AMI's snapshot size)" }).max(16384).default(30),
        /**
         * How full managed scaling keeps the group: 100 packs tasks tightly, lower keeps spare room for
         * faster task placement.
         *
         * @default 100
         */
        targetCapacityPercent: z.int().min(1).max(100, { error: "must be between 1 and 100" }).default(100),
        /**
         * Public SSM parameter holding the ECS-optimized AMI id.
         *
         * @default "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
         */
        amiSsmParameterName: z
          .string()
          .regex(/^\/[\w./-]+$/, { error: 'must be an SSM parameter path starting with "/"' })
          .default("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"),
        /**
         * Share of the group that must stay in service while an instance refresh replaces instances.
         *
         * @default 50
         */
        instanceRefreshMinHealthyPercent: z.int().min(0).max(100, { error: "must be between 0 and 100" }).default(50),
      })
      .superRefine((cluster, ctx) => {
        if (cluster.minSize > cluster.maxSize) {
          ctx.addIssue({
            code: "custom",
            path: ["minSize"],
            input: cluster.minSize,
            message: `must not exceed cluster.maxSize (${cluster.maxSize})`,
          });
        }
        if (cluster.desiredCapacity < cluster.minSize || cluster.desiredCapacity > cluster.maxSize) {
          ctx.addIssue({
            code: "custom",
            path: ["desiredCapacity"],
            input: cluster.desiredCapacity,
            message: `must be between cluster.minSize (${cluster.minSize}) and cluster.maxSize (${cluster.maxSize})`,
          });
        }
      }),

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
    media: z.strictObject({
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
    }),

    /** The `backend` layer: the Go API, its API Gateway, database and image repository. */
    backend: z.strictObject({
      /** The ECS service. */
      service: serviceSchema({ containerPort: 8080, healthCheckPath: "/healthz" }),
      /** API Gateway throttling of the whole API (every client together). */
      throttling: z.strictObject({
        /** Steady-state requests per second. */
        rateLimit: z.number().positive({ error: "must be greater than 0 requests per second" }).max(1_000_000),
        /** Requests allowed in a burst above the rate. */
        burstLimit: z.int().positive({ error: "must be greater than 0 requests" }).max(1_000_000),
      }),
      /**
       * Days API Gateway access logs are kept.
       *
       * @default 90
       */
      accessLogRetentionDays: logRetentionDays.default(90),
      /** The PostgreSQL database (RDS). */
      database: z
        .strictObject({
          /** RDS instance class, e.g. `db.t4g.micro`. */
          instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an RDS instance class such as "db.t4g.medium"' }),
          /**
           * PostgreSQL major version; RDS applies minor versions itself.
           *
           * @default "16"
           */
          engineVersion: z
            .enum(["14", "15", "16", "17"], { error: 'must be a PostgreSQL major version RDS offers: "14" to "17"' })
            .default("16"),
          /**
           * Initial storage, GiB (gp3).
           *
           * @default 20
           */
          allocatedStorageGiB: z.int().min(20, { error: "must be at least 20 GiB" }).max(65536).default(20),
          /**
           * Storage autoscaling ceiling, GiB.
           *
           * @default 100
           */
          maxAllocatedStorageGiB: z.int().max(65536).default(100),
          /** Days automated backups are kept (RDS allows 1 to 35). */
          backupRetentionDays: z
            .int()
            .min(1, { error: "must be between 1 and 35 days (RDS's range)" })
            .max(35, { error: "must be between 1 and 35 days (RDS's range)" }),
          /** A standby in a second AZ. Required in production. */
          multiAz: z.boolean(),
          /**
           * Performance Insights (7 days of retention, free tier).
           *
           * @default false
           */
          performanceInsights: z.boolean().default(false),
          /**
           * Enhanced monitoring interval in seconds; 0 turns it off.
           *
           * @default 0
           */
          monitoringIntervalSeconds: z
            .union(
              RDS_MONITORING_INTERVALS.map((s) => z.literal(s)),
              { error: `must be one of ${RDS_MONITORING_INTERVALS.join(", ")}` },
            )
            .default(0),
          /**
           * Days between rotations of the RDS-managed master password.
           *
           * @default 7
           */
          passwordRotationDays: z.int().min(1).max(365, { error: "must be between 1 and 365 days" }).default(7),
        })
        .superRefine((database, ctx) => {
          if (database.maxAllocatedStorageGiB < database.allocatedStorageGiB) {
            ctx.addIssue({
              code: "custom",
              path: ["maxAllocatedStorageGiB"],
              input: database.maxAllocatedStorageGiB,
              message: `must be at least allocatedStorageGiB (${database.allocatedStorageGiB})`,
            });
          }
        }),
    }),

    /** The `frontend` layer: the Next.js site, its CDN and load balancer. */
    frontend: z.strictObject({
      /** The ECS service. */
      service: serviceSchema({ containerPort: 3000, healthCheckPath: "/api/health" }),
      /**
       * Edge locations of the site's CDN.
       *
       * @default "PriceClass_100"
       */
      priceClass: priceClass.default("PriceClass_100"),
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
      /**
       * Days the load balancer's access logs are kept.
       *
       * @default 90
       */
      albAccessLogRetentionDays: z.int().min(1).max(3650, { error: "must be between 1 and 3650" }).default(90),
    }),
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
