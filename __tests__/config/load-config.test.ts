import { ENVIRONMENT_NAMES, EnvironmentConfigInput, EnvironmentName, FIXTURE_ACCOUNT_ID } from "../../src/config/environment-config";
import { ENVIRONMENTS } from "../../src/config/environments";
import { fixtureAccountId, fixtureEnvironment, fixtureEnvironments } from "../../src/config/fixtures";
import {
  ConfigurationError,
  defaultEnvironmentNames,
  loadEnvironmentConfig,
  loadEnvironmentConfigs,
  parseEnvironmentSelection,
} from "../../src/config/load-config";
import { PLACEHOLDERS, unreplacedPlaceholders } from "../../src/config/placeholders";
import { EMULATOR_ACCOUNT_ID } from "../../src/emulator/emulator-settings";
import { WORKER } from "../fixtures";
import { DeepPartial, rawConfig, withOverride } from "../helpers";

/** Loads `name` with some of its fields replaced and returns the error message (fails if it loads). */
function errorFor(name: EnvironmentName, override: DeepPartial<EnvironmentConfigInput>): string {
  try {
    loadEnvironmentConfig(name, { environments: { [name]: rawConfig(name, override) } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error(`configuration of ${name} with ${JSON.stringify(override)} was accepted`);
}

describe("the committed environments", () => {
  test.each(ENVIRONMENT_NAMES)("%s is valid", (name) => {
    const config = loadEnvironmentConfig(name);
    expect(config.name).toBe(name);
  });

  test("a loaded configuration is deeply frozen", () => {
    const config = loadEnvironmentConfig("production");
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.vpc)).toBe(true);
    expect(Object.isFrozen(config.vpc.interfaceEndpoints)).toBe(true);
  });

  test("defaults are applied", () => {
    const staging = loadEnvironmentConfig("staging");
    expect(staging.vpc.interfaceEndpoints).toEqual(["ecr.api", "ecr.dkr", "logs"]);
    expect(staging.cluster.amiSsmParameterName).toBe("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id");
    expect(staging.cluster.rootVolumeSizeGiB).toBe(30);
  });

  test("production protects stateful resources and has a NAT gateway per AZ; staging shares one", () => {
    const production = loadEnvironmentConfig("production");
    const staging = loadEnvironmentConfig("staging");
    expect(production.protectStatefulResources).toBe(true);
    expect(production.vpc.natGateways).toBe("one-per-az");
    expect(staging.vpc.natGateways).toBe("single");
  });

  test("only local talks to the emulator", () => {
    expect(loadEnvironmentConfig("local").emulator?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(loadEnvironmentConfig("staging").emulator).toBeUndefined();
    expect(loadEnvironmentConfig("production").emulator).toBeUndefined();
  });

  test("the emulator endpoint can be overridden, and is validated", () => {
    expect(loadEnvironmentConfig("local", { emulatorEndpoint: "http://127.0.0.1:45123" }).emulator?.endpoint).toBe(
      "http://127.0.0.1:45123",
    );
    expect(() => loadEnvironmentConfig("local", { emulatorEndpoint: "localhost" })).toThrow(
      /\[emulator.endpoint\] "localhost": must be an http\(s\) URL/,
    );
  });
});

describe("environment selection (TREEPLI_ENV)", () => {
  const byDefault = ENVIRONMENT_NAMES.filter((name) => ENVIRONMENTS[name].synthesizedByDefault);

  test("unset or empty selects the environments configured as synthesized by default, and never an emulator one", () => {
    expect(byDefault.length).toBeGreaterThan(0);
    expect(parseEnvironmentSelection(undefined)).toEqual(byDefault);
    expect(parseEnvironmentSelection("  ")).toEqual(byDefault);
    expect(defaultEnvironmentNames()).toEqual(byDefault);
    expect(byDefault.filter((name) => ENVIRONMENTS[name].emulator !== undefined)).toEqual([]);
  });

  test("an environment added to the configuration is selectable, and part of the default synth when it says so", () => {
    const environments = { ...ENVIRONMENTS, demo: { ...fixtureEnvironment("demo", 1), synthesizedByDefault: true } };
    expect(parseEnvironmentSelection("demo", environments)).toEqual(["demo"]);
    expect(parseEnvironmentSelection(undefined, environments)).toEqual([...byDefault, "demo"]);
  });

  test("selects one or several environments", () => {
    expect(parseEnvironmentSelection("production")).toEqual(["production"]);
    expect(parseEnvironmentSelection("local, staging")).toEqual(["local", "staging"]);
  });

  test("fails on an unknown environment name, naming it and the allowed ones", () => {
    expect(() => parseEnvironmentSelection("prod")).toThrow(ConfigurationError);
    expect(() => parseEnvironmentSelection("prod")).toThrow(
      `TREEPLI_ENV="prod" names unknown environment(s) "prod"; allowed: ${ENVIRONMENT_NAMES.join(", ")}`,
    );
  });
});

describe("bad configuration stops synthesis with a message naming environment, field, value and what is allowed", () => {
  test("fails when the VPC CIDR is malformed", () => {
    const message = errorFor("production", { vpc: { cidr: "10.0.0.0/33" } });
    expect(message).toContain('invalid configuration for environment "production"');
    expect(message).toContain('[vpc.cidr] "10.0.0.0/33": must be an IPv4 CIDR such as "10.0.0.0/16"');
  });

  test("fails when the VPC CIDR has host bits set", () => {
    expect(errorFor("staging", { vpc: { cidr: "10.0.0.1/16" } })).toMatch(
      /\[vpc.cidr\] "10.0.0.1\/16": must be a network address with no host bits set/,
    );
  });

  test("fails when fewer than 2 AZs are asked for", () => {
    expect(errorFor("staging", { vpc: { azCount: 1 } })).toMatch(/\[vpc.azCount\] 1: must be at least 2/);
  });

  test("fails when more AZs are asked for than the subnet layout has room for", () => {
    expect(errorFor("staging", { vpc: { azCount: 5 } })).toMatch(/\[vpc.azCount\] 5: must be at most 4/);
  });

  test("fails when the subnets do not fit in the VPC", () => {
    expect(errorFor("staging", { vpc: { cidr: "10.0.0.0/24", subnetPrefixLength: 26 } })).toMatch(
      /\[vpc.subnetPrefixLength\] 26: leaves room for fewer than the 12 subnets .* use \/28 or longer, or a larger vpc.cidr/,
    );
  });

  test("fails when the group's minimum exceeds its maximum", () => {
    expect(errorFor("staging", { cluster: { minSize: 5, maxSize: 2, desiredCapacity: 2 } })).toMatch(
      /\[cluster.minSize\] 5: must not exceed cluster.maxSize \(2\)/,
    );
  });

  test("fails when the desired capacity is outside min..max", () => {
    expect(errorFor("staging", { cluster: { minSize: 1, maxSize: 2, desiredCapacity: 3 } })).toMatch(
      /\[cluster.desiredCapacity\] 3: must be between cluster.minSize \(1\) and cluster.maxSize \(2\)/,
    );
  });

  test("fails when the account id is not 12 digits", () => {
    expect(errorFor("production", { aws: { accountId: "12345" } })).toMatch(/\[aws.accountId\] "12345": must be a 12-digit AWS account id/);
  });

  test("fails on a region that does not exist in AWS's naming", () => {
    expect(errorFor("production", { aws: { region: "europe" } })).toMatch(
      /\[aws.region\] "europe": must be an AWS region such as "eu-west-1"/,
    );
  });

  test("fails on a log retention CloudWatch does not offer", () => {
    expect(errorFor("staging", { ops: { auditLogRetentionDays: 10 as never } })).toMatch(
      /\[ops.auditLogRetentionDays\] 10: must be a CloudWatch Logs retention period: one of 1, 3, 5, 7, 14, 30/,
    );
  });

  test("fails on an unknown NAT strategy", () => {
    expect(errorFor("staging", { vpc: { natGateways: "many" as never } })).toMatch(
      /\[vpc.natGateways\] "many": must be "one-per-az" or "single"/,
    );
  });

  test("fails on an unknown interface endpoint", () => {
    expect(errorFor("staging", { vpc: { interfaceEndpoints: ["ecr.api", "dynamo"] as never } })).toMatch(
      /\[vpc.interfaceEndpoints.1\] "dynamo": must be one of ecr.api/,
    );
  });

  test("fails on a misspelt field instead of silently ignoring it", () => {
    expect(errorFor("staging", { vpc: { cidrBlock: "10.0.0.0/16" } as never })).toMatch(/\[vpc.cidrBlock\] is not a known field of vpc/);
  });

  test("fails when a required field is missing", () => {
    const raw = rawConfig("staging");
    const { cluster, ...withoutCluster } = raw;
    expect(cluster).toBeDefined();
    expect(() => loadEnvironmentConfig("staging", { environments: { staging: withoutCluster as never } })).toThrow(/\[cluster\] missing:/);
  });

  test("fails when production would leave stateful resources unprotected", () => {
    expect(errorFor("production", { protectStatefulResources: false })).toMatch(
      /\[protectStatefulResources\] false: must be true in production/,
    );
  });

  test("fails when a GitHub repository is not owner/name", () => {
    expect(errorFor("staging", { backend: { services: { backend: { githubRepository: "backend" } } } })).toMatch(
      /\[backend.services.backend.githubRepository\] "backend": must be a GitHub repository written "owner\/name"/,
    );
  });

  test("fails when a real environment points at the emulator", () => {
    expect(errorFor("staging", { emulator: { endpoint: "http://127.0.0.1:5000" } })).toMatch(
      /\[emulator.endpoint\] "http:\/\/127.0.0.1:5000": is only allowed in an environment on the emulator's account \(aws.accountId "123456789012"\)/,
    );
  });

  test("fails when a real environment uses the emulator's account id", () => {
    const local = ENVIRONMENT_NAMES.find((name) => ENVIRONMENTS[name].emulator !== undefined)!;
    const { emulator, ...withoutEmulator } = rawConfig(local);
    expect(emulator).toBeDefined();
    expect(() => loadEnvironmentConfig(local, { environments: { [local]: withoutEmulator } })).toThrow(
      `[aws.accountId] "${EMULATOR_ACCOUNT_ID}": is the AWS emulator's account id`,
    );
  });

  test("fails when an environment says nothing about the default synth", () => {
    const { synthesizedByDefault, ...without } = rawConfig("staging");
    expect(synthesizedByDefault).toBe(true);
    expect(() => loadEnvironmentConfig("staging", { environments: { staging: without as never } })).toThrow(
      /\[synthesizedByDefault\] missing:/,
    );
  });

  test("fails when an environment's key and name disagree", () => {
    expect(errorFor("staging", { name: "production" })).toMatch(/\[name\] "production": must equal the environment's key "staging"/);
  });

  test("collects every problem into one message", () => {
    const message = errorFor("staging", { aws: { accountId: "1" }, vpc: { cidr: "nope", azCount: 1 } });
    expect(message.split("\n").filter((line) => line.startsWith("  ["))).toHaveLength(3);
  });

  test("reports problems in an environment that was not selected", () => {
    expect(() =>
      loadEnvironmentConfigs(["production"], { environments: { staging: rawConfig("staging", { vpc: { cidr: "bad" } }) } }),
    ).toThrow(/environment "staging":\n {2}\[vpc.cidr\] "bad"/);
  });
});

describe("the service layers' configuration", () => {
  test("media: a CORS origin that is not https is refused in production, with the field and value", () => {
    expect(errorFor("production", { media: { corsAllowedOrigins: ["http://www.treepli.example"] } })).toMatch(
      /\[media.corsAllowedOrigins.0\] "http:\/\/www.treepli.example": must be an https origin in production/,
    );
  });

  test('media: "*" is refused in production but allowed elsewhere', () => {
    expect(errorFor("production", { media: { corsAllowedOrigins: ["*"] } })).toMatch(
      /\[media.corsAllowedOrigins.0\] "\*": must be an https origin/,
    );
    expect(
      loadEnvironmentConfig("staging", { environments: { staging: rawConfig("staging", { media: { corsAllowedOrigins: ["*"] } }) } }).media
        .corsAllowedOrigins,
    ).toEqual(["*"]);
  });

  test("media: an origin with a path, or no origin at all, is refused", () => {
    expect(errorFor("staging", { media: { corsAllowedOrigins: ["https://www.treepli.example/upload"] } })).toMatch(
      /\[media.corsAllowedOrigins.0\] "https:\/\/www.treepli.example\/upload": must be a browser origin/,
    );
    expect(errorFor("staging", { media: { corsAllowedOrigins: [], corsDevelopmentOrigins: [] } })).toMatch(
      /\[media.corsAllowedOrigins\] \[\]: must list at least one origin/,
    );
  });

  test("media: local development origins are opt-in, in their own list, and never allowed in production", () => {
    expect(errorFor("production", { media: { corsDevelopmentOrigins: ["http://localhost:3000"] } })).toMatch(
      /\[media.corsDevelopmentOrigins.0\] "http:\/\/localhost:3000": is not allowed in production/,
    );
    expect(errorFor("staging", { media: { corsAllowedOrigins: ["https://staging.treepli.example", "http://localhost:3000"] } })).toMatch(
      /\[media.corsAllowedOrigins.1\] "http:\/\/localhost:3000": is a local development origin: list it in media.corsDevelopmentOrigins/,
    );
    expect(errorFor("staging", { media: { corsDevelopmentOrigins: ["https://dev.example.com"] } })).toMatch(
      /\[media.corsDevelopmentOrigins.0\] "https:\/\/dev.example.com": must be a local development origin/,
    );
    expect(loadEnvironmentConfig("staging").media.corsDevelopmentOrigins).toEqual(["http://localhost:3000"]);
    expect(loadEnvironmentConfig("production").media.corsDevelopmentOrigins).toEqual([]);
  });

  test("frontend: public asset path patterns default to the usual public/ files; one that would cache every page is refused", () => {
    expect(loadEnvironmentConfig("production").frontend.publicAssetPathPatterns).toEqual([
      "/favicon.ico",
      "/robots.txt",
      "/sitemap.xml",
      "/images/*",
      "/fonts/*",
    ]);
    expect(errorFor("staging", { frontend: { publicAssetPathPatterns: ["/*"] } })).toMatch(
      /\[frontend.publicAssetPathPatterns.0\] "\/\*": must not be "\/\*": it would cache every page/,
    );
  });

  test("an unknown CloudFront price class is refused, naming the allowed ones", () => {
    expect(errorFor("staging", { media: { priceClass: "PriceClass_50" as never } })).toMatch(
      /\[media.priceClass\] "PriceClass_50": must be one of PriceClass_100, PriceClass_200, PriceClass_All/,
    );
  });

  test("backend: throttling limits must be greater than 0", () => {
    expect(errorFor("staging", { backend: { throttling: { rateLimit: 0 } } })).toMatch(
      /\[backend.throttling.rateLimit\] 0: must be greater than 0 requests per second/,
    );
    expect(errorFor("staging", { backend: { throttling: { burstLimit: -5 } } })).toMatch(
      /\[backend.throttling.burstLimit\] -5: must be greater than 0 requests/,
    );
  });

  test("a service's desired count must lie between its min and max", () => {
    expect(errorFor("staging", { backend: { services: { backend: { desiredCount: 7 } } } })).toMatch(
      /\[backend.services.backend.desiredCount\] 7: must be between minCount \(1\) and maxCount \(3\)/,
    );
    expect(errorFor("staging", { frontend: { services: { frontend: { minCount: 5 } } } })).toMatch(
      /\[frontend.services.frontend.minCount\] 5: must not exceed maxCount \(3\)/,
    );
  });

  test("backend: backup retention must be within RDS's 1-35 days", () => {
    expect(errorFor("staging", { backend: { database: { backupRetentionDays: 0 } } })).toMatch(
      /\[backend.database.backupRetentionDays\] 0: must be between 1 and 35 days/,
    );
    expect(errorFor("staging", { backend: { database: { backupRetentionDays: 36 } } })).toMatch(
      /\[backend.database.backupRetentionDays\] 36: must be between 1 and 35 days/,
    );
  });

  test("backend: production's database must be Multi-AZ", () => {
    expect(errorFor("production", { backend: { database: { multiAz: false } } })).toMatch(
      /\[backend.database.multiAz\] false: must be true in production/,
    );
  });

  test("backend: storage autoscaling cannot end below the initial storage", () => {
    expect(errorFor("staging", { backend: { database: { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 } } })).toMatch(
      /\[backend.database.maxAllocatedStorageGiB\] 100: must be at least allocatedStorageGiB \(200\)/,
    );
  });

  test("frontend: production without a site domain is refused", () => {
    expect(errorFor("production", { domains: { site: undefined } })).toMatch(/\[domains.site\] missing: is required in production/);
  });

  test("frontend: a header CloudFront will not set on origin requests is refused", () => {
    expect(errorFor("staging", { frontend: { originHeaderName: "X-Amz-Verify" } })).toMatch(
      /\[frontend.originHeaderName\] "X-Amz-Verify": 'frontend.originHeaderName' 'X-Amz-Verify' is a header CloudFront does not let a distribution set/,
    );
  });

  test("frontend: an origin header name longer than an ALB rule accepts is refused", () => {
    const name = "X-" + "a".repeat(39);
    expect(errorFor("staging", { frontend: { originHeaderName: name } })).toMatch(
      new RegExp(`\\[frontend.originHeaderName\\] "${name}": 'frontend.originHeaderName' must be 1 to 40 characters long`),
    );
  });
});

describe("account-wide singletons", () => {
  const sharedAccount = { aws: { accountId: "333333333333" } };

  test("fails when two environments in one account both create the GitHub OIDC provider", () => {
    const environments = {
      staging: rawConfig("staging", sharedAccount),
      production: rawConfig("production", {
        ...sharedAccount,
        accountSingletons: { ecsAccountSettings: "existing" },
      }),
    };
    expect(() => loadEnvironmentConfigs(["staging"], { environments })).toThrow(
      /\[accountSingletons.githubOidcProvider\] "create" in "staging" and "production", which share account 333333333333: only one environment per account may create it; set "existing" in the others/,
    );
  });

  test("the ECS service-linked role is no longer a singleton of the configuration: ECS creates it, Terraform leaves it alone", () => {
    const environments = {
      staging: {
        ...rawConfig("staging"),
        accountSingletons: { ...ENVIRONMENTS.staging.accountSingletons, ecsServiceLinkedRole: "create" },
      },
    };
    expect(() => loadEnvironmentConfigs(["staging"], { environments: environments as never })).toThrow(
      /\[accountSingletons.ecsServiceLinkedRole\] is not a known field of accountSingletons/,
    );
  });

  test("accepts two environments in one account when only one creates each singleton", () => {
    const environments = {
      staging: rawConfig("staging", {
        ...sharedAccount,
        stateBackend: { bucket: "treepli-staging-state" },
        accountSingletons: { githubOidcProvider: "existing", ecsAccountSettings: "existing", cloudTrail: "existing" },
      }),
      production: rawConfig("production", sharedAccount),
    };
    expect(loadEnvironmentConfigs(["staging", "production"], { environments }).map((c) => c.aws.accountId)).toEqual([
      "333333333333",
      "333333333333",
    ]);
  });

  test("ECS account settings are per region: two regions of one account may each create them", () => {
    const environments = {
      staging: rawConfig("staging", {
        aws: { accountId: "333333333333", region: "us-east-1" },
        accountSingletons: { githubOidcProvider: "existing", cloudTrail: "existing" },
      }),
      production: rawConfig("production", sharedAccount),
    };
    expect(() => loadEnvironmentConfigs(["production"], { environments })).not.toThrow();
  });

  test("fails when two environments share a state bucket", () => {
    const environments = { staging: rawConfig("staging", { stateBackend: { bucket: ENVIRONMENTS.production.stateBackend.bucket } }) };
    expect(() => loadEnvironmentConfigs(["staging"], { environments })).toThrow(
      /\[stateBackend.bucket\] "treepli-terraform-state-222222222222" is used by "staging" and "production": each environment needs its own state bucket/,
    );
  });
});

describe("environments are data", () => {
  const committedAccounts = ENVIRONMENT_NAMES.map((name) => ENVIRONMENTS[name].aws.accountId);

  test("an environment that is not in environments.ts validates from its entry alone", () => {
    const environments = fixtureEnvironments(["demo"]);
    const [demo] = loadEnvironmentConfigs(["demo"], { environments, allowFixtureAccountIds: true });
    expect(demo.name).toBe("demo");
    expect(demo.aws.accountId).toBe(fixtureAccountId(1));
    expect(demo.stateBackend.bucket).not.toBe(ENVIRONMENTS.staging.stateBackend.bucket);
    expect(demo.backend.services).toEqual(loadEnvironmentConfig("staging").backend.services);
  });

  test("fixture account ids are reserved: none is a configured account, and a real environment is refused one", () => {
    const fixtureIds = [1, 2, 999].map(fixtureAccountId);
    expect(fixtureIds.every((id) => FIXTURE_ACCOUNT_ID.test(id))).toBe(true);
    expect(committedAccounts.filter((id) => FIXTURE_ACCOUNT_ID.test(id))).toEqual([]);
    expect(committedAccounts.filter((id) => fixtureIds.includes(id))).toEqual([]);
    expect(errorFor("production", { aws: { accountId: fixtureAccountId(3) } })).toContain(
      '[aws.accountId] "000000000003": is reserved for test fixtures and benchmarks',
    );
    expect(() => loadEnvironmentConfigs(["demo"], { environments: fixtureEnvironments(["demo"]) })).toThrow(
      /environment "demo":\n {2}\[aws.accountId\] "000000000001": is reserved for test fixtures/,
    );
  });

  test("generated environments are each in their own account with their own state bucket, so any number validate together", () => {
    const names = Array.from({ length: 8 }, (_, index) => `bench-${index + 1}`);
    const configs = loadEnvironmentConfigs(names, { environments: fixtureEnvironments(names), allowFixtureAccountIds: true });
    expect(new Set(configs.map((config) => config.aws.accountId)).size).toBe(8);
    expect(new Set(configs.map((config) => config.stateBackend.bucket)).size).toBe(8);
  });

  test("fails on an environment name that cannot be part of resource names", () => {
    const environments = { Demo_1: { ...fixtureEnvironment("demo", 1), name: "Demo_1" } };
    expect(() => loadEnvironmentConfigs([], { environments, allowFixtureAccountIds: true })).toThrow(
      /\[name\] "Demo_1": must be lower-case letters and digits/,
    );
  });

  test("placeholders are keyed by environment and named by their path while unreplaced", () => {
    const listed = unreplacedPlaceholders();
    for (const name of Object.keys(PLACEHOLDERS.environments)) {
      expect(listed).toContain(`environments.${name}.accountId (${ENVIRONMENTS[name].aws.accountId})`);
    }
    expect(
      unreplacedPlaceholders({ environments: { production: { accountId: "210987654321", domains: { site: "www.treepli.com" } } } }),
    ).toEqual([]);
  });
});

describe("services as data", () => {
  const worker = { ...WORKER, queue: { backlogPerTaskTarget: 20 } };

  test("a queue worker is one more entry in a layer's services, with the queue's defaults applied", () => {
    const config = loadEnvironmentConfig("staging", {
      environments: { staging: withOverride(rawConfig("staging"), { backend: { services: { worker } } }) },
    });
    expect(Object.keys(config.backend.services)).toEqual(["backend", "worker"]);
    expect(config.backend.services.worker.queue).toEqual({
      backlogPerTaskTarget: 20,
      visibilityTimeoutSeconds: 300,
      messageRetentionDays: 4,
      maxReceiveCount: 5,
    });
    expect(config.backend.services.worker.web).toBeUndefined();
    expect(config.backend.services.backend.web).toEqual({ containerPort: 8080, healthCheckPath: "/healthz" });
    expect(config.frontend.services.frontend.web).toEqual({ containerPort: 3000, healthCheckPath: "/api/health" });
  });

  test("fails when a service says neither how requests reach it nor where its work comes from", () => {
    const { queue, ...idle } = worker;
    expect(queue).toBeDefined();
    expect(errorFor("staging", { backend: { services: { idle } } })).toMatch(
      /\[backend.services.idle.web\] missing: a service says how its work reaches it: give `web` .* or `queue`/,
    );
  });

  test("fails when a service is both behind the load balancer and a queue worker", () => {
    expect(errorFor("staging", { backend: { services: { worker: { ...worker, web: {} } } } })).toMatch(
      /\[backend.services.worker.queue\] .*: a service is either behind the load balancer \(web\) or consumes a queue \(queue\), not both/,
    );
  });

  test("fails when a second service of a layer wants the layer's load balancer", () => {
    const { queue, ...rest } = worker;
    expect(queue).toBeDefined();
    expect(errorFor("staging", { backend: { services: { admin: { ...rest, web: {} } } } })).toMatch(
      /\[backend.services.admin.web\] .*: only the service named "backend" is behind the backend layer's load balancer/,
    );
  });

  test("fails when the layer's load balancer has no service to forward to", () => {
    const raw = rawConfig("staging");
    const environments = { staging: { ...raw, frontend: { ...raw.frontend, services: { worker } } } };
    expect(() => loadEnvironmentConfig("staging", { environments })).toThrow(
      /\[frontend.services.frontend\] missing: is required: the frontend layer's load balancer forwards to the service named "frontend"/,
    );
  });

  test("fails when two layers have a service of the same name", () => {
    expect(errorFor("staging", { backend: { services: { worker } }, frontend: { services: { worker } } })).toMatch(
      /\[frontend.services.worker\] "worker": is also a service of the backend layer: both would be named "treepli-staging-worker"/,
    );
  });

  test("fails when a service name is too long for what it names", () => {
    expect(errorFor("staging", { backend: { services: { ["w".repeat(40)]: worker } } })).toMatch(
      /makes the service name "treepli-staging-w+" 56 characters long; at most 54 fit \(its execution role is <name>-execution\)/,
    );
    const environments = { "environment-name-xyz": fixtureEnvironment("environment-name-xyz", 1) };
    expect(() => loadEnvironmentConfigs([], { environments, allowFixtureAccountIds: true })).toThrow(
      '[backend.services.backend] "backend": makes the service name "treepli-environment-name-xyz-backend" 36 characters long; at most 32 fit (it names the service\'s target group)',
    );
  });

  test("fails on a service key that cannot be part of names", () => {
    expect(errorFor("staging", { backend: { services: { Worker_1: worker } } })).toMatch(
      /\[backend.services.Worker_1\] .*must be lower-case letters and digits/,
    );
  });

  test("a queue worker keeps at least one task: its scaling divides the backlog by the running tasks", () => {
    expect(errorFor("staging", { backend: { services: { worker: { ...worker, minCount: 0, desiredCount: 0 } } } })).toMatch(
      /\[backend.services.worker.minCount\] 0: must be at least 1 for a queue worker/,
    );
  });

  test("a queue keeps messages at most 7 days, so its dead-letter queue holds a failed one for a week", () => {
    expect(
      errorFor("staging", {
        backend: { services: { worker: { ...worker, queue: { backlogPerTaskTarget: 20, messageRetentionDays: 8 } } } },
      }),
    ).toMatch(/\[backend.services.worker.queue.messageRetentionDays\] 8: must be from 1 to 7 days/);
  });
});

describe("the ops layer's configuration", () => {
  test("production must have a subscriber: alarms and detections would reach nobody", () => {
    expect(errorFor("production", { ops: { subscriptions: [] } })).toMatch(
      /\[ops.subscriptions\] \[\]: must list at least one subscriber in production: alarms and detections would otherwise reach nobody/,
    );
  });

  test("production keeps its audit records at least a year", () => {
    expect(errorFor("production", { ops: { auditLogRetentionDays: 180 } })).toMatch(
      /\[ops.auditLogRetentionDays\] 180: must be at least 365 in production/,
    );
    expect(() =>
      loadEnvironmentConfig("staging", { environments: { staging: rawConfig("staging", { ops: { auditLogRetentionDays: 30 } }) } }),
    ).not.toThrow();
  });

  test("the emulator's environment refuses subscriptions: nothing is delivered, nobody can confirm", () => {
    expect(errorFor("local", { ops: { subscriptions: [{ protocol: "email", endpoint: "ops@treepli.example" }] } })).toMatch(
      /\[ops.subscriptions\] .*: must be empty on the emulator: it delivers nothing/,
    );
  });

  test("a subscription is an email address or an https endpoint, each checked", () => {
    expect(errorFor("staging", { ops: { subscriptions: [{ protocol: "email", endpoint: "not-an-address" }] } })).toMatch(
      /\[ops.subscriptions.0.endpoint\] "not-an-address": must be an email address such as "ops@treepli.com"/,
    );
    expect(errorFor("staging", { ops: { subscriptions: [{ protocol: "sms", endpoint: "+15555550100" } as never] } })).toMatch(
      /\[ops.subscriptions.0.protocol\] .*must be \{ protocol: "email", endpoint \} or \{ protocol: "https", endpoint \| endpointParameterName \}/,
    );
    expect(errorFor("staging", { ops: { subscriptions: [{ protocol: "https", endpoint: "http://hooks.treepli.example" }] } })).toMatch(
      /\[ops.subscriptions.0.endpoint\] "http:\/\/hooks.treepli.example": must be an https URL/,
    );
  });

  test("an https URL with a credential in it is refused, saying to keep it in SSM instead", () => {
    for (const endpoint of ["https://user:secret@hooks.treepli.example/aws", "https://hooks.treepli.example/aws?token=secret"]) {
      expect(errorFor("staging", { ops: { subscriptions: [{ protocol: "https", endpoint }] } })).toMatch(
        /\[ops.subscriptions.0.endpoint\] .*carries a credential .*keep the URL in an SSM SecureString parameter and give endpointParameterName instead/,
      );
    }
    const config = loadEnvironmentConfig("staging", {
      environments: {
        staging: rawConfig("staging", {
          ops: { subscriptions: [{ protocol: "https", endpointParameterName: "/treepli/staging/ops/pager-url", autoConfirms: true }] },
        }),
      },
    });
    expect(config.ops.subscriptions).toEqual([
      { protocol: "https", endpointParameterName: "/treepli/staging/ops/pager-url", autoConfirms: true },
    ]);
  });

  test("an https subscription gives exactly one of a URL and a parameter", () => {
    expect(errorFor("staging", { ops: { subscriptions: [{ protocol: "https" }] } })).toMatch(
      /\[ops.subscriptions.0.endpoint\] missing: give exactly one of endpoint .* or endpointParameterName/,
    );
    expect(
      errorFor("staging", {
        ops: { subscriptions: [{ protocol: "https", endpoint: "https://hooks.treepli.example", endpointParameterName: "/p" }] },
      }),
    ).toMatch(/\[ops.subscriptions.0.endpoint\] "https:\/\/hooks.treepli.example": give exactly one of endpoint/);
  });

  test("the same subscriber twice is refused", () => {
    const twice = { protocol: "email" as const, endpoint: "ops@treepli.example" };
    expect(errorFor("staging", { ops: { subscriptions: [twice, twice] } })).toMatch(
      /\[ops.subscriptions.1\] .*: is listed twice; remove one/,
    );
  });

  test("two environments in one account may not both create the account trail", () => {
    const environments = {
      staging: rawConfig("staging", {
        aws: { accountId: "333333333333" },
        accountSingletons: { githubOidcProvider: "existing", ecsAccountSettings: "existing" },
      }),
      production: rawConfig("production", { aws: { accountId: "333333333333" } }),
    };
    expect(() => loadEnvironmentConfigs(["staging"], { environments })).toThrow(
      /\[accountSingletons.cloudTrail\] "create" in "staging" and "production", which share account 333333333333: only one environment per account may create it/,
    );
  });
});
