import { Testing } from "cdktf";
import { DATABASE_EVENT_CATEGORIES, DatabaseAlarms } from "../../../src/constructs/observability/database-alarms";
import { onlyResource, parse, resources } from "../../helpers";
import { alarmNamed, familyProps, settings, TOPIC } from "./alarm-fixtures";

describe("DatabaseAlarms", () => {
  let panelUnits: string[] = [];
  const json = parse(
    Testing.synthScope((scope) => {
      const construct = new DatabaseAlarms(scope, "database-alarms", {
        ...familyProps("treepli-staging-backend-db"),
        dbInstanceIdentifier: "treepli-staging-backend",
        settings: { cpuPercent: settings(80), freeStorageGiB: settings(5), freeableMemoryMiB: settings(128), connections: settings(80) },
      });
      panelUnits = construct.panel.widgets.map((widget) => widget.unit);
    }),
  );
  const alarms = resources(json, "aws_cloudwatch_metric_alarm");
  const dimensions = { DBInstanceIdentifier: "treepli-staging-backend" };

  test("CPU and connections: high is bad; no data (no load) counts as not breaching", () => {
    expect(alarmNamed(alarms, "treepli-staging-backend-db-cpu")).toEqual(
      expect.objectContaining({
        namespace: "AWS/RDS",
        metric_name: "CPUUtilization",
        dimensions,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 80,
        treat_missing_data: "notBreaching",
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-backend-db-connections")).toEqual(
      expect.objectContaining({
        metric_name: "DatabaseConnections",
        statistic: "Maximum",
        threshold: 80,
        treat_missing_data: "notBreaching",
      }),
    );
  });

  test("free storage and freeable memory: low is bad, thresholds converted to the bytes RDS reports, state kept through gaps", () => {
    expect(alarmNamed(alarms, "treepli-staging-backend-db-free-storage")).toEqual(
      expect.objectContaining({
        metric_name: "FreeStorageSpace",
        statistic: "Minimum",
        comparison_operator: "LessThanThreshold",
        threshold: 5 * 1024 ** 3,
        treat_missing_data: "missing",
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-backend-db-freeable-memory")).toEqual(
      expect.objectContaining({
        metric_name: "FreeableMemory",
        comparison_operator: "LessThanThreshold",
        threshold: 128 * 1024 ** 2,
        treat_missing_data: "missing",
      }),
    );
    expect(alarmNamed(alarms, "treepli-staging-backend-db-free-storage").alarm_description).toMatch(/^Database free storage below 5 GiB/);
    expect(panelUnits).toEqual(["%", "bytes", "bytes", "connections"]);
  });

  test("the instance's failover, availability, failure, storage, maintenance, replica and recovery events go to the operations topic", () => {
    expect(onlyResource(json, "aws_db_event_subscription")).toEqual(
      expect.objectContaining({
        name: "treepli-staging-backend-db-events",
        sns_topic: TOPIC,
        source_type: "db-instance",
        source_ids: ["treepli-staging-backend"],
        event_categories: [...DATABASE_EVENT_CATEGORIES],
      }),
    );
    expect(DATABASE_EVENT_CATEGORIES).toEqual(expect.arrayContaining(["failover", "availability", "read replica", "low storage"]));
  });
});
