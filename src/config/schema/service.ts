import { z } from "zod";
import { cidrBlock, gitHubRepository, logRetentionDays, MISSING } from "./common";

/**
 * A service's key in its layer's `services` map: its short name. The service is named
 * `treepli-<environment>-<key>` (ECS service, task definition family, roles, log group, security group)
 * and its image repository `treepli-<environment>/<key>`.
 */
export const serviceKey = z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, {
  error: 'must be lower-case letters and digits, words joined by single hyphens, starting with a letter, e.g. "worker"',
});

/**
 * A connection a service's tasks may open besides HTTPS to anywhere (which every service has): an
 * address range and a port range, e.g. a mail provider's SMTP relay.
 */
export const egressSchema = z
  .strictObject({
    /** What the application calls there; it becomes the security group rule's description. */
    description: z.string().regex(/^[A-Za-z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/, {
      error: "must be 1-255 characters a security group rule description allows (letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*)",
    }),
    /**
     * `tcp` or `udp`.
     *
     * @default "tcp"
     */
    protocol: z.enum(["tcp", "udp"], { error: 'must be "tcp" or "udp"' }).default("tcp"),
    /** First port. */
    fromPort: z.int().min(1).max(65535, { error: "must be a port from 1 to 65535" }),
    /**
     * Last port.
     *
     * @default - `fromPort`
     */
    toPort: z.int().min(1).max(65535, { error: "must be a port from 1 to 65535" }).optional(),
    /** IPv4 ranges of the destination (`0.0.0.0/0` only if it really is anywhere). */
    cidrBlocks: z.array(cidrBlock).min(1, { error: "must name at least one address range" }),
  })
  .superRefine((rule, ctx) => {
    if (rule.toPort !== undefined && rule.toPort < rule.fromPort) {
      ctx.addIssue({ code: "custom", path: ["toPort"], input: rule.toPort, message: `must be at least fromPort (${rule.fromPort})` });
    }
    const to = rule.toPort ?? rule.fromPort;
    if (rule.protocol === "tcp" && rule.fromPort <= 443 && to >= 443 && rule.cidrBlocks.includes("0.0.0.0/0")) {
      ctx.addIssue({
        code: "custom",
        path: ["fromPort"],
        input: rule.fromPort,
        message: "covers HTTPS to anywhere, which every service already has; leave port 443 out of this rule",
      });
    }
  });

/** What a web service's load balancer needs to know; the defaults differ per layer. */
export interface WebDefaults {
  readonly containerPort: number;
  readonly healthCheckPath: string;
}

/**
 * `web`: the service is behind its layer's load balancer. Only the fields a load balancer needs; a
 * service without this block has no port, target group or ingress.
 */
function webSchema(defaults: WebDefaults) {
  return z.strictObject({
    /**
     * Port the container listens on (1024 or above: the container has no Linux capabilities).
     *
     * @default 8080 in the backend layer, 3000 in the frontend layer
     */
    containerPort: z.int().min(1024).max(65535, { error: "must be a TCP port from 1024 to 65535" }).default(defaults.containerPort),
    /**
     * Path the load balancer's health check requests; a 200 from it means the task may take traffic.
     *
     * @default "/healthz" in the backend layer, "/api/health" in the frontend layer
     */
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$/, { error: 'must be a URL path starting with "/", e.g. "/healthz"' })
      .default(defaults.healthCheckPath),
  });
}

/**
 * `queue`: the service consumes its own SQS queue (created with it, with a dead-letter queue) and
 * scales on the queue's backlog per running task.
 */
export const queueSchema = z.strictObject({
  /**
   * Visible messages per running task that autoscaling holds the service at (target tracking on
   * `ApproximateNumberOfMessagesVisible / RunningTaskCount`). Choose it as the backlog one task clears
   * within the delay you accept: acceptable delay (s) / seconds per message.
   */
  backlogPerTaskTarget: z.int().min(1).max(1_000_000, { error: "must be from 1 to 1000000 messages per task" }),
  /**
   * Seconds a received message stays invisible to other consumers. Longer than the slowest message
   * takes (or the worker extends it with ChangeMessageVisibility, which it may); a crashed worker's
   * message reappears after it.
   *
   * @default 300
   */
  visibilityTimeoutSeconds: z.int().min(0).max(43200, { error: "must be from 0 to 43200 seconds (12 hours; SQS's range)" }).default(300),
  /**
   * Days an unprocessed message is kept. At most 7: the dead-letter queue keeps messages 14 days counted
   * from their first enqueue, so a message that failed late still stays there a week for inspection.
   *
   * @default 4
   */
  messageRetentionDays: z
    .int()
    .min(1)
    .max(7, { error: "must be from 1 to 7 days (the dead-letter queue keeps messages 14 days from their first enqueue)" })
    .default(4),
  /**
   * Receives after which a message that was never deleted moves to the dead-letter queue.
   *
   * @default 5
   */
  maxReceiveCount: z.int().min(1).max(1000, { error: "must be from 1 to 1000 (SQS's range)" }).default(5),
});

/** Sizing and behaviour of one ECS service: a web service (`web`) or a queue worker (`queue`). */
export function serviceSchema(webDefaults: WebDefaults) {
  return z
    .strictObject({
      /** The GitHub repository (`owner/name`) whose deploy workflow pushes this service's images and rolls it out. */
      githubRepository: gitHubRepository,
      /**
       * The service is behind its layer's load balancer (see {@link webSchema}).
       *
       * @default - not a web service; give `queue` instead
       */
      web: webSchema(webDefaults).optional(),
      /**
       * The service consumes its own SQS queue (see {@link queueSchema}).
       *
       * @default - not a queue worker; give `web` instead
       */
      queue: queueSchema.optional(),
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
       * Deployed images the container repository keeps (tag `deployed-*`, newest first): the live one and
       * the rollback targets. Images never deployed expire on their own (README, "Images and tags").
       *
       * @default 30
       */
      keepDeployedImages: z.int().min(1).max(1000, { error: "must be between 1 and 1000" }).default(30),
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
      /**
       * Connections the tasks may open besides HTTPS to anywhere (AWS APIs, HTTPS services) and what
       * the stack wires (the backend's database): e.g. `[{ description: "SMTP relay", fromPort: 587,
       * cidrBlocks: ["203.0.113.10/32"] }]`. Every other outbound connection is refused.
       *
       * @default []
       */
      egress: z.array(egressSchema).default([]),
    })
    .superRefine((service, ctx) => {
      if (service.web !== undefined && service.queue !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["queue"],
          input: service.queue,
          message: "a service is either behind the load balancer (web) or consumes a queue (queue), not both; remove one",
        });
      }
      if (service.web === undefined && service.queue === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["web"],
          input: MISSING,
          message:
            "a service says how its work reaches it: give `web` (behind the layer's load balancer) or `queue` (an SQS queue it consumes)",
        });
      }
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
      if (service.queue && service.minCount < 1) {
        ctx.addIssue({
          code: "custom",
          path: ["minCount"],
          input: service.minCount,
          message:
            "must be at least 1 for a queue worker: its scaling divides the backlog by the running tasks, which has no value with none running",
        });
      }
    });
}

/**
 * The services of one layer, keyed by name. The service named after the layer (`backend` in the
 * backend layer) is the one its load balancer forwards to: it must be a web service, and every other
 * service of the layer a queue worker (a second web service would need routing of its own).
 */
export function servicesSchema(layer: string, webDefaults: WebDefaults) {
  return z.record(serviceKey, serviceSchema(webDefaults)).superRefine((services, ctx) => {
    const primary = services[layer];
    if (primary === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [layer],
        input: MISSING,
        message: `is required: the ${layer} layer's load balancer forwards to the service named "${layer}"`,
      });
    } else if (primary.web === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [layer, "web"],
        input: MISSING,
        message: `is required: the ${layer} layer's load balancer forwards to this service`,
      });
    }
    for (const [key, service] of Object.entries(services)) {
      if (key !== layer && service.web !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key, "web"],
          input: service.web,
          message: `only the service named "${layer}" is behind the ${layer} layer's load balancer; make "${key}" a queue worker (queue) or give it routing of its own (a code change)`,
        });
      }
    }
  });
}

/** The validated configuration of one service. */
export type ServiceConfig = z.output<ReturnType<typeof serviceSchema>>;
