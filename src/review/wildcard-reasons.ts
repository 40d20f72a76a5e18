/**
 * Why an IAM statement may allow its actions on every resource (`"Resource": "*"`), action by action.
 *
 * An identity policy's wildcard is acceptable only for actions that support no resource-level
 * permission (the Service Authorization Reference lists no resource type for them): naming a
 * resource there would make the statement match nothing. Each entry says so for its action; a key
 * ending in `*` covers every action with that prefix. The review summary shows the reason next to
 * every wildcard statement and flags those whose actions are not all here.
 */
export const WILDCARD_ACTION_REASONS: Readonly<Record<string, string>> = {
  "ecr:GetAuthorizationToken": "the registry login token belongs to no repository: ECR defines no resource type for this action",
  "ecs:DiscoverPollEndpoint": "the ECS agent's endpoint discovery is account-wide: ECS defines no resource type for it",
  "ecs:RegisterTaskDefinition":
    "a task definition family cannot be named before it is registered: ECS supports no resource-level permission for registering (only tag conditions)",
  "ecs:DescribeTaskDefinition": "ECS supports no resource-level permission for describing task definitions",
  "ecs:ListTaskDefinitions": "list calls support no resource-level permission",
  "ec2:Describe*": "EC2 Describe* calls support no resource-level permission",
  "cloudwatch:PutMetricData":
    "metrics are not resources: CloudWatch supports no resource-level permission for publishing them (scope with the cloudwatch:namespace condition)",
  "xray:PutTraceSegments": "X-Ray defines no resource type for sending traces",
  "xray:PutTelemetryRecords": "X-Ray defines no resource type for sending telemetry",
  "sts:GetCallerIdentity": "needs no permission and names no resource",
};

/** Resource types whose `policy` is a resource policy where `*` means the resource itself. */
export const SELF_SCOPED_POLICY_TYPES: Readonly<Record<string, string>> = {
  aws_kms_key: 'in a key policy, "*" means this key and nothing else',
  aws_kms_key_policy: 'in a key policy, "*" means this key and nothing else',
};

/** The reason an action may be allowed on `*`, if one is recorded. */
export function wildcardActionReason(action: string): string | undefined {
  const exact = WILDCARD_ACTION_REASONS[action];
  if (exact) return exact;
  const prefix = Object.keys(WILDCARD_ACTION_REASONS).find((key) => key.endsWith("*") && action.startsWith(key.slice(0, -1)));
  return prefix ? WILDCARD_ACTION_REASONS[prefix] : undefined;
}
