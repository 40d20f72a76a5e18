import { EnvironmentConfigInput, EnvironmentName } from "./environment-config";
import { PLACEHOLDERS } from "./placeholders";

/** The emulator endpoint the `local` environment uses unless `TREEPLI_EMULATOR_ENDPOINT` says otherwise. */
export const DEFAULT_EMULATOR_ENDPOINT = "http://127.0.0.1:5000";

/**
 * The account id the AWS emulator (moto) answers with; only the `local` environment uses it.
 */
export const EMULATOR_ACCOUNT_ID = "123456789012";

const ownerTags = { Project: "treepli", CostCenter: "treepli-platform" };

/**
 * The raw configuration of every environment, before validation. Owner-specific values come from
 * `placeholders.ts`; everything else is decided here.
 */
export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentConfigInput>> = {
  staging: {
    name: "staging",
    aws: { accountId: PLACEHOLDERS.stagingAccountId, region: "eu-west-1" },
    stateBackend: { bucket: `treepli-terraform-state-${PLACEHOLDERS.stagingAccountId}` },
    tags: ownerTags,
    protectStatefulResources: false,
    accountSingletons: { githubOidcProvider: "create", ecsAccountSettings: "create" },
    vpc: { cidr: "10.20.0.0/16", azCount: 2, natGateways: "single", flowLogRetentionDays: 30 },
    cluster: { instanceType: "m6i.large", minSize: 1, maxSize: 4, desiredCapacity: 1 },
    github: {
      backendRepository: PLACEHOLDERS.backendRepository,
      frontendRepository: PLACEHOLDERS.frontendRepository,
      deployEnvironment: "staging",
    },
    domains: PLACEHOLDERS.stagingDomains,
    media: {
      corsAllowedOrigins: [`https://${PLACEHOLDERS.stagingDomains.site}`],
      // Opted in: developers run the frontend locally against staging's API and media.
      corsDevelopmentOrigins: ["http://localhost:3000"],
      noncurrentVersionExpirationDays: 7,
    },
    backend: {
      service: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 3 },
      throttling: { rateLimit: 50, burstLimit: 100 },
      accessLogRetentionDays: 30,
      database: { instanceClass: "db.t4g.micro", backupRetentionDays: 3, multiAz: false },
    },
    frontend: {
      service: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 3 },
      albAccessLogRetentionDays: 30,
    },
  },
  production: {
    name: "production",
    aws: { accountId: PLACEHOLDERS.productionAccountId, region: "eu-west-1" },
    stateBackend: { bucket: `treepli-terraform-state-${PLACEHOLDERS.productionAccountId}` },
    tags: ownerTags,
    protectStatefulResources: true,
    accountSingletons: { githubOidcProvider: "create", ecsAccountSettings: "create" },
    vpc: { cidr: "10.10.0.0/16", azCount: 3, natGateways: "one-per-az", flowLogRetentionDays: 365 },
    cluster: { instanceType: "m6i.xlarge", minSize: 2, maxSize: 10, desiredCapacity: 3, rootVolumeSizeGiB: 50, targetCapacityPercent: 90 },
    github: {
      backendRepository: PLACEHOLDERS.backendRepository,
      frontendRepository: PLACEHOLDERS.frontendRepository,
      deployEnvironment: "production",
    },
    domains: PLACEHOLDERS.productionDomains,
    media: {
      corsAllowedOrigins: [`https://${PLACEHOLDERS.productionDomains.site}`],
      priceClass: "PriceClass_200",
    },
    backend: {
      service: { cpu: 512, memoryMiB: 1024, desiredCount: 2, minCount: 2, maxCount: 10 },
      throttling: { rateLimit: 500, burstLimit: 1000 },
      accessLogRetentionDays: 365,
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
      service: { cpu: 512, memoryMiB: 1024, desiredCount: 2, minCount: 2, maxCount: 10 },
      priceClass: "PriceClass_200",
      albAccessLogRetentionDays: 365,
    },
  },
  local: {
    name: "local",
    aws: { accountId: EMULATOR_ACCOUNT_ID, region: "us-east-1" },
    emulator: { endpoint: DEFAULT_EMULATOR_ENDPOINT },
    stateBackend: { bucket: "treepli-local-terraform-state" },
    tags: { Project: "treepli" },
    protectStatefulResources: false,
    accountSingletons: { githubOidcProvider: "create", ecsAccountSettings: "create" },
    vpc: { cidr: "10.99.0.0/16", azCount: 2, natGateways: "single", flowLogRetentionDays: 1 },
    cluster: { instanceType: "t3.small", minSize: 1, maxSize: 2, desiredCapacity: 1 },
    github: {
      backendRepository: PLACEHOLDERS.backendRepository,
      frontendRepository: PLACEHOLDERS.frontendRepository,
      deployEnvironment: "local",
    },
    media: { corsDevelopmentOrigins: ["http://localhost:3000"], noncurrentVersionExpirationDays: 1 },
    backend: {
      service: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 2 },
      throttling: { rateLimit: 10, burstLimit: 20 },
      accessLogRetentionDays: 1,
      // Enhanced monitoring on, so that the end-to-end test reads back its role's trust.
      database: { instanceClass: "db.t4g.micro", backupRetentionDays: 1, multiAz: false, monitoringIntervalSeconds: 60 },
    },
    frontend: {
      service: { cpu: 256, memoryMiB: 512, desiredCount: 1, minCount: 1, maxCount: 2 },
      albAccessLogRetentionDays: 1,
    },
  },
};
