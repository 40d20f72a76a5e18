import { loadEnvironmentConfig } from "../../src/config/load-config";
import { mediaBucketName, mediaReplicaBucketName } from "../../src/stacks/media-stack";
import { onlyResource, parse, resources, synthEnvironment, testConfig, TerraformJson } from "../helpers";

/** The stacks of an environment, parsed, by layer. */
function stacksOf(config: ReturnType<typeof loadEnvironmentConfig>): Record<string, TerraformJson> {
  return Object.fromEntries(Object.entries(synthEnvironment(config)).map(([layer, text]) => [layer, parse(text)]));
}

const FROM_OPS = (output: RegExp) =>
  expect.stringMatching(
    new RegExp(
      `^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-[a-z]+-ops\\.outputs\\.cross-stack-output-${output.source}\\}$`,
    ),
  );

describe("GIVEN production", () => {
  const config = loadEnvironmentConfig("production");
  const stacks = stacksOf(config);

  test("THEN the ops layer holds the environment's plan, its vaults in both regions and the backup role", () => {
    const plan = onlyResource(stacks.ops, "aws_backup_plan");
    expect(plan.name).toBe("treepli-production");
    expect(plan.rule[0].lifecycle).toEqual({ delete_after: 35 });
    expect(plan.rule[0].copy_action).toHaveLength(1);
    expect(
      resources(stacks.ops, "aws_backup_vault")
        .map((vault) => [vault.name, vault.provider ?? "aws"])
        .sort(),
    ).toEqual([
      ["treepli-production", "aws"],
      ["treepli-production-copy", "aws.eu_central_1"],
    ]);
    expect(stacks.ops.provider.aws).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alias: "eu_central_1", region: "eu-central-1", allowed_account_ids: ["222222222222"] }),
      ]),
    );
  });

  test("THEN the database is selected into that plan from its own stack, with the ops layer's role", () => {
    const selection = onlyResource(stacks.backend, "aws_backup_selection");
    expect(selection).toEqual({
      "//": expect.anything(),
      name: "treepli-production-backend-database",
      plan_id: FROM_OPS(/aws_backup_planbackup_plan.*id/),
      iam_role_arn: FROM_OPS(/aws_iam_rolebackup_role.*arn/),
      resources: [`\${aws_db_instance.${Object.keys(stacks.backend.resource.aws_db_instance)[0]}.arn}`],
    });
  });

  test("THEN the media bucket is selected too, once versioned, and replicated to Frankfurt", () => {
    const selection = onlyResource(stacks.media, "aws_backup_selection");
    expect(selection.name).toBe("treepli-production-media-bucket");
    expect(selection.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.media_bucket_[^.]+\.arn\}$/)]);
    expect(selection.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\.media_versioning/)]);
    const replica = resources(stacks.media, "aws_s3_bucket").find((bucket) => bucket.bucket === mediaReplicaBucketName(config));
    expect(replica.provider).toBe("aws.eu_central_1");
    expect(onlyResource(stacks.media, "aws_s3_bucket_replication_configuration").bucket).toMatch(
      /aws_s3_bucket\.media_bucket_[^.]+\.bucket/,
    );
    expect(mediaBucketName(config)).toBe("treepli-production-media-222222222222");
  });

  test("THEN the budget counts production's costs only, and notifies production's topic", () => {
    const budget = onlyResource(stacks.ops, "aws_budgets_budget");
    expect(budget.name).toBe("treepli-production-monthly");
    expect(budget.limit_amount).toBe("3000");
    expect(budget.cost_filter).toEqual([{ name: "TagKeyValue", values: ["user:Environment$production"] }]);
    expect(budget.notification.flatMap((n: any) => n.subscriber_sns_topic_arns)).toEqual(
      Array(3).fill(expect.stringMatching(/^\$\{aws_sns_topic\.topic_[0-9A-F]+\.arn\}$/)),
    );
    // The tag the budget filters on is the one the providers put on every resource.
    expect(stacks.backend.provider.aws[0].default_tags[0].tags.Environment).toBe("production");
  });
});

describe("GIVEN staging", () => {
  const stacks = stacksOf(loadEnvironmentConfig("staging"));

  test("THEN backups stay in the region (no copy vault, no copy rule) and media is not replicated", () => {
    expect(resources(stacks.ops, "aws_backup_vault").map((vault) => vault.name)).toEqual(["treepli-staging"]);
    expect(onlyResource(stacks.ops, "aws_backup_plan").rule[0].copy_action).toEqual([]);
    expect(resources(stacks.media, "aws_s3_bucket_replication_configuration")).toEqual([]);
    expect(onlyResource(stacks.ops, "aws_backup_plan").rule[0].lifecycle).toEqual({ delete_after: 14 });
  });

  test("THEN its budget is its own: two environments in one account do not share one", () => {
    const budget = onlyResource(stacks.ops, "aws_budgets_budget");
    expect([budget.name, budget.cost_filter[0].values]).toEqual(["treepli-staging-monthly", ["user:Environment$staging"]]);
  });

  test("GIVEN the media bucket left out of AWS Backup THEN only the database is selected", () => {
    const media = parse(synthEnvironment(testConfig("staging", { backup: { mediaBucket: false } })).media);
    expect(resources(media, "aws_backup_selection")).toEqual([]);
  });
});
