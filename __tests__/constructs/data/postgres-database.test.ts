import { Testing } from "cdktf";
import { PostgresDatabase, PostgresDatabaseProps } from "../../../src/constructs/data/postgres-database";
import { onlyResource, parse, policy, resources } from "../../helpers";

const base: PostgresDatabaseProps = {
  identifier: "treepli-test-backend",
  vpcId: "vpc-1",
  subnetIds: ["subnet-isolated-a", "subnet-isolated-b"],
  clientSecurityGroupIds: ["sg-app"],
  instanceClass: "db.t4g.micro",
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  databaseName: "treepli",
  masterUsername: "treepli",
  backupRetentionDays: 7,
  multiAz: true,
  protect: true,
};

function synth(props: Partial<PostgresDatabaseProps> = {}) {
  let database!: PostgresDatabase;
  const json = parse(
    Testing.synthScope((scope) => {
      database = new PostgresDatabase(scope, "database", { ...base, ...props });
    }),
  );
  return { json, database };
}

describe("PostgresDatabase", () => {
  describe("GIVEN protect: true", () => {
    const { json, database } = synth();
    const instance = onlyResource(json, "aws_db_instance");

    test("THEN it is private, encrypted, in the given subnets, and its password is generated and kept by RDS", () => {
      expect(instance).toEqual(
        expect.objectContaining({
          engine: "postgres",
          engine_version: "16",
          publicly_accessible: false,
          storage_encrypted: true,
          storage_type: "gp3",
          manage_master_user_password: true,
          auto_minor_version_upgrade: true,
          multi_az: true,
          backup_retention_period: 7,
        }),
      );
      expect(instance.password).toBeUndefined();
      expect(onlyResource(json, "aws_db_subnet_group").subnet_ids).toEqual(["subnet-isolated-a", "subnet-isolated-b"]);
    });

    test("THEN it cannot be deleted by accident and leaves a final snapshot", () => {
      expect(instance.deletion_protection).toBe(true);
      expect(instance.skip_final_snapshot).toBe(false);
      expect(instance.final_snapshot_identifier).toBe("treepli-test-backend-final");
      expect(instance.lifecycle).toEqual({ prevent_destroy: true });
    });

    test("THEN only the client security groups reach it, on 5432, and it opens no connections", () => {
      const rules = resources(json, "aws_security_group_rule");
      expect(rules).toEqual([
        expect.objectContaining({ type: "ingress", source_security_group_id: "sg-app", from_port: 5432, to_port: 5432, protocol: "tcp" }),
      ]);
      const group = onlyResource(json, "aws_security_group");
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
    });

    test("THEN its parameter group refuses connections without TLS", () => {
      const group = onlyResource(json, "aws_db_parameter_group");
      expect(group.family).toBe("postgres16");
      expect(group.parameter).toEqual([expect.objectContaining({ name: "rds.force_ssl", value: "1" })]);
    });

    test("THEN Secrets Manager rotates the RDS-managed password every 7 days", () => {
      const rotation = onlyResource(json, "aws_secretsmanager_secret_rotation");
      expect(rotation.rotation_rules).toEqual({ automatically_after_days: 7 });
      expect(rotation.rotation_lambda_arn).toBeUndefined();
      expect(rotation.secret_id).toMatch(/master_user_secret\[0\]\.secret_arn/);
    });

    test("THEN the application gets the user name and password as JSON keys of the managed secret", () => {
      expect(database.passwordValueFrom).toMatch(/:password::$/);
      expect(database.usernameValueFrom).toMatch(/:username::$/);
    });
  });

  test("its logs go to log groups it creates first, with a retention, so that RDS does not create them without one", () => {
    const { json } = synth({ logRetentionDays: 90 });
    const groups = resources(json, "aws_cloudwatch_log_group");
    expect(groups.map((g) => [g.name, g.retention_in_days])).toEqual([
      ["/aws/rds/instance/treepli-test-backend/postgresql", 90],
      ["/aws/rds/instance/treepli-test-backend/upgrade", 90],
    ]);
    const instance = onlyResource(json, "aws_db_instance");
    expect(instance.enabled_cloudwatch_logs_exports).toEqual(["postgresql", "upgrade"]);
    expect(instance.depends_on).toEqual(
      Object.keys(json.resource.aws_cloudwatch_log_group).map((key) => `aws_cloudwatch_log_group.${key}`),
    );
  });

  test("changes wait for the maintenance window, outside the backup window", () => {
    const instance = onlyResource(synth().json, "aws_db_instance");
    expect(instance).toEqual(
      expect.objectContaining({ apply_immediately: false, backup_window: "02:00-03:00", maintenance_window: "sun:03:30-sun:04:30" }),
    );
  });

  test("IAM database authentication is off unless asked for", () => {
    expect(onlyResource(synth().json, "aws_db_instance").iam_database_authentication_enabled).toBe(false);
    expect(onlyResource(synth({ iamDatabaseAuthentication: true }).json, "aws_db_instance").iam_database_authentication_enabled).toBe(true);
  });

  test("the server certificate's CA is pinned (what verify-full clients trust), rds-ca-rsa2048-g1 unless chosen", () => {
    expect(onlyResource(synth().json, "aws_db_instance").ca_cert_identifier).toBe("rds-ca-rsa2048-g1");
    expect(onlyResource(synth({ caCertIdentifier: "rds-ca-ecc384-g1" }).json, "aws_db_instance").ca_cert_identifier).toBe(
      "rds-ca-ecc384-g1",
    );
  });

  test("a major version selects its parameter group family", () => {
    const { json } = synth({ engineVersion: "17" });
    expect(onlyResource(json, "aws_db_instance").engine_version).toBe("17");
    expect(onlyResource(json, "aws_db_parameter_group").family).toBe("postgres17");
  });

  describe("GIVEN protect: false", () => {
    const instance = onlyResource(synth({ protect: false, multiAz: false }).json, "aws_db_instance");

    test("THEN it can be destroyed, without a final snapshot", () => {
      expect(instance.deletion_protection).toBe(false);
      expect(instance.skip_final_snapshot).toBe(true);
      expect(instance.final_snapshot_identifier).toBeUndefined();
      expect(instance.lifecycle).toEqual({ prevent_destroy: false });
    });
  });

  test("enhanced monitoring gets its own role with the AWS-managed monitoring policy; off by default", () => {
    expect(resources(synth().json, "aws_iam_role")).toEqual([]);
    const { json } = synth({ monitoringIntervalSeconds: 60, performanceInsights: true });
    expect(onlyResource(json, "aws_db_instance")).toEqual(
      expect.objectContaining({ monitoring_interval: 60, performance_insights_enabled: true, performance_insights_retention_period: 7 }),
    );
    expect(onlyResource(json, "aws_iam_role_policy_attachment").policy_arn).toBe(
      "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    );
    // RDS rejects a monitoring role without the policy when the instance is created.
    expect(onlyResource(json, "aws_db_instance").depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy_attachment\./)]),
    );
  });

  test("only RDS acting for this account may assume the enhanced-monitoring role (aws:SourceAccount)", () => {
    const { json } = synth({ monitoringIntervalSeconds: 60 });
    expect(policy(onlyResource(json, "aws_iam_role").assume_role_policy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "monitoring.rds.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/) } },
      },
    ]);
  });

  test.each([
    [{ backupRetentionDays: 0 }, /backupRetentionDays must be a whole number of days from 1 to 35/],
    [{ backupRetentionDays: 36 }, /backupRetentionDays must be a whole number of days from 1 to 35/],
    [{ maxAllocatedStorageGiB: 10 }, /maxAllocatedStorageGiB \(10\) must be at least allocatedStorageGiB \(20\)/],
    [{ clientSecurityGroupIds: [] }, /clientSecurityGroupIds is empty/],
    [{ subnetIds: ["subnet-a"] }, /at least two subnets/],
    [{ engineVersion: "16.4" }, /engineVersion must be a major version such as "16"/],
    [{ monitoringIntervalSeconds: 20 }, /monitoringIntervalSeconds must be one of 0, 1, 5, 10, 15, 30, 60, got 20/],
    [{ logRetentionDays: 10 }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30/],
    [
      { caCertIdentifier: "rds-ca-2019" },
      /caCertIdentifier must be one of rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1, got "rds-ca-2019"/,
    ],
    [{ passwordRotationDays: 0 }, /passwordRotationDays must be a whole number of days from 1 to 1000/],
  ])("refuses %j with a clear message", (props, message) => {
    expect(() => synth(props as Partial<PostgresDatabaseProps>)).toThrow(message);
  });
});
