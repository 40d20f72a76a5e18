import * as fs from "fs";
import * as path from "path";
import {
  ALARM_TABLE_END,
  ALARM_TABLE_FILE,
  ALARM_TABLE_START,
  alarmTable,
  environmentNotifications,
  withAlarmTable,
} from "../../src/review/alarm-table";
import { stacksOf } from "../../src/review/synthesized-estate";
import { PROJECT_ROOT, synth } from "./review-helpers";

const estate = synth();
const readme = fs.readFileSync(path.join(PROJECT_ROOT, ALARM_TABLE_FILE), "utf8");

test("the README's alarm table is the one the synthesized stacks give (run `npm run review` and commit README.md)", () => {
  expect(withAlarmTable(readme, alarmTable(estate))).toBe(readme);
});

test("it lists every metric alarm of every stack of each environment, and says how many", () => {
  for (const environment of ["staging", "production"]) {
    const alarms = stacksOf(estate, [environment]).flatMap((stack) =>
      Object.values<any>(stack.json.resource?.aws_cloudwatch_metric_alarm ?? {}).map((alarm) => alarm.alarm_name),
    );
    const listed = environmentNotifications(estate, environment).filter((n) => n.kind === "alarm");
    expect(listed.map((n) => n.name).sort()).toEqual(alarms.sort());
    expect(alarmTable(estate)).toContain(`**${environment}**: ${alarms.length} alarms`);
  }
});

test("it lists what else notifies the operations topic: failed rotations and restarts, placement failures, task definitions with host access, backup failures, RDS events, the budget", () => {
  const others = environmentNotifications(estate, "production").filter((n) => n.kind !== "alarm");
  expect(others.map((n) => `${n.kind} ${n.name}`)).toEqual([
    "event treepli-production-backend-db-password-restart-failed",
    "event treepli-production-backend-db-password-rotation-failed",
    "event treepli-production-backend-placement-failure",
    "event treepli-production-host-access-task-definition",
    "event treepli-production-frontend-placement-failure",
    "event treepli-production-backup-failed",
    "event treepli-production-copy-failed",
    "rds-events treepli-production-backend-db-events",
    "budget treepli-production-monthly",
  ]);
  expect(others.every((n) => n.firstResponse.length > 20)).toBe(true);
});

test("one row per notification, with <env> in names, each environment's own threshold where they differ", () => {
  const table = alarmTable(estate);
  expect(table).toContain(
    "| `treepli-<env>-backend-db-connections` | backend | production: Database connections at or above 700 connections",
  );
  expect(table).toContain("staging: Database connections at or above 80 connections");
  expect(table).toMatch(/`treepli-<env>-media-replication-failed-operations` \(production only\)/);
  expect(table).not.toMatch(/treepli-(staging|production)-/);
});

test("the README must keep its markers: the table cannot be written without them", () => {
  expect(() => withAlarmTable("# no markers", "table")).toThrow(/README\.md has no/);
  expect(readme.indexOf(ALARM_TABLE_START)).toBeLessThan(readme.indexOf(ALARM_TABLE_END));
});
