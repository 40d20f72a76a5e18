import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { isLogRetentionDays, LOG_RETENTION_DAYS } from "../observability/log-retention";
import { serviceRoleTrust } from "../iam/policy-document";

/** The port PostgreSQL listens on. */
export const POSTGRES_PORT = 5432;

/** Enhanced-monitoring intervals RDS accepts, in seconds (0 turns it off). */
export const RDS_MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60] as const;

/**
 * The RDS certificate authorities an instance's server certificate can be signed by (the current ones;
 * `rds-ca-2019` expired in 2024). All three are in RDS's global trust bundle
 * (`https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem`).
 */
export const RDS_CA_CERT_IDENTIFIERS = ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"] as const;

/** The PostgreSQL logs RDS exports to CloudWatch Logs. */
export const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** Props of {@link PostgresDatabase}. */
export interface PostgresDatabaseProps {
  /** RDS instance identifier; also names the subnet group, parameter group and security group. */
  readonly identifier: string;
  /** VPC of the database's security group. */
  readonly vpcId: string;
  /** Subnets of the database: the isolated tier (no route out of the VPC), one per AZ, at least two. */
  readonly subnetIds: string[];
  /** Security groups whose members may connect on 5432 (the application's). Nothing else can. */
  readonly clientSecurityGroupIds: string[];
  /**
   * PostgreSQL major version (digits only, e.g. `"16"`); it also selects the parameter group family
   * (`postgres16`). RDS applies minor versions itself (auto minor version upgrade); a major upgrade is a
   * deliberate change of this value.
   *
   * @default "16"
   */
  readonly engineVersion?: string;
  /** Instance class, e.g. `db.t4g.micro`. */
  readonly instanceClass: string;
  /** Initial gp3 storage, GiB (RDS's minimum for gp3 PostgreSQL is 20). */
  readonly allocatedStorageGiB: number;
  /**
   * Ceiling of storage autoscaling, GiB (at least `allocatedStorageGiB`; equal turns autoscaling off).
   */
  readonly maxAllocatedStorageGiB: number;
  /** Name of the database created with the instance. */
  readonly databaseName: string;
  /** Master user name; RDS generates and keeps its password in Secrets Manager. */
  readonly masterUsername: string;
  /** Days automated backups are kept (1 to 35; 0, which would turn backups off, is refused). */
  readonly backupRetentionDays: number;
  /** A synchronous standby in a second AZ. */
  readonly multiAz: boolean;
  /**
   * `true`: deletion protection, a final snapshot on deletion and `prevent_destroy` (production).
   * `false`: the instance can be destroyed, without a final snapshot.
   */
  readonly protect: boolean;
  /**
   * Performance Insights (7 days, the free retention).
   *
   * @default false
   */
  readonly performanceInsights?: boolean;
  /**
   * Enhanced monitoring interval in seconds; 0 turns it off.
   *
   * @default 0
   */
  readonly monitoringIntervalSeconds?: (typeof RDS_MONITORING_INTERVALS)[number];
  /**
   * Days between rotations of the RDS-managed master password (1 to 1000). Running tasks keep the
   * password they started with: pair the database with {@link RestartServiceOnRotation}.
   *
   * @default 7
   */
  readonly passwordRotationDays?: number;
  /**
   * Let IAM users and roles sign in with `rds-db:connect` tokens (as database users granted `rds_iam`),
   * next to the password.
   *
   * @default false
   */
  readonly iamDatabaseAuthentication?: boolean;

  /**
   * Customer-managed KMS key of the storage (and so of snapshots and automated backups), of Performance
   * Insights and of the RDS-managed master secret. Changing the storage key later replaces the instance
   * (restore from a snapshot copied to the new key).
   *
   * @default - the AWS-managed keys `aws/rds` and `aws/secretsmanager`
   */
  readonly kmsKeyArn?: string;

  /**
   * The certificate authority of the instance's server certificate, pinned so that clients verifying it
   * (`sslmode=verify-full` against RDS's CA bundle) never meet a CA RDS picked as its regional default,
   * and so that a change of CA is a reviewed change here (applied in the maintenance window; it restarts
   * the instance).
   *
   * @default "rds-ca-rsa2048-g1"
   */
  readonly caCertIdentifier?: (typeof RDS_CA_CERT_IDENTIFIERS)[number];

  /**
   * Customer-managed KMS key of the exported logs' log groups.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logKmsKeyArn?: string;
  /**
   * Daily window (UTC, `hh:mm-hh:mm`, at least 30 minutes) of automated backups; must not overlap
   * `maintenanceWindow`.
   *
   * @default "02:00-03:00"
   */
  readonly backupWindow?: string;
  /**
   * Weekly window (UTC, `ddd:hh:mm-ddd:hh:mm`) in which RDS applies pending changes, minor version
   * upgrades and OS patches.
   *
   * @default "sun:03:30-sun:04:30"
   */
  readonly maintenanceWindow?: string;
  /**
   * Days CloudWatch Logs keeps the exported `postgresql` and `upgrade` logs. The construct creates
   * those log groups itself, before the instance, so that RDS does not create them without expiry.
   *
   * @default 30
   */
  readonly logRetentionDays?: (typeof LOG_RETENTION_DAYS)[number];
}

/**
 * A PostgreSQL instance on RDS that only the application can reach: in isolated subnets, not publicly
 * accessible, its security group admitting 5432 from the client groups only; storage encrypted (gp3,
 * autoscaling), TLS forced by its parameter group (`rds.force_ssl`), automated backups, minor version
 * upgrades on, logs exported to CloudWatch (log groups with a retention).
 *
 * The master password is generated by RDS and kept in a Secrets Manager secret RDS manages
 * (`manage_master_user_password`, encrypted with `kmsKeyArn`, like the storage and Performance Insights):
 * it never appears in configuration, plan or state. With `iamDatabaseAuthentication`, applications sign in
 * as their own users with IAM tokens instead ({@link databaseUserArn} is what their role may connect as). RDS turns on the secret's managed rotation (every 7 days); an
 * `aws_secretsmanager_secret_rotation` without a Lambda function sets its period to
 * `passwordRotationDays` (RotateSecret with rotation rules only, which Secrets Manager accepts for
 * service-managed secrets; the community terraform-aws-modules/rds module does the same).
 * Applications read the secret at start (ECS `secrets`, {@link usernameValueFrom} /
 * {@link passwordValueFrom}), so the service must restart after a rotation (see
 * {@link RestartServiceOnRotation}).
 *
 * Changes are applied in the next maintenance window (`apply_immediately = false`): an instance class
 * or parameter change must not restart production's database in the middle of the day because someone
 * ran `apply`. Until the window, `terraform plan` keeps showing the pending change (RDS reports the
 * current value); to apply one at once, run `aws rds modify-db-instance --apply-immediately` by hand or
 * flip `apply_immediately` for that one apply.
 */
export class PostgresDatabase extends Construct {
  /** The instance. */
  public readonly instance: DbInstance;

  /** The database's security group (admits the client groups on 5432, nothing else). */
  public readonly securityGroup: SecurityGroup;

  /** The TLS-forcing parameter group. */
  public readonly parameterGroup: DbParameterGroup;

  /** The rotation schedule of the master user's secret. */
  public readonly passwordRotation: SecretsmanagerSecretRotation;

  private account?: DataAwsCallerIdentity;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    validate(id, props);
    const engineVersion = props.engineVersion ?? "16";
    const monitoringInterval = props.monitoringIntervalSeconds ?? 0;
    const logRetentionDays = props.logRetentionDays ?? 30;

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.identifier}-database`,
      description: `PostgreSQL ${props.identifier}: reachable from the application only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.identifier}-database` },
    });
    // Separate rules (not inline ones): the clients' groups live in the same stack and may reference
    // this one; no egress rule at all, a database opens no connections.
    props.clientSecurityGroupIds.forEach((clientGroupId, index) => {
      new SecurityGroupRule(this, `client-${index}`, {
        type: "ingress",
        description: "PostgreSQL from the application",
        securityGroupId: this.securityGroup.id,
        sourceSecurityGroupId: clientGroupId,
        protocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
      });
    });

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: props.identifier,
      description: `Isolated subnets of ${props.identifier}`,
      subnetIds: props.subnetIds,
    });

    // A generated name (prefix + suffix) so that a replacement (a major version's new family) can be
    // created before the old group is released by the instance.
    this.parameterGroup = new DbParameterGroup(this, "parameters", {
      namePrefix: `${props.identifier}-postgres${engineVersion}-`,
      family: `postgres${engineVersion}`,
      description: `${props.identifier}: TLS only`,
      parameter: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
      lifecycle: { createBeforeDestroy: true },
    });

    const logGroups = POSTGRES_LOG_EXPORTS.map(
      (log) =>
        new CloudwatchLogGroup(this, `log-${log}`, {
          name: `/aws/rds/instance/${props.identifier}/${log}`,
          retentionInDays: logRetentionDays,
          kmsKeyId: props.logKmsKeyArn,
        }),
    );

    let monitoringRoleArn: string | undefined;
    const monitoringPrerequisites: ITerraformDependable[] = [];
    if (monitoringInterval > 0) {
      const role = new IamRole(this, "monitoring-role", {
        name: `${props.identifier}-rds-monitoring`,
        description: `Lets RDS publish enhanced monitoring metrics of ${props.identifier}`,
        // Confused-deputy guard, as on every service role of the estate: RDS may use the role only
        // for this account's instances.
        assumeRolePolicy: serviceRoleTrust("monitoring.rds.amazonaws.com", this.accountId),
      });
      // RDS checks the role's permissions when the instance is created: the attachment must exist first.
      monitoringPrerequisites.push(
        new IamRolePolicyAttachment(this, "monitoring-policy", {
          role: role.name,
          policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        }),
      );
      monitoringRoleArn = role.arn;
    }

    this.instance = new DbInstance(this, "instance", {
      identifier: props.identifier,
      engine: "postgres",
      engineVersion,
      instanceClass: props.instanceClass,
      dbName: props.databaseName,
      username: props.masterUsername,
      manageMasterUserPassword: true,
      port: POSTGRES_PORT,
      storageType: "gp3",
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      multiAz: props.multiAz,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: false,
      caCertIdentifier: props.caCertIdentifier ?? "rds-ca-rsa2048-g1",
      iamDatabaseAuthenticationEnabled: props.iamDatabaseAuthentication ?? false,
      parameterGroupName: this.parameterGroup.name,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      // Changes wait for the maintenance window; see the class comment.
      applyImmediately: false,
      backupRetentionPeriod: props.backupRetentionDays,
      backupWindow: props.backupWindow ?? "02:00-03:00",
      maintenanceWindow: props.maintenanceWindow ?? "sun:03:30-sun:04:30",
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      dependsOn: [...logGroups, ...monitoringPrerequisites],
      performanceInsightsEnabled: props.performanceInsights ?? false,
      performanceInsightsRetentionPeriod: props.performanceInsights ? 7 : undefined,
      performanceInsightsKmsKeyId: props.performanceInsights ? props.kmsKeyArn : undefined,
      monitoringInterval,
      monitoringRoleArn,
      deletionProtection: props.protect,
      skipFinalSnapshot: !props.protect,
      finalSnapshotIdentifier: props.protect ? `${props.identifier}-final` : undefined,
      lifecycle: { preventDestroy: props.protect },
    });

    this.passwordRotation = new SecretsmanagerSecretRotation(this, "password-rotation", {
      secretId: this.masterUserSecretArn,
      rotationRules: { automaticallyAfterDays: props.passwordRotationDays ?? 7 },
      // Managed rotation (no Lambda): RDS rotates its own secret. Not immediately on creation.
      rotateImmediately: false,
    });
  }

  /** Host name of the instance. */
  public get address(): string {
    return this.instance.address;
  }

  /** Port of the instance, as text (for environment variables). */
  public get port(): string {
    return Token.asString(this.instance.port);
  }

  /** Name of the database created with the instance. */
  public get databaseName(): string {
    return this.instance.dbName;
  }

  /** ARN of the RDS-managed secret holding the master user's `username` and `password`. */
  public get masterUserSecretArn(): string {
    return this.instance.masterUserSecret.get(0).secretArn;
  }

  /**
   * ARN of the database user `username` for IAM authentication: the resource of `rds-db:connect`
   * (`arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<username>`). The user must exist in
   * the database and hold the `rds_iam` role.
   */
  public databaseUserArn(username: string): string {
    if (!Token.isUnresolved(username) && !/^[a-z_][a-z0-9_]{0,62}$/.test(username)) {
      throw new Error(
        `PostgresDatabase "${this.node.id}": "${username}" is not a plain PostgreSQL user name (lower-case letters, digits, _)`,
      );
    }
    const partition = new DataAwsPartition(this, `user-${username}-partition`).partition;
    const region = new DataAwsRegion(this, `user-${username}-region`).name;
    return `arn:${partition}:rds-db:${region}:${this.accountId}:dbuser:${this.instance.resourceId}/${username}`;
  }

  /** The account's id (one lookup, shared by what needs it). */
  private get accountId(): string {
    this.account ??= new DataAwsCallerIdentity(this, "account");
    return this.account.accountId;
  }

  /** ECS `valueFrom` of the master user name (a JSON key of the secret). */
  public get usernameValueFrom(): string {
    return `${this.masterUserSecretArn}:username::`;
  }

  /** ECS `valueFrom` of the master password (a JSON key of the secret). */
  public get passwordValueFrom(): string {
    return `${this.masterUserSecretArn}:password::`;
  }
}

function validate(id: string, props: PostgresDatabaseProps): void {
  const problems: string[] = [];
  const known = (value: unknown) => !Token.isUnresolved(value);
  if (
    known(props.backupRetentionDays) &&
    (!Number.isInteger(props.backupRetentionDays) || props.backupRetentionDays < 1 || props.backupRetentionDays > 35)
  ) {
    problems.push(`backupRetentionDays must be a whole number of days from 1 to 35 (RDS's range), got ${props.backupRetentionDays}`);
  }
  if (known(props.maxAllocatedStorageGiB) && known(props.allocatedStorageGiB) && props.maxAllocatedStorageGiB < props.allocatedStorageGiB) {
    problems.push(
      `maxAllocatedStorageGiB (${props.maxAllocatedStorageGiB}) must be at least allocatedStorageGiB (${props.allocatedStorageGiB})`,
    );
  }
  const interval = props.monitoringIntervalSeconds ?? 0;
  if (!(RDS_MONITORING_INTERVALS as readonly number[]).includes(interval)) {
    problems.push(`monitoringIntervalSeconds must be one of ${RDS_MONITORING_INTERVALS.join(", ")}, got ${interval}`);
  }
  const engineVersion = props.engineVersion ?? "16";
  if (known(engineVersion) && !/^[0-9]+$/.test(engineVersion)) {
    problems.push(`engineVersion must be a major version such as "16" (RDS picks the minor version), got "${engineVersion}"`);
  }
  const logRetention = props.logRetentionDays ?? 30;
  if (!isLogRetentionDays(logRetention)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${logRetention}`);
  }
  const ca = props.caCertIdentifier ?? "rds-ca-rsa2048-g1";
  if (!(RDS_CA_CERT_IDENTIFIERS as readonly string[]).includes(ca)) {
    problems.push(`caCertIdentifier must be one of ${RDS_CA_CERT_IDENTIFIERS.join(", ")}, got "${ca}"`);
  }
  const rotation = props.passwordRotationDays ?? 7;
  if (!Number.isInteger(rotation) || rotation < 1 || rotation > 1000) {
    problems.push(`passwordRotationDays must be a whole number of days from 1 to 1000, got ${rotation}`);
  }
  if (props.clientSecurityGroupIds.length === 0) {
    problems.push("clientSecurityGroupIds is empty: nothing could reach the database; give the application's security group");
  }
  if (known(props.subnetIds) && props.subnetIds.length < 2) {
    problems.push("subnetIds must name at least two subnets in different AZs (RDS requires it, Multi-AZ needs it)");
  }
  if (problems.length > 0) throw new Error(`PostgresDatabase "${id}": ${problems.join("; ")}`);
}
