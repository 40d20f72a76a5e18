/**
 * The end-to-end test's read-backs of the operations work (alarms, dashboard, budget, backups,
 * replication), through the AWS API on the emulator (the machine's AWS CLI). Registered by
 * estate.e2e.ts after the deploy; `operationsLeftovers` joins its check that a destroy leaves nothing.
 */
import { dashboardName } from "../src/stacks/observability-stack";
import { readSynthOutput } from "../src/review/synthesized-estate";
import { LOCAL_OUTPUT } from "../scripts/local/estate";
import { aws } from "./aws-cli";

const HOME = "us-east-1";
const ACCOUNT = "123456789012";
const PREFIX = "treepli-local";

/** The alarms of the local synth, by name: the region each lives in (its provider's), and whether that is the us-east-1 provider. */
function synthesizedAlarms(): Map<string, { region: string; usEast1: boolean }> {
  const alarms = new Map<string, { region: string; usEast1: boolean }>();
  for (const stack of readSynthOutput(LOCAL_OUTPUT).stacks) {
    const providers: any[] = stack.json.provider?.aws ?? [];
    for (const alarm of Object.values<any>(stack.json.resource?.aws_cloudwatch_metric_alarm ?? {})) {
      const alias = alarm.provider?.replace(/^aws\./, "");
      const provider = alias ? providers.find((p) => p.alias === alias) : providers.find((p) => !p.alias);
      alarms.set(alarm.alarm_name, { region: provider.region, usEast1: alias === "us_east_1" });
    }
  }
  return alarms;
}

/** Every dimension of an alarm (its metric's, or its metric math queries'), as `{ Name: Value }`. */
function dimensionsOf(alarm: any): Record<string, string> {
  const lists = [alarm.Dimensions ?? [], ...(alarm.Metrics ?? []).map((m: any) => m.MetricStat?.Metric?.Dimensions ?? [])];
  return Object.fromEntries(lists.flat().map((d: any) => [d.Name, d.Value]));
}

/** The ARN suffix CloudWatch names a load balancer or target group by (`app/<name>/<id>`, `targetgroup/<name>/<id>`). */
function arnSuffix(arn: string): string {
  return arn
    .split(":")
    .slice(5)
    .join(":")
    .replace(/^loadbalancer\//, "");
}

/**
 * Registers the read-backs; `endpoint` gives the running emulator's URL, `outputsOf` a stack's outputs.
 * Every call names the endpoint (`--endpoint-url`): the machine's AWS CLI v1 ignores `AWS_ENDPOINT_URL` for RDS.
 */
export function operationsReadBacks(endpoint: () => string, outputsOf: (stack: string) => Record<string, unknown>): void {
  describe("operations: alarms, dashboard, budget, backups and replication, as the AWS API reports them", () => {
    const cli = (region: string, ...args: string[]) => aws(endpoint(), region, ...args, "--endpoint-url", endpoint());
    let alarms: Map<string, any>;
    let topics: { home: string; usEast1: string };
    let outputs: Record<string, Record<string, any>>;

    beforeAll(() => {
      alarms = new Map();
      for (const region of new Set([...synthesizedAlarms().values()].map((alarm) => alarm.region))) {
        for (const alarm of cli(region, "cloudwatch", "describe-alarms", "--alarm-name-prefix", `${PREFIX}-`).MetricAlarms ?? []) {
          alarms.set(alarm.AlarmName, alarm);
        }
      }
      outputs = Object.fromEntries(["ops", "media", "frontend", "backend"].map((layer) => [layer, outputsOf(`local-${layer}`)]));
      topics = { home: outputs.ops.ops_topic_arn, usEast1: outputs.ops.ops_topic_arn_us_east_1 };
    });

    test("every alarm the stacks define exists in its region and notifies that region's operations topic, on ALARM and on OK", () => {
      const expected = synthesizedAlarms();
      expect([...alarms.keys()].sort()).toEqual([...expected.keys()].sort());
      expect(alarms.size).toBe(29);
      for (const [name, { region, usEast1 }] of expected) {
        const alarm = alarms.get(name);
        // CloudFront's alarms (on the us-east-1 provider) notify the us-east-1 topic, the others the home region's.
        const topic = usEast1 ? topics.usEast1 : topics.home;
        expect({ name, arn: alarm.AlarmArn, actions: alarm.AlarmActions, ok: alarm.OKActions }).toEqual({
          name,
          arn: `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`,
          actions: [topic],
          ok: [topic],
        });
        expect(alarm.TreatMissingData).toMatch(/^(notBreaching|breaching|missing)$/);
      }
    });

    test("the load balancers' alarms name the load balancers' ARN suffixes and the services' target groups", () => {
      for (const layer of ["backend", "frontend"]) {
        const [balancer] = cli(HOME, "elbv2", "describe-load-balancers", "--names", `${PREFIX}-${layer}`).LoadBalancers;
        const [group] = cli(HOME, "elbv2", "describe-target-groups", "--names", `${PREFIX}-${layer}`).TargetGroups;
        expect(dimensionsOf(alarms.get(`${PREFIX}-${layer}-alb-target-5xx`))).toEqual({
          LoadBalancer: arnSuffix(balancer.LoadBalancerArn),
        });
        expect(dimensionsOf(alarms.get(`${PREFIX}-${layer}-alb-unhealthy-hosts-${layer}`))).toEqual({
          LoadBalancer: arnSuffix(balancer.LoadBalancerArn),
          TargetGroup: arnSuffix(group.TargetGroupArn),
        });
        expect(arnSuffix(balancer.LoadBalancerArn)).toMatch(new RegExp(`^app/${PREFIX}-${layer}/[0-9a-f]+$`));
      }
    });

    test("the services' alarms name the cluster and the services that run on it", () => {
      for (const service of [`${PREFIX}-backend`, `${PREFIX}-frontend`]) {
        const dimensions = dimensionsOf(alarms.get(`${service}-running-tasks`));
        expect(dimensions).toEqual({ ClusterName: PREFIX, ServiceName: service });
        const [found] = cli(
          HOME,
          "ecs",
          "describe-services",
          "--cluster",
          dimensions.ClusterName,
          "--services",
          dimensions.ServiceName,
        ).services;
        expect(found.status).toBe("ACTIVE");
        expect(alarms.get(`${service}-running-tasks`).Threshold).toBe(1);
        expect(dimensionsOf(alarms.get(`${service}-cpu`))).toEqual(dimensions);
      }
    });

    test("the database's alarms name the DB instance, and its events go to the topic", () => {
      const [database] = cli(HOME, "rds", "describe-db-instances", "--db-instance-identifier", `${PREFIX}-backend`).DBInstances;
      for (const alarm of ["cpu", "free-storage", "freeable-memory", "connections"]) {
        expect(dimensionsOf(alarms.get(`${PREFIX}-backend-db-${alarm}`))).toEqual({ DBInstanceIdentifier: database.DBInstanceIdentifier });
      }
      const [subscription] = cli(
        HOME,
        "rds",
        "describe-event-subscriptions",
        "--subscription-name",
        `${PREFIX}-backend-db-events`,
      ).EventSubscriptionsList;
      expect(subscription).toEqual(
        expect.objectContaining({
          SnsTopicArn: topics.home,
          SourceType: "db-instance",
          SourceIdsList: [database.DBInstanceIdentifier],
          Enabled: true,
        }),
      );
      expect(subscription.EventCategoriesList).toEqual(expect.arrayContaining(["failover", "availability", "failure", "low storage"]));
    });

    test("the API's alarms name its id, and its 429s are counted from its access logs", () => {
      const [api] = cli(HOME, "apigatewayv2", "get-apis").Items.filter((a: any) => a.Name === `${PREFIX}-backend`);
      for (const alarm of ["5xx", "4xx", "latency", "throttled"]) {
        expect(dimensionsOf(alarms.get(`${PREFIX}-backend-api-${alarm}`))).toEqual({ ApiId: api.ApiId });
      }
      const [filter] = cli(
        HOME,
        "logs",
        "describe-metric-filters",
        "--log-group-name",
        `/aws/apigateway/${PREFIX}-backend/access`,
      ).metricFilters;
      expect(filter.filterPattern).toBe('{ $.status = "429" }');
      expect(filter.metricTransformations).toEqual([
        expect.objectContaining({
          metricNamespace: "Treepli/ApiGateway",
          metricName: "ThrottledRequests",
          dimensions: { ApiId: "$.apiId" },
        }),
      ]);
    });

    test("both distributions' alarms name their distribution ids; NAT and cluster alarms name the gateway and the group", () => {
      expect(dimensionsOf(alarms.get(`${PREFIX}-media-cdn-5xx-rate`))).toEqual({
        DistributionId: outputs.media.media_distribution_id,
        Region: "Global",
      });
      expect(dimensionsOf(alarms.get(`${PREFIX}-frontend-site-cdn-5xx-rate`))).toEqual({
        DistributionId: outputs.frontend.site_distribution_id,
        Region: "Global",
      });
      const nats = cli(HOME, "ec2", "describe-nat-gateways", "--filter", `Name=tag:Name,Values=${PREFIX}-nat-0`).NatGateways.filter(
        (n: any) => n.State === "available",
      );
      expect(dimensionsOf(alarms.get(`${PREFIX}-nat-0-port-allocation-errors`))).toEqual({ NatGatewayId: nats[0].NatGatewayId });
      const group = dimensionsOf(alarms.get(`${PREFIX}-instances-at-max-size`)).AutoScalingGroupName;
      const groups = cli(HOME, "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", group).AutoScalingGroups;
      expect(groups.map((g: any) => [g.AutoScalingGroupName, g.MaxSize])).toEqual([[`${PREFIX}-container-instances`, 2]]);
      expect(alarms.get(`${PREFIX}-instances-at-max-size`).Threshold).toBe(2);
    });

    test("each service's placement failures reach the topic through an EventBridge rule on that service's ARN", () => {
      for (const service of [`${PREFIX}-backend`, `${PREFIX}-frontend`]) {
        const [rule] = cli(HOME, "events", "list-rules", "--name-prefix", `${service}-placement-failure`).Rules;
        const [found] = cli(HOME, "ecs", "describe-services", "--cluster", PREFIX, "--services", service).services;
        expect(JSON.parse(rule.EventPattern)).toEqual(
          expect.objectContaining({ resources: [found.serviceArn], detail: { eventName: ["SERVICE_TASK_PLACEMENT_FAILURE"] } }),
        );
        const [target] = cli(HOME, "events", "list-targets-by-rule", "--rule", rule.Name).Targets;
        expect(target.Arn).toBe(topics.home);
      }
    });

    test("a failed rotation of the database secret and a failed restart after one reach the topic; the restart rule's failures are alarmed", () => {
      const rules = cli(HOME, "events", "list-rules", "--name-prefix", `${PREFIX}-backend-`).Rules;
      const pattern = (name: string) => JSON.parse(rules.find((rule: any) => rule.Name === name).EventPattern);
      const secretArn = outputs.backend.database_secret_arn;
      expect(pattern(`${PREFIX}-backend-db-password-rotation-failed`).detail).toEqual({
        eventSource: ["secretsmanager.amazonaws.com"],
        eventName: ["RotationFailed", "RotationAbandoned"],
        additionalEventData: { SecretId: [secretArn] },
      });
      expect(pattern(`${PREFIX}-backend-db-password-restart-failed`).detail.Definition).toEqual([`${PREFIX}-backend-restart`]);
      cli(HOME, "ssm", "describe-document", "--name", `${PREFIX}-backend-restart`); // the runbook the rule names exists
      for (const rule of [`${PREFIX}-backend-db-password-rotation-failed`, `${PREFIX}-backend-db-password-restart-failed`]) {
        expect(cli(HOME, "events", "list-targets-by-rule", "--rule", rule).Targets.map((t: any) => t.Arn)).toEqual([topics.home]);
      }
      expect(dimensionsOf(alarms.get(`${PREFIX}-backend-db-password-restart-failed-invocations`))).toEqual({
        RuleName: `${PREFIX}-backend-secret-rotated`,
      });
      expect(rules.map((rule: any) => rule.Name)).toContain(`${PREFIX}-backend-secret-rotated`);
    });

    test("the dashboard's body names every service and store and graphs exactly the alarms' metrics, with the real ids in them", () => {
      const body = JSON.parse(cli(HOME, "cloudwatch", "get-dashboard", "--dashboard-name", dashboardName("local")).DashboardBody);
      const text = JSON.stringify(body);
      for (const name of [
        `${PREFIX}-backend`,
        `${PREFIX}-frontend`,
        `${PREFIX}-backend (PostgreSQL)`,
        outputs.media.media_bucket_name,
        `${PREFIX}-nat-0`,
      ]) {
        expect(text).toContain(name);
      }
      const [balancer] = cli(HOME, "elbv2", "describe-load-balancers", "--names", `${PREFIX}-backend`).LoadBalancers;
      expect(text).toContain(arnSuffix(balancer.LoadBalancerArn)); // resolved from the backend layer's state, not a token
      expect(text).not.toMatch(/\$\{|TfToken/);
      expect(body.widgets.filter((w: any) => w.type === "metric")).toHaveLength(alarms.size);
      const listed = body.widgets.filter((w: any) => w.type === "alarm").flatMap((w: any) => w.properties.alarms);
      expect(listed.sort()).toEqual([...alarms.values()].map((alarm) => alarm.AlarmArn).sort());
    });

    test("the budget counts the environment's tagged costs and notifies the topic on forecast and actual", () => {
      const { Budget: budget } = cli(HOME, "budgets", "describe-budget", "--account-id", ACCOUNT, "--budget-name", `${PREFIX}-monthly`);
      expect(budget).toEqual(
        expect.objectContaining({
          BudgetType: "COST",
          TimeUnit: "MONTHLY",
          BudgetLimit: { Amount: "100", Unit: "USD" },
          CostFilters: { TagKeyValue: ["user:Environment$local"] },
        }),
      );
      const { Notifications: notifications } = cli(
        HOME,
        "budgets",
        "describe-notifications-for-budget",
        "--account-id",
        ACCOUNT,
        "--budget-name",
        `${PREFIX}-monthly`,
      );
      expect(notifications.map((n: any) => `${n.NotificationType} ${n.Threshold}`).sort()).toEqual([
        "ACTUAL 100",
        "ACTUAL 80",
        "FORECASTED 100",
      ]);
      for (const notification of notifications) {
        const { Subscribers: subscribers } = cli(
          HOME,
          "budgets",
          "describe-subscribers-for-notification",
          "--account-id",
          ACCOUNT,
          "--budget-name",
          `${PREFIX}-monthly`,
          "--notification",
          JSON.stringify(notification),
        );
        expect(subscribers).toEqual([{ SubscriptionType: "SNS", Address: topics.home }]);
      }
    });

    test("the backup plan takes the database and the media bucket into a locked vault on its own key, and copies to the second region", () => {
      const [plan] = cli(HOME, "backup", "list-backup-plans").BackupPlansList.filter((p: any) => p.BackupPlanName === PREFIX);
      const { BackupPlan: document } = cli(HOME, "backup", "get-backup-plan", "--backup-plan-id", plan.BackupPlanId);
      const copyVault = cli("us-west-2", "backup", "describe-backup-vault", "--backup-vault-name", `${PREFIX}-copy`);
      expect(document.Rules).toEqual([
        expect.objectContaining({
          RuleName: "daily",
          TargetBackupVaultName: PREFIX,
          ScheduleExpression: "cron(0 5 ? * * *)",
          Lifecycle: { DeleteAfterDays: 7 },
          CopyActions: [{ DestinationBackupVaultArn: copyVault.BackupVaultArn, Lifecycle: { DeleteAfterDays: 7 } }],
        }),
      ]);
      const vault = cli(HOME, "backup", "describe-backup-vault", "--backup-vault-name", PREFIX);
      for (const [found, region] of [
        [vault, HOME],
        [copyVault, "us-west-2"],
      ] as const) {
        expect(found.EncryptionKeyArn).toMatch(new RegExp(`^arn:aws:kms:${region}:${ACCOUNT}:key/`));
        expect(found).toEqual(expect.objectContaining({ Locked: true, MinRetentionDays: 1, MaxRetentionDays: 30 }));
      }
      const selections = cli(HOME, "backup", "list-backup-selections", "--backup-plan-id", plan.BackupPlanId).BackupSelectionsList;
      const selected = selections.map(
        (s: any) =>
          cli(HOME, "backup", "get-backup-selection", "--backup-plan-id", plan.BackupPlanId, "--selection-id", s.SelectionId)
            .BackupSelection,
      );
      const [database] = cli(HOME, "rds", "describe-db-instances", "--db-instance-identifier", `${PREFIX}-backend`).DBInstances;
      expect(selected.map((s: any) => [s.SelectionName, s.Resources, s.IamRoleArn]).sort()).toEqual([
        [`${PREFIX}-backend-database`, [database.DBInstanceArn], `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-backup`],
        [`${PREFIX}-media-bucket`, [`arn:aws:s3:::${outputs.media.media_bucket_name}`], `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-backup`],
      ]);
      const rules = cli(HOME, "events", "list-rules", "--name-prefix", `${PREFIX}-`).Rules.map((r: any) => r.Name);
      expect(rules).toEqual(expect.arrayContaining([`${PREFIX}-backup-failed`, `${PREFIX}-copy-failed`]));
    });

    test("the media bucket replicates every object and deletion to its replica in the second region, encrypted with the replica's key", () => {
      const { ReplicationConfiguration: replication } = cli(
        HOME,
        "s3api",
        "get-bucket-replication",
        "--bucket",
        outputs.media.media_bucket_name,
      );
      const replica = outputs.media.media_replica_bucket_name;
      expect(replication.Role).toBe(`arn:aws:iam::${ACCOUNT}:role/${PREFIX}-media-replication`);
      expect(replication.Rules).toEqual([
        expect.objectContaining({
          ID: "replicate-everything",
          Status: "Enabled",
          DeleteMarkerReplication: { Status: "Enabled" },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: "Enabled" } },
          Destination: expect.objectContaining({
            Bucket: `arn:aws:s3:::${replica}`,
            EncryptionConfiguration: { ReplicaKmsKeyID: expect.stringMatching(/^arn:aws:kms:us-west-2:/) },
          }),
        }),
      ]);
      expect(cli("us-west-2", "s3api", "get-bucket-versioning", "--bucket", replica).Status).toBe("Enabled");
      expect(cli("us-west-2", "s3api", "get-public-access-block", "--bucket", replica).PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      const [rule] = cli("us-west-2", "s3api", "get-bucket-encryption", "--bucket", replica).ServerSideEncryptionConfiguration.Rules;
      expect(rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID).toBe(
        replication.Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID,
      );
    });
  });
}

/** What the operations work created that is still there (for the destroy's leftover check). */
export function operationsLeftovers(endpoint: string): Record<string, unknown[]> {
  const cli = (region: string, ...args: string[]) => aws(endpoint, region, ...args, "--endpoint-url", endpoint);
  return {
    alarms: cli(HOME, "cloudwatch", "describe-alarms", "--alarm-name-prefix", `${PREFIX}-`).MetricAlarms ?? [],
    dashboards: cli(HOME, "cloudwatch", "list-dashboards", "--dashboard-name-prefix", PREFIX).DashboardEntries ?? [],
    budgets: (cli(HOME, "budgets", "describe-budgets", "--account-id", ACCOUNT).Budgets ?? []).filter((b: any) =>
      b.BudgetName.startsWith(PREFIX),
    ),
    backupPlans: (cli(HOME, "backup", "list-backup-plans").BackupPlansList ?? []).filter((p: any) => p.BackupPlanName.startsWith(PREFIX)),
    backupVaults: ["us-east-1", "us-west-2"].flatMap((region) =>
      (cli(region, "backup", "list-backup-vaults").BackupVaultList ?? []).filter((v: any) => v.BackupVaultName.startsWith(PREFIX)),
    ),
    eventRules: cli(HOME, "events", "list-rules", "--name-prefix", `${PREFIX}-`).Rules ?? [],
    eventSubscriptions: (cli(HOME, "rds", "describe-event-subscriptions").EventSubscriptionsList ?? []).filter((s: any) =>
      s.CustSubscriptionId.startsWith(PREFIX),
    ),
  };
}
