import { Testing } from "cdktf";
import { RestartServiceOnRotation, RestartServiceOnRotationProps } from "../../../src/constructs/data/restart-service-on-rotation";
import { onlyResource, parse, policy, resources } from "../../helpers";

const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-1234-AbCdEf";
const SERVICE = "arn:aws:ecs:eu-west-1:111111111111:service/treepli-staging/treepli-staging-backend";
const CLUSTER = "arn:aws:ecs:eu-west-1:111111111111:cluster/treepli-staging";
const baseProps: RestartServiceOnRotationProps = {
  namePrefix: "treepli-staging-backend",
  secretArn: SECRET,
  clusterName: "treepli-staging",
  clusterArn: CLUSTER,
  serviceName: "treepli-staging-backend",
  serviceArn: SERVICE,
};

/** The synthesized construct with `baseProps` and the given changes. */
function build(props: Partial<RestartServiceOnRotationProps> = {}) {
  return parse(
    Testing.synthScope((scope) => {
      new RestartServiceOnRotation(scope, "restart", { ...baseProps, ...props });
    }),
  );
}

describe("RestartServiceOnRotation", () => {
  const json = build();
  const roles = resources(json, "aws_iam_role");
  const policies = resources(json, "aws_iam_role_policy");

  test("a successful rotation of exactly that secret triggers it", () => {
    const pattern = JSON.parse(onlyResource(json, "aws_cloudwatch_event_rule").event_pattern);
    expect(pattern).toEqual({
      source: ["aws.secretsmanager"],
      "detail-type": ["AWS Service Event via CloudTrail"],
      detail: {
        eventSource: ["secretsmanager.amazonaws.com"],
        eventName: ["RotationSucceeded"],
        additionalEventData: { SecretId: [SECRET] },
      },
    });
  });

  test("the runbook forces a new deployment of exactly that service", () => {
    const document = JSON.parse(onlyResource(json, "aws_ssm_document").content);
    expect(onlyResource(json, "aws_ssm_document").document_type).toBe("Automation");
    expect(document.mainSteps).toEqual([
      expect.objectContaining({
        action: "aws:executeAwsApi",
        inputs: {
          Service: "ecs",
          Api: "UpdateService",
          cluster: "treepli-staging",
          service: "treepli-staging-backend",
          forceNewDeployment: true,
        },
      }),
    ]);
  });

  test("the runbook's role may update that one service and nothing else", () => {
    const restart = policies.find((p) => p.name === "restart-service");
    expect(policy(restart.policy).Statement).toEqual([
      { Effect: "Allow", Action: "ecs:UpdateService", Resource: SERVICE, Condition: { ArnEquals: { "ecs:cluster": CLUSTER } } },
    ]);
  });

  test("EventBridge may only start that runbook and pass its role to SSM", () => {
    const start = policy(policies.find((p) => p.name === "start-runbook").policy).Statement;
    expect(start.map((s: any) => s.Action)).toEqual(["ssm:StartAutomationExecution", "iam:PassRole"]);
    expect(start[0].Resource).toMatch(/:automation-definition\/\$\{aws_ssm_document\.[^.]+\.name\}:\*$/);
    expect(start[1].Condition).toEqual({ StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } });
    const target = onlyResource(json, "aws_cloudwatch_event_target");
    // The target is the runbook the policy covers, and the role it passes is the runbook's own role.
    expect(`${target.arn}:*`).toBe(start[0].Resource);
    const automationRole = Object.entries(json.resource.aws_iam_role).find(([, r]: [string, any]) =>
      r.assume_role_policy.includes("ssm.amazonaws.com"),
    )![0];
    expect(start[1].Resource).toBe(`\${aws_iam_role.${automationRole}.arn}`);
    expect(JSON.parse(target.input)).toEqual({ AutomationAssumeRole: [`\${aws_iam_role.${automationRole}.arn}`] });
  });

  test("both roles trust only their service, from this account", () => {
    const trusted = roles.map((r) => JSON.parse(r.assume_role_policy).Statement[0]);
    expect(trusted.map((s) => s.Principal.Service).sort()).toEqual(["events.amazonaws.com", "ssm.amazonaws.com"]);
    for (const statement of trusted) expect(Object.keys(statement.Condition.StringEquals)).toEqual(["aws:SourceAccount"]);
  });
});

describe("RestartServiceOnRotation, when something goes wrong", () => {
  const json = build();
  const targets = resources(json, "aws_cloudwatch_event_target");
  const restart = targets.find((t) => t.target_id === "force-new-deployment");

  test("THEN EventBridge retries starting the runbook for an hour, ten times, then keeps the event in a dead-letter queue", () => {
    expect(restart.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 });
    const queue = onlyResource(json, "aws_sqs_queue");
    expect(queue).toEqual(
      expect.objectContaining({
        name: "treepli-staging-backend-restart-dlq",
        message_retention_seconds: 14 * 86400,
        sqs_managed_sse_enabled: true,
      }),
    );
    expect(restart.dead_letter_config.arn).toMatch(/^\$\{aws_sqs_queue\.[^.]+\.arn\}$/);
  });

  test("THEN only the restart rule may send to the dead-letter queue, over TLS", () => {
    const statements = policy(onlyResource(json, "aws_sqs_queue_policy").policy).Statement;
    const rotated = Object.entries(json.resource.aws_cloudwatch_event_rule).find(([, r]: [string, any]) =>
      r.name.endsWith("-secret-rotated"),
    )![0];
    expect(statements[0]).toEqual({
      Sid: "ThisRuleDeadLetters",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: expect.stringMatching(/^\$\{aws_sqs_queue\.[^.]+\.arn\}$/),
      Condition: { ArnEquals: { "aws:SourceArn": `\${aws_cloudwatch_event_rule.${rotated}.arn}` } },
    });
    expect(statements[1]).toEqual(expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny" }));
  });

  test("GIVEN retries EventBridge does not offer THEN they are refused", () => {
    expect(() => build({ maximumEventAgeSeconds: 30 })).toThrow(/maximumEventAgeSeconds must be a whole number from 60 to 86400, got 30/);
    expect(() => build({ maximumRetryAttempts: 200 })).toThrow(/maximumRetryAttempts must be a whole number from 0 to 185, got 200/);
  });
});
