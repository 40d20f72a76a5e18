import { Construct } from "constructs";
import { EventNotification } from "../observability/event-notification";

/**
 * What in a task definition reaches the container instance beyond the task's own sandbox, as the
 * `requestParameters` of CloudTrail's `RegisterTaskDefinition` record name it (the API's own field
 * names): each entry is one `$or` branch of the rule's pattern. Arrays of objects (`containerDefinitions`,
 * `volumes`) match when any element matches.
 */
export const HOST_ACCESS_MATCHES: Readonly<Record<string, Record<string, unknown>>> = {
  /** A privileged container: every device and capability of the host (the agent also refuses it). */
  privileged: { containerDefinitions: { privileged: [true] } },
  /** The host's network namespace: the instance's IMDS (its role), every port of the host and of other tasks. */
  hostNetwork: { networkMode: ["host"] },
  /** The host's process namespace: every process of the instance, the other service's included. */
  hostPid: { pidMode: ["host"] },
  /** The host's IPC namespace. */
  hostIpc: { ipcMode: ["host"] },
  /** A bind mount of a host path: the Docker socket, /proc, the agent's data, the other task's files. */
  hostPath: { volumes: { host: { sourcePath: [{ exists: true }] } } },
  /** A Docker volume, whose driver options can bind-mount any host path too. */
  dockerVolume: { volumes: { dockerVolumeConfiguration: { driver: [{ exists: true }] } } },
  /** A host device in the container. */
  hostDevice: { containerDefinitions: { linuxParameters: { devices: { hostPath: [{ exists: true }] } } } },
  /** Linux capabilities added back (the estate's containers drop them all). */
  addedCapabilities: { containerDefinitions: { linuxParameters: { capabilities: { add: [{ exists: true }] } } } },
};

/** Props of {@link HostAccessRegistrationAlert}. */
export interface HostAccessRegistrationAlertProps {
  /** Name of the EventBridge rule, e.g. `treepli-production-host-access-task-definition`. */
  readonly ruleName: string;

  /** ARN of the SNS topic to notify (the operations topic of the rule's region). */
  readonly topicArn: string;
}

/**
 * Detection of what IAM cannot prevent on container instances that several services share:
 * `ecs:RegisterTaskDefinition` supports no resource-level permission and no condition key for network
 * mode, volumes or devices, so whoever may register a revision (each service's GitHub deploy role) can
 * register one that reaches the host ({@link HOST_ACCESS_MATCHES}) and, from there, the other service's
 * containers, environment and credentials. An EventBridge rule on CloudTrail's `RegisterTaskDefinition`
 * records (successful or refused) that match any of them notifies the operations topic with who, what
 * and when.
 *
 * Needs a trail in the account that logs management write events in this region (the ops layer's
 * account trail, or an existing one): EventBridge receives "AWS API Call via CloudTrail" events only then.
 * CloudTrail leaves `requestParameters` out of records above its size limit (a very large task
 * definition), which this rule then cannot see; the ECS agent's `ECS_DISABLE_PRIVILEGED` still refuses
 * privileged containers.
 */
export class HostAccessRegistrationAlert extends Construct {
  /** The rule and its target. */
  public readonly notification: EventNotification;

  constructor(scope: Construct, id: string, props: HostAccessRegistrationAlertProps) {
    super(scope, id);
    this.notification = new EventNotification(this, "Default", {
      ruleName: props.ruleName,
      description:
        "A task definition revision that reaches the shared container instances (privileged, host namespaces, host paths, devices, capabilities)",
      eventPattern: {
        source: ["aws.ecs"],
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: {
          eventSource: ["ecs.amazonaws.com"],
          eventName: ["RegisterTaskDefinition"],
          $or: Object.values(HOST_ACCESS_MATCHES).map((match) => ({ requestParameters: match })),
        },
      },
      topicArn: props.topicArn,
      summary:
        "A task definition revision that reaches the container instances beyond its own sandbox was registered (or refused, see error).",
      firstResponse:
        "Check who registered it and why; deregister it (aws ecs deregister-task-definition) and make sure no service runs it.",
      fields: {
        family: "$.detail.requestParameters.family",
        revision: "$.detail.responseElements.taskDefinition.taskDefinitionArn",
        registeredBy: "$.detail.userIdentity.arn",
        sourceIp: "$.detail.sourceIPAddress",
        at: "$.detail.eventTime",
        error: "$.detail.errorCode",
        account: "$.account",
        region: "$.region",
      },
    });
  }
}
