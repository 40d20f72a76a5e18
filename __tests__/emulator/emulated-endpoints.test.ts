import { EnvironmentConfig } from "../../src/config/environment-config";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { emulatorEnvironmentName, emulatorWithWorker } from "../fixtures";
import type * as Helpers from "../helpers";
import { parse, synthEnvironment, TerraformJson } from "../helpers";

// Every AWS resource, data source and ephemeral resource the emulator environment synthesizes must be
// served by an endpoint its providers point at the emulator: a type whose service is not redirected
// would send the local environment's calls to real AWS. The table below is written by hand, from the
// AWS provider's endpoint keys (https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/guides/custom-service-endpoints),
// not derived from the emulator settings it checks.

/**
 * Type (or type prefix, ending at an underscore boundary) → the provider `endpoints` key of the AWS
 * service it calls, or `null` for types that call no AWS API (with the reason).
 */
const ENDPOINT_OF_TYPE: ReadonlyArray<readonly [prefix: string, endpoint: string | null]> = [
  ["aws_acm", "acm"],
  ["aws_apigatewayv2", "apigatewayv2"],
  ["aws_appautoscaling", "applicationautoscaling"],
  ["aws_autoscaling", "autoscaling"],
  ["aws_availability_zones", "ec2"],
  ["aws_backup", "backup"],
  ["aws_budgets", "budgets"],
  ["aws_caller_identity", "sts"],
  ["aws_cloudfront", "cloudfront"],
  ["aws_cloudtrail", "cloudtrail"],
  ["aws_cloudwatch_dashboard", "cloudwatch"],
  ["aws_cloudwatch_event", "events"],
  ["aws_cloudwatch_log", "logs"],
  ["aws_cloudwatch_metric_alarm", "cloudwatch"],
  ["aws_db", "rds"],
  ["aws_default_security_group", "ec2"],
  ["aws_ec2", "ec2"],
  ["aws_ecr", "ecr"],
  ["aws_ecs", "ecs"],
  ["aws_eip", "ec2"],
  // A table of AWS's per-region ELB log-delivery accounts compiled into the provider.
  ["aws_elb_service_account", null],
  ["aws_flow_log", "ec2"],
  ["aws_iam", "iam"],
  ["aws_internet_gateway", "ec2"],
  ["aws_kms", "kms"],
  ["aws_launch_template", "ec2"],
  ["aws_lb", "elbv2"],
  ["aws_nat_gateway", "ec2"],
  // Derived from the provider's region.
  ["aws_partition", null],
  ["aws_region", null],
  ["aws_route", "ec2"],
  ["aws_route53", "route53"],
  ["aws_s3", "s3"],
  ["aws_secretsmanager", "secretsmanager"],
  ["aws_security_group", "ec2"],
  ["aws_sns", "sns"],
  ["aws_sqs", "sqs"],
  ["aws_ssm", "ssm"],
  ["aws_subnet", "ec2"],
  ["aws_vpc", "ec2"],
];

/** The table's entry for a type: the longest prefix that matches at an underscore boundary. */
function endpointOf(type: string): string | null | undefined {
  const matches = ENDPOINT_OF_TYPE.filter(([prefix]) => type === prefix || type.startsWith(`${prefix}_`));
  return matches.sort((a, b) => b[0].length - a[0].length)[0]?.[1];
}

/**
 * One line per AWS type of a synthesized stack that is not redirected to `endpoint` by every AWS
 * provider of the stack (the default one and any alias), or that the table does not know.
 */
function unredirected(stack: string, json: TerraformJson, endpoint: string): string[] {
  const sections = json as unknown as Record<string, Record<string, unknown> | undefined>;
  const types = ["resource", "data", "ephemeral"].flatMap((section) =>
    Object.keys(sections[section] ?? {})
      .filter((type) => type.startsWith("aws_"))
      .map((type) => ({ section, type })),
  );
  const providers: any[] = json.provider.aws ?? [];
  const problems: string[] = [];
  for (const { section, type } of types) {
    const service = endpointOf(type);
    if (service === undefined) {
      problems.push(`${stack}: ${section} ${type} has no entry in ENDPOINT_OF_TYPE; add the provider endpoint key of its service`);
      continue;
    }
    if (service === null) continue;
    for (const provider of providers) {
      const redirected = provider.endpoints?.[0]?.[service];
      if (redirected !== endpoint) {
        problems.push(
          `${stack}: ${section} ${type} calls "${service}", which provider aws${provider.alias ? `.${provider.alias}` : ""} sends to ${redirected ?? "real AWS"}; add "${service}" to EMULATED_SERVICES`,
        );
      }
    }
  }
  return problems;
}

/** Every problem of every stack of an environment on the emulator. */
function unredirectedInEnvironment(stacks: Record<string, string>, config: EnvironmentConfig): string[] {
  return Object.entries(stacks).flatMap(([layer, text]) => unredirected(`${config.name}-${layer}`, parse(text), config.emulator!.endpoint));
}

describe("the emulator environment sends every AWS call it makes to the emulator", () => {
  test("every type each of its stacks synthesizes is served by a redirected endpoint", () => {
    const config = loadEnvironmentConfig(emulatorEnvironmentName());
    expect(config.emulator).toBeDefined();
    expect(unredirectedInEnvironment(synthEnvironment(config), config)).toEqual([]);
  });

  test("with a queue worker added, its SQS queues are redirected too", () => {
    const config = emulatorWithWorker();
    const stacks = synthEnvironment(config);
    expect(parse(stacks.backend).resource.aws_sqs_queue).toBeDefined();
    expect(unredirectedInEnvironment(stacks, config)).toEqual([]);
  });

  test("the check fails, naming the type, when the emulator settings do not redirect the worker's service", () => {
    // A fresh copy of the modules with "sqs" taken out of EMULATED_SERVICES, as before the worker existed.
    let problems: string[] = [];
    jest.isolateModules(() => {
      const settings = require("../../src/emulator/emulator-settings") as { EMULATED_SERVICES: string[] };
      settings.EMULATED_SERVICES.splice(settings.EMULATED_SERVICES.indexOf("sqs"), 1);
      const isolatedHelpers = require("../helpers") as typeof Helpers;
      const isolatedFixtures = require("../fixtures") as { emulatorWithWorker: () => EnvironmentConfig };
      const config = isolatedFixtures.emulatorWithWorker();
      problems = unredirectedInEnvironment(isolatedHelpers.synthEnvironment(config), config);
    });
    const stack = `${emulatorEnvironmentName()}-backend`;
    expect(problems).toEqual(
      expect.arrayContaining([
        `${stack}: resource aws_sqs_queue calls "sqs", which provider aws sends to real AWS; add "sqs" to EMULATED_SERVICES`,
        `${stack}: resource aws_sqs_queue_policy calls "sqs", which provider aws sends to real AWS; add "sqs" to EMULATED_SERVICES`,
      ]),
    );
    expect(problems.every((problem) => problem.includes('"sqs"'))).toBe(true);
  });

  test("the check fails on a type the table does not know", () => {
    const json = {
      provider: { aws: [{ endpoints: [{ ec2: "http://emulator" }] }] },
      resource: { aws_pipes_pipe: {}, aws_vpc: {} },
    } as never;
    expect(unredirected("x", json, "http://emulator")).toEqual([
      "x: resource aws_pipes_pipe has no entry in ENDPOINT_OF_TYPE; add the provider endpoint key of its service",
    ]);
  });
});
