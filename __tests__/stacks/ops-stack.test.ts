import { loadEnvironmentConfig } from "../../src/config/load-config";
import { ENVIRONMENT_NAMES } from "../../src/config/environments";
import { OPERATIONS_TOPIC_PUBLISHERS } from "../../src/constructs/ops/operations-topic";
import { parse, policy, resources, synthEnvironment, testConfig, TerraformJson } from "../helpers";

const PUBLISHERS = Object.values(OPERATIONS_TOPIC_PUBLISHERS).sort();

/** The keys of a synthesized ops stack, as [alias name, key] pairs (one alias name per region). */
function keysByAlias(json: TerraformJson): [string, { provider?: string; statements: any[]; protect: boolean }][] {
  const keys = json.resource.aws_kms_key;
  return resources(json, "aws_kms_alias").map((alias) => {
    const key = keys[/^\$\{aws_kms_key\.([^.]+)\.key_id\}$/.exec(alias.target_key_id)![1]];
    return [
      alias.name,
      { provider: key.provider, statements: policy(key.policy).Statement, protect: key.lifecycle.prevent_destroy as boolean },
    ];
  });
}

/** The key with this alias in the home region (no provider) or us-east-1 (`aws.us_east_1`). */
function keyOf(keys: ReturnType<typeof keysByAlias>, alias: string, provider?: string) {
  const found = keys.find(([name, key]) => name === alias && key.provider === provider);
  if (!found) throw new Error(`no key ${alias} for ${provider ?? "the home region"}`);
  return found[1];
}

/** Every principal a policy statement names, as "kind:name". */
const principals = (statements: any[]) =>
  statements.flatMap((s) => Object.entries(s.Principal ?? {}).flatMap(([kind, names]) => [names].flat().map((name) => `${kind}:${name}`)));

describe("ops layer", () => {
  describe("GIVEN production (eu-west-1, creates the account trail)", () => {
    const json = parse(synthEnvironment(loadEnvironmentConfig("production")).ops);
    const keys = keysByAlias(json);

    test("THEN it has the logs key in the home region and in us-east-1, the topics' keys in both, the database key and the backup vaults' keys (home and copy region), all rotating and protected", () => {
      expect(keys.map(([alias, key]) => [alias, key.provider ?? "home", key.protect]).sort()).toEqual(
        [
          ["alias/treepli-production-backup", "home", true],
          ["alias/treepli-production-copy-backup", "aws.eu_central_1", true],
          ["alias/treepli-production-database", "home", true],
          ["alias/treepli-production-logs", "home", true],
          ["alias/treepli-production-logs", "aws.us_east_1", true],
          ["alias/treepli-production-ops-topics", "home", true],
          ["alias/treepli-production-ops-topics", "aws.us_east_1", true],
        ].sort(),
      );
      for (const key of resources(json, "aws_kms_key")) expect(key.enable_key_rotation).toBe(true);
    });

    test("THEN each key policy names the account and exactly the services that use the key, nobody else", () => {
      const named = (alias: string, provider?: string) => principals(keyOf(keys, alias, provider).statements).sort();
      expect(named("alias/treepli-production-logs")).toEqual(
        [
          "AWS:arn:aws:iam::222222222222:root",
          "Service:cloudtrail.amazonaws.com",
          "Service:cloudtrail.amazonaws.com",
          "Service:logs.eu-west-1.amazonaws.com",
        ].sort(),
      );
      expect(named("alias/treepli-production-logs", "aws.us_east_1")).toEqual(
        ["AWS:arn:aws:iam::222222222222:root", "Service:logs.us-east-1.amazonaws.com"].sort(),
      );
      for (const provider of [undefined, "aws.us_east_1"]) {
        expect(named("alias/treepli-production-ops-topics", provider)).toEqual(
          ["AWS:arn:aws:iam::222222222222:root", ...PUBLISHERS.map((p) => `Service:${p}`)].sort(),
        );
      }
      expect(named("alias/treepli-production-database")).toEqual(["AWS:arn:aws:iam::222222222222:root"]);
    });

    test("THEN CloudWatch Logs may use the logs keys only for this account's log groups of their region", () => {
      for (const [region, provider] of [
        ["eu-west-1", undefined],
        ["us-east-1", "aws.us_east_1"],
      ]) {
        const statement = keyOf(keys, "alias/treepli-production-logs", provider).statements.find(
          (s) => s.Principal.Service === `logs.${region}.amazonaws.com`,
        );
        expect(statement.Condition).toEqual({
          ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:222222222222:log-group:*` },
        });
      }
    });

    test("THEN the publishers may encrypt for the topics and do nothing else with their keys", () => {
      const statement = keyOf(keys, "alias/treepli-production-ops-topics").statements.find((s) => s.Principal.Service);
      expect(statement.Action).toEqual(["kms:GenerateDataKey*", "kms:Decrypt"]);
    });

    test("THEN a topic in each region, on its region's key, which exactly the five publishers of this account may publish to", () => {
      const topics = resources(json, "aws_sns_topic");
      expect(topics.map((t) => [t.name, t.provider ?? "home"]).sort()).toEqual([
        ["treepli-production-ops", "home"],
        ["treepli-production-ops-us-east-1", "aws.us_east_1"],
      ]);
      for (const topic of topics) {
        const keyKey = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(topic.kms_master_key_id)![1];
        expect(json.resource.aws_kms_key[keyKey].provider).toBe(topic.provider);
      }
      for (const topicPolicy of resources(json, "aws_sns_topic_policy")) {
        const statements = policy(topicPolicy.policy).Statement;
        expect(principals(statements).sort()).toEqual(PUBLISHERS.map((p) => `Service:${p}`).sort());
        expect(statements.map((s: any) => [s.Effect, s.Action, s.Condition])).toEqual([
          ["Allow", "sns:Publish", { StringEquals: { "aws:SourceAccount": "222222222222" } }],
        ]);
      }
    });

    test("THEN neither topic can be destroyed by an apply (alarms, rules and subscriptions point at their ARNs)", () => {
      for (const topic of resources(json, "aws_sns_topic")) expect(topic.lifecycle).toEqual({ prevent_destroy: true });
    });

    test("THEN the configured subscriber gets both topics' notifications", () => {
      expect(
        resources(json, "aws_sns_topic_subscription")
          .map((s) => [s.protocol, s.endpoint, s.provider ?? "home"])
          .sort(),
      ).toEqual([
        ["email", "ops@treepli.example", "aws.us_east_1"],
        ["email", "ops@treepli.example", "home"],
      ]);
    });

    test("THEN it creates the account trail, encrypted with the logs key, its files kept a year", () => {
      const [trail] = resources(json, "aws_cloudtrail");
      expect(trail).toEqual(expect.objectContaining({ name: "treepli-account", is_multi_region_trail: true }));
      expect(trail.kms_key_id).toMatch(/^\$\{aws_kms_key\.logs-key_[0-9A-F]+\.arn\}$/);
      expect(resources(json, "aws_s3_bucket_lifecycle_configuration")[0].rule[0].expiration).toEqual([{ days: 365 }]);
      expect(Object.keys(json.output ?? {})).toEqual(
        expect.arrayContaining(["trail_arn", "trail_bucket_name", "ops_topic_arn", "ops_topic_arn_us_east_1"]),
      );
    });
  });

  describe("GIVEN an environment whose account already has a trail (existing)", () => {
    const json = parse(synthEnvironment(testConfig("staging", { accountSingletons: { cloudTrail: "existing" } })).ops);

    test("THEN it creates no trail and its logs key names no CloudTrail", () => {
      expect(resources(json, "aws_cloudtrail")).toEqual([]);
      expect(resources(json, "aws_s3_bucket")).toEqual([]);
      const principalsOfKeys = resources(json, "aws_kms_key").flatMap((key) => principals(policy(key.policy).Statement));
      expect(principalsOfKeys).not.toContain("Service:cloudtrail.amazonaws.com");
      expect(Object.keys(json.output ?? {})).not.toContain("trail_arn");
    });
  });

  describe("GIVEN the emulator's environment, whose home region is us-east-1", () => {
    const json = parse(synthEnvironment(loadEnvironmentConfig("local")).ops);

    test("THEN one logs key, one topics key and one topic serve both regions (no second resource with the same name in the same region)", () => {
      expect(
        resources(json, "aws_kms_alias")
          .map((alias) => alias.name)
          .sort(),
      ).toEqual([
        "alias/treepli-local-backup",
        "alias/treepli-local-copy-backup",
        "alias/treepli-local-database",
        "alias/treepli-local-logs",
        "alias/treepli-local-ops-topics",
      ]);
      expect(resources(json, "aws_sns_topic")).toHaveLength(1);
      expect(json.output!.ops_topic_arn.value).toBe(json.output!.ops_topic_arn_us_east_1.value);
    });

    test("THEN nobody is subscribed, and the keys may be destroyed with the estate", () => {
      expect(resources(json, "aws_sns_topic_subscription")).toEqual([]);
      for (const key of resources(json, "aws_kms_key")) expect(key.deletion_window_in_days).toBe(7);
      for (const resource of [...resources(json, "aws_kms_key"), ...resources(json, "aws_sns_topic")]) {
        expect(resource.lifecycle).toEqual({ prevent_destroy: false });
      }
    });
  });
});

describe("what the later layers take from the ops layer", () => {
  test.each(ENVIRONMENT_NAMES)(
    "%s: every CloudWatch log group of every stack is encrypted with the ops layer's logs key of its region",
    (name) => {
      const config = loadEnvironmentConfig(name);
      const stacks = synthEnvironment(config);
      const groups = Object.entries(stacks).flatMap(([layer, text]) =>
        resources(parse(text), "aws_cloudwatch_log_group").map((group) => ({
          layer,
          name: group.name,
          provider: group.provider,
          key: group.kms_key_id,
        })),
      );
      expect(groups.length).toBeGreaterThan(5);
      const opsOutputs = parse(stacks.ops).output ?? {};
      for (const group of groups) {
        // A cross-stack reference to the ops stack's logs key (of us-east-1 for CloudFront's viewer logs).
        expect({ ...group, key: group.key?.replace(/^.*cross-stack-output-(aws_kms_key[^.}]*arn)\}$/, "$1") }).toEqual({
          ...group,
          key: expect.stringMatching(
            group.provider === "aws.us_east_1" && config.aws.region !== "us-east-1"
              ? /^aws_kms_keylogs-key-us-east-1_key_[0-9A-F]+arn$/
              : /^aws_kms_keylogs-key_[0-9A-F]+arn$/,
          ),
        });
      }
      expect(Object.keys(opsOutputs).some((output) => output.includes("aws_kms_keylogs-key"))).toBe(true);
    },
  );

  test.each(ENVIRONMENT_NAMES)("%s: the audit records are kept for ops.auditLogRetentionDays", (name) => {
    const config = loadEnvironmentConfig(name);
    const stacks = synthEnvironment(config);
    const days = config.ops.auditLogRetentionDays;
    const group = (layer: keyof typeof stacks, pattern: RegExp) =>
      resources(parse(stacks[layer]), "aws_cloudwatch_log_group").find((g) => pattern.test(g.name))?.retention_in_days;
    expect(group("vpc", /vpc-flow-logs$/)).toBe(days);
    expect(group("backend", /^\/aws\/apigateway\//)).toBe(days);
    expect(group("media", /^\/aws\/cloudfront\//)).toBe(days);
    expect(group("frontend", /^\/aws\/cloudfront\//)).toBe(days);
    for (const layer of ["backend", "frontend"] as const) {
      const lifecycle = resources(parse(stacks[layer]), "aws_s3_bucket_lifecycle_configuration").find(
        (l) => l.rule[0].id === "expire-access-logs",
      );
      expect({ layer, days: lifecycle?.rule[0].expiration }).toEqual({ layer, days: [{ days }] });
    }
  });
});
