import { Testing } from "cdktf";
import { EcsServiceAlarms } from "../../../src/constructs/observability/ecs-service-alarms";
import { onlyResource, parse, resources } from "../../helpers";
import { alarmNamed, familyProps, settings, TOPIC } from "./alarm-fixtures";

const SERVICE_ARN = "arn:aws:ecs:eu-west-1:111111111111:service/treepli-staging/treepli-staging-backend";

function synth(minCount: number) {
  return parse(
    Testing.synthScope((scope) => {
      new EcsServiceAlarms(scope, "service-alarms", {
        ...familyProps("treepli-staging-backend"),
        clusterName: "treepli-staging",
        serviceName: "treepli-staging-backend",
        serviceArn: SERVICE_ARN,
        minCount,
        settings: {
          runningTasks: { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 },
          cpuPercent: settings(90, { evaluationPeriods: 10, datapointsToAlarm: 8 }),
          memoryPercent: settings(85, { evaluationPeriods: 10, datapointsToAlarm: 8 }),
        },
      });
    }),
  );
}

describe("EcsServiceAlarms", () => {
  const json = synth(2);
  const alarms = resources(json, "aws_cloudwatch_metric_alarm");
  const dimensions = { ClusterName: "treepli-staging", ServiceName: "treepli-staging-backend" };

  test("running tasks below the service's minimum (Container Insights) raise an alarm, and silence counts as breaching", () => {
    expect(alarmNamed(alarms, "treepli-staging-backend-running-tasks")).toEqual(
      expect.objectContaining({
        namespace: "ECS/ContainerInsights",
        metric_name: "RunningTaskCount",
        dimensions,
        comparison_operator: "LessThanThreshold",
        threshold: 2,
        treat_missing_data: "breaching",
        alarm_actions: [TOPIC],
        ok_actions: [TOPIC],
      }),
    );
  });

  test("CPU and memory of the service, averaged, against their thresholds; no tasks is the running-tasks alarm's business", () => {
    expect(alarmNamed(alarms, "treepli-staging-backend-cpu")).toEqual(
      expect.objectContaining({
        namespace: "AWS/ECS",
        metric_name: "CPUUtilization",
        dimensions,
        statistic: "Average",
        threshold: 90,
        datapoints_to_alarm: 8,
        treat_missing_data: "notBreaching",
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-backend-memory")).toEqual(
      expect.objectContaining({ namespace: "AWS/ECS", metric_name: "MemoryUtilization", dimensions, threshold: 85 }),
    );
  });

  test("GIVEN a worker that may scale to zero THEN there is no running-tasks alarm", () => {
    const names = resources(synth(0), "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
    expect(names.sort()).toEqual(["treepli-staging-backend-cpu", "treepli-staging-backend-memory"]);
  });

  test("placement failures of exactly this service go to the operations topic (ECS publishes no metric for them)", () => {
    const rule = onlyResource(json, "aws_cloudwatch_event_rule");
    expect(rule.name).toBe("treepli-staging-backend-placement-failure");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Service Action"],
      resources: [SERVICE_ARN],
      detail: { eventName: ["SERVICE_TASK_PLACEMENT_FAILURE"] },
    });
    const target = onlyResource(json, "aws_cloudwatch_event_target");
    expect(target.arn).toBe(TOPIC);
    expect(target.input_transformer.input_paths).toEqual({ reasons: "$.detail.reasons", cluster: "$.detail.clusterArn", time: "$.time" });
  });

  test("the placement-failure message is a JSON object once EventBridge puts the event's values in (reasons as an array)", () => {
    const template: string = onlyResource(json, "aws_cloudwatch_event_target").input_transformer.input_template;
    const filled = template
      .replace("<reasons>", JSON.stringify(["RESOURCE:MEMORY"]))
      .replace("<cluster>", JSON.stringify("arn:aws:ecs:eu-west-1:111111111111:cluster/treepli-staging"))
      .replace("<time>", JSON.stringify("2026-12-01T03:00:00Z"));
    expect(JSON.parse(filled)).toEqual({
      event: "ECS could not place tasks of treepli-staging-backend",
      firstResponse: expect.stringMatching(/maxSize/),
      reasons: ["RESOURCE:MEMORY"],
      cluster: "arn:aws:ecs:eu-west-1:111111111111:cluster/treepli-staging",
      time: "2026-12-01T03:00:00Z",
    });
  });
});
