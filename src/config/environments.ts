import type { EnvironmentConfigInput } from "./environment-config";
import { EMULATOR_ACCOUNT_ID } from "../emulator/emulator-settings";
import { PLACEHOLDERS } from "./placeholders";

/** The emulator endpoint the `local` environment uses unless `TREEPLI_EMULATOR_ENDPOINT` says otherwise. */
export const DEFAULT_EMULATOR_ENDPOINT = "http://127.0.0.1:5000";

const ownerTags = { Project: "treepli", CostCenter: "treepli-platform" };

// What the applications are, whatever the environment: where each is deployed from. Their sizes are
// per environment, below.
const backendApp = { githubRepository: PLACEHOLDERS.githubRepositories.backend, web: {} };
const frontendApp = { githubRepository: PLACEHOLDERS.githubRepositories.frontend, web: {} };

/**
 * The raw configuration of every environment, before validation, keyed by name: adding an
 * environment is adding an entry here (and its owner values to `placeholders.ts`). Owner-specific
 * values come from `placeholders.ts`; everything else is decided here.
 */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfigInput>> = {
  staging: {
    name: "staging",
    synthesizedByDefault: true,
    aws: { accountId: PLACEHOLDERS.environments.staging.accountId, region: "eu-west-1" },
    stateBackend: { bucket: `treepli-terraform-state-${PLACEHOLDERS.environments.staging.accountId}` },
    tags: ownerTags,
    protectStatefulResources: false,
    accountSingletons: { githubOidcProvider: "create", ecsAccountSettings: "create", cloudTrail: "create" },
    ops: {
      subscriptions: [{ protocol: "email", endpoint: PLACEHOLDERS.environments.staging.opsEmail }],
      // Staging's records are for debugging, not audit.
      auditLogRetentionDays: 30,
    },
    vpc: { cidr: "10.20.0.0/16", azCount: 2, natGateways: "single" },
    cluster: { instanceType: "m6i.large", minSize: 1, maxSize: 4, desiredCapacity: 1 },
    github: { deployEnvironment: "staging" },
    domains: PLACEHOLDERS.environments.staging.domains,
    media: {
      corsAllowedOrigins: [`https://${PLACEHOLDERS.environments.staging.domains.site}`],
      // Opted in: developers run the frontend locally against staging's API and media.
      corsDevelopmentOrigins: ["http://localhost:3000"],
      noncurrentVersionExpirationDays: 7,
    },
    backend: {
      services: { backend: { ...backendApp, cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 3 } },
      throttling: { rateLimit: 50, burstLimit: 100 },
      database: { instanceClass: "db.t4g.micro", backupRetentionDays: 3, multiAz: false },
    },
    frontend: {
      services: { frontend: { ...frontendApp, cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 3 } },
    },
    // Operations (issue 15): alarm thresholds at their defaults (docs/operations.md), the budget, backups kept
    // in the region only (staging holds no data that cannot be recreated).
    observability: { budget: { monthlyLimitUsd: 500 } },
    backup: { retentionDays: 14 },
  },
  production: {
    name: "production",
    synthesizedByDefault: true,
    aws: { accountId: PLACEHOLDERS.environments.production.accountId, region: "eu-west-1" },
    stateBackend: { bucket: `treepli-terraform-state-${PLACEHOLDERS.environments.production.accountId}` },
    tags: ownerTags,
    protectStatefulResources: true,
    accountSingletons: { githubOidcProvider: "create", ecsAccountSettings: "create", cloudTrail: "create" },
    ops: {
      subscriptions: [{ protocol: "email", endpoint: PLACEHOLDERS.environments.production.opsEmail }],
      auditLogRetentionDays: 365,
    },
    vpc: { cidr: "10.10.0.0/16", azCount: 3, natGateways: "one-per-az" },
    cluster: { instanceType: "m6i.xlarge", minSize: 2, maxSize: 10, desiredCapacity: 3, rootVolumeSizeGiB: 50, targetCapacityPercent: 90 },
    github: { deployEnvironment: "production" },
    domains: PLACEHOLDERS.environments.production.domains,
    media: {
      corsAllowedOrigins: [`https://${PLACEHOLDERS.environments.production.domains.site}`],
      priceClass: "PriceClass_200",
      replication: { region: "eu-central-1" },
    },
    backend: {
      services: { backend: { ...backendApp, cpu: 512, memoryMiB: 1024, desiredCount: 2, minCount: 2, maxCount: 10 } },
      throttling: { rateLimit: 500, burstLimit: 1000 },
      database: {
        instanceClass: "db.m7g.large",
        allocatedStorageGiB: 100,
        maxAllocatedStorageGiB: 500,
        backupRetentionDays: 14,
        multiAz: true,
        performanceInsights: true,
        monitoringIntervalSeconds: 60,
      },
    },
    frontend: {
      services: { frontend: { ...frontendApp, cpu: 512, memoryMiB: 1024, desiredCount: 2, minCount: 2, maxCount: 10 } },
      priceClass: "PriceClass_200",
    },
    // Operations (issue 15): the database's alarms sized for db.m7g.large (8 GiB: max_connections about 860),
    // storage alarm above what autoscaling's 6-hour pause could let fill; backups and media copied to
    // Frankfurt. A compliance lock (backup.vaultLock) is the owner's decision: it cannot be undone.
    observability: {
      budget: { monthlyLimitUsd: 3000 },
      alarms: { database: { connections: { threshold: 700 }, freeableMemoryMiB: { threshold: 512 }, freeStorageGiB: { threshold: 20 } } },
    },
    backup: { retentionDays: 35, copy: { region: "eu-central-1" } },
  },
  local: {
    name: "local",
    synthesizedByDefault: false,
    aws: { accountId: EMULATOR_ACCOUNT_ID, region: "us-east-1" },
    emulator: { endpoint: DEFAULT_EMULATOR_ENDPOINT },
    stateBackend: { bucket: "treepli-local-terraform-state" },
    tags: { Project: "treepli" },
    protectStatefulResources: false,
    accountSingletons: { githubOidcProvider: "create", ecsAccountSettings: "create", cloudTrail: "create" },
    // The emulator delivers no notification: no subscriptions.
    ops: { auditLogRetentionDays: 1 },
    vpc: { cidr: "10.99.0.0/16", azCount: 2, natGateways: "single" },
    cluster: { instanceType: "t3.small", minSize: 1, maxSize: 2, desiredCapacity: 1 },
    github: { deployEnvironment: "local" },
    // Replicated, backed up, copied and locked as production is (in another emulated region), so that the
    // end-to-end test reads all of it back.
    media: { corsDevelopmentOrigins: ["http://localhost:3000"], noncurrentVersionExpirationDays: 1, replication: { region: "us-west-2" } },
    backend: {
      services: { backend: { ...backendApp, cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 2 } },
      throttling: { rateLimit: 10, burstLimit: 20 },
      // Enhanced monitoring on, so that the end-to-end test reads back its role's trust.
      database: { instanceClass: "db.t4g.micro", backupRetentionDays: 1, multiAz: false, monitoringIntervalSeconds: 60 },
    },
    frontend: {
      services: { frontend: { ...frontendApp, cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 2 } },
    },
    observability: { budget: { monthlyLimitUsd: 100 } },
    backup: {
      retentionDays: 7,
      copy: { region: "us-west-2", retentionDays: 7 },
      vaultLock: { minRetentionDays: 1, maxRetentionDays: 30, changeableForDays: 3 },
    },
  },
};

/** The name of every committed environment, in the order of `ENVIRONMENTS`. */
export const ENVIRONMENT_NAMES: readonly string[] = Object.keys(ENVIRONMENTS);
