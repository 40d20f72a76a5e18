import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { architecture } from "../../src/review/architecture";
import { PRICES, stackCost } from "../../src/review/cost";
import { EstateGraph } from "../../src/review/estate-graph";
import { diffStacks } from "../../src/review/estate-diff";
import { synthesizeRef } from "../../src/review/git-ref";
import { summaryMarkdown } from "../../src/review/summary";
import { SynthesizedStack } from "../../src/review/synthesized-estate";
import { ENVIRONMENTS } from "../../src/config/environments";
import { PROJECT_ROOT, synth } from "./review-helpers";

const estate = synth();
const environments = ["staging", "production"];
const graph = new EstateGraph(estate.stacks);
const summary = summaryMarkdown({ stacks: estate.stacks, environments, architectures: environments.map((e) => architecture(graph, e)) });
const stackJson = (name: string) => (estate.stacks.find((s) => s.name === name) as SynthesizedStack).json;

/** The part of the summary about one stack (from its heading to the next). */
function section(stack: string): string {
  const start = summary.indexOf(`### \`${stack}\`\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = summary.slice(start + 1).search(/\n##+ /);
  return next < 0 ? summary.slice(start) : summary.slice(start, start + 1 + next);
}

test("each stack's resources by type in the summary are the synthesized JSON's counts", () => {
  for (const stack of estate.stacks) {
    const rows = [...section(stack.name).matchAll(/^\| `([a-z0-9_]+)` \| (\d+) \|$/gm)].map((m) => [m[1], Number(m[2])]);
    const expected = Object.entries<object>(stack.json.resource).map(([type, instances]) => [type, Object.keys(instances).length]);
    expect({ stack: stack.name, rows: rows.sort() }).toEqual({ stack: stack.name, rows: expected.sort() });
    const total = expected.reduce((sum, [, n]) => sum + (n as number), 0);
    expect(summary).toMatch(new RegExp(`^\\| \`${stack.name}\` \\| ${total} \\|`, "m"));
  }
});

test("every IAM statement that allows '*' resources is listed with its reason", () => {
  let found = 0;
  for (const stack of estate.stacks) {
    for (const [type, instances] of Object.entries<Record<string, any>>(stack.json.resource)) {
      for (const resource of Object.values(instances)) {
        if (typeof resource.policy !== "string" || type === "aws_iam_role") continue;
        for (const statement of [JSON.parse(resource.policy).Statement ?? []].flat()) {
          if (statement.Effect !== "Allow" || ![statement.Resource].flat().includes("*")) continue;
          found++;
          const actions = [statement.Action]
            .flat()
            .map((a: string) => `\`${a}\``)
            .join(", ");
          const row = section(stack.name)
            .split("\n")
            .find((line) => line.includes(`| ${actions} |`) && (!statement.Sid || line.includes(`\`${statement.Sid}\``)));
          expect({ stack: stack.name, sid: statement.Sid, row: row !== undefined }).toEqual({
            stack: stack.name,
            sid: statement.Sid,
            row: true,
          });
          expect(row).not.toContain("no reason recorded");
          expect((row as string).split("|")[4].trim().length).toBeGreaterThan(20);
        }
      }
    }
  }
  expect(found).toBeGreaterThan(0);
  expect(summary).not.toContain("no reason recorded");
});

test("security-group ingress reads as words: who may connect to what, on which port", () => {
  expect(section("production-frontend")).toContain("- `frontend-alb` :443/tcp ← CloudFront origin-facing prefix list");
  expect(section("production-frontend")).toContain("- `frontend-tasks` :3000/tcp ← `frontend-alb`");
  expect(section("production-backend")).toContain("- `backend-database` :5432/tcp ← `backend-tasks`");
  expect(section("production-backend")).toContain("- `backend-alb` :80/tcp ← `backend-vpc-link`");
});

test("cross-stack inputs name the producing stack and what it exports; outputs name the stacks that read them", () => {
  const backend = section("production-backend");
  expect(backend).toMatch(/^\| `production-vpc` \| `aws_vpc\.[^`]+\.id` \| /m);
  expect(backend).toMatch(/^\| `production-media` \| `aws_s3_bucket\.[^`]+\.arn` \| `aws_iam_role_policy\./m);
  expect(section("production-vpc")).toMatch(
    /^\| `cross-stack-output-aws_vpc[^`]*id` \| `aws_vpc\.[^`]+\.id` \| read by `production-backend`, `production-cluster`, `production-frontend` \|$/m,
  );
});

/** The fixed monthly cost of a stack, computed here from its JSON and the price table. */
function expectedCost(stack: string, size: "min" | "desired"): number {
  const json = stackJson(stack);
  const prices = PRICES.regions[json.provider.aws[0].region];
  const month = PRICES.hoursPerMonth;
  const resources = (type: string): any[] => Object.values(json.resource[type] ?? {});
  let total = 0;
  total += resources("aws_nat_gateway").length * prices.natGatewayHour * month;
  total += resources("aws_eip").length * prices.publicIpv4AddressHour * month;
  for (const endpoint of resources("aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface"))
    total += endpoint.subnet_ids.length * prices.interfaceEndpointAzHour * month;
  for (const lb of resources("aws_lb"))
    total += prices.applicationLoadBalancerHour * month + (lb.internal ? 0 : lb.subnets.length * prices.publicIpv4AddressHour * month);
  for (const group of resources("aws_autoscaling_group")) {
    const template = resources("aws_launch_template")[0];
    const instances = size === "min" ? group.min_size : group.desired_capacity;
    const volume = template.block_device_mappings[0].ebs;
    total +=
      instances * (prices.ec2InstanceHour[template.instance_type] * month + volume.volume_size * prices.ebsGbMonth[volume.volume_type]);
  }
  for (const db of resources("aws_db_instance")) {
    const deployment = db.multi_az ? "multiAz" : "singleAz";
    total +=
      prices.rdsPostgresInstanceHour[db.instance_class][deployment] * month +
      db.allocated_storage * prices.rdsStorageGbMonth[db.storage_type][deployment];
  }
  total +=
    resources("aws_kms_key").length * prices.kmsKeyMonth + resources("aws_secretsmanager_secret").length * prices.secretsManagerSecretMonth;
  for (const alarm of resources("aws_cloudwatch_metric_alarm")) {
    total += (alarm.period ?? 60) < 60 ? prices.cloudWatchAlarmMonth.highResolution : prices.cloudWatchAlarmMonth.standard;
  }
  total += resources("aws_cloudwatch_dashboard").length * prices.cloudWatchDashboardMonth;
  return Math.round(total * 100) / 100;
}

test("each stack's fixed monthly cost is its hourly-billed resources at the recorded prices, at minimum and desired sizes", () => {
  const money = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  for (const stack of estate.stacks) {
    expect({ stack: stack.name, row: summary.includes(`| \`${stack.name}\` |`) }).toEqual({ stack: stack.name, row: true });
    const row = summary.split("\n").find((line) => line.startsWith(`| \`${stack.name}\` |`)) as string;
    expect({ stack: stack.name, min: row.split("|")[3].trim(), desired: row.split("|")[4].trim() }).toEqual({
      stack: stack.name,
      min: money(expectedCost(stack.name, "min")),
      desired: money(expectedCost(stack.name, "desired")),
    });
  }
  // Production's cluster scales from 2 to 3 instances by default: the two figures differ.
  expect(expectedCost("production-cluster", "desired")).toBeGreaterThan(expectedCost("production-cluster", "min"));
});

test("the price table is dated, names its source, and prices every instance type, database class and region the environments configure", () => {
  expect(PRICES.recorded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(PRICES.source).toMatch(/aws\.amazon\.com/);
  const everything = synth(["staging", "production", "local"]);
  const everyGraph = new EstateGraph(everything.stacks);
  const unpriced = everything.stacks.flatMap((stack) =>
    stackCost(everyGraph, stack.name).unpriced.map((line) => `${stack.name}: ${line.item} in ${line.region}`),
  );
  expect(unpriced).toEqual([]);
  for (const region of ["eu-west-1", "us-east-1"]) expect(Object.keys(PRICES.regions)).toContain(region);
});

/**
 * A commit of the working tree, untracked files included (through a scratch index, so that neither the
 * index nor HEAD of the checkout changes).
 */
function workingTreeCommit(): string {
  const index = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "treepli-index-")), "index");
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, GIT_INDEX_FILE: index } }).trim();
  try {
    git("read-tree", "HEAD");
    git("add", "-A");
    return git("commit-tree", git("write-tree"), "-p", "HEAD", "-m", "the working tree, for the review's tests");
  } finally {
    fs.rmSync(path.dirname(index), { recursive: true, force: true });
  }
}

describe("comparing with a git ref", () => {
  // The ref's own code synthesizes the baseline: a commit of this working tree as it is (uncommitted edits
  // included, so that the test holds while a change is being made); this tree is synthesized with a fixture
  // change: staging gets a NAT gateway per AZ instead of one shared.
  const changed = synth(["staging", "production"], {
    environments: { staging: { ...ENVIRONMENTS.staging, vpc: { ...ENVIRONMENTS.staging.vpc, natGateways: "one-per-az" } } },
  });
  let baseline: ReturnType<typeof synthesizeRef>;
  beforeAll(() => {
    baseline = synthesizeRef(workingTreeCommit(), { repoRoot: PROJECT_ROOT });
  }, 180_000);

  test("the fixture change shows up, by resource address and attribute, with its cost; the untouched stacks do not", () => {
    const changedGraph = new EstateGraph(changed.stacks);
    const text = summaryMarkdown({
      stacks: changed.stacks,
      environments,
      architectures: environments.map((e) => architecture(changedGraph, e)),
      baseline: { ref: "HEAD", commit: baseline.commit, stacks: baseline.estate.stacks },
    });
    const before = baseline.estate.stacks.find((s) => s.name === "staging-vpc") as SynthesizedStack;
    const after = changed.stacks.find((s) => s.name === "staging-vpc") as SynthesizedStack;
    const newNats = Object.keys(after.json.resource.aws_nat_gateway).filter((name) => !(name in before.json.resource.aws_nat_gateway));
    expect(newNats).toHaveLength(1);
    const changes = text.slice(text.indexOf("## Changes versus `HEAD`"), text.indexOf("\n## staging"));
    expect(changes).toContain(`### \`staging-vpc\``);
    expect(changes).toContain(`- added \`aws_nat_gateway.${newNats[0]}\``);
    // The second private route table now routes through the second NAT gateway: an attribute change.
    expect(changes).toMatch(
      /- changed `aws_route\.[^`]+`:\n {2}- `nat_gateway_id`: "\$\{aws_nat_gateway\.[^}]+\}" → "\$\{aws_nat_gateway\.[^}]+\}"/,
    );
    const natMonth = (PRICES.regions["eu-west-1"].natGatewayHour * PRICES.hoursPerMonth).toFixed(2);
    expect(changes).toContain(`+1 NAT gateways: +$${natMonth}/month`);
    expect(changes).not.toContain("production-");
    expect(changes).toContain(
      `+1 public IPv4 addresses: +$${(PRICES.regions["eu-west-1"].publicIpv4AddressHour * PRICES.hoursPerMonth).toFixed(2)}/month`,
    );
    // The new NAT gateway comes with its two alarms (port allocation errors, packets dropped).
    const alarmsOf = (stack: SynthesizedStack) => Object.keys(stack.json.resource.aws_cloudwatch_metric_alarm ?? {});
    const newAlarms = alarmsOf(after).filter((name) => !alarmsOf(before).includes(name));
    expect(newAlarms).toHaveLength(2);
    // The overview's Δ is the whole stack's: the NAT gateway, its address and its alarms.
    const delta = (
      (PRICES.regions["eu-west-1"].natGatewayHour + PRICES.regions["eu-west-1"].publicIpv4AddressHour) * PRICES.hoursPerMonth +
      newAlarms.length * PRICES.regions["eu-west-1"].cloudWatchAlarmMonth.standard
    ).toFixed(2);
    expect(text.split("\n").find((line) => line.startsWith("| `staging-vpc` |"))).toMatch(
      new RegExp(`\\| \\+\\$${delta.replace(".", "\\.")} \\|$`),
    );
  });

  test("cdktf's metadata (construct paths, ids) is not a change; a moved block is a move; JSON arguments diff by their content", () => {
    const vpc = estate.stacks.find((s) => s.name === "production-vpc") as SynthesizedStack;
    const renamedMetadata = JSON.parse(vpc.text.replace(/"path": "production-vpc\//g, '"path": "production-vpc/renamed/'));
    expect(diffStacks([vpc], [{ ...vpc, json: renamedMetadata }])[0].status).toBe("unchanged");

    const stack = (json: object): SynthesizedStack => ({ ...vpc, json, text: JSON.stringify(json) });
    const policy = (action: string) => JSON.stringify({ Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
    const [diff] = diffStacks(
      [stack({ resource: { aws_s3_bucket: { old: { bucket: "b" } }, aws_iam_policy: { p: { policy: policy("s3:GetObject") } } } })],
      [
        stack({
          resource: { aws_s3_bucket: { kept: { bucket: "b", force_destroy: true } }, aws_iam_policy: { p: { policy: policy("s3:*") } } },
          moved: [{ from: "aws_s3_bucket.old", to: "aws_s3_bucket.kept" }],
        }),
      ],
    );
    expect(diff).toEqual({
      stack: "production-vpc",
      status: "changed",
      added: [],
      removed: [],
      moved: [{ from: "aws_s3_bucket.old", to: "aws_s3_bucket.kept" }],
      changed: [
        { address: "aws_iam_policy.p", changes: [{ path: "policy⟩Statement[0].Action", before: "s3:GetObject", after: "s3:*" }] },
        { address: "aws_s3_bucket.kept", changes: [{ path: "force_destroy", after: true }] },
      ],
    });
  });

  test("a ref that is not a commit is refused with a message saying what to give", () => {
    expect(() => synthesizeRef("no-such-ref-anywhere", { repoRoot: PROJECT_ROOT })).toThrow(
      /"no-such-ref-anywhere" is not a commit of this repository/,
    );
  });
});
