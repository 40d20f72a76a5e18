import { ENVIRONMENT_NAMES } from "../../src/config/environment-config";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { parse, policy, resources, synthEnvironment, testConfig } from "../helpers";

// Every IAM role of the estate that an AWS service assumes on the account's behalf must carry the
// confused-deputy guard (aws:SourceAccount): otherwise another AWS customer could point the same
// service at this role's ARN. EC2 instance roles are the exception: EC2 assumes them for an instance
// profile, without a source account (the cluster's container instances). AWS Backup's job role too: AWS
// Backup documents the guard for resource policies only, and a condition it does not send would fail every
// backup (environment-backup.ts); PassRole keeps other accounts from naming the role.
const WITHOUT_SOURCE_ACCOUNT = ["ec2.amazonaws.com", "backup.amazonaws.com"];

describe("service roles across the estate", () => {
  // Production turns on every optional role (enhanced monitoring); the others keep their own shapes.
  const configs = [
    ...ENVIRONMENT_NAMES.map((name) => loadEnvironmentConfig(name)),
    testConfig("staging", { backend: { database: { monitoringIntervalSeconds: 30 } } }),
  ];
  const roles = configs.flatMap((config) =>
    Object.entries(synthEnvironment(config)).flatMap(([layer, synthesized]) =>
      resources(parse(synthesized), "aws_iam_role").map((role) => ({
        where: `${config.name}-${layer} ${role.name}`,
        statements: policy(role.assume_role_policy).Statement,
      })),
    ),
  );

  test("the estate has the service roles this check is about (flow logs, ECS tasks, RDS monitoring, SSM, EventBridge)", () => {
    const services = new Set(roles.flatMap((role) => role.statements.flatMap((s) => [s.Principal?.Service ?? []].flat())));
    expect([...services].sort()).toEqual(
      expect.arrayContaining([
        "ecs-tasks.amazonaws.com",
        "events.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "ssm.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
      ]),
    );
  });

  test("every role an AWS service assumes is limited to this account with aws:SourceAccount", () => {
    const unguarded = roles
      .filter((role) =>
        role.statements.some((s) => {
          const services = [s.Principal?.Service ?? []].flat();
          return services.some((service) => !WITHOUT_SOURCE_ACCOUNT.includes(service)) && !s.Condition?.StringEquals?.["aws:SourceAccount"];
        }),
      )
      .map((role) => role.where);
    expect(unguarded).toEqual([]);
  });
});
