import { CloudwatchMetricAlarm, CloudwatchMetricAlarmMetricQuery } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";

/** How CloudWatch compares the metric with the threshold. */
export type ComparisonOperator =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

/**
 * What CloudWatch does with a period without data: `notBreaching` (counts as fine), `breaching` (counts
 * as a problem), `missing` (keeps the alarm's state), `ignore` (judges only the periods with data).
 */
export type TreatMissingData = "notBreaching" | "breaching" | "missing" | "ignore";

/** One CloudWatch metric with a statistic. */
export interface MetricSpec {
  /** Namespace, e.g. `AWS/ApplicationELB`. */
  readonly namespace: string;
  /** Metric name, e.g. `HTTPCode_Target_5XX_Count`. */
  readonly metricName: string;
  /** Dimensions that select the resource, e.g. `{ LoadBalancer: "app/treepli-production-backend/0123" }`. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount` or a percentile such as `p99`. */
  readonly statistic: string;
}

/** A metric math expression over named metrics (ids `[a-z][a-zA-Z0-9_]*`), e.g. `100 * FILL(errors, 0) / requests`. */
export interface MetricMath {
  /** The expression. */
  readonly expression: string;
  /** Label of the expression's result (on the dashboard). */
  readonly label: string;
  /** The metrics the expression names, by id. */
  readonly metrics: Readonly<Record<string, MetricSpec>>;
}

/** Timing of an alarm: its period and how many of how many periods must breach. */
export interface AlarmTiming {
  /** Seconds of one period (a multiple of 60 for the estate's metrics). */
  readonly periodSeconds: number;
  /** Periods evaluated. */
  readonly evaluationPeriods: number;
  /** Breaching periods among them that raise the alarm. */
  readonly datapointsToAlarm: number;
}

/** Threshold and timing of one alarm (configuration's `observability.alarms.<family>.<alarm>`). */
export interface ThresholdAlarmSettings extends AlarmTiming {
  /** The threshold, in the unit the setting's name says (percent, seconds, GiB...). */
  readonly threshold: number;
}

/** One alarm, as a family of alarms defines it. */
export interface AlarmDefinition {
  /** Construct id and the end of the alarm's name (`<namePrefix>-<id>`), e.g. `target-5xx`. */
  readonly id: string;
  /** What the alarm watches, in a few words: the dashboard widget's title and the alarm table's. */
  readonly title: string;
  /** The threshold in words, with its unit, e.g. `5 % of requests` (the description and the alarm table). */
  readonly thresholdText: string;
  /** What the operator does first when it fires (the description's second sentence). */
  readonly firstResponse: string;
  /** The metric, or a metric math expression. */
  readonly metric: MetricSpec | MetricMath;
  /** How the metric is compared with the threshold. */
  readonly comparison: ComparisonOperator;
  /** The threshold, in the metric's (or expression's) unit. */
  readonly threshold: number;
  /** Period and M-out-of-N. */
  readonly timing: AlarmTiming;
  /** What a period without data counts as. */
  readonly treatMissingData: TreatMissingData;
  /** Why (a few words; it goes into the description, so that whoever reads the alarm knows). */
  readonly missingDataReason: string;
  /** Unit of the dashboard graph's axis, e.g. `%`, `seconds`, `count`. */
  readonly unit: string;
}

/** One graph of the dashboard: an alarm's metric, with its threshold drawn as a line. */
export interface DashboardWidget {
  /** Title of the graph. */
  readonly title: string;
  /** Region the metric lives in. */
  readonly region: string;
  /** Period of the graph's points, seconds. */
  readonly periodSeconds: number;
  /** The CloudWatch dashboard `metrics` array (expressions and metrics). */
  readonly metrics: unknown[][];
  /** Horizontal lines (the alarm's threshold). */
  readonly thresholds: ReadonlyArray<{ readonly label: string; readonly value: number }>;
  /** Label of the left axis. */
  readonly unit: string;
}

/** One hop of a request path on the dashboard (a load balancer, a service, a database...): its graphs. */
export interface DashboardPanel {
  /** Title of the hop, naming the resource, e.g. `Load balancer treepli-production-backend`. */
  readonly title: string;
  /** One graph per alarm, in the order the alarms were defined. */
  readonly widgets: readonly DashboardWidget[];
  /** ARNs of the hop's alarms, for the dashboard's alarm status widget. */
  readonly alarmArns: readonly string[];
}

/** Where the alarms live: their ARNs are written from it, and the dashboard's graphs name the region. */
export interface AlarmLocation {
  /** Region of the alarms and of their metrics (us-east-1 for CloudFront's). */
  readonly region: string;
  /** Account of the alarms. */
  readonly accountId: string;
}

/** Props of every family of alarms. */
export interface AlarmSetProps {
  /** Prefix of the alarms' names, e.g. `treepli-production-backend-alb`. */
  readonly namePrefix: string;
  /** Title of the family's dashboard panel, naming what it watches. */
  readonly title: string;
  /**
   * The operations topic the alarms notify when they go into ALARM and back to OK (in the alarms' own
   * region: an alarm can only notify a topic of its region).
   */
  readonly topicArn: string;
  /** Region and account of the alarms. */
  readonly location: AlarmLocation;
  /**
   * Provider of the alarms' region, when it is not the stack's default one (CloudFront's metrics are in
   * us-east-1).
   *
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/** Longest alarm description CloudWatch accepts. */
const MAX_DESCRIPTION_LENGTH = 1024;

/** The comparison in words, for descriptions and the alarm table. */
export const COMPARISON_WORDS: Readonly<Record<ComparisonOperator, string>> = {
  GreaterThanOrEqualToThreshold: "at or above",
  GreaterThanThreshold: "above",
  LessThanThreshold: "below",
  LessThanOrEqualToThreshold: "at or below",
};

/**
 * A family of CloudWatch alarms on one resource (a load balancer, a service, a database...), built from
 * {@link AlarmDefinition}s, every one with:
 *
 * - a threshold and timing from configuration (`observability.alarms`), checked here again (no negative
 *   threshold, CloudWatch's period rules) for callers that do not come through configuration;
 * - alarm and OK actions on the operations topic, so that whoever was paged also learns when it is over;
 * - `treat_missing_data` chosen per alarm, with the reason in the description;
 * - a description that says what fired and what to do first (docs/operations.md has the rest);
 * - a dashboard graph of the same metric with the threshold drawn in ({@link panel}), so that the
 *   environment's dashboard shows exactly what the alarms watch.
 */
export class AlarmSet extends Construct {
  /** The alarms, in the order of their definitions. */
  public readonly alarms: CloudwatchMetricAlarm[];

  /** The family's dashboard panel: one graph per alarm. */
  public readonly panel: DashboardPanel;

  protected constructor(scope: Construct, id: string, props: AlarmSetProps, definitions: readonly AlarmDefinition[]) {
    super(scope, id);
    const problems = definitions.flatMap((definition) => definitionProblems(definition));
    if (problems.length > 0) {
      throw new Error(`alarms "${id}": invalid settings:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    }
    const { region, accountId } = props.location;

    this.alarms = definitions.map((definition) => {
      const { periodSeconds, evaluationPeriods, datapointsToAlarm } = definition.timing;
      const metric = definition.metric;
      return new CloudwatchMetricAlarm(this, definition.id, {
        provider: props.provider,
        alarmName: `${props.namePrefix}-${definition.id}`,
        alarmDescription: describe(definition),
        comparisonOperator: definition.comparison,
        threshold: definition.threshold,
        evaluationPeriods,
        datapointsToAlarm,
        treatMissingData: definition.treatMissingData,
        alarmActions: [props.topicArn],
        okActions: [props.topicArn],
        ...("expression" in metric
          ? { metricQuery: metricQueries(metric, periodSeconds) }
          : {
              namespace: metric.namespace,
              metricName: metric.metricName,
              dimensions: { ...metric.dimensions },
              period: periodSeconds,
              ...statistic(metric.statistic),
            }),
      });
    });

    const partition = region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    this.panel = {
      title: props.title,
      widgets: definitions.map((definition) => widget(definition, region)),
      alarmArns: definitions.map(
        (definition) => `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${props.namePrefix}-${definition.id}`,
      ),
    };
  }
}

/** The statistic argument: `extended_statistic` for percentiles, `statistic` otherwise. */
function statistic(stat: string): { statistic?: string; extendedStatistic?: string } {
  return /^p\d/.test(stat) ? { extendedStatistic: stat } : { statistic: stat };
}

/** The `metric_query` blocks of a metric math alarm: the expression returns data, the metrics do not. */
function metricQueries(math: MetricMath, periodSeconds: number): CloudwatchMetricAlarmMetricQuery[] {
  return [
    { id: "result", expression: math.expression, label: math.label, returnData: true },
    ...Object.entries(math.metrics).map(([id, metric]) => ({
      id,
      returnData: false,
      metric: {
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: { ...metric.dimensions },
        period: periodSeconds,
        stat: metric.statistic,
      },
    })),
  ];
}

/** The alarm's description: what fired, what to do first, and how missing data counts. */
function describe(definition: AlarmDefinition): string {
  const { periodSeconds, evaluationPeriods, datapointsToAlarm } = definition.timing;
  const minutes = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);
  return (
    `${definition.title} ${COMPARISON_WORDS[definition.comparison]} ${definition.thresholdText} ` +
    `in ${datapointsToAlarm} of ${evaluationPeriods} periods of ${minutes(periodSeconds)}. ` +
    `First: ${definition.firstResponse} ` +
    `No data counts as ${definition.treatMissingData} (${definition.missingDataReason}). Runbook: docs/operations.md.`
  );
}

/** The dashboard graph of an alarm's metric, with the threshold. */
function widget(definition: AlarmDefinition, region: string): DashboardWidget {
  const metric = definition.metric;
  const line = (spec: MetricSpec, options: Record<string, unknown>) => [
    spec.namespace,
    spec.metricName,
    ...Object.entries(spec.dimensions).flat(),
    { stat: spec.statistic, ...options },
  ];
  const metrics =
    "expression" in metric
      ? [
          [{ expression: metric.expression, label: metric.label, id: "result" }],
          ...Object.entries(metric.metrics).map(([id, spec]) => line(spec, { id, visible: false })),
        ]
      : [line(metric, { label: definition.title })];
  return {
    title: definition.title,
    region,
    periodSeconds: definition.timing.periodSeconds,
    metrics,
    thresholds: [{ label: `alarm: ${COMPARISON_WORDS[definition.comparison]} ${definition.thresholdText}`, value: definition.threshold }],
    unit: definition.unit,
  };
}

/** What is wrong with a definition (thresholds and timing CloudWatch would refuse), one line per problem. */
function definitionProblems(definition: AlarmDefinition): string[] {
  const { periodSeconds, evaluationPeriods, datapointsToAlarm } = definition.timing;
  const problems: string[] = [];
  const at = `${definition.id}:`;
  const known = (value: number) => !Token.isUnresolved(value);
  if (known(definition.threshold) && !(Number.isFinite(definition.threshold) && definition.threshold >= 0)) {
    problems.push(`${at} threshold must be a number of 0 or more, got ${definition.threshold}`);
  }
  if (
    known(periodSeconds) &&
    !(periodSeconds === 10 || periodSeconds === 30 || (Number.isInteger(periodSeconds) && periodSeconds > 0 && periodSeconds % 60 === 0))
  ) {
    problems.push(`${at} periodSeconds must be 10, 30 or a multiple of 60 (what CloudWatch accepts), got ${periodSeconds}`);
  }
  if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1)) {
    problems.push(`${at} evaluationPeriods must be a whole number of at least 1, got ${evaluationPeriods}`);
  } else if (periodSeconds * evaluationPeriods > 86_400) {
    problems.push(`${at} periodSeconds × evaluationPeriods must be at most 86400 (one day), got ${periodSeconds * evaluationPeriods}`);
  }
  if (!(Number.isInteger(datapointsToAlarm) && datapointsToAlarm >= 1 && datapointsToAlarm <= evaluationPeriods)) {
    problems.push(
      `${at} datapointsToAlarm must be a whole number from 1 to evaluationPeriods (${evaluationPeriods}), got ${datapointsToAlarm}`,
    );
  }
  if (describe(definition).length > MAX_DESCRIPTION_LENGTH) {
    problems.push(
      `${at} the description is ${describe(definition).length} characters; CloudWatch accepts ${MAX_DESCRIPTION_LENGTH}: shorten firstResponse`,
    );
  }
  return problems;
}

/**
 * Errors as a percentage of requests: `100 * FILL(errors, 0) / requests`. A period with requests but no
 * error datapoint (most services publish error counts only when there are errors) counts 0 %; a period
 * without requests has no value at all, so the alarm's `treat_missing_data` decides.
 */
export function percentOfRequests(label: string, errors: MetricSpec, requests: MetricSpec): MetricMath {
  return { expression: "100 * FILL(errors, 0) / requests", label, metrics: { errors, requests } };
}

/** What an {@link atOrAbove} alarm states itself; the rest comes from its settings. */
export type AtOrAboveDefinition = Pick<AlarmDefinition, "id" | "title" | "firstResponse" | "metric" | "missingDataReason" | "unit">;

/**
 * The most common alarm: the metric at or above a configured threshold (`settings`), in `thresholdUnit`
 * (e.g. `% of requests`, `ms`; none for a plain count), with the settings' timing; a period without data
 * is not breaching (an idle resource has nothing failing; `missingDataReason` says why for this metric).
 */
export function atOrAbove(settings: ThresholdAlarmSettings, thresholdUnit: string, definition: AtOrAboveDefinition): AlarmDefinition {
  return {
    ...definition,
    thresholdText: thresholdUnit ? `${settings.threshold} ${thresholdUnit}` : `${settings.threshold}`,
    comparison: "GreaterThanOrEqualToThreshold",
    threshold: settings.threshold,
    timing: settings,
    treatMissingData: "notBreaching",
  };
}
