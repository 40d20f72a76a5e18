import { Testing } from "cdktf";
import { HTTP_API_ACCESS_LOG_FORMAT } from "../../../src/constructs/edge/http-api";
import { HttpApiAlarms } from "../../../src/constructs/observability/http-api-alarms";
import { onlyResource, parse, resources } from "../../helpers";
import { alarmNamed, familyProps, settings } from "./alarm-fixtures";

describe("HttpApiAlarms", () => {
  const json = parse(
    Testing.synthScope((scope) => {
      new HttpApiAlarms(scope, "api-alarms", {
        ...familyProps("treepli-staging-backend-api"),
        apiId: "a1b2c3d4e5",
        accessLogGroupName: "/aws/apigateway/treepli-staging-backend/access",
        settings: {
          server5xxPercent: settings(5),
          client4xxPercent: settings(25, { evaluationPeriods: 15, datapointsToAlarm: 10 }),
          latencyP99Milliseconds: settings(2500),
          throttledRequests: settings(10),
        },
      });
    }),
  );
  const alarms = resources(json, "aws_cloudwatch_metric_alarm");

  test("5xx and 4xx are percentages of the API's requests (AWS/ApiGateway, by ApiId)", () => {
    for (const [name, metric, threshold] of [
      ["treepli-staging-backend-api-5xx", "5xx", 5],
      ["treepli-staging-backend-api-4xx", "4xx", 25],
    ] as const) {
      const alarm = alarmNamed(alarms, name);
      expect(alarm.threshold).toBe(threshold);
      expect(alarm.metric_query.map((q: any) => q.metric?.metric_name ?? q.expression)).toEqual([
        "100 * FILL(errors, 0) / requests",
        metric,
        "Count",
      ]);
      expect(alarm.metric_query[1].metric.dimensions).toEqual({ ApiId: "a1b2c3d4e5" });
    }
  });

  test("latency is the 99th percentile in milliseconds", () => {
    expect(alarmNamed(alarms, "treepli-staging-backend-api-latency")).toEqual(
      expect.objectContaining({ namespace: "AWS/ApiGateway", metric_name: "Latency", extended_statistic: "p99", threshold: 2500 }),
    );
  });

  test("throttled requests are counted from the access logs' 429s, by ApiId, since HTTP APIs publish no throttling metric", () => {
    const filter = onlyResource(json, "aws_cloudwatch_log_metric_filter");
    expect(filter).toEqual(
      expect.objectContaining({
        log_group_name: "/aws/apigateway/treepli-staging-backend/access",
        pattern: '{ $.status = "429" }',
        metric_transformation: expect.objectContaining({
          namespace: "Treepli/ApiGateway",
          name: "ThrottledRequests",
          value: "1",
          dimensions: { ApiId: "$.apiId" },
        }),
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-backend-api-throttled")).toEqual(
      expect.objectContaining({
        namespace: "Treepli/ApiGateway",
        metric_name: "ThrottledRequests",
        dimensions: { ApiId: "a1b2c3d4e5" },
        statistic: "Sum",
        treat_missing_data: "notBreaching",
      }),
    );
  });

  test("the access log lines carry the fields the filter reads (status, apiId)", () => {
    expect(HTTP_API_ACCESS_LOG_FORMAT).toEqual(expect.objectContaining({ status: "$context.status", apiId: "$context.apiId" }));
  });
});
