import { z } from "zod";
import { logRetentionDays } from "./common";

/**
 * Sizing and behaviour of one load-balanced ECS service (the backend and the frontend each have one).
 * `defaults` differ per service (the Go API listens on 8080, Next.js on 3000).
 */
export function serviceSchema(defaults: { containerPort: number; healthCheckPath: string }) {
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
