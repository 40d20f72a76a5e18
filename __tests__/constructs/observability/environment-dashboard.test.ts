import { Testing } from "cdktf";
import { DashboardPanel } from "../../../src/constructs/observability/alarm-set";
import { EnvironmentDashboard } from "../../../src/constructs/observability/environment-dashboard";
import { onlyResource, parse } from "../../helpers";

/** A panel with `graphs` graphs and one alarm ARN per graph. */
function panel(title: string, graphs: number): DashboardPanel {
  return {
    title,
    widgets: Array.from({ length: graphs }, (_, index) => ({
      title: `${title} graph ${index}`,
      region: "eu-west-1",
      periodSeconds: 60,
      metrics: [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/x/1", { stat: "Sum" }]],
      thresholds: [{ label: "alarm", value: index }],
      unit: "count",
    })),
    alarmArns: Array.from({ length: graphs }, (_, index) => `arn:aws:cloudwatch:eu-west-1:111111111111:alarm:${title}-${index}`),
  };
}

function body(rows: ConstructorParameters<typeof EnvironmentDashboard>[2]["rows"], panelsPerLine?: number) {
  const json = parse(
    Testing.synthScope((scope) => {
      new EnvironmentDashboard(scope, "dashboard", {
        dashboardName: "treepli-staging",
        introduction: "# treepli-staging",
        rows,
        panelsPerLine,
      });
    }),
  );
  const dashboard = onlyResource(json, "aws_cloudwatch_dashboard");
  expect(dashboard.dashboard_name).toBe("treepli-staging");
  return JSON.parse(dashboard.dashboard_body) as { widgets: any[] };
}

describe("EnvironmentDashboard", () => {
  const { widgets } = body([
    {
      title: "API: API Gateway → load balancer → service → database",
      panels: [panel("api", 4), panel("alb", 4), panel("service", 3), panel("db", 4)],
    },
    { title: "Empty", panels: [] },
    { title: "Cluster", panels: [panel("instances", 1)] },
  ]);
  const text = widgets.filter((w) => w.type === "text").map((w) => w.properties.markdown);
  const graphs = widgets.filter((w) => w.type === "metric");

  test("the alarm status widget lists every alarm of every panel, right under the introduction", () => {
    const [status] = widgets.filter((w) => w.type === "alarm");
    expect(status.y).toBe(2);
    expect(status.width).toBe(24);
    expect(status.properties.alarms).toHaveLength(4 + 4 + 3 + 4 + 1);
    expect(status.properties.alarms[0]).toBe("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:api-0");
  });

  test("a request path's hops stand left to right, each a column of its graphs under its name, with arrows between them", () => {
    const heading = (markdown: string) => widgets.find((w) => w.properties.markdown === markdown);
    expect(["**api** →", "**alb** →", "**service** →", "**db**"].map((m) => heading(m)?.x)).toEqual([0, 6, 12, 18]);
    const columnOf = (title: string) => graphs.filter((g) => g.properties.title.startsWith(title)).map((g) => [g.x, g.y, g.width]);
    const top = heading("**api** →").y + 1;
    expect(columnOf("service")).toEqual([
      [12, top, 6],
      [12, top + 6, 6],
      [12, top + 12, 6],
    ]);
  });

  test("rows without panels are left out, the others follow each other below the tallest column", () => {
    expect(text).not.toContain("## Empty");
    const cluster = widgets.find((w) => w.properties.markdown === "## Cluster");
    const apiHeading = widgets.find((w) => w.properties.markdown === "**api** →");
    expect(cluster.y).toBe(apiHeading.y + 1 + 4 * 6);
  });

  test("every graph carries its region, period, metrics and threshold line", () => {
    expect(graphs[0].properties).toEqual(
      expect.objectContaining({
        region: "eu-west-1",
        period: 60,
        metrics: [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/x/1", { stat: "Sum" }]],
        annotations: { horizontal: [{ label: "alarm", value: 0 }] },
      }),
    );
  });

  test("no widget overlaps another, and all fit the 24-unit grid", () => {
    const cells = new Set<string>();
    for (const widget of widgets) {
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      for (let x = widget.x; x < widget.x + widget.width; x++) {
        for (let y = widget.y; y < widget.y + widget.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell)).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  test("a row with more hops than fit a line wraps onto the next", () => {
    const wrapped = body([{ title: "Workers", panels: [panel("a", 1), panel("b", 1), panel("c", 1)] }], 2).widgets;
    const headings = wrapped.filter((w) => /^\*\*[abc]\*\*/.test(w.properties.markdown ?? ""));
    expect(headings.map((w) => [w.properties.markdown, w.x, w.width])).toEqual([
      ["**a** →", 0, 12],
      ["**b** →", 12, 12],
      ["**c**", 0, 24],
    ]);
    expect(() => body([], 0)).toThrow(/panelsPerLine must be a whole number from 1 to 24, got 0/);
  });
});
