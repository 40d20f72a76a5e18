import { z } from "zod";
import { RDS_MONITORING_INTERVALS } from "../../constructs/data/postgres-database";
import { servicesSchema } from "./service";

/** The `backend` layer: the Go API, its API Gateway, database and image repository. */
export const backendSchema = z.strictObject({
  /**
   * The layer's ECS services, keyed by name: `backend`, the Go API behind the load balancer (a web
   * service), and any number of queue workers.
   */
  services: servicesSchema("backend", { containerPort: 8080, healthCheckPath: "/healthz" }),
  /** API Gateway throttling of the whole API (every client together). */
  throttling: z.strictObject({
    /** Steady-state requests per second. */
    rateLimit: z.number().positive({ error: "must be greater than 0 requests per second" }).max(1_000_000),
    /** Requests allowed in a burst above the rate. */
    burstLimit: z.int().positive({ error: "must be greater than 0 requests" }).max(1_000_000),
  }),
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
      /**
       * Phase 2 of the move to IAM database authentication (README, "The database without the master
       * password"): the backend's tasks no longer get the master user's name and password (ECS secrets),
       * its execution role may no longer read the master secret, and the restart after a password
       * rotation goes away. Turn it on only once the application release that connects with IAM tokens
       * is deployed, then deploy again from GitHub right after the apply.
       *
       * @default false
       */
      withdrawMasterPassword: z.boolean().default(false),
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
});
