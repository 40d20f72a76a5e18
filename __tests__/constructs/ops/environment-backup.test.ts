import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing } from "cdktf";
import { BACKUP_ROLE_MANAGED_POLICIES, EnvironmentBackup, EnvironmentBackupProps } from "../../../src/constructs/ops/environment-backup";
import { onlyResource, parse, policy, resources } from "../../helpers";

const TOPIC = "arn:aws:sns:eu-west-1:222222222222:treepli-production-ops";

function synth(props: Partial<EnvironmentBackupProps> & { copyRegion?: string } = {}) {
  return parse(
    Testing.synthScope((scope) => {
      const copyProvider = new AwsProvider(scope, "aws-eu-central-1", { region: "eu-central-1", alias: "eu_central_1" });
      const { copyRegion, ...rest } = props;
      new EnvironmentBackup(scope, "backup", {
        namePrefix: "treepli-production",
        accountId: "222222222222",
        protect: true,
        schedule: "cron(0 5 ? * * *)",
        retentionDays: 35,
        copy: copyRegion === undefined ? undefined : { provider: copyProvider, region: copyRegion },
        topicArn: TOPIC,
        ...rest,
      });
    }),
  );
}

describe("EnvironmentBackup", () => {
  describe("GIVEN production's settings (a copy to eu-central-1, protected)", () => {
    const json = synth({ copyRegion: "eu-central-1" });
    const vaults = resources(json, "aws_backup_vault");
    const keys = resources(json, "aws_kms_key");

    test("THEN a vault in each region, each on a customer-managed key of its region with rotation, neither destroyable", () => {
      expect(vaults.map((v) => [v.name, v.provider ?? "default"]).sort()).toEqual([
        ["treepli-production", "default"],
        ["treepli-production-copy", "aws.eu_central_1"],
      ]);
      const vaultKey = (name: string) => vaults.find((v) => v.name === name).kms_key_arn;
      expect(vaultKey("treepli-production")).toMatch(/^\$\{aws_kms_key\.backup_key_.*\.arn\}$/);
      expect(vaultKey("treepli-production-copy")).toMatch(/^\$\{aws_kms_key\.backup_copy-key_.*\.arn\}$/);
      expect(keys.map((k) => [k.enable_key_rotation, k.provider ?? "default", k.lifecycle.prevent_destroy]).sort()).toEqual([
        [true, "aws.eu_central_1", true],
        [true, "default", true],
      ]);
      expect(vaults.every((v) => v.force_destroy === false && v.lifecycle.prevent_destroy === true)).toBe(true);
    });

    test("THEN the plan backs up daily at the configured time, keeps 35 days and copies every recovery point to the copy vault", () => {
      const plan = onlyResource(json, "aws_backup_plan");
      expect(plan.name).toBe("treepli-production");
      expect(plan.rule).toEqual([
        expect.objectContaining({
          rule_name: "daily",
          target_vault_name: expect.stringMatching(/aws_backup_vault\.backup_vault_.*\.name/),
          schedule: "cron(0 5 ? * * *)",
          schedule_expression_timezone: "Etc/UTC",
          start_window: 60,
          completion_window: 720,
          lifecycle: { delete_after: 35 },
          copy_action: [
            {
              destination_vault_arn: expect.stringMatching(/aws_backup_vault\.backup_copy-vault_.*\.arn/),
              lifecycle: { delete_after: 35 },
            },
          ],
        }),
      ]);
    });

    test("THEN the role is AWS Backup's (no source-account condition, which the service does not document sending), with AWS's backup and restore policies (RDS and S3)", () => {
      const role = onlyResource(json, "aws_iam_role");
      expect(role.name).toBe("treepli-production-backup");
      expect(policy(role.assume_role_policy).Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      expect(resources(json, "aws_iam_role_policy_attachment").map((a) => a.policy_arn)).toEqual([...BACKUP_ROLE_MANAGED_POLICIES]);
    });

    test("THEN failed, aborted or expired backup jobs and failed copy jobs go to the operations topic", () => {
      const rules = resources(json, "aws_cloudwatch_event_rule").map((r) => [r.name, JSON.parse(r.event_pattern)]);
      expect(rules).toEqual([
        [
          "treepli-production-backup-failed",
          { source: ["aws.backup"], "detail-type": ["Backup Job State Change"], detail: { state: ["FAILED", "ABORTED", "EXPIRED"] } },
        ],
        [
          "treepli-production-copy-failed",
          { source: ["aws.backup"], "detail-type": ["Copy Job State Change"], detail: { state: ["FAILED"] } },
        ],
      ]);
      expect(resources(json, "aws_cloudwatch_event_target").map((t) => t.arn)).toEqual([TOPIC, TOPIC]);
    });

    test("THEN no vault lock and no vault policy unless configured", () => {
      expect(resources(json, "aws_backup_vault_lock_configuration")).toEqual([]);
      expect(resources(json, "aws_backup_vault_policy")).toEqual([]);
    });
  });

  test("GIVEN a vault lock THEN both vaults are locked in compliance mode with the configured retention range", () => {
    const locks = resources(
      synth({ copyRegion: "eu-central-1", vaultLock: { minRetentionDays: 7, maxRetentionDays: 365, changeableForDays: 3 } }),
      "aws_backup_vault_lock_configuration",
    );
    expect(locks.map((l) => [l.min_retention_days, l.max_retention_days, l.changeable_for_days, l.provider ?? "default"]).sort()).toEqual([
      [7, 365, 3, "aws.eu_central_1"],
      [7, 365, 3, "default"],
    ]);
  });

  test("GIVEN a second account's vault THEN copies go there, and that account may copy back and use the vault key, nothing else", () => {
    const destination = "arn:aws:backup:eu-central-1:333333333333:backup-vault:treepli-production-copy";
    const json = parse(
      Testing.synthScope((scope) => {
        const provider = new AwsProvider(scope, "aws-eu-central-1", { region: "eu-central-1", alias: "eu_central_1" });
        new EnvironmentBackup(scope, "backup", {
          namePrefix: "treepli-production",
          accountId: "222222222222",
          protect: true,
          schedule: "cron(0 5 ? * * *)",
          retentionDays: 35,
          copy: { provider, region: "eu-central-1", destinationVaultArn: destination, retentionDays: 90 },
          topicArn: TOPIC,
        });
      }),
    );
    expect(resources(json, "aws_backup_vault").map((v) => v.name)).toEqual(["treepli-production"]);
    expect(onlyResource(json, "aws_backup_plan").rule[0].copy_action).toEqual([
      { destination_vault_arn: destination, lifecycle: { delete_after: 90 } },
    ]);
    expect(policy(onlyResource(json, "aws_backup_vault_policy").policy).Statement).toEqual([
      expect.objectContaining({
        Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::333333333333:root$/) },
        Action: "backup:CopyIntoBackupVault",
      }),
    ]);
    const keyStatements = policy(onlyResource(json, "aws_kms_key").policy).Statement;
    expect(keyStatements.map((s: any) => s.Sid)).toEqual(["AccountAdministersKey", "SecondAccountCopiesRecoveryPoints"]);
    expect(keyStatements[1].Action).not.toContain("kms:*");
  });

  test.each([
    [
      "a retention outside the lock",
      { vaultLock: { minRetentionDays: 60, changeableForDays: 3 } },
      /retentionDays \(35\) must lie within vaultLock's retention range/,
    ],
    [
      "a start window under AWS Backup's 60 minutes",
      { startWindowMinutes: 30 },
      /startWindowMinutes must be a whole number of at least 60/,
    ],
    ["a schedule that is not cron", { schedule: "rate(1 day)" }, /schedule must be an AWS Backup cron expression/],
  ])("GIVEN %s THEN construction fails naming the prop", (_, props, message) => {
    expect(() => synth(props as Partial<EnvironmentBackupProps>)).toThrow(message);
  });
});
