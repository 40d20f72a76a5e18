import { EstateGraph, EstateNode } from "./estate-graph";
import * as PRICE_TABLE from "./aws-prices.json";

/** On-demand prices of one region (USD), as kept in `aws-prices.json`. */
export interface RegionPrices {
  readonly ec2InstanceHour: Readonly<Record<string, number>>;
  readonly ebsGbMonth: Readonly<Record<string, number>>;
  readonly natGatewayHour: number;
  readonly applicationLoadBalancerHour: number;
  readonly interfaceEndpointAzHour: number;
  readonly publicIpv4AddressHour: number;
  readonly rdsPostgresInstanceHour: Readonly<Record<string, { readonly singleAz: number; readonly multiAz: number }>>;
  readonly rdsStorageGbMonth: Readonly<Record<string, { readonly singleAz: number; readonly multiAz: number }>>;
  readonly kmsKeyMonth: number;
  readonly secretsManagerSecretMonth: number;
  readonly cloudWatchAlarmMonth: { readonly standard: number; readonly highResolution: number };
  readonly cloudWatchDashboardMonth: number;
}

/** The dated price table. */
export interface PriceTable {
  readonly recorded: string;
  readonly source: string;
  readonly currency: string;
  readonly hoursPerMonth: number;
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

/** The price table kept in the repository (`src/review/aws-prices.json`). */
export const PRICES: PriceTable = PRICE_TABLE;

/** One billed item of a stack: a kind of resource billed by the hour or month whatever its use. */
export interface CostLine {
  /** What is billed, the key a change is matched by: "NAT gateways", "EC2 m6i.xlarge instances". */
  readonly item: string;
  readonly region: string;
  /** How many units at the configured minimum and desired sizes (equal for everything but instances). */
  readonly quantityMin: number;
  readonly quantityDesired: number;
  /** The unit ("NAT gateway", "GiB of gp3", "AZ-hour"). */
  readonly unit: string;
  /** Price of one unit for a month, or undefined when the table has no price for it. */
  readonly unitMonthly?: number;
}

/** The fixed monthly cost of a stack. */
export interface StackCost {
  readonly stack: string;
  readonly lines: readonly CostLine[];
  /** Totals of the priced lines at the minimum and desired sizes. */
  readonly monthlyMin: number;
  readonly monthlyDesired: number;
  /** Lines the table has no price for (named in the summary, left out of the totals). */
  readonly unpriced: readonly CostLine[];
}

/** The region a resource is created in: its provider's (aliased or default) region. */
function regionOf(node: EstateNode): string {
  const providers: any[] = [node.stack.json.provider?.aws ?? []].flat();
  const alias = typeof node.config.provider === "string" ? node.config.provider.replace(/^\$\{|\}$/g, "").split(".")[1] : undefined;
  const provider = providers.find((candidate) => (alias ? candidate.alias === alias : !candidate.alias));
  return provider?.region ?? "unknown";
}

const count = (value: unknown): number => (Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : 1);

/**
 * The fixed monthly cost of one stack, from the resources billed by the hour or month whatever their
 * use: container instances (at the autoscaling group's minimum and desired sizes) and their root
 * volumes, NAT gateways, public IPv4 addresses (elastic IPs, internet-facing load balancers' one per
 * AZ), application load balancers, interface endpoints (per AZ), database instances and their
 * allocated storage, KMS keys, Secrets Manager secrets, CloudWatch alarms and dashboards. Usage-based
 * charges (requests, data, logs, load balancer capacity units) and free tiers are not counted.
 */
export function stackCost(graph: EstateGraph, stack: string, prices: PriceTable = PRICES): StackCost {
  const lines = new Map<string, CostLine>();
  const add = (
    node: EstateNode,
    item: string,
    unit: string,
    quantityMin: number,
    quantityDesired: number,
    price: (p: RegionPrices) => number | undefined,
  ) => {
    const region = regionOf(node);
    const regionPrices = prices.regions[region];
    const unitMonthly = regionPrices ? price(regionPrices) : undefined;
    const key = `${item}@${region}`;
    const known = lines.get(key);
    lines.set(key, {
      item,
      region,
      unit,
      quantityMin: (known?.quantityMin ?? 0) + quantityMin,
      quantityDesired: (known?.quantityDesired ?? 0) + quantityDesired,
      unitMonthly,
    });
  };
  const hours = prices.hoursPerMonth;
  for (const node of graph.nodesOf(stack)) {
    if (node.mode !== "resource") continue;
    const c = node.config;
    switch (node.type) {
      case "aws_autoscaling_group": {
        const template = graph.targets(node, /^launch_template(\[0\])?\.id$/)[0];
        const type: string = template?.config.instance_type ?? "unknown";
        const min = Number(c.min_size ?? 0);
        const desired = Number(c.desired_capacity ?? min);
        add(node, `EC2 ${type} instances`, "instance", min, desired, (p) => perHour(p.ec2InstanceHour[type], hours));
        for (const mapping of [template?.config.block_device_mappings ?? []].flat()) {
          const ebs = Array.isArray(mapping.ebs) ? mapping.ebs[0] : mapping.ebs;
          if (!ebs?.volume_size) continue;
          const volumeType: string = ebs.volume_type ?? "gp3";
          const size = Number(ebs.volume_size);
          add(
            node,
            `EBS ${volumeType} volumes of the instances`,
            `GiB of ${volumeType}`,
            size * min,
            size * desired,
            (p) => p.ebsGbMonth[volumeType],
          );
        }
        break;
      }
      case "aws_nat_gateway":
        add(node, "NAT gateways", "NAT gateway", 1, 1, (p) => p.natGatewayHour * hours);
        break;
      case "aws_eip":
        add(node, "public IPv4 addresses", "address", 1, 1, (p) => p.publicIpv4AddressHour * hours);
        break;
      case "aws_lb": {
        const type = c.load_balancer_type ?? "application";
        add(node, type === "application" ? "application load balancers" : `${type} load balancers`, "load balancer", 1, 1, (p) =>
          type === "application" ? p.applicationLoadBalancerHour * hours : undefined,
        );
        if (c.internal !== true) {
          const azs = count(c.subnets) || count(c.subnet_mapping);
          add(node, "public IPv4 addresses", "address", azs, azs, (p) => p.publicIpv4AddressHour * hours);
        }
        break;
      }
      case "aws_vpc_endpoint":
        if (c.vpc_endpoint_type === "Interface") {
          const azs = count(c.subnet_ids);
          add(node, "interface endpoints (per AZ)", "endpoint AZ", azs, azs, (p) => p.interfaceEndpointAzHour * hours);
        }
        break;
      case "aws_db_instance": {
        const multiAz = c.multi_az === true;
        const deployment = multiAz ? "multiAz" : "singleAz";
        const engine = String(c.engine ?? "unknown");
        const instanceClass = String(c.instance_class ?? "unknown");
        add(node, `RDS ${engine} ${instanceClass}${multiAz ? " Multi-AZ" : ""}`, "instance", 1, 1, (p) =>
          engine.startsWith("postgres") ? perHour(p.rdsPostgresInstanceHour[instanceClass]?.[deployment], hours) : undefined,
        );
        const storageType = String(c.storage_type ?? (c.iops ? "io1" : "gp2"));
        const size = Number(c.allocated_storage ?? 0);
        add(
          node,
          `RDS ${storageType} storage${multiAz ? " Multi-AZ" : ""}`,
          `GiB of ${storageType}`,
          size,
          size,
          (p) => p.rdsStorageGbMonth[storageType]?.[deployment],
        );
        break;
      }
      case "aws_kms_key":
        add(node, "KMS keys", "key", 1, 1, (p) => p.kmsKeyMonth);
        break;
      case "aws_secretsmanager_secret":
        add(node, "Secrets Manager secrets", "secret", 1, 1, (p) => p.secretsManagerSecretMonth);
        break;
      case "aws_cloudwatch_metric_alarm": {
        // Alarms on periods under a minute are high-resolution alarms, priced higher.
        const highResolution = Number(c.period ?? 60) < 60;
        add(node, `CloudWatch ${highResolution ? "high-resolution " : ""}alarms`, "alarm", 1, 1, (p) =>
          highResolution ? p.cloudWatchAlarmMonth.highResolution : p.cloudWatchAlarmMonth.standard,
        );
        break;
      }
      case "aws_cloudwatch_dashboard":
        add(node, "CloudWatch dashboards", "dashboard", 1, 1, (p) => p.cloudWatchDashboardMonth);
        break;
    }
  }
  const all = [...lines.values()].sort((a, b) => a.item.localeCompare(b.item) || a.region.localeCompare(b.region));
  const priced = all.filter((line) => line.unitMonthly !== undefined);
  const total = (pick: (line: CostLine) => number) =>
    round(priced.reduce((sum, line) => sum + pick(line) * (line.unitMonthly as number), 0));
  return {
    stack,
    lines: all,
    monthlyMin: total((line) => line.quantityMin),
    monthlyDesired: total((line) => line.quantityDesired),
    unpriced: all.filter((line) => line.unitMonthly === undefined),
  };
}

function perHour(hourly: number | undefined, hours: number): number | undefined {
  return hourly === undefined ? undefined : hourly * hours;
}

/** Cents, to keep totals free of floating-point noise. */
export function round(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** One line of a cost change: "+3 NAT gateways: +$105.12/month". */
export interface CostChange {
  readonly item: string;
  readonly region: string;
  readonly quantityBefore: number;
  readonly quantityAfter: number;
  /** Change of the monthly cost at the desired sizes (undefined when unpriced). */
  readonly monthlyDelta?: number;
}

/** What changes between two costings of a stack, item by item (at the desired sizes). */
export function costChanges(before: StackCost | undefined, after: StackCost | undefined): CostChange[] {
  const key = (line: CostLine) => `${line.item}@${line.region}`;
  const beforeLines = new Map((before?.lines ?? []).map((line) => [key(line), line]));
  const afterLines = new Map((after?.lines ?? []).map((line) => [key(line), line]));
  const changes: CostChange[] = [];
  for (const k of [...new Set([...beforeLines.keys(), ...afterLines.keys()])].sort()) {
    const was = beforeLines.get(k);
    const is = afterLines.get(k);
    const costOf = (line?: CostLine) => (line ? (line.unitMonthly === undefined ? undefined : line.quantityDesired * line.unitMonthly) : 0);
    const wasCost = costOf(was);
    const isCost = costOf(is);
    const line = (is ?? was) as CostLine;
    if ((was?.quantityDesired ?? 0) === (is?.quantityDesired ?? 0) && wasCost === isCost) continue;
    changes.push({
      item: line.item,
      region: line.region,
      quantityBefore: was?.quantityDesired ?? 0,
      quantityAfter: is?.quantityDesired ?? 0,
      monthlyDelta: wasCost === undefined || isCost === undefined ? undefined : round(isCost - wasCost),
    });
  }
  return changes;
}

/** "$1,234.50". */
export function dollars(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  return `${sign}$${Math.abs(amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A unit price: cents, or tenths of a cent below a dollar ("$0.254"). */
export function unitDollars(amount: number): string {
  return amount < 1 ? `$${Number(amount.toFixed(3))}` : dollars(amount);
}

/** "+3 NAT gateways: +$105.12/month". */
export function describeCostChange(change: CostChange): string {
  const delta = change.quantityAfter - change.quantityBefore;
  const quantity = delta === 0 ? change.item : `${delta > 0 ? "+" : ""}${delta} ${change.item}`;
  const money =
    change.monthlyDelta === undefined ? "price unknown" : `${change.monthlyDelta >= 0 ? "+" : ""}${dollars(change.monthlyDelta)}/month`;
  return `${quantity}: ${money}`;
}
