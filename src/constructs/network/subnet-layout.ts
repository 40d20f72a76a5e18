import * as ipaddr from "ipaddr.js";

/** Subnet tiers in the order their CIDR blocks are carved out of the VPC range. */
export const SUBNET_TIERS = ["public", "private", "isolated"] as const;

/** One subnet tier: `public` (load balancers, NAT), `private` (instances, VPC link), `isolated` (database). */
export type SubnetTier = (typeof SUBNET_TIERS)[number];

/**
 * The layout reserves room for this many AZs in every tier, so raising the AZ count later adds
 * subnets without renumbering (and so replacing) the existing ones.
 */
export const MAX_AZ_COUNT = 4;

/** How many subnets the layout reserves in every VPC: one per tier per AZ it has room for. */
export const SUBNETS_RESERVED = SUBNET_TIERS.length * MAX_AZ_COUNT;

/** The shortest subnet prefix length (largest subnets) whose reserved layout fits a VPC of `/vpcPrefix`. */
export function shortestSubnetPrefixLength(vpcPrefix: number): number {
  return vpcPrefix + Math.ceil(Math.log2(SUBNETS_RESERVED));
}

/**
 * The CIDR blocks of every subnet, by tier and AZ index: subnet `n` of the VPC range (at
 * `prefixLength`) is `tierIndex * MAX_AZ_COUNT + azIndex`, the same arithmetic as Terraform's
 * `cidrsubnet(vpcCidr, prefixLength - vpcPrefix, n)`.
 *
 * @example subnetLayout("10.0.0.0/16", 20, 2).private // ["10.0.64.0/20", "10.0.80.0/20"]
 */
export function subnetLayout(vpcCidr: string, prefixLength: number, azCount: number): Record<SubnetTier, string[]> {
  const [address, vpcPrefix] = ipaddr.IPv4.parseCIDR(vpcCidr);
  const slots = 2 ** (prefixLength - vpcPrefix);
  if (azCount < 1 || azCount > MAX_AZ_COUNT) {
    throw new Error(`azCount must be between 1 and ${MAX_AZ_COUNT}, got ${azCount}`);
  }
  if (prefixLength < shortestSubnetPrefixLength(vpcPrefix)) {
    throw new Error(
      `a /${vpcPrefix} VPC holds ${prefixLength < vpcPrefix ? 0 : slots} subnets of /${prefixLength}; the layout needs ${SUBNETS_RESERVED}`,
    );
  }
  const base = address.toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
  const size = 2 ** (32 - prefixLength);
  const cidrOf = (n: number) => {
    let value = base + n * size;
    const bytes = [0, 0, 0, 0];
    for (let i = 3; i >= 0; i--) {
      bytes[i] = value % 256;
      value = Math.floor(value / 256);
    }
    return `${bytes.join(".")}/${prefixLength}`;
  };
  const tier = (t: number) => Array.from({ length: azCount }, (_, az) => cidrOf(t * MAX_AZ_COUNT + az));
  return { public: tier(0), private: tier(1), isolated: tier(2) };
}
