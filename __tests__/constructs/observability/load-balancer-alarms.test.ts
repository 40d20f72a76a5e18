import { Testing } from "cdktf";
import { LoadBalancerAlarms, LoadBalancerAlarmSettings } from "../../../src/constructs/observability/load-balancer-alarms";
import { parse, resources } from "../../helpers";
import { alarmNamed, familyProps, settings, TOPIC } from "./alarm-fixtures";

const SETTINGS: LoadBalancerAlarmSettings = {
  target5xxPercent: settings(5),
  loadBalancer5xxPercent: settings(3),
  unhealthyHosts: settings(1, { evaluationPeriods: 5, datapointsToAlarm: 5 }),
  targetResponseTimeP99Seconds: settings(2),
};
const LB = "app/treepli-staging-backend/0123456789abcdef";
const TG = "targetgroup/treepli-staging-backend/fedcba9876543210";

function synth(overrides: Partial<LoadBalancerAlarmSettings> = {}) {
  let construct: LoadBalancerAlarms | undefined;
  const json = parse(
    Testing.synthScope((scope) => {
      construct = new LoadBalancerAlarms(scope, "alb-alarms", {
        ...familyProps("treepli-staging-backend-alb", "Load balancer treepli-staging-backend"),
        loadBalancerArnSuffix: LB,
        targetGroups: [{ label: "backend", arnSuffix: TG }],
        settings: { ...SETTINGS, ...overrides },
      });
    }),
  );
  return { alarms: resources(json, "aws_cloudwatch_metric_alarm"), construct: construct! };
}

describe("LoadBalancerAlarms", () => {
  const { alarms, construct } = synth();

  test("GIVEN a load balancer with one target group THEN four alarms: target 5xx, own 5xx, unhealthy targets, p99 response time", () => {
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual([
      "treepli-staging-backend-alb-load-balancer-5xx",
      "treepli-staging-backend-alb-target-5xx",
      "treepli-staging-backend-alb-target-response-time",
      "treepli-staging-backend-alb-unhealthy-hosts-backend",
    ]);
  });

  test("every alarm notifies the operations topic when it fires and when it is over", () => {
    for (const alarm of alarms) {
      expect({ name: alarm.alarm_name, alarm: alarm.alarm_actions, ok: alarm.ok_actions }).toEqual({
        name: alarm.alarm_name,
        alarm: [TOPIC],
        ok: [TOPIC],
      });
    }
  });

  test("5xx from the targets is a percentage of the load balancer's requests, 0 % when there are requests but no errors", () => {
    const alarm = alarmNamed(alarms, "treepli-staging-backend-alb-target-5xx");
    expect(alarm.comparison_operator).toBe("GreaterThanOrEqualToThreshold");
    expect(alarm.threshold).toBe(5);
    expect(alarm.evaluation_periods).toBe(5);
    expect(alarm.datapoints_to_alarm).toBe(3);
    expect(alarm.metric_query).toEqual([
      { id: "result", expression: "100 * FILL(errors, 0) / requests", label: "Target 5xx, % of requests", return_data: true },
      {
        id: "errors",
        return_data: false,
        metric: {
          namespace: "AWS/ApplicationELB",
          metric_name: "HTTPCode_Target_5XX_Count",
          dimensions: { LoadBalancer: LB },
          period: 60,
          stat: "Sum",
        },
      },
      {
        id: "requests",
        return_data: false,
        metric: { namespace: "AWS/ApplicationELB", metric_name: "RequestCount", dimensions: { LoadBalancer: LB }, period: 60, stat: "Sum" },
      },
    ]);
  });

  test("the load balancer's own 5xx are measured apart from the targets'", () => {
    const alarm = alarmNamed(alarms, "treepli-staging-backend-alb-load-balancer-5xx");
    expect(alarm.threshold).toBe(3);
    expect(alarm.metric_query[1].metric.metric_name).toBe("HTTPCode_ELB_5XX_Count");
  });

  test("unhealthy targets are counted per target group of this load balancer", () => {
    const alarm = alarmNamed(alarms, "treepli-staging-backend-alb-unhealthy-hosts-backend");
    expect(alarm).toEqual(
      expect.objectContaining({
        namespace: "AWS/ApplicationELB",
        metric_name: "UnHealthyHostCount",
        dimensions: { TargetGroup: TG, LoadBalancer: LB },
        statistic: "Maximum",
        threshold: 1,
        datapoints_to_alarm: 5,
      }),
    );
  });

  test("the response time alarm is on the 99th percentile (an extended statistic), in seconds", () => {
    const alarm = alarmNamed(alarms, "treepli-staging-backend-alb-target-response-time");
    expect(alarm.extended_statistic).toBe("p99");
    expect(alarm.statistic).toBeUndefined();
    expect(alarm.metric_name).toBe("TargetResponseTime");
    expect(alarm.threshold).toBe(2);
  });

  test("an idle load balancer is not failing: periods without data count as not breaching, and the description says so", () => {
    for (const alarm of alarms) {
      expect(alarm.treat_missing_data).toBe("notBreaching");
      expect(alarm.alarm_description).toMatch(/No data counts as notBreaching \(.+\)/);
    }
  });

  test("each description says what fired and what to do first", () => {
    const alarm = alarmNamed(alarms, "treepli-staging-backend-alb-load-balancer-5xx");
    expect(alarm.alarm_description).toMatch(
      /^5xx from the load balancer itself at or above 3 % of requests in 3 of 5 periods of 1 min\. First: 503 means no healthy target/,
    );
    expect(alarms.every((a) => a.alarm_description.length <= 1024)).toBe(true);
  });

  test("the dashboard panel draws each alarm's metric with its threshold, and lists the alarms' ARNs", () => {
    expect(construct.panel.title).toBe("Load balancer treepli-staging-backend");
    expect(construct.panel.widgets.map((w) => w.title)).toEqual([
      "5xx from the targets",
      "5xx from the load balancer itself",
      "Unhealthy targets of backend",
      "Targets' p99 response time",
    ]);
    expect(construct.panel.widgets[0].thresholds).toEqual([{ label: "alarm: at or above 5 % of requests", value: 5 }]);
    expect(construct.panel.widgets[0].metrics[0]).toEqual([
      { expression: "100 * FILL(errors, 0) / requests", label: "Target 5xx, % of requests", id: "result" },
    ]);
    expect(construct.panel.alarmArns).toContain("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:treepli-staging-backend-alb-target-5xx");
  });

  test.each([
    ["a negative threshold", { target5xxPercent: settings(-1) }, /target-5xx: threshold must be a number of 0 or more, got -1/],
    [
      "a period CloudWatch refuses",
      { target5xxPercent: settings(5, { periodSeconds: 45 }) },
      /periodSeconds must be 10, 30 or a multiple of 60/,
    ],
    ["more than a day", { unhealthyHosts: settings(1, { periodSeconds: 3600, evaluationPeriods: 48 }) }, /at most 86400/],
    [
      "more breaching periods than evaluated",
      { unhealthyHosts: settings(1, { evaluationPeriods: 2, datapointsToAlarm: 3 }) },
      /datapointsToAlarm must be a whole number from 1 to evaluationPeriods \(2\)/,
    ],
  ])("GIVEN %s THEN construction fails naming the alarm", (_, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});
