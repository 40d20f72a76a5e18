import { EnvironmentConfig, serviceName, SERVICE_LAYERS } from "../../src/config/environment-config";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { dashboardName } from "../../src/stacks/observability-stack";
import { mediaBucketName } from "../../src/stacks/media-stack";
import { workerFixture } from "../fixtures";
import { onlyResource, parse, resources, synthEnvironment, TerraformJson } from "../helpers";

// The alarms every service and store gets, across the stacks of an environment, and the dashboard made
// from them. Expected counts are derived from the configuration, family by family (docs/operations.md).

const HOME_TOPIC =
  /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-[a-z-]+-ops\.outputs\.cross-stack-output-aws_sns_topictopic_[0-9A-F]+arn\}$/;
const US_EAST_1_TOPIC =
  /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-[a-z-]+-ops\.outputs\.cross-stack-output-aws_sns_topictopic-us-east-1_topic_[0-9A-F]+arn\}$/;

/** The alarms an environment should have, counted from its configuration. */
function expectedAlarmCount(config: EnvironmentConfig): number {
  const natGateways = config.vpc.natGateways === "one-per-az" ? config.vpc.azCount : 1;
  const services = SERVICE_LAYERS.flatMap((layer) => Object.values(config[layer].services));
  const perService = services.reduce((sum, service) => sum + (service.minCount > 0 ? 3 : 2) + (service.queue ? 2 : 0), 0);
  return (
    natGateways * 2 + // port allocation errors, packets dropped
    1 + // the cluster's instances at their maximum
    1 + // the media CDN's 5xx rate
    (config.media.replication ? 1 : 0) + // failed replications
    4 + // the API: 5xx, 4xx, p99 latency, throttling
    4 * 2 + // each load balancer: target 5xx, own 5xx, unhealthy targets (one target group), p99 response time
    4 + // the database: CPU, storage, memory, connections
    1 + // restarts after a password rotation EventBridge could not start
    1 + // the site CDN's 5xx rate
    perService // running tasks (if minCount > 0), CPU, memory; a worker's queue: dead letters, oldest message
  );
}

const ENVIRONMENTS: Array<[string, EnvironmentConfig]> = [
  ["staging", loadEnvironmentConfig("staging")],
  ["production", loadEnvironmentConfig("production")],
  ["the worker fixture", workerFixture().withWorker],
];

describe.each(ENVIRONMENTS)("%s", (_, config) => {
  const stacks = Object.fromEntries(Object.entries(synthEnvironment(config)).map(([layer, text]) => [layer, parse(text)])) as Record<
    string,
    TerraformJson
  >;
  const alarms = Object.entries(stacks).flatMap(([layer, json]) =>
    resources(json, "aws_cloudwatch_metric_alarm").map((alarm) => ({ layer, ...alarm })),
  );
  const dashboard = onlyResource(stacks.observability, "aws_cloudwatch_dashboard");
  const body = JSON.parse(dashboard.dashboard_body) as { widgets: any[] };
  const texts = body.widgets
    .flatMap((widget) => [widget.properties.markdown, widget.properties.title])
    .filter(Boolean)
    .join("\n");

  test("every service and store has its alarms, in its own stack: the expected number per family", () => {
    expect(alarms).toHaveLength(expectedAlarmCount(config));
    expect(new Set(alarms.map((alarm) => alarm.alarm_name)).size).toBe(alarms.length);
    expect(Object.keys(stacks.observability.resource)).toEqual(["aws_cloudwatch_dashboard"]);
  });

  test("every alarm notifies the operations topic of its own region, when it fires and when it clears", () => {
    for (const alarm of alarms) {
      const topic = alarm.provider === "aws.us_east_1" ? US_EAST_1_TOPIC : HOME_TOPIC;
      expect({ name: alarm.alarm_name, actions: alarm.alarm_actions, ok: alarm.ok_actions }).toEqual({
        name: alarm.alarm_name,
        actions: [expect.stringMatching(topic)],
        ok: [expect.stringMatching(topic)],
      });
      expect(alarm.treat_missing_data).toMatch(/^(notBreaching|breaching|missing)$/);
      expect(alarm.alarm_description).toMatch(/First: .+ No data counts as /);
    }
    // CloudFront publishes in us-east-1: both distributions' alarms live there.
    expect(
      alarms
        .filter((alarm) => alarm.provider === "aws.us_east_1")
        .map((alarm) => alarm.layer)
        .sort(),
    ).toEqual(["frontend", "media"]);
  });

  test("the dashboard names every service and store of the environment", () => {
    const services = SERVICE_LAYERS.flatMap((layer) => Object.keys(config[layer].services).map((key) => serviceName(config.name, key)));
    for (const name of [
      ...services,
      `treepli-${config.name}-backend (PostgreSQL)`,
      mediaBucketName(config),
      "Media CDN",
      "Site CDN",
      `treepli-${config.name}-container-instances`,
      `treepli-${config.name}-nat-0`,
    ]) {
      expect(texts).toContain(name);
    }
    expect(dashboard.dashboard_name).toBe(dashboardName(config.name));
  });

  test("the dashboard's alarm status lists exactly the environment's alarms, and it has a graph for each", () => {
    const listed = body.widgets.filter((widget) => widget.type === "alarm").flatMap((widget) => widget.properties.alarms);
    expect(listed.map((arn: string) => arn.split(":alarm:")[1]).sort()).toEqual(alarms.map((alarm) => alarm.alarm_name).sort());
    expect(body.widgets.filter((widget) => widget.type === "metric")).toHaveLength(alarms.length);
    for (const alarm of alarms) {
      const region = alarm.provider === "aws.us_east_1" ? "us-east-1" : config.aws.region;
      expect(listed).toContain(`arn:aws:cloudwatch:${region}:${config.aws.accountId}:alarm:${alarm.alarm_name}`);
    }
  });

  test("the request paths stand left to right: site, then API down to the database, then media, workers, cluster, network", () => {
    const rows = body.widgets.filter((widget) => /^## /.test(widget.properties.markdown ?? "")).map((widget) => widget.properties.markdown);
    expect(rows.slice(0, 3)).toEqual([
      "## Site: CloudFront → load balancer → service",
      "## API: API Gateway → load balancer → service → database",
      `## Media: CDN → bucket ${mediaBucketName(config)}`,
    ]);
    const hops = (row: string) => {
      const top = body.widgets.find((widget) => widget.properties.markdown === row).y;
      return body.widgets
        .filter((widget) => widget.y === top + 1 && widget.type === "text")
        .sort((a, b) => a.x - b.x)
        .map((widget) => widget.properties.markdown.replace(/\*\*| →/g, "").split(" ")[0]);
    };
    expect(hops("## Site: CloudFront → load balancer → service")).toEqual(["Site", "Load", "Service"]);
    expect(hops("## API: API Gateway → load balancer → service → database")).toEqual(["API", "Load", "Service", "Database"]);
  });

  test("the dashboard's metrics point at the resources of the other layers (their outputs), so it deploys after all of them", () => {
    const inputs = Object.keys(stacks.observability.data?.terraform_remote_state ?? {}).map((key) =>
      key.replace(`cross-stack-reference-input-${config.name}-`, ""),
    );
    expect(inputs.sort()).toEqual(["backend", "cluster", "frontend", "media", "vpc"]);
  });
});

test("a queue worker gets its service's and its queue's alarms and its own row on the dashboard, with no other edit", () => {
  const { withWorker, withoutWorker } = workerFixture();
  const alarmsOf = (config: EnvironmentConfig) =>
    resources(parse(synthEnvironment(config).backend), "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
  const before = alarmsOf(withoutWorker);
  const added = alarmsOf(withWorker).filter((name) => !before.includes(name));
  expect(added.sort()).toEqual([
    "treepli-fixture-worker-cpu",
    "treepli-fixture-worker-memory",
    "treepli-fixture-worker-queue-dead-letters",
    "treepli-fixture-worker-queue-oldest-message-age",
    "treepli-fixture-worker-running-tasks",
  ]);
  const body = JSON.parse(onlyResource(parse(synthEnvironment(withWorker).observability), "aws_cloudwatch_dashboard").dashboard_body);
  const workerRow = body.widgets.find((widget: any) => widget.properties.markdown === "## Backend queue workers: service → queue");
  expect(workerRow).toBeDefined();
});
