import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { IAspect, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";

/**
 * Every change the `local` environment makes to the synthesized Terraform so that it deploys on the
 * emulator (moto 5.2.1) with an empty second plan and a clean destroy. Real environments never get
 * this aspect, so they keep every guard and full drift detection. Each adjustment names its reason;
 * what moto lacks entirely is added to the server by scripts/emulator/moto_launcher.py instead.
 */
export class EmulatorAdjustments implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof S3BucketPolicy) dropSecureTransportDenials(node);
    if (node instanceof AutoscalingGroup) {
      // moto ignores DefaultInstanceWarmup and reads it back as 0, so every plan would set it again.
      ignoreChanges(node, "default_instance_warmup");
    }
    if (node instanceof CloudfrontDistribution) {
      // moto reads back a default forwarded_values block next to every behavior's cache policy, drops the origin's
      // origin_access_control_id (the origin is a set, so only the whole set can be ignored), and
      // fills in the viewer certificate's other mode (ssl_support_method / cloudfront_default_certificate).
      ignoreChanges(
        node,
        "default_cache_behavior[0].forwarded_values",
        "origin",
        "viewer_certificate[0].ssl_support_method",
        "viewer_certificate[0].cloudfront_default_certificate",
      );
      const ordered = node.orderedCacheBehaviorInput;
      const orderedCount = Array.isArray(ordered) ? ordered.length : 0;
      for (let index = 0; index < orderedCount; index++) ignoreChanges(node, `ordered_cache_behavior[${index}].forwarded_values`);
      // Nothing propagates to edge locations on the emulator; waiting would only poll.
      node.waitForDeployment = false;
    }
    if (node instanceof DbParameterGroup) {
      // moto stores the parameters but returns them without their source ("user"), so the provider
      // reads none and every plan would set them again.
      ignoreChanges(node, "parameter");
    }
    if (node instanceof EcsService) {
      // moto's CreateService ignores these settings and reads back empty values (an empty capacity
      // provider strategy would even force a replacement on every plan).
      ignoreChanges(
        node,
        "capacity_provider_strategy",
        "ordered_placement_strategy",
        "health_check_grace_period_seconds",
        "enable_ecs_managed_tags",
        "availability_zone_rebalancing",
      );
    }
    if (node instanceof SqsQueue && node.redrivePolicyInput !== undefined) {
      // moto returns the redrive policy re-serialized with spaces (`{"deadLetterTargetArn": ...}`), which
      // the provider compares as text: every plan would rewrite it.
      ignoreChanges(node, "redrive_policy");
    }
    if (node instanceof SqsQueueRedriveAllowPolicy) {
      // moto neither stores nor returns a queue's RedriveAllowPolicy, and the provider waits until it
      // reads back what it set: the apply would never end. Only which queues may use a dead-letter queue
      // is lost on the emulator; the redrive itself (the source queue's RedrivePolicy) stays.
      node.addOverride("count", 0);
    }
    if (node instanceof LaunchTemplate) {
      // moto copies the request's tags for the template itself (the provider's default tags, sent as
      // a "launch-template" tag specification) into the template data, where the provider then reads
      // an extra tag_specifications block: every plan would add a new template version.
      ignoreChanges(node, "tag_specifications");
    }
  }
}

/** Adds attributes to a resource's `lifecycle.ignore_changes`, keeping those it already has. */
function ignoreChanges(resource: TerraformResource, ...attributes: string[]): void {
  const current = resource.lifecycle?.ignoreChanges ?? [];
  if (current === "all") return;
  resource.lifecycle = { ...resource.lifecycle, ignoreChanges: [...new Set([...current, ...attributes])] };
}

/**
 * The emulator is reached over plain HTTP, so a statement denying `aws:SecureTransport = false` would
 * lock Terraform out of its own state bucket (moto 5.2.1 ignores `Bool` conditions entirely and applies
 * such a Deny to every request: `HeadObject` on the state answers 403 and `terraform init` fails).
 * Those statements are removed; a policy left with none is not created (`count = 0`).
 */
function dropSecureTransportDenials(policy: S3BucketPolicy): void {
  const text = policy.policyInput;
  if (typeof text !== "string" || !text.trimStart().startsWith("{")) return;
  const document = JSON.parse(text) as { Statement?: Array<{ Effect?: string; Condition?: Record<string, Record<string, unknown>> }> };
  const statements = document.Statement ?? [];
  const kept = statements.filter(
    (statement) => !(statement.Effect === "Deny" && Object.values(statement.Condition ?? {}).some((test) => "aws:SecureTransport" in test)),
  );
  if (kept.length === statements.length) return;
  if (kept.length === 0) {
    policy.addOverride("count", 0);
    return;
  }
  policy.policy = JSON.stringify({ ...document, Statement: kept });
}
