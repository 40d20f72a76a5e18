import { Testing } from "cdktf";
import { HostAccessRegistrationAlert } from "../../../src/constructs/ops/host-access-registration-alert";
import { onlyResource, parse } from "../../helpers";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:treepli-test-ops";

/**
 * A minimal EventBridge pattern matcher for what the rule uses: exact values, `exists`, arrays of objects
 * matched element by element, `$or`. Enough to show which CloudTrail records the pattern catches.
 */
function matches(pattern: any, event: any): boolean {
  return Object.entries(pattern).every(([key, expected]: [string, any]) => {
    if (key === "$or") return (expected as any[]).some((branch) => matches(branch, event));
    const value = event?.[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(value) ? value : [value];
      return expected.some((rule) =>
        typeof rule === "object" && rule !== null && "exists" in rule
          ? (value !== undefined && !(Array.isArray(value) && value.length === 0)) === rule.exists
          : values.includes(rule),
      );
    }
    if (Array.isArray(value)) return value.some((element) => matches(expected, element));
    return value !== undefined && matches(expected, value);
  });
}

/** A CloudTrail record of RegisterTaskDefinition as EventBridge delivers it. */
function registration(requestParameters: Record<string, unknown>) {
  return {
    source: "aws.ecs",
    "detail-type": "AWS API Call via CloudTrail",
    detail: { eventSource: "ecs.amazonaws.com", eventName: "RegisterTaskDefinition", requestParameters },
  };
}

const ordinary = {
  family: "treepli-test-backend",
  networkMode: "awsvpc",
  volumes: [{ name: "tmp" }],
  containerDefinitions: [
    { name: "app", image: "x", privileged: false, linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } } },
  ],
};

describe("HostAccessRegistrationAlert", () => {
  const json = parse(
    Testing.synthScope((scope) => {
      new HostAccessRegistrationAlert(scope, "alert", { ruleName: "treepli-test-host-access-task-definition", topicArn: TOPIC });
    }),
  );
  const pattern = JSON.parse(onlyResource(json, "aws_cloudwatch_event_rule").event_pattern);

  test("THEN it listens to CloudTrail's RegisterTaskDefinition records only", () => {
    expect(pattern.source).toEqual(["aws.ecs"]);
    expect(pattern["detail-type"]).toEqual(["AWS API Call via CloudTrail"]);
    expect(pattern.detail.eventName).toEqual(["RegisterTaskDefinition"]);
  });

  test.each([
    [
      "a privileged container",
      {
        containerDefinitions: [
          { name: "a", privileged: false },
          { name: "b", privileged: true },
        ],
      },
    ],
    ["host networking", { networkMode: "host" }],
    ["the host's process namespace", { pidMode: "host" }],
    ["the host's IPC namespace", { ipcMode: "host" }],
    ["a host path (the Docker socket)", { volumes: [{ name: "tmp" }, { name: "docker", host: { sourcePath: "/var/run/docker.sock" } }] }],
    ["a Docker volume (driver options can bind host paths)", { volumes: [{ name: "v", dockerVolumeConfiguration: { driver: "local" } }] }],
    ["a host device", { containerDefinitions: [{ name: "a", linuxParameters: { devices: [{ hostPath: "/dev/kmsg" }] } }] }],
    ["added capabilities", { containerDefinitions: [{ name: "a", linuxParameters: { capabilities: { add: ["SYS_ADMIN"] } } }] }],
  ])("THEN a revision with %s is caught", (_, parameters) => {
    expect(matches(pattern, registration({ ...ordinary, ...parameters }))).toBe(true);
  });

  test("THEN the estate's own revisions (awsvpc, task volumes, every capability dropped) are not", () => {
    expect(matches(pattern, registration(ordinary))).toBe(false);
    expect(matches(pattern, registration({ ...ordinary, volumes: [{ name: "tmp", host: {} }] }))).toBe(false);
  });

  test("THEN it notifies the operations topic with who registered what, when, from where, and whether it was refused", () => {
    const target = onlyResource(json, "aws_cloudwatch_event_target");
    expect(target.arn).toBe(TOPIC);
    expect(target.input_transformer.input_paths).toEqual({
      family: "$.detail.requestParameters.family",
      revision: "$.detail.responseElements.taskDefinition.taskDefinitionArn",
      registeredBy: "$.detail.userIdentity.arn",
      sourceIp: "$.detail.sourceIPAddress",
      at: "$.detail.eventTime",
      error: "$.detail.errorCode",
      account: "$.account",
      region: "$.region",
    });
  });
});
