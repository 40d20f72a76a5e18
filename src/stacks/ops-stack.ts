import { TerraformOutput, TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { partitionOf, PolicyStatement } from "../constructs/iam/policy-document";
import { AccountTrail, trailArn } from "../constructs/ops/account-trail";
import { CustomerManagedKey } from "../constructs/ops/customer-managed-key";
import {
  cloudTrailKeyStatements,
  cloudWatchLogsKeyStatement,
  KeyPolicyAccount,
  topicPublishersKeyStatement,
} from "../constructs/ops/key-policy-statements";
import { OPERATIONS_TOPIC_PUBLISHERS, OperationsTopic, TopicSubscriber } from "../constructs/ops/operations-topic";
import { addBackupAndBudget } from "./backup-and-budget";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";

/** Name of the account trail (an account singleton: one per account, whichever environment creates it). */
export const ACCOUNT_TRAIL_NAME = "treepli-account";

/** The region CloudFront's logs, metrics and alarms live in. */
export const CLOUDFRONT_REGION = "us-east-1";

/**
 * What every later layer uses of the operations layer (tokens; see {@link NetworkRefs}): the
 * environment's customer-managed keys and its operations topics. Alarms, event rules, budgets and backups
 * notify these topics and create no others; log groups and the database encrypt with these keys. In an
 * environment whose home region is us-east-1, the `…UsEast1` fields are the home region's key and topic.
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
 * `<environment>-ops`: the operations foundation every later layer uses, deployed right after the
 * bootstrap stack:
 *
 * - customer-managed keys (rotation on), each with a policy naming exactly the AWS services that use it:
 *   CloudWatch Logs (home region and us-east-1; plus CloudTrail for the trail's log files), the operations
 *   topics (their publishers), the database (no service principal: RDS and Secrets Manager use it through
 *   grants made with the account's own permissions);
 * - the operations topics in the home region and us-east-1 (an alarm notifies only a topic of its own
 *   region), which the publishers of {@link OPERATIONS_TOPIC_PUBLISHERS} of this account may publish to,
 *   with the configured subscriptions;
 * - the account's CloudTrail trail and its bucket, when this environment creates that singleton.
 */
export class OpsStack extends EnvironmentStack {
  /** The keys and topics, for the later layers. */
  public readonly ops: OpsRefs;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "ops", props);
    const { config } = props;
    const name = `treepli-${config.name}`;
    const home = config.aws.region;
    const account: KeyPolicyAccount = { accountId: config.aws.accountId, partition: partitionOf(home) };
    const protect = config.protectStatefulResources;
    const createsTrail = config.accountSingletons.cloudTrail === "create";
    const publishers = Object.values(OPERATIONS_TOPIC_PUBLISHERS);
    // In an environment that lives in us-east-1, the home region's key and topic serve CloudFront too.
    const usEast1 = home === CLOUDFRONT_REGION ? undefined : this.usEast1Provider();
    const key = (id: string, aliasName: string, description: string, serviceStatements: PolicyStatement[], provider?: TerraformProvider) =>
      new CustomerManagedKey(this, id, { aliasName, description, ...account, serviceStatements, protect, provider });

    const logsKey = key(
      "logs-key",
      `${name}-logs`,
      `${name}: CloudWatch Logs log groups${createsTrail ? " and the account trail's log files" : ""}`,
      [
        cloudWatchLogsKeyStatement(account, home),
        ...(createsTrail ? cloudTrailKeyStatements(account, trailArn(account, home, ACCOUNT_TRAIL_NAME)) : []),
      ],
    );
    const logsKeyUsEast1 = usEast1
      ? key(
          "logs-key-us-east-1",
          `${name}-logs`,
          `${name}: CloudWatch Logs log groups in us-east-1 (CloudFront)`,
          [cloudWatchLogsKeyStatement(account, CLOUDFRONT_REGION)],
          usEast1,
        )
      : logsKey;
    const topicsKey = key("topics-key", `${name}-ops-topics`, `${name}: operations topic`, [topicPublishersKeyStatement(publishers)]);
    const topicsKeyUsEast1 = usEast1
      ? key(
          "topics-key-us-east-1",
          `${name}-ops-topics`,
          `${name}: operations topic in us-east-1`,
          [topicPublishersKeyStatement(publishers)],
          usEast1,
        )
      : topicsKey;
    const databaseKey = key("database-key", `${name}-database`, `${name}: database storage, Performance Insights and master secret`, []);

    const subscribers: TopicSubscriber[] = config.ops.subscriptions.map((subscription) => ({ ...subscription }));
    const topic = (id: string, topicName: string, kmsKeyArn: string, provider?: TerraformProvider) =>
      new OperationsTopic(this, id, {
        name: topicName,
        accountId: account.accountId,
        kmsKeyArn,
        publishers,
        subscribers,
        protect,
        provider,
      });
    const homeTopic = topic("topic", `${name}-ops`, topicsKey.keyArn);
    // Its own name, so that the two topics can never be mistaken for each other in a console, a
    // subscription or an alarm action (and never collide where both regions are one endpoint).
    const topicUsEast1 = usEast1 ? topic("topic-us-east-1", `${name}-ops-us-east-1`, topicsKeyUsEast1.keyArn, usEast1) : homeTopic;

    if (createsTrail) {
      const trail = new AccountTrail(this, "trail", {
        trailName: ACCOUNT_TRAIL_NAME,
        bucketName: `treepli-cloudtrail-${account.accountId}`,
        account,
        region: home,
        kmsKeyArn: logsKey.keyArn,
        logRetentionDays: config.ops.auditLogRetentionDays,
        protect,
      });
      new TerraformOutput(this, "trail_arn", { description: "The account's CloudTrail trail", value: trail.trailArn });
      new TerraformOutput(this, "trail_bucket_name", { description: "Bucket of the trail's log files", value: trail.bucket.bucket });
    }

    // Backups (vaults, plan, role) and the budget: schema/backup.ts, schema/observability.ts.
    const { backup } = addBackupAndBudget(this, config, homeTopic.topicArn);

    this.ops = {
      logsKeyArn: logsKey.keyArn,
      logsKeyArnUsEast1: logsKeyUsEast1.keyArn,
      topicArn: homeTopic.topicArn,
      topicArnUsEast1: topicUsEast1.topicArn,
      databaseKeyArn: databaseKey.keyArn,
      backupPlanId: backup.planId,
      backupRoleArn: backup.roleArn,
    };

    new TerraformOutput(this, "ops_topic_arn", { description: "The operations topic (home region)", value: homeTopic.topicArn });
    new TerraformOutput(this, "ops_topic_arn_us_east_1", {
      description: "The operations topic in us-east-1 (the home region's when that is us-east-1)",
      value: topicUsEast1.topicArn,
    });
  }
}
