import { z } from "zod";

// The alarms every service and store of the estate gets (src/constructs/observability/), their
// thresholds and timing, and the environment's budget. Everything has a documented default, so an
// environment only writes what it changes, e.g.
//   observability: { budget: { monthlyLimitUsd: 3000 }, alarms: { database: { connections: { threshold: 700 } } } }

/** Longest time CloudWatch evaluates an alarm over: `periodSeconds × evaluationPeriods`, one day. */
export const MAX_ALARM_EVALUATION_SECONDS = 86_400;

/**
 * Seconds of one alarm period. CloudWatch accepts 10, 30 and multiples of 60; 10 and 30 only make
 * sense for high-resolution metrics, and every metric the estate alarms on (ALB, ECS, Container
 * Insights, API Gateway, RDS, CloudFront, NAT, Auto Scaling, SQS, S3 replication, log metric filters)
 * is published once a minute: an alarm with a 10 s period would lapse into INSUFFICIENT_DATA.
 */
const periodSeconds = z
  .int({ error: "must be a whole number of seconds" })
  .min(60, {
    error:
      "must be at least 60 seconds: every metric alarmed on here is published once a minute (CloudWatch's 10 and 30 are for high-resolution metrics only)",
  })
  .max(MAX_ALARM_EVALUATION_SECONDS, { error: "must be at most 86400 seconds (one day)" })
  .refine((seconds) => seconds % 60 === 0, {
    error: "must be a multiple of 60 seconds (60, 300, 900...): CloudWatch accepts no other period for a metric published once a minute",
  });

/** The timing of an alarm: how long a period is, and how many breaching periods raise it. */
interface AlarmTiming {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/** What a threshold is measured in, to validate it and to say so in error messages. */
type ThresholdUnit = "percent" | "count" | "seconds" | "milliseconds" | "GiB" | "MiB";

/** The timing fields, with their defaults, and the cross-field rules CloudWatch imposes on them. */
function timingShape(defaults: AlarmTiming) {
  return {
    /**
     * Seconds of one period (a multiple of 60).
     *
     * @default per alarm: see docs/operations.md
     */
    periodSeconds: periodSeconds.default(defaults.periodSeconds),
    /**
     * Periods CloudWatch looks back over (`periodSeconds × evaluationPeriods` at most one day).
     *
     * @default per alarm
     */
    evaluationPeriods: z.int().min(1, { error: "must be at least 1" }).default(defaults.evaluationPeriods),
    /**
     * Breaching periods among those that raise the alarm ("M out of N"), at most `evaluationPeriods`.
     *
     * @default per alarm
     */
    datapointsToAlarm: z.int().min(1, { error: "must be at least 1" }).default(defaults.datapointsToAlarm),
  };
}

function timingProblems(timing: AlarmTiming, ctx: z.RefinementCtx): void {
  if (timing.periodSeconds * timing.evaluationPeriods > MAX_ALARM_EVALUATION_SECONDS) {
    ctx.addIssue({
      code: "custom",
      path: ["evaluationPeriods"],
      input: timing.evaluationPeriods,
      message: `times periodSeconds (${timing.periodSeconds}) is ${timing.periodSeconds * timing.evaluationPeriods} seconds; CloudWatch evaluates at most one day (86400 s): lower one of them`,
    });
  }
  if (timing.datapointsToAlarm > timing.evaluationPeriods) {
    ctx.addIssue({
      code: "custom",
      path: ["datapointsToAlarm"],
      input: timing.datapointsToAlarm,
      message: `must not exceed evaluationPeriods (${timing.evaluationPeriods}): it counts breaching periods among those`,
    });
  }
}

/** Settings of an alarm whose threshold is set here, in `unit`. */
function alarm(unit: ThresholdUnit, defaults: AlarmTiming & { readonly threshold: number }) {
  let threshold = z.number({ error: `must be a number (${unit})` }).min(0, { error: `must not be negative (${unit})` });
  if (unit === "percent") threshold = threshold.max(100, { error: "must be a percentage from 0 to 100" });
  if (unit === "count") threshold = threshold.int({ error: "must be a whole number (a count)" });
  return z
    .strictObject({
      /**
       * The alarm's threshold, in the unit its name says.
       *
       * @default per alarm: see docs/operations.md
       */
      threshold: threshold.default(defaults.threshold),
      ...timingShape(defaults),
    })
    .superRefine(timingProblems)
    .prefault({});
}

/** Settings of an alarm whose threshold comes from elsewhere (the service's minCount, the cluster's maxSize). */
function timedAlarm(defaults: AlarmTiming) {
  return z.strictObject(timingShape(defaults)).superRefine(timingProblems).prefault({});
}

/** Settings of one alarm, as every alarm construct takes them. */
export type AlarmSettings = z.output<ReturnType<typeof alarm>>;

/** Timing of an alarm whose threshold comes from elsewhere. */
export type AlarmTimingSettings = z.output<ReturnType<typeof timedAlarm>>;

const minute = (evaluationPeriods: number, datapointsToAlarm: number): AlarmTiming => ({
  periodSeconds: 60,
  evaluationPeriods,
  datapointsToAlarm,
});

/**
 * Thresholds and timing of every alarm, by family. Defaults suit an environment with some traffic;
 * docs/operations.md says why each is what it is and what to do when it fires.
 */
export const alarmsSchema = z
  .strictObject({
    /** Application load balancers (both layers'). */
    loadBalancer: z
      .strictObject({
        /** 5xx answered by the targets, in percent of requests. @default 5 (3 of 5 minutes) */
        target5xxPercent: alarm("percent", { threshold: 5, ...minute(5, 3) }),
        /** 5xx the load balancer answers itself (no healthy target, timeouts), in percent of requests. @default 5 (3 of 5 minutes) */
        loadBalancer5xxPercent: alarm("percent", { threshold: 5, ...minute(5, 3) }),
        /** Targets failing the health check, per target group. @default 1 (5 of 5 minutes) */
        unhealthyHosts: alarm("count", { threshold: 1, ...minute(5, 5) }),
        /** 99th percentile of the targets' response time, seconds. @default 2 (3 of 5 minutes) */
        targetResponseTimeP99Seconds: alarm("seconds", { threshold: 2, ...minute(5, 3) }),
      })
      .prefault({}),
    /** ECS services (every service of every layer). */
    service: z
      .strictObject({
        /** Running tasks below the service's `minCount` (the threshold is that count). @default 3 of 3 minutes */
        runningTasks: timedAlarm(minute(3, 3)),
        /** Average CPU of the service, percent of its reservation. @default 90 (8 of 10 minutes) */
        cpuPercent: alarm("percent", { threshold: 90, ...minute(10, 8) }),
        /** Average memory of the service, percent of its hard limit. @default 90 (8 of 10 minutes) */
        memoryPercent: alarm("percent", { threshold: 90, ...minute(10, 8) }),
      })
      .prefault({}),
    /** The backend's API Gateway HTTP API. */
    api: z
      .strictObject({
        /** 5xx answered to clients, percent of requests. @default 5 (3 of 5 minutes) */
        server5xxPercent: alarm("percent", { threshold: 5, ...minute(5, 3) }),
        /** 4xx answered to clients, percent of requests (broken clients, scans, throttling). @default 25 (10 of 15 minutes) */
        client4xxPercent: alarm("percent", { threshold: 25, ...minute(15, 10) }),
        /** 99th percentile of the API's latency, milliseconds. @default 2500 (3 of 5 minutes) */
        latencyP99Milliseconds: alarm("milliseconds", { threshold: 2500, ...minute(5, 3) }),
        /** Requests answered 429 per minute (stage throttling; counted from the access logs). @default 10 (3 of 5 minutes) */
        throttledRequests: alarm("count", { threshold: 10, ...minute(5, 3) }),
      })
      .prefault({}),
    /** The PostgreSQL database. */
    database: z
      .strictObject({
        /** Average CPU, percent. @default 80 (8 of 10 minutes) */
        cpuPercent: alarm("percent", { threshold: 80, ...minute(10, 8) }),
        /** Free storage below this, GiB (storage autoscaling adds space below 10 % free, at most every 6 hours, up to maxAllocatedStorageGiB). @default 5 (5 of 5 minutes) */
        freeStorageGiB: alarm("GiB", { threshold: 5, ...minute(5, 5) }),
        /** Freeable memory below this, MiB. @default 128 (10 of 10 minutes) */
        freeableMemoryMiB: alarm("MiB", { threshold: 128, ...minute(10, 10) }),
        /** Open connections at or above this (PostgreSQL's max_connections on RDS is about RAM / 9.5 MiB). @default 80 (5 of 5 minutes) */
        connections: alarm("count", { threshold: 80, ...minute(5, 5) }),
      })
      .prefault({}),
    /** CloudFront distributions (the site's and the media CDN's). */
    distribution: z
      .strictObject({
        /** 5xx answered to viewers, percent of requests. @default 5 (3 of 5 minutes) */
        server5xxPercent: alarm("percent", { threshold: 5, ...minute(5, 3) }),
      })
      .prefault({}),
    /** NAT gateways. */
    natGateway: z
      .strictObject({
        /** Connections the NAT gateway could not open (no free source port). @default 1 (2 of 5 minutes) */
        portAllocationErrors: alarm("count", { threshold: 1, ...minute(5, 2) }),
        /** Packets dropped per minute. @default 100 (3 of 5 minutes) */
        packetsDropped: alarm("count", { threshold: 100, ...minute(5, 3) }),
      })
      .prefault({}),
    /** The cluster's container instances. */
    cluster: z
      .strictObject({
        /** The autoscaling group's desired capacity at `cluster.maxSize` (the threshold is that size). @default 15 of 15 minutes */
        atMaxSize: timedAlarm(minute(15, 15)),
      })
      .prefault({}),
    /** Queue workers' queues. */
    queue: z
      .strictObject({
        /** Messages in the dead-letter queue. @default 1 (1 of 1 period of 5 minutes) */
        deadLetterMessages: alarm("count", { threshold: 1, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
        /** Age of the oldest message in the queue, seconds. @default 900 (3 of 3 periods of 5 minutes) */
        oldestMessageAgeSeconds: alarm("seconds", { threshold: 900, periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 }),
      })
      .prefault({}),
    /** The database password's rotation and the service restart that follows it. */
    rotation: z
      .strictObject({
        /** Restarts after a rotation EventBridge could not start (the rule's failed invocations, dead-lettered or not). @default 1 (1 of 1 period of 5 minutes) */
        failedRestarts: alarm("count", { threshold: 1, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
      })
      .prefault({}),
    /** Replication of the media bucket to its second region. */
    replication: z
      .strictObject({
        /** Objects that failed to replicate. @default 1 (1 of 1 period of 5 minutes) */
        failedOperations: alarm("count", { threshold: 1, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 }),
      })
      .prefault({}),
  })
  .prefault({});

/** The alarm settings of an environment, with every default applied. */
export type AlarmsConfig = z.output<typeof alarmsSchema>;

/** The environment's AWS Budgets budget. */
export const budgetSchema = z.strictObject({
  /** Monthly cost, in US dollars, the environment is expected to stay under. */
  monthlyLimitUsd: z
    .number({ error: "must be a number of US dollars" })
    .positive({ error: "must be more than 0 US dollars" })
    .max(10_000_000),
  /**
   * Notify when the month's forecast reaches this percentage of the limit.
   *
   * @default 100
   */
  forecastThresholdPercent: z
    .number()
    .positive({ error: "must be more than 0 percent" })
    .max(1000, { error: "must be at most 1000 percent" })
    .default(100),
  /**
   * Notify when the month's actual cost reaches each of these percentages of the limit.
   *
   * @default [80, 100]
   */
  actualThresholdPercents: z
    .array(z.number().positive({ error: "must be more than 0 percent" }).max(1000, { error: "must be at most 1000 percent" }))
    .min(1, { error: "must list at least one percentage" })
    .max(9, { error: "must list at most 9 percentages (AWS Budgets allows 10 notifications per budget, one is the forecast's)" })
    .refine((percents) => new Set(percents).size === percents.length, { error: "must not list a percentage twice" })
    .default([80, 100]),
});

/**
 * The `observability` settings: the thresholds of the alarms every service and store gets, and the
 * environment's budget.
 */
export const observabilitySchema = z.strictObject({
  /** Thresholds and timing of the alarms. */
  alarms: alarmsSchema,
  /** The environment's monthly cost budget (filtered on its `Environment` cost-allocation tag). */
  budget: budgetSchema,
});
