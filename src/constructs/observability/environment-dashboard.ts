import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import { DashboardPanel, DashboardWidget } from "./alarm-set";

/** One row of the dashboard: a request path (or a group of resources), its hops left to right. */
export interface DashboardRow {
  /** Heading of the row, e.g. `Site: CloudFront → load balancer → service`. */
  readonly title: string;
  /** The hops, left to right. A row without panels is left out. */
  readonly panels: readonly DashboardPanel[];
}

/** Props of {@link EnvironmentDashboard}. */
export interface EnvironmentDashboardProps {
  /** Name of the dashboard, e.g. `treepli-production`. */
  readonly dashboardName: string;
  /** Text at the top: what the dashboard is, where the runbook is. */
  readonly introduction: string;
  /** The rows, top to bottom. */
  readonly rows: readonly DashboardRow[];
  /**
   * Hops per line of a row; a row with more wraps onto the next line (CloudWatch's grid is 24 units
   * wide, so at most 24 / this units per hop).
   *
   * @default 4
   */
  readonly panelsPerLine?: number;
}

/** CloudWatch's dashboard grid is 24 units wide. */
const GRID_WIDTH = 24;
/** Height of one graph. */
const GRAPH_HEIGHT = 6;
/** An alarm status widget lists at most 100 alarms. */
const ALARMS_PER_STATUS_WIDGET = 100;

/** One widget of the dashboard body, with its place on the grid. */
export interface PlacedWidget {
  readonly type: "metric" | "text" | "alarm";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

/**
 * The environment's CloudWatch dashboard, generated from the alarm families' panels
 * ({@link AlarmSet.panel}): every graph is an alarm's metric with its threshold drawn in, so the
 * dashboard shows exactly what pages, and a new service or store (whose construct makes its alarms)
 * appears on it without another edit. Layout:
 *
 * - the introduction and an alarm status widget listing every alarm of the environment (red first);
 * - one row per request path, its hops left to right (CloudFront → load balancer → service; API →
 *   load balancer → service → database; ...), each hop a column of its graphs under its name.
 */
export class EnvironmentDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: CloudwatchDashboard;

  /** The dashboard's widgets, as placed (the body's `widgets`). */
  public readonly widgets: readonly PlacedWidget[];

  constructor(scope: Construct, id: string, props: EnvironmentDashboardProps) {
    super(scope, id);
    const panelsPerLine = props.panelsPerLine ?? 4;
    if (!Number.isInteger(panelsPerLine) || panelsPerLine < 1 || panelsPerLine > GRID_WIDTH) {
      throw new Error(`EnvironmentDashboard "${id}": panelsPerLine must be a whole number from 1 to ${GRID_WIDTH}, got ${panelsPerLine}`);
    }
    const rows = props.rows.filter((row) => row.panels.length > 0);
    const widgets: PlacedWidget[] = [];
    let y = 0;
    const text = (markdown: string, height: number, x = 0, width = GRID_WIDTH) => {
      widgets.push({ type: "text", x, y, width, height, properties: { markdown } });
    };

    text(props.introduction, 2);
    y += 2;
    const alarmArns = rows.flatMap((row) => row.panels.flatMap((panel) => panel.alarmArns));
    for (let start = 0; start < alarmArns.length; start += ALARMS_PER_STATUS_WIDGET) {
      const chunk = alarmArns.slice(start, start + ALARMS_PER_STATUS_WIDGET);
      const height = Math.max(3, Math.ceil(chunk.length / 6) + 1);
      widgets.push({
        type: "alarm",
        x: 0,
        y,
        width: GRID_WIDTH,
        height,
        properties: { title: `Alarms (${alarmArns.length}): in alarm first`, alarms: chunk, sortBy: "stateUpdatedTimestamp" },
      });
      y += height;
    }

    for (const row of rows) {
      text(`## ${row.title}`, 1);
      y += 1;
      for (let start = 0; start < row.panels.length; start += panelsPerLine) {
        const line = row.panels.slice(start, start + panelsPerLine);
        const width = Math.floor(GRID_WIDTH / line.length);
        let tallest = 0;
        line.forEach((panel, column) => {
          const x = column * width;
          const arrow = start + column < row.panels.length - 1 ? " →" : "";
          widgets.push({ type: "text", x, y, width, height: 1, properties: { markdown: `**${panel.title}**${arrow}` } });
          panel.widgets.forEach((graph, index) => {
            widgets.push({
              type: "metric",
              x,
              y: y + 1 + index * GRAPH_HEIGHT,
              width,
              height: GRAPH_HEIGHT,
              properties: graphProperties(graph),
            });
          });
          tallest = Math.max(tallest, 1 + panel.widgets.length * GRAPH_HEIGHT);
        });
        y += tallest;
      }
    }

    this.widgets = widgets;
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify({ start: "-PT6H", periodOverride: "inherit", widgets }),
    });
  }
}

/** A metric widget's properties: the graph's metrics, its threshold lines, its region and period. */
function graphProperties(graph: DashboardWidget): Record<string, unknown> {
  return {
    title: graph.title,
    region: graph.region,
    view: "timeSeries",
    stacked: false,
    period: graph.periodSeconds,
    metrics: graph.metrics,
    annotations: { horizontal: graph.thresholds.map((threshold) => ({ label: threshold.label, value: threshold.value })) },
    yAxis: { left: { label: graph.unit, showUnits: false, min: 0 } },
  };
}
