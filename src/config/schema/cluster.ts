import { z } from "zod";

/** The `cluster` layer: the shared ECS cluster and its container instances. */
export const clusterSchema = z
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
  });
