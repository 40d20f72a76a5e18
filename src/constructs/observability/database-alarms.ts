import { DbEventSubscription } from "@cdktf/provider-aws/lib/db-event-subscription";
import { Construct } from "constructs";
import { AlarmDefinition, AlarmSet, AlarmSetProps, atOrAbove, ThresholdAlarmSettings } from "./alarm-set";

/**
 * The RDS event categories of a DB instance the operations topic receives: it became unavailable,
 * failed over to its standby (Multi-AZ), failed, ran low on storage, went into maintenance, its read
 * replica broke, or it recovered. Not `backup`, `configuration change`, `creation`, `notification`:
 * routine, daily or caused by our own applies.
 */
export const DATABASE_EVENT_CATEGORIES = [
  "availability",
  "failover",
  "failure",
  "low storage",
  "maintenance",
  "read replica",
  "recovery",
] as const;

/** Thresholds and timing of the database's alarms (configuration: `observability.alarms.database`). */
export interface DatabaseAlarmSettings {
  /** Average CPU, percent. */
  readonly cpuPercent: ThresholdAlarmSettings;
  /** Free storage below this, GiB. */
  readonly freeStorageGiB: ThresholdAlarmSettings;
  /** Freeable memory below this, MiB. */
  readonly freeableMemoryMiB: ThresholdAlarmSettings;
  /** Open connections at or above this. */
  readonly connections: ThresholdAlarmSettings;
}

/** Props of {@link DatabaseAlarms}. */
export interface DatabaseAlarmsProps extends AlarmSetProps {
  /**
   * Identifier of the RDS instance (the `DBInstanceIdentifier` dimension and the event subscription's
   * source). Pass the instance's `identifier` attribute, so that the subscription waits for the
   * instance (RDS refuses a subscription to an instance that does not exist).
   */
  readonly dbInstanceIdentifier: string;
  /** Thresholds and timing. */
  readonly settings: DatabaseAlarmSettings;
}

/**
 * The alarms of an RDS instance (`AWS/RDS`, dimension `DBInstanceIdentifier`): CPU, free storage,
 * freeable memory and connections; and an RDS event subscription that sends the instance's
 * availability, failover (Multi-AZ), failure, low-storage, maintenance, read-replica and recovery
 * events to the operations topic.
 *
 * Missing data: for the "high" alarms (CPU, connections) it counts as not breaching (no load measured;
 * an instance that is down is reported by its events); for the "low" ones (storage, memory) it keeps
 * the alarm's state, so that a low-storage alarm does not clear because a failover interrupted the
 * metrics.
 */
export class DatabaseAlarms extends AlarmSet {
  /** The RDS event subscription. */
  public readonly eventSubscription: DbEventSubscription;

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id, props, databaseAlarms(props));
    this.eventSubscription = new DbEventSubscription(this, "events", {
      provider: props.provider,
      name: `${props.namePrefix}-events`,
      snsTopic: props.topicArn,
      sourceType: "db-instance",
      sourceIds: [props.dbInstanceIdentifier],
      eventCategories: [...DATABASE_EVENT_CATEGORIES],
      enabled: true,
    });
  }
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function databaseAlarms(props: DatabaseAlarmsProps): AlarmDefinition[] {
  const { settings } = props;
  const rds = (metricName: string, statistic: string) => ({
    namespace: "AWS/RDS",
    metricName,
    dimensions: { DBInstanceIdentifier: props.dbInstanceIdentifier },
    statistic,
  });
  const load = "no load measured; an instance that is down is reported by its RDS events";
  const capacity = "a gap in RDS's metrics (a failover, a reboot) neither frees nor fills it: the alarm keeps its state";
  return [
    atOrAbove(settings.cpuPercent, "%", {
      id: "cpu",
      title: "Database CPU",
      firstResponse:
        "find the expensive queries (Performance Insights where on, else pg_stat_statements / pg_stat_activity); a scale-up is a change of backend.database.instanceClass (applied in the maintenance window).",
      metric: rds("CPUUtilization", "Average"),
      missingDataReason: load,
      unit: "%",
    }),
    {
      id: "free-storage",
      title: "Database free storage",
      thresholdText: `${settings.freeStorageGiB.threshold} GiB`,
      firstResponse:
        "storage autoscaling has reached maxAllocatedStorageGiB or is waiting out its 6-hour pause: raise backend.database.maxAllocatedStorageGiB, or add storage at once with aws rds modify-db-instance --allocated-storage --apply-immediately.",
      metric: rds("FreeStorageSpace", "Minimum"),
      comparison: "LessThanThreshold",
      threshold: settings.freeStorageGiB.threshold * GIB,
      timing: settings.freeStorageGiB,
      treatMissingData: "missing",
      missingDataReason: capacity,
      unit: "bytes",
    },
    {
      id: "freeable-memory",
      title: "Database freeable memory",
      thresholdText: `${settings.freeableMemoryMiB.threshold} MiB`,
      firstResponse:
        "too many connections or large sorts/hash joins (work_mem): check the connection count and the running queries; a larger instance class is the lasting fix.",
      metric: rds("FreeableMemory", "Minimum"),
      comparison: "LessThanThreshold",
      threshold: settings.freeableMemoryMiB.threshold * MIB,
      timing: settings.freeableMemoryMiB,
      treatMissingData: "missing",
      missingDataReason: capacity,
      unit: "bytes",
    },
    atOrAbove(settings.connections, "connections", {
      id: "connections",
      title: "Database connections",
      firstResponse:
        "new connections will soon be refused (max_connections): check the services' pool sizes times their running tasks, and for connections left open (pg_stat_activity state idle).",
      metric: rds("DatabaseConnections", "Maximum"),
      missingDataReason: load,
      unit: "connections",
    }),
  ];
}
