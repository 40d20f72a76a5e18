import { z } from "zod";
import { awsRegion } from "./common";

/** An AWS Backup vault's ARN, e.g. `arn:aws:backup:eu-central-1:333333333333:backup-vault:treepli-production-copy`. */
const backupVaultArn = z.string().regex(/^arn:aws[a-z-]*:backup:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:backup-vault:[A-Za-z0-9_-]{2,50}$/, {
  error: 'must be an AWS Backup vault ARN such as "arn:aws:backup:eu-central-1:333333333333:backup-vault:treepli-production-copy"',
});

/** AWS Backup schedules are cron expressions in UTC with six fields, e.g. `cron(0 5 ? * * *)`. */
const scheduleExpression = z
  .string()
  .regex(/^cron\(\S+( \S+){5}\)$/, { error: 'must be an AWS Backup cron expression with six fields in UTC, e.g. "cron(0 5 ? * * *)"' });

const retentionDays = z
  .int({ error: "must be a whole number of days" })
  .min(1, { error: "must be at least 1 day" })
  .max(36500, { error: "must be at most 36500 days (AWS Backup's limit)" });

/**
 * A compliance-mode lock on the environment's vaults (AWS Backup Vault Lock): once `changeableForDays`
 * have passed, nobody (not the account's root user, not AWS) can delete a recovery point before its
 * retention ends, shorten a retention below `minRetentionDays`, or remove the lock. Irreversible after
 * the grace period: turn it on deliberately.
 */
export const vaultLockSchema = z
  .strictObject({
    /** Shortest retention a backup in the vault may have. */
    minRetentionDays: retentionDays,
    /**
     * Longest retention a backup in the vault may have.
     *
     * @default - no upper bound
     */
    maxRetentionDays: retentionDays.optional(),
    /**
     * Days during which the lock can still be changed or removed (at least 3); afterwards it is
     * permanent.
     */
    changeableForDays: z.int().min(3, { error: "must be at least 3 days (AWS Backup's grace period minimum)" }).max(36500),
  })
  .superRefine((lock, ctx) => {
    if (lock.maxRetentionDays !== undefined && lock.maxRetentionDays < lock.minRetentionDays) {
      ctx.addIssue({
        code: "custom",
        path: ["maxRetentionDays"],
        input: lock.maxRetentionDays,
        message: `must be at least minRetentionDays (${lock.minRetentionDays})`,
      });
    }
  });

/** The copy of every backup to a second region (and, optionally, a vault of another account). */
export const backupCopySchema = z.strictObject({
  /** Region the copies are kept in; not the environment's own. */
  region: awsRegion,
  /**
   * Days a copy is kept.
   *
   * @default - the backups' `retentionDays`
   */
  retentionDays: retentionDays.optional(),
  /**
   * A vault of another AWS account (in `region`) to copy into instead of the vault this environment
   * creates there, so that backups survive the loss of this account too. That account's vault policy
   * must admit this account (docs/restore.md shows it); this environment's vault and backup keys
   * then admit that account to copy back.
   *
   * @default - a vault of this account, created in `region`
   */
  destinationVaultArn: backupVaultArn.optional(),
});

/**
 * The `backup` settings: an AWS Backup plan for the database and the media bucket, its vault on a
 * customer-managed key, and the copy to a second region.
 */
export const backupSchema = z
  .strictObject({
    /**
     * When the daily backup starts (UTC): after RDS's automated backup window (02:00-03:00) and the
     * maintenance window (Sunday 03:30-04:30), during which AWS Backup cannot snapshot the database.
     *
     * @default "cron(0 5 ? * * *)"
     */
    schedule: scheduleExpression.default("cron(0 5 ? * * *)"),
    /**
     * Days a backup is kept in the environment's vault.
     *
     * @default 35
     */
    retentionDays: retentionDays.default(35),
    /**
     * Back the media bucket up as well (AWS Backup for S3: versioned buckets only). The database is
     * always backed up.
     *
     * @default true
     */
    mediaBucket: z.boolean().default(true),
    /**
     * The copy of every backup to a second region. Required in production.
     *
     * @default - no copy
     */
    copy: backupCopySchema.optional(),
    /**
     * A compliance-mode lock on the vaults (see {@link vaultLockSchema}).
     *
     * @default - no lock
     */
    vaultLock: vaultLockSchema.optional(),
  })
  .superRefine((backup, ctx) => {
    const copy = backup.copy;
    if (copy?.destinationVaultArn !== undefined && !copy.destinationVaultArn.includes(`:backup:${copy.region}:`)) {
      ctx.addIssue({
        code: "custom",
        path: ["copy", "destinationVaultArn"],
        input: copy.destinationVaultArn,
        message: `must be a vault in copy.region (${copy.region})`,
      });
    }
    const lock = backup.vaultLock;
    if (lock === undefined) return;
    // A lock refuses every backup whose retention it does not allow: the plan would only produce failed jobs.
    const retentions: Array<[string[], number]> = [[["retentionDays"], backup.retentionDays]];
    if (copy !== undefined && copy.destinationVaultArn === undefined) {
      retentions.push([["copy", "retentionDays"], copy.retentionDays ?? backup.retentionDays]);
    }
    for (const [path, days] of retentions) {
      if (days < lock.minRetentionDays || (lock.maxRetentionDays !== undefined && days > lock.maxRetentionDays)) {
        ctx.addIssue({
          code: "custom",
          path,
          input: days,
          message: `must lie within vaultLock's retention (${lock.minRetentionDays} to ${lock.maxRetentionDays ?? "unbounded"} days): the locked vault refuses any other backup`,
        });
      }
    }
  });
