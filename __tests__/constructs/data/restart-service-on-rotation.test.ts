import { Testing } from "cdktf";
import { RestartServiceOnRotation } from "../../../src/constructs/data/restart-service-on-rotation";
import { onlyResource, parse, policy, resources } from "../../helpers";

const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-1234-AbCdEf";
const SERVICE = "arn:aws:ecs:eu-west-1:111111111111:service/treepli-staging/treepli-staging-backend";
const CLUSTER = "arn:aws:ecs:eu-west-1:111111111111:cluster/treepli-staging";

describe("RestartServiceOnRotation", () => {
  const json = parse(
    Testing.synthScope((scope) => {
      new RestartServiceOnRotation(scope, "restart", {
        namePrefix: "treepli-staging-backend",
        secretArn: SECRET,
        clusterName: "treepli-staging",
        clusterArn: CLUSTER,
        serviceName: "treepli-staging-backend",
        serviceArn: SERVICE,
      });
    }),
  );
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
