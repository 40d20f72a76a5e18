import { EnvironmentConfig } from "../config/environment-config";
import { CostBudget } from "../constructs/ops/cost-budget";
import { EnvironmentBackup } from "../constructs/ops/environment-backup";
import { EnvironmentStack } from "./environment-stack";

/** The budget's name: one per environment, so environments sharing an account each have theirs. */
export function budgetName(config: EnvironmentConfig): string {
  return `treepli-${config.name}-monthly`;
}

/**
 * The operations layer's part of recovery and cost control, from the environment's configuration: the
 * AWS Backup vaults, plan and role (`backup`; the stores' stacks select what is backed up) and the
 * monthly budget (`observability.budget`), both notifying `topicArn`.
 */
export function addBackupAndBudget(
  stack: EnvironmentStack,
  config: EnvironmentConfig,
  topicArn: string,
): { backup: EnvironmentBackup; budget: CostBudget } {
  const name = `treepli-${config.name}`;
  const { backup: settings } = config;
  const backup = new EnvironmentBackup(stack, "backup", {
    namePrefix: name,
    accountId: config.aws.accountId,
    protect: config.protectStatefulResources,
    schedule: settings.schedule,
    retentionDays: settings.retentionDays,
    copy: settings.copy && {
      provider: stack.regionProvider(settings.copy.region),
      region: settings.copy.region,
      retentionDays: settings.copy.retentionDays,
      destinationVaultArn: settings.copy.destinationVaultArn,
    },
    vaultLock: settings.vaultLock,
    topicArn,
  });
  const { budget: budgetSettings } = config.observability;
  const budget = new CostBudget(stack, "budget", {
    budgetName: budgetName(config),
    accountId: config.aws.accountId,
    monthlyLimitUsd: budgetSettings.monthlyLimitUsd,
    // The providers' default tags put Environment=<name> on every taggable resource of the environment.
    costAllocationTag: { key: "Environment", value: config.name },
    forecastThresholdPercent: budgetSettings.forecastThresholdPercent,
    actualThresholdPercents: budgetSettings.actualThresholdPercents,
    topicArn,
  });
  return { backup, budget };
}
