import { BackupPlan, BackupPlanRuleCopyAction } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BackupVaultPolicy } from "@cdktf/provider-aws/lib/backup-vault-policy";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { EventNotification } from "../observability/event-notification";

/**
 * The AWS-managed policies of the backup role: what AWS Backup needs to snapshot and restore RDS (and
 * the other resource types it supports) and to back up and restore S3 buckets. AWS keeps them in step
 * with what AWS Backup calls; see {@link EnvironmentBackup} for why they are used here.
 */
export const BACKUP_ROLE_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
] as const;

/** Job states of a backup that produced no usable recovery point. */
export const FAILED_BACKUP_JOB_STATES = ["FAILED", "ABORTED", "EXPIRED"] as const;

/** The copy of every backup to a second region. */
export interface EnvironmentBackupCopy {
  /** Provider of the copy's region (the copy vault and its key are created there). */
  readonly provider: TerraformProvider;
  /** The copy's region. */
  readonly region: string;
  /**
   * Days a copy is kept.
   *
   * @default - the backups' `retentionDays`
   */
  readonly retentionDays?: number;
  /**
   * A vault of another account to copy into (in `region`) instead of creating one. That account's
   * vault policy must admit this account; this construct's vault and key admit that account back.
   *
   * @default - a vault of this account in `region`
   */
  readonly destinationVaultArn?: string;
}

/** A compliance-mode vault lock. */
export interface EnvironmentBackupVaultLock {
  /** Shortest retention allowed. */
  readonly minRetentionDays: number;
  /**
   * Longest retention allowed.
   *
   * @default - no upper bound
   */
  readonly maxRetentionDays?: number;
  /** Days the lock can still be removed; afterwards nobody can remove it. */
  readonly changeableForDays: number;
}

/** Props of {@link EnvironmentBackup}. */
export interface EnvironmentBackupProps {
  /** Prefix of every name (vaults, plan, role, keys' aliases), e.g. `treepli-production`. */
  readonly namePrefix: string;
  /** The environment's account: the backup role trusts AWS Backup on its behalf only, the keys admit it. */
  readonly accountId: string;
  /**
   * Refuse to destroy the vaults and keys (`prevent_destroy`); when false, destroying a vault deletes
   * its recovery points (`force_destroy`).
   */
  readonly protect: boolean;
  /** When the daily backup starts: an AWS Backup cron expression in UTC, e.g. `cron(0 5 ? * * *)`. */
  readonly schedule: string;
  /** Days a backup is kept. */
  readonly retentionDays: number;
  /**
   * Minutes after the scheduled time within which a backup must start, or it is not taken (and the
   * failure is notified).
   *
   * @default 60
   */
  readonly startWindowMinutes?: number;
  /**
   * Minutes a started backup may take before AWS Backup cancels it.
   *
   * @default 720
   */
  readonly completionWindowMinutes?: number;
  /**
   * The copy to a second region.
   *
   * @default - no copy
   */
  readonly copy?: EnvironmentBackupCopy;
  /**
   * A compliance-mode lock on the vault(s) this construct creates.
   *
   * @default - no lock
   */
  readonly vaultLock?: EnvironmentBackupVaultLock;
  /** The operations topic (home region) that failed backup and copy jobs are sent to. */
  readonly topicArn: string;
}

/**
 * The environment's AWS Backup: where backups go, when they are taken, and who hears of a failure.
 *
 * - a vault on a customer-managed key of its own (rotation on), and, with `copy`, a copy vault on a key
 *   of the copy region (or another account's vault);
 * - a plan with one daily rule: back up at `schedule`, keep `retentionDays`, copy every recovery point
 *   to the copy vault (kept `copy.retentionDays`);
 * - the role AWS Backup runs the jobs with (trusting `backup.amazonaws.com`; see the trust policy for why
 *   it carries no source-account condition);
 * - optionally a compliance-mode lock on the vaults;
 * - EventBridge rules sending failed backup jobs and (with a copy) failed copy jobs to the operations topic.
 *
 * What is backed up is chosen where it lives: each stack that owns a store adds an
 * `aws_backup_selection` for it to {@link planId} with {@link roleArn} (the database in the backend
 * layer, the media bucket in the media layer).
 *
 * The role has AWS's managed backup and restore policies rather than an inline copy: AWS Backup checks
 * the role only when a job runs (a missing action is a failed 05:00 backup, not a failed apply), and AWS
 * changes those policies as AWS Backup's calls change (the S3 policy manages EventBridge rules and S3
 * inventories on the bucket). Only AWS Backup may assume the role, for this account, and it acts only on
 * the resources the plan's selections name.
 *
 * The failure rules match every backup and copy job of the account and region (AWS Backup's events are
 * matched on their state only): where two environments share an account, both topics hear of each
 * other's failures, which is noise rather than a missed failure. The message names the vault and the
 * resource.
 */
export class EnvironmentBackup extends Construct {
  /** The key of the home region's vault. */
  public readonly key: KmsKey;

  /** The home region's vault. */
  public readonly vault: BackupVault;

  /** The copy region's key, when this construct creates the copy vault. */
  public readonly copyKey?: KmsKey;

  /** The copy region's vault, when this construct creates it. */
  public readonly copyVault?: BackupVault;

  /** The backup plan. */
  public readonly plan: BackupPlan;

  /** The role AWS Backup runs the plan's jobs with. */
  public readonly role: IamRole;

  /** ARN of the vault copies go to (this account's copy vault or another account's). */
  public readonly copyVaultArn?: string;

  private readonly partition: string;

  constructor(scope: Construct, id: string, props: EnvironmentBackupProps) {
    super(scope, id);
    const startWindowMinutes = props.startWindowMinutes ?? 60;
    const completionWindowMinutes = props.completionWindowMinutes ?? 720;
    validate(id, props, startWindowMinutes, completionWindowMinutes);
    const name = props.namePrefix;
    const copy = props.copy;
    const otherAccount = copy?.destinationVaultArn !== undefined ? accountOfArn(copy.destinationVaultArn) : undefined;
    this.partition = new DataAwsPartition(this, "partition").partition;

    ({ key: this.key, vault: this.vault } = this.vaultWithKey("", `${name}`, props, undefined, otherAccount));
    if (copy !== undefined && copy.destinationVaultArn === undefined) {
      ({ key: this.copyKey, vault: this.copyVault } = this.vaultWithKey("copy-", `${name}-copy`, props, copy.provider));
    }
    this.copyVaultArn = copy?.destinationVaultArn ?? this.copyVault?.arn;
    if (otherAccount !== undefined) {
      // The other account copies recovery points back into this vault to restore them here.
      new BackupVaultPolicy(this, "vault-policy", {
        backupVaultName: this.vault.name,
        policy: policyDocument({
          Sid: "CopyBackFromTheSecondAccount",
          Effect: "Allow",
          Principal: { AWS: `arn:${this.partition}:iam::${otherAccount}:root` },
          Action: "backup:CopyIntoBackupVault",
          Resource: "*",
        }),
      });
    }

    this.role = new IamRole(this, "role", {
      name: `${name}-backup`,
      description: `AWS Backup runs the backup and restore jobs of ${name} with this role`,
      // Without the aws:SourceAccount guard the estate's other service roles carry: AWS Backup documents it
      // for resource policies only (topic, key), not for assuming the job role, and its own default role
      // trusts the service without conditions. A condition the service does not send would fail every
      // backup and copy job. Another account cannot use this role: a plan or job names it only with
      // iam:PassRole, which no other account can be granted on it.
      assumeRolePolicy: policyDocument({ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }),
    });
    const attachments = BACKUP_ROLE_MANAGED_POLICIES.map(
      (policyArn, index) => new IamRolePolicyAttachment(this, `role-policy-${index}`, { role: this.role.name, policyArn }),
    );

    const copyAction: BackupPlanRuleCopyAction[] =
      copy !== undefined && this.copyVaultArn !== undefined
        ? [{ destinationVaultArn: this.copyVaultArn, lifecycle: { deleteAfter: copy.retentionDays ?? props.retentionDays } }]
        : [];
    this.plan = new BackupPlan(this, "plan", {
      name,
      rule: [
        {
          ruleName: "daily",
          targetVaultName: this.vault.name,
          schedule: props.schedule,
          scheduleExpressionTimezone: "Etc/UTC",
          startWindow: startWindowMinutes,
          completionWindow: completionWindowMinutes,
          lifecycle: { deleteAfter: props.retentionDays },
          copyAction,
        },
      ],
      // Jobs start only once the role can act.
      dependsOn: attachments,
    });

    this.failureNotifications(name, props.topicArn, copy !== undefined);
  }

  /** ID of the backup plan, for the stores' selections. */
  public get planId(): string {
    return this.plan.id;
  }

  /** ARN of the role the selections run with. */
  public get roleArn(): string {
    return this.role.arn;
  }

  /** A vault on its own key (rotation on), with the lock when configured. */
  private vaultWithKey(
    idPrefix: string,
    vaultName: string,
    props: EnvironmentBackupProps,
    provider?: TerraformProvider,
    otherAccount?: string,
  ): { key: KmsKey; vault: BackupVault } {
    const statements: PolicyStatement[] = [
      {
        // The account administers and uses the key through IAM (AWS Backup through its role's grants).
        // In a key policy, Resource "*" means this key.
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${this.partition}:iam::${props.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    if (otherAccount !== undefined) {
      statements.push({
        // The second account's AWS Backup reads the recovery points it copies (and copies back).
        Sid: "SecondAccountCopiesRecoveryPoints",
        Effect: "Allow",
        Principal: { AWS: `arn:${this.partition}:iam::${otherAccount}:root` },
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant"],
        Resource: "*",
      });
    }
    const key = new KmsKey(this, `${idPrefix}key`, {
      provider,
      description: `Encrypts the AWS Backup vault ${vaultName}`,
      enableKeyRotation: true,
      deletionWindowInDays: props.protect ? 30 : 7,
      policy: policyDocument(...statements),
      lifecycle: { preventDestroy: props.protect },
    });
    new KmsAlias(this, `${idPrefix}key-alias`, { provider, name: `alias/${vaultName}-backup`, targetKeyId: key.keyId });
    const vault = new BackupVault(this, `${idPrefix}vault`, {
      provider,
      name: vaultName,
      kmsKeyArn: key.arn,
      forceDestroy: !props.protect,
      lifecycle: { preventDestroy: props.protect },
    });
    if (props.vaultLock !== undefined) {
      new BackupVaultLockConfiguration(this, `${idPrefix}vault-lock`, {
        provider,
        backupVaultName: vault.name,
        minRetentionDays: props.vaultLock.minRetentionDays,
        maxRetentionDays: props.vaultLock.maxRetentionDays,
        changeableForDays: props.vaultLock.changeableForDays,
      });
    }
    return { key, vault };
  }

  /** Failed backup jobs and (with a copy) failed copy jobs, to the operations topic. */
  private failureNotifications(name: string, topicArn: string, copies: boolean): void {
    new EventNotification(this, "backup-failed", {
      ruleName: `${name}-backup-failed`,
      description: `An AWS Backup job of this account and region failed, was aborted or expired (${name}'s plan)`,
      eventPattern: {
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change"],
        detail: { state: [...FAILED_BACKUP_JOB_STATES] },
      },
      topicArn,
      summary: `AWS Backup: a backup job failed (${name})`,
      firstResponse:
        "read the job's statusMessage (detail below, or aws backup list-backup-jobs --by-state FAILED); start the backup again by hand once fixed (aws backup start-backup-job, docs/restore.md).",
    });
    if (!copies) return;
    new EventNotification(this, "copy-failed", {
      ruleName: `${name}-copy-failed`,
      description: `An AWS Backup copy job of this account and region failed (${name}'s copies to the second region)`,
      eventPattern: { source: ["aws.backup"], "detail-type": ["Copy Job State Change"], detail: { state: ["FAILED"] } },
      topicArn,
      summary: `AWS Backup: copying a recovery point to the second region failed (${name})`,
      firstResponse:
        "read the copy job's statusMessage; most often the copy vault's KMS key or (another account's) vault policy refuses it. Copy again by hand once fixed (aws backup start-copy-job, docs/restore.md).",
    });
  }
}

/** The account id of an ARN (its fifth field). */
function accountOfArn(arn: string): string {
  const account = arn.split(":")[4];
  if (!/^\d{12}$/.test(account ?? "")) throw new Error(`EnvironmentBackup: "${arn}" names no account id`);
  return account;
}

function validate(id: string, props: EnvironmentBackupProps, startWindowMinutes: number, completionWindowMinutes: number): void {
  const problems: string[] = [];
  const known = (value: unknown) => !Token.isUnresolved(value);
  const days = (field: string, value: number | undefined) => {
    if (value !== undefined && known(value) && !(Number.isInteger(value) && value >= 1 && value <= 36500)) {
      problems.push(`${field} must be a whole number of days from 1 to 36500, got ${value}`);
    }
  };
  days("retentionDays", props.retentionDays);
  days("copy.retentionDays", props.copy?.retentionDays);
  if (!(Number.isInteger(startWindowMinutes) && startWindowMinutes >= 60)) {
    problems.push(`startWindowMinutes must be a whole number of at least 60 (AWS Backup's minimum), got ${startWindowMinutes}`);
  }
  if (!(Number.isInteger(completionWindowMinutes) && completionWindowMinutes >= startWindowMinutes + 60)) {
    problems.push(
      `completionWindowMinutes must be at least startWindowMinutes + 60 (${startWindowMinutes + 60}), got ${completionWindowMinutes}`,
    );
  }
  if (known(props.schedule) && !/^cron\(\S+( \S+){5}\)$/.test(props.schedule)) {
    problems.push(`schedule must be an AWS Backup cron expression with six fields, e.g. "cron(0 5 ? * * *)", got "${props.schedule}"`);
  }
  const lock = props.vaultLock;
  if (lock !== undefined) {
    days("vaultLock.minRetentionDays", lock.minRetentionDays);
    days("vaultLock.maxRetentionDays", lock.maxRetentionDays);
    if (!(Number.isInteger(lock.changeableForDays) && lock.changeableForDays >= 3)) {
      problems.push(`vaultLock.changeableForDays must be a whole number of at least 3, got ${lock.changeableForDays}`);
    }
    const outside = (value: number) =>
      value < lock.minRetentionDays || (lock.maxRetentionDays !== undefined && value > lock.maxRetentionDays);
    if (outside(props.retentionDays)) problems.push(`retentionDays (${props.retentionDays}) must lie within vaultLock's retention range`);
  }
  if (problems.length > 0) throw new Error(`EnvironmentBackup "${id}": invalid props:\n${problems.map((p) => `  ${p}`).join("\n")}`);
}
