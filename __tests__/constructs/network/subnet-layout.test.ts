import { execFileSync } from "child_process";
import * as ipaddr from "ipaddr.js";
import { MAX_AZ_COUNT, SUBNET_TIERS, subnetLayout } from "../../../src/constructs/network/subnet-layout";

const toRange = (cidr: string): [number, number] => {
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const start = address.toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
  return [start, start + 2 ** (32 - prefix) - 1];
};

describe("subnetLayout", () => {
  const layout = subnetLayout("10.10.0.0/16", 20, 3);
  const all = SUBNET_TIERS.flatMap((tier) => layout[tier]);

  test("gives every tier one subnet per AZ", () => {
    for (const tier of SUBNET_TIERS) expect(layout[tier]).toHaveLength(3);
  });

  test("no two subnets overlap and all lie inside the VPC", () => {
    const [vpcStart, vpcEnd] = toRange("10.10.0.0/16");
    const ranges = all.map(toRange).sort((a, b) => a[0] - b[0]);
    ranges.forEach(([start, end], i) => {
      expect(start).toBeGreaterThanOrEqual(vpcStart);
      expect(end).toBeLessThanOrEqual(vpcEnd);
      if (i > 0) expect(start).toBeGreaterThan(ranges[i - 1][1]);
    });
  });

  test("adding an AZ keeps every existing subnet where it was (no replacement)", () => {
    const grown = subnetLayout("10.10.0.0/16", 20, 4);
    for (const tier of SUBNET_TIERS) expect(grown[tier].slice(0, 3)).toEqual(layout[tier]);
  });

  test("agrees with Terraform's cidrsubnet()", () => {
    const newbits = 20 - 16;
    const expressions = SUBNET_TIERS.flatMap((_, t) =>
      [0, 1, 2].map((az) => `cidrsubnet("10.10.0.0/16", ${newbits}, ${t * MAX_AZ_COUNT + az})`),
    );
    const output = execFileSync("terraform", ["console"], {
      env: process.env,
      input: `jsonencode([${expressions.join(", ")}])\n`,
      encoding: "utf8",
    });
    expect(JSON.parse(JSON.parse(output.trim()))).toEqual(all);
  });

  test("refuses a layout that does not fit", () => {
    expect(() => subnetLayout("10.0.0.0/24", 26, 2)).toThrow(/a \/24 VPC holds 4 subnets of \/26; the layout needs 12/);
    expect(() => subnetLayout("10.0.0.0/16", 20, 5)).toThrow(/azCount must be between 1 and 4, got 5/);
  });
});
