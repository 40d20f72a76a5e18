import { Construct } from "constructs";
import { SQS_CONSUME_ACTIONS } from "../messaging/work-queue";
import { EcsServiceBase, EcsServiceBaseProps, integerProblem } from "./ecs-service-base";

/** The queue a {@link EcsQueueProcessingService} consumes (e.g. a {@link WorkQueue}). */
export interface ConsumedQueue {
  /** ARN of the queue: the task role may consume from it, and from nothing else. */
  readonly queueArn: string;

  /** URL of the queue, given to the container as `QUEUE_URL`. */
  readonly queueUrl: string;

  /** Name of the queue (the `QueueName` dimension of its backlog metric). */
  readonly queueName: string;
}

/** Props of {@link EcsQueueProcessingService}. */
export interface EcsQueueProcessingServiceProps extends EcsServiceBaseProps {
  /** The queue the service consumes. */
  readonly queue: ConsumedQueue;

  /**
   * Visible messages per running task autoscaling holds the service at: target tracking on the metric
   * math `ApproximateNumberOfMessagesVisible / RunningTaskCount`. Choose the backlog one task clears
   * within the delay you accept (acceptable delay / seconds per message).
   */
  readonly backlogPerTaskTarget: number;

  /**
   * Fewest tasks autoscaling keeps: at least 1, because the backlog per task divides by the running
   * tasks and has no value with none running (target tracking would then never scale out).
   */
  readonly minCount: number;
}

/**
 * An ECS service that pulls its work from an SQS queue, with no load balancer and no ingress at all:
 * everything {@link EcsServiceBase} has, and
 *
 * - the container gets the queue's URL as `QUEUE_URL`;
 * - the task role may receive, delete and change the visibility of messages of that queue, and nothing
 *   else on it (it cannot send, purge or read the queue's attributes); with SSE-SQS no KMS permission
 *   is needed;
 * - target-tracking autoscaling on the backlog per task, `ApproximateNumberOfMessagesVisible` (AWS/SQS)
 *   divided by `RunningTaskCount` (ECS/ContainerInsights: the cluster must have Container Insights on),
 *   next to the base's CPU (and memory) tracking: the service scales out when any metric asks for it and
 *   in only when all agree.
 *
 * The queue is created by the caller (a {@link WorkQueue}) and passed in, so that the task role's policy
 * can name it.
 */
export class EcsQueueProcessingService extends EcsServiceBase {
  /** The queue this service consumes. */
  public readonly queue: ConsumedQueue;

  constructor(scope: Construct, id: string, props: EcsQueueProcessingServiceProps) {
    super(
      scope,
      id,
      {
        ...props,
        environment: { ...props.environment, QUEUE_URL: props.queue.queueUrl },
        taskRolePolicyStatements: [
          ...(props.taskRolePolicyStatements ?? []),
          { Sid: "ConsumeQueue", Effect: "Allow", Action: [...SQS_CONSUME_ACTIONS], Resource: props.queue.queueArn },
        ],
      },
      {
        constructName: "EcsQueueProcessingService",
        securityGroupDescription: `Tasks of the ${props.serviceName} ECS service: no ingress (it pulls its work from SQS)`,
        problems: [
          ...integerProblem(
            "minCount",
            props.minCount,
            1,
            5000,
            " (the backlog per task divides by the running tasks, which has no value with none running)",
          ),
          ...integerProblem("backlogPerTaskTarget", props.backlogPerTaskTarget, 1, 1000000),
          ...("QUEUE_URL" in props.environment ? ['environment: "QUEUE_URL" is set by the service to its queue\'s URL; remove it'] : []),
        ],
      },
    );
    this.queue = props.queue;

    this.addTargetTracking(
      "backlog",
      {
        customizedMetric: {
          metrics: [
            {
              id: "visible",
              label: "Messages waiting in the queue",
              metricStat: {
                metric: {
                  namespace: "AWS/SQS",
                  metricName: "ApproximateNumberOfMessagesVisible",
                  dimensions: [{ name: "QueueName", value: props.queue.queueName }],
                },
                stat: "Sum",
              },
              returnData: false,
            },
            {
              id: "running",
              label: "Running tasks of the service",
              metricStat: {
                metric: {
                  namespace: "ECS/ContainerInsights",
                  metricName: "RunningTaskCount",
                  dimensions: [
                    { name: "ClusterName", value: props.cluster.clusterName },
                    { name: "ServiceName", value: this.service.name },
                  ],
                },
                stat: "Average",
              },
              returnData: false,
            },
            { id: "backlog_per_task", label: "Messages waiting per running task", expression: "visible / running", returnData: true },
          ],
        },
      },
      props.backlogPerTaskTarget,
    );
  }
}
