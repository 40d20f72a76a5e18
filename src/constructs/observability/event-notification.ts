import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";

/** Props of {@link EventNotification}. */
export interface EventNotificationProps {
  /** Name of the EventBridge rule, e.g. `treepli-production-backend-placement-failure`. */
  readonly ruleName: string;
  /** What the rule catches (the rule's description). */
  readonly description: string;
  /** The EventBridge event pattern, as an object. */
  readonly eventPattern: Record<string, unknown>;
  /** The operations topic the events are sent to. */
  readonly topicArn: string;
  /** The message's first line: what happened, naming the resource. */
  readonly summary: string;
  /** What the operator does first. */
  readonly firstResponse: string;
  /**
   * Fields of the event copied into the message, by name: JSON paths such as `$.detail.reasons`
   * (strings, arrays and objects are inserted as JSON values).
   *
   * @default { time: "$.time", detail: "$.detail" }
   */
  readonly fields?: Readonly<Record<string, string>>;
  /**
   * Provider of the rule's region.
   *
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * An EventBridge rule that sends matching events to the operations topic, for what CloudWatch has no
 * metric for (tasks ECS cannot place, failed backup jobs). The message is a JSON object: a summary naming
 * the resource, what to do first, and the event's fields (EventBridge's input transformer: unquoted
 * placeholders in a JSON template become JSON values, strings quoted).
 *
 * The topic's policy must let `events.amazonaws.com` publish (and its KMS key let EventBridge use it):
 * the operations layer's topic policy does.
 */
export class EventNotification extends Construct {
  /** The rule. */
  public readonly rule: CloudwatchEventRule;

  /** The rule's target: the topic. */
  public readonly target: CloudwatchEventTarget;

  constructor(scope: Construct, id: string, props: EventNotificationProps) {
    super(scope, id);
    const fields = props.fields ?? { time: "$.time", detail: "$.detail" };
    const problems: string[] = [];
    if (!Token.isUnresolved(props.ruleName) && !/^[A-Za-z0-9._-]{1,64}$/.test(props.ruleName)) {
      problems.push(`ruleName must be 1-64 letters, digits, ".", "_" or "-", got "${props.ruleName}"`);
    }
    for (const [name, path] of Object.entries(fields)) {
      if (!/^[A-Za-z0-9_-]{1,256}$/.test(name) || name === "event" || name === "firstResponse") {
        problems.push(`field name "${name}" must be letters, digits, _ or - and not "event" or "firstResponse"`);
      }
      if (!path.startsWith("$.")) problems.push(`fields.${name}: "${path}" must be a JSON path starting with "$."`);
    }
    // The input template reads <name> as a placeholder, also inside the fixed texts.
    if (/[<>]/.test(props.summary + props.firstResponse)) problems.push("summary and firstResponse must not contain < or >");
    if (problems.length > 0) throw new Error(`EventNotification "${id}": ${problems.join("; ")}`);
    this.rule = new CloudwatchEventRule(this, "rule", {
      provider: props.provider,
      name: props.ruleName,
      description: props.description,
      eventPattern: JSON.stringify(props.eventPattern),
    });
    const template = JSON.stringify({
      event: props.summary,
      firstResponse: props.firstResponse,
      ...Object.fromEntries(Object.keys(fields).map((name) => [name, `<${name}>`])),
    }).replace(/"<([A-Za-z0-9_-]+)>"/g, "<$1>");
    this.target = new CloudwatchEventTarget(this, "topic", {
      provider: props.provider,
      rule: this.rule.name,
      targetId: "operations-topic",
      arn: props.topicArn,
      inputTransformer: { inputPaths: { ...fields }, inputTemplate: template },
    });
  }
}
