import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { addBackupAndBudget } from "./backup-and-budget";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";

/**
 * What every later layer uses of the operations layer (tokens; see {@link NetworkRefs}): the
 * environment's customer-managed keys and its operations topics. Alarms, event rules, budgets and backups
 * notify these topics and create no others; log groups and the database encrypt with these keys.
 */
export interface OpsRefs {
  /** KMS key of the environment's CloudWatch Logs log groups in its home region. */
  readonly logsKeyArn: string;
  /** KMS key of the environment's CloudWatch Logs log groups in us-east-1 (CloudFront-related logs). */
  readonly logsKeyArnUsEast1: string;
  /** The operations SNS topic in the home region: alarms, EventBridge rules, budgets, RDS events, backups. */
  readonly topicArn: string;
  /** The operations SNS topic in us-east-1, for what lives there (CloudFront's metrics and alarms). */
  readonly topicArnUsEast1: string;
  /** KMS key of the database: storage, Performance Insights, the master user's secret. */
  readonly databaseKeyArn: string;
  /** The environment's AWS Backup plan: each store's stack selects its store into it. */
  readonly backupPlanId: string;
  /** The role AWS Backup runs the plan's jobs with (each selection names it). */
  readonly backupRoleArn: string;
}

/**
 * `<environment>-ops`: the operations foundation every later layer uses (deployed right after the
 * bootstrap stack): the environment's customer-managed keys, its operations topics in the home region and
 * in us-east-1, and the account's CloudTrail trail.
 */
export class OpsStack extends EnvironmentStack {
  /** The keys and topics, for the later layers. */
  public readonly ops: OpsRefs;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "ops", props);
    const { config } = props;
    const name = `treepli-${config.name}`;
    const key = (id: string, description: string, provider = this.provider) =>
      new KmsKey(this, id, { description, enableKeyRotation: true, deletionWindowInDays: 30, provider });
    const logsKey = key("logs-key", `${name}: CloudWatch Logs`);
    const logsKeyUsEast1 = key("logs-key-us-east-1", `${name}: CloudWatch Logs (us-east-1)`, this.usEast1Provider());
    const topicsKey = key("topics-key", `${name}: operations topics`);
    const topicsKeyUsEast1 = key("topics-key-us-east-1", `${name}: operations topics (us-east-1)`, this.usEast1Provider());
    const databaseKey = key("database-key", `${name}: database`);
    const topic = new SnsTopic(this, "topic", { name: `${name}-ops`, kmsMasterKeyId: topicsKey.arn });
    // Its own name: an environment whose home region is us-east-1 (the emulator's) has both topics there.
    const topicUsEast1 = new SnsTopic(this, "topic-us-east-1", {
      name: `${name}-ops-us-east-1`,
      kmsMasterKeyId: topicsKeyUsEast1.arn,
      provider: this.usEast1Provider(),
    });

    // Backups (vaults, plan, role) and the budget: schema/backup.ts, schema/observability.ts.
    const { backup } = addBackupAndBudget(this, config, topic.arn);

    this.ops = {
      logsKeyArn: logsKey.arn,
      logsKeyArnUsEast1: logsKeyUsEast1.arn,
      topicArn: topic.arn,
      topicArnUsEast1: topicUsEast1.arn,
      databaseKeyArn: databaseKey.arn,
      backupPlanId: backup.planId,
      backupRoleArn: backup.roleArn,
    };

    new TerraformOutput(this, "ops_topic_arn", { description: "The operations topic (home region)", value: topic.arn });
    new TerraformOutput(this, "ops_topic_arn_us_east_1", { description: "The operations topic in us-east-1", value: topicUsEast1.arn });
  }
}
