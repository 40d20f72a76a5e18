import { loadEnvironmentConfig } from "../../src/config/load-config";
import { configErrorFor, testConfig } from "../helpers";

describe("observability configuration (alarm thresholds, budget)", () => {
  test("every alarm has its documented default, and an environment overrides only what it names", () => {
    const staging = loadEnvironmentConfig("staging").observability.alarms;
    const production = loadEnvironmentConfig("production").observability.alarms;
    expect(staging.loadBalancer.target5xxPercent).toEqual({ threshold: 5, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 });
    expect(staging.database.connections.threshold).toBe(80);
    // Production sizes the database's alarms for its instance class; the timing stays the default.
    expect(production.database.connections).toEqual({ threshold: 700, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 });
    expect(production.database.freeStorageGiB.threshold).toBe(20);
    expect(production.service.runningTasks).toEqual({ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 });
  });

  test("one threshold can be changed without repeating the rest of the alarm", () => {
    const config = testConfig("staging", { observability: { alarms: { api: { latencyP99Milliseconds: { threshold: 1000 } } } } });
    expect(config.observability.alarms.api.latencyP99Milliseconds).toEqual({
      threshold: 1000,
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
  });

  test("fails when a threshold is negative, naming the field", () => {
    expect(configErrorFor("staging", { observability: { alarms: { database: { cpuPercent: { threshold: -1 } } } } })).toMatch(
      /\[observability\.alarms\.database\.cpuPercent\.threshold\] -1: must not be negative \(percent\)/,
    );
  });

  test("fails when a percentage is above 100 or a count is fractional", () => {
    const message = configErrorFor("staging", {
      observability: { alarms: { loadBalancer: { target5xxPercent: { threshold: 150 }, unhealthyHosts: { threshold: 1.5 } } } },
    });
    expect(message).toMatch(/\[observability\.alarms\.loadBalancer\.target5xxPercent\.threshold\] 150: must be a percentage from 0 to 100/);
    expect(message).toMatch(/\[observability\.alarms\.loadBalancer\.unhealthyHosts\.threshold\] 1\.5: must be a whole number/);
  });

  test.each([
    [45, /must be at least 60 seconds/],
    [10, /must be at least 60 seconds: every metric alarmed on here is published once a minute/],
    [90, /must be a multiple of 60 seconds/],
  ])("fails when a period is %s seconds, which CloudWatch does not accept for a one-minute metric", (periodSeconds, message) => {
    expect(configErrorFor("staging", { observability: { alarms: { api: { server5xxPercent: { periodSeconds } } } } })).toMatch(
      new RegExp(`\\[observability\\.alarms\\.api\\.server5xxPercent\\.periodSeconds\\] ${periodSeconds}: ${message.source}`),
    );
  });

  test("fails when the evaluation spans more than a day or needs more breaching periods than it evaluates", () => {
    const message = configErrorFor("staging", {
      observability: {
        alarms: {
          natGateway: { packetsDropped: { periodSeconds: 3600, evaluationPeriods: 25, datapointsToAlarm: 3 } },
          queue: { deadLetterMessages: { evaluationPeriods: 2, datapointsToAlarm: 3 } },
        },
      },
    });
    expect(message).toMatch(
      /\[observability\.alarms\.natGateway\.packetsDropped\.evaluationPeriods\] 25: times periodSeconds \(3600\) is 90000 seconds/,
    );
    expect(message).toMatch(
      /\[observability\.alarms\.queue\.deadLetterMessages\.datapointsToAlarm\] 3: must not exceed evaluationPeriods \(2\)/,
    );
  });

  test("fails on an alarm setting that does not exist (a misspelt name is not silently ignored)", () => {
    expect(configErrorFor("staging", { observability: { alarms: { database: { cpu: { threshold: 50 } } } } } as never)).toMatch(
      /\[observability\.alarms\.database\.cpu\] is not a known field/,
    );
  });

  test("the budget needs a positive monthly amount, and its percentages must be distinct", () => {
    expect(configErrorFor("staging", { observability: { budget: { monthlyLimitUsd: 0 } } })).toMatch(
      /\[observability\.budget\.monthlyLimitUsd\] 0: must be more than 0 US dollars/,
    );
    expect(configErrorFor("staging", { observability: { budget: { actualThresholdPercents: [80, 80] } } })).toMatch(
      /\[observability\.budget\.actualThresholdPercents\] \[80,80\]: must not list a percentage twice/,
    );
  });

  test("budget notifications default to forecast at 100 % and actual at 80 % and 100 %", () => {
    expect(loadEnvironmentConfig("staging").observability.budget).toEqual({
      monthlyLimitUsd: 500,
      forecastThresholdPercent: 100,
      actualThresholdPercents: [80, 100],
    });
  });
});

describe("backup configuration", () => {
  test("production copies its backups and replicates its media to a second region", () => {
    const production = loadEnvironmentConfig("production");
    expect(production.backup.copy?.region).toBe("eu-central-1");
    expect(production.media.replication?.region).toBe("eu-central-1");
    expect(production.backup.schedule).toBe("cron(0 5 ? * * *)");
  });

  test("production without a copy or without a media replica is refused", () => {
    const message = configErrorFor("production", { backup: { copy: undefined }, media: { replication: undefined } });
    expect(message).toMatch(/\[backup\.copy\] missing: is required in production/);
    expect(message).toMatch(/\[media\.replication\] missing: is required in production/);
  });

  test("a second region equal to the environment's own is refused", () => {
    const message = configErrorFor("staging", {
      backup: { copy: { region: "eu-west-1" } },
      media: { replication: { region: "eu-west-1" } },
    });
    expect(message).toMatch(/\[backup\.copy\.region\] "eu-west-1": is the environment's own region/);
    expect(message).toMatch(/\[media\.replication\.region\] "eu-west-1": is the environment's own region/);
  });

  test("a vault lock that would refuse the plan's own backups is refused", () => {
    const message = configErrorFor("staging", {
      backup: {
        retentionDays: 14,
        copy: { region: "eu-central-1", retentionDays: 400 },
        vaultLock: { minRetentionDays: 30, maxRetentionDays: 365, changeableForDays: 3 },
      },
    });
    expect(message).toMatch(/\[backup\.retentionDays\] 14: must lie within vaultLock's retention \(30 to 365 days\)/);
    expect(message).toMatch(/\[backup\.copy\.retentionDays\] 400: must lie within vaultLock's retention/);
  });

  test("a vault lock's grace period is at least AWS Backup's 3 days", () => {
    expect(configErrorFor("staging", { backup: { vaultLock: { minRetentionDays: 1, changeableForDays: 1 } } })).toMatch(
      /\[backup\.vaultLock\.changeableForDays\] 1: must be at least 3 days/,
    );
  });

  test("a second account's vault must be in the copy region", () => {
    expect(
      configErrorFor("staging", {
        backup: {
          copy: { region: "eu-central-1", destinationVaultArn: "arn:aws:backup:us-east-1:333333333333:backup-vault:treepli-staging-copy" },
        },
      }),
    ).toMatch(
      /\[backup\.copy\.destinationVaultArn\] "arn:aws:backup:us-east-1:333333333333:backup-vault:treepli-staging-copy": must be a vault in copy\.region \(eu-central-1\)/,
    );
  });

  test("a schedule that is not a six-field cron expression is refused", () => {
    expect(configErrorFor("staging", { backup: { schedule: "rate(1 day)" } })).toMatch(
      /\[backup\.schedule\] "rate\(1 day\)": must be an AWS Backup cron expression/,
    );
  });
});
