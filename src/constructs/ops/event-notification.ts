import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { Token } from "cdktf";
import { Construct } from "constructs";

/** What an EventBridge rule name allows: 1-64 letters, digits, `.`, `_` and `-`. */
const RULE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** What an input transformer's path name allows. */
const FIELD_NAME = /^[A-Za-z0-9_-]{1,256}$/;

/** Props of {@link EventNotification}. */
export interface EventNotificationProps {
  /** Name of the EventBridge rule (on the default bus), e.g. `treepli-production-secret-rotation-failed`. */
  readonly ruleName: string;

  /** What the rule catches, shown in the console. */
  readonly description: string;

  /** The event pattern (EventBridge's JSON), as an object. */
  readonly eventPattern: Record<string, unknown>;

  /** ARN of the SNS topic to notify; its policy must let EventBridge publish, its key must admit EventBridge. */
  readonly topicArn: string;

  /** One sentence saying what happened and what to do, the first field of the message. */
  readonly summary: string;

  /**
   * Fields of the message taken from the event: name → JSON path (e.g. `{ by: "$.detail.userIdentity.arn" }`).
   * A path the event lacks is left out of the message.
   *
   * @default {}
   */
  readonly fields?: Record<string, string>;
}

/**
 * An EventBridge rule that notifies an SNS topic with a short JSON message: `summary` (what happened,
 * what to do) and the named fields of the event, instead of the whole event (which can be kilobytes of
 * CloudTrail record in an email).
 */
export class EventNotification extends Construct {
  /** The rule. */
  public readonly rule: CloudwatchEventRule;

  /** The rule's target (the topic). */
  public readonly target: CloudwatchEventTarget;

  constructor(scope: Construct, id: string, props: EventNotificationProps) {
    super(scope, id);
    const fields = props.fields ?? {};
    const problems: string[] = [];
    if (!Token.isUnresolved(props.ruleName) && !RULE_NAME.test(props.ruleName)) {
      problems.push(`ruleName must be 1-64 letters, digits, ".", "_" or "-", got "${props.ruleName}"`);
    }
    for (const [name, path] of Object.entries(fields)) {
      if (!FIELD_NAME.test(name) || name === "summary")
        problems.push(`fields: "${name}" is not a usable field name (letters, digits, _ -; not "summary")`);
      if (!path.startsWith("$.")) problems.push(`fields.${name}: "${path}" must be a JSON path starting with "$."`);
    }
    if (/[<>]/.test(props.summary)) problems.push("summary must not contain < or >: the input template reads them as placeholders");
    if (problems.length > 0) throw new Error(`EventNotification "${id}": ${problems.join("; ")}`);

    this.rule = new CloudwatchEventRule(this, "rule", {
      name: props.ruleName,
      description: props.description,
      eventPattern: JSON.stringify(props.eventPattern),
    });
    // Placeholders outside quotes are replaced by the JSON value of their path (strings come quoted), so
    // the message is valid JSON whatever the event holds.
    const template = [`"summary": ${JSON.stringify(props.summary)}`, ...Object.keys(fields).map((name) => `"${name}": <${name}>`)];
    this.target = new CloudwatchEventTarget(this, "notify", {
      rule: this.rule.name,
      targetId: "operations-topic",
      arn: props.topicArn,
      inputTransformer: { inputPaths: fields, inputTemplate: `{${template.join(", ")}}` },
    });
  }
}
