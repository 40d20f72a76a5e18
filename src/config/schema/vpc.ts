import { z } from "zod";
import { MAX_AZ_COUNT, SUBNETS_RESERVED, SUBNET_TIERS, shortestSubnetPrefixLength } from "../../constructs/network/subnet-layout";
import { cidrBlock } from "./common";

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

/** The `vpc` layer. */
export const vpcSchema = z
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
  });
