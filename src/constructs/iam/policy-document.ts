/**
 * One statement of an IAM policy document. Every statement names its actions and resources; a
 * wildcard resource carries a comment with the reason where it is written.
 */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/**
 * Renders an IAM policy document as JSON at synth time, so that the synthesized Terraform shows the
 * whole policy to reviewers (tokens such as `${aws_s3_bucket.state.arn}` stay readable in it).
 */
export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Trust policy of a role an AWS service assumes to act for this account (flow logs, RDS enhanced
 * monitoring, ECS tasks, EventBridge, SSM Automation...), with the confused-deputy guard AWS recommends
 * for every such role: the service may assume it only on behalf of `sourceAccount` (`aws:SourceAccount`),
 * never for another customer who names this role's ARN in their own resource.
 *
 * Not for EC2 instance roles: EC2 assumes those for the instance profile, without a source account.
 */
export function serviceRoleTrust(service: string, sourceAccount: string): string {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } },
  });
}

/**
 * The AWS partition of a region (`aws`, `aws-cn`, `aws-us-gov`), for ARNs written at synth time from
 * configuration rather than read from the provider.
 */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
