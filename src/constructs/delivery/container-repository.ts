import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { IResolveContext, Lazy, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";

/**
 * What a pusher needs on the repository: upload layers and the image manifest, plus the reads a
 * `docker push` and a registry build cache make (layer existence checks, manifest and layer pulls).
 */
export const ECR_PUSH_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
] as const;

/**
 * Every action that writes or deletes images. Repository-level actions (settings, policies, deletion of
 * the repository itself) are not in it, so Terraform keeps managing the repository.
 */
export const ECR_IMAGE_WRITE_ACTIONS = [
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
  "ecr:BatchDeleteImage",
] as const;

/**
 * Prefix of the tag of the image contract between the deploy workflow and the lifecycle policy
 * (docs/deploying.md, "Image tags"): the workflow pushes every build as `sha-<git commit>` and, once a
 * rollout of it succeeded, adds a unique tag starting with this prefix
 * (`deployed-<UTC time>-<run>-<attempt>`). Tags are immutable, so a deployed tag is never moved or reused.
 */
export const DEPLOYED_TAG_PREFIX = "deployed-";

const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Props of {@link ContainerRepository}. */
export interface ContainerRepositoryProps {
  /** Name of the ECR repository (lower case, e.g. `treepli/backend`). */
  readonly name: string;

  /**
   * Refuse to destroy the repository (`prevent_destroy`) and never delete it while it holds images.
   * When false the repository may be destroyed together with its images (`force_delete`).
   *
   * @default true
   */
  readonly protect?: boolean;

  /**
   * Deployed images kept, newest first (by push time): those carrying a tag that starts with
   * {@link DEPLOYED_TAG_PREFIX}, which the deploy workflow adds once a rollout succeeded. They include
   * the live image and every image a rollback may return to; older deployed images expire. No other
   * rule ever expires a deployed image that is among them.
   *
   * @default 30
   */
  readonly keepDeployedImages?: number;

  /**
   * Days an image that was never deployed (a build whose rollout failed or never ran, an image pushed
   * by hand) is kept after its push before it expires. Long enough to deploy or roll back to a recent
   * build.
   *
   * @default 14
   */
  readonly undeployedExpiryDays?: number;

  /**
   * Days an untagged image (an interrupted push, a build-cache manifest) is kept before it expires.
   * A week, rather than a day, leaves time to notice and recover a push that went wrong.
   *
   * @default 7
   */
  readonly untaggedExpiryDays?: number;

  /**
   * IAM roles (ARNs) allowed to push images, such as the GitHub Actions deploy roles. Every other
   * principal of every account is denied all image writes by the repository policy. More roles can
   * be added with {@link ContainerRepository.grantPush} (for roles created after the repository).
   *
   * @default [] - nobody may push until a role is granted; the repository is read-only
   */
  readonly pushRoleArns?: string[];
}

/**
 * An ECR repository for one application's images:
 *
 * - tags are immutable (a deployed tag always means the same image), images are scanned on push;
 * - encrypted with KMS under the account's AWS-managed `aws/ecr` key: every layer decryption is a
 *   KMS call that CloudTrail records, without a key policy to maintain (a customer-managed key would
 *   only be needed for cross-account pulls, which Treepli does not do);
 * - a lifecycle policy that never expires the live image nor the ones a rollback needs: the newest
 *   `keepDeployedImages` deployed images (tag prefix {@link DEPLOYED_TAG_PREFIX}) are kept, and no
 *   lower-priority rule may expire them (ECR: "an image that matches the tagging requirements of a rule
 *   cannot be expired by a rule with a lower priority"); untagged images expire after
 *   `untaggedExpiryDays`, images never deployed after `undeployedExpiryDays`. ECR cannot tell which
 *   image is running: the deploy workflow keeps the live image among the newest deployed ones (it tags
 *   only successful rollouts, and refuses to deploy an image that would fall outside them);
 * - a repository policy lets the push roles push, and denies every image write (push or delete) to
 *   any other principal, even an administrator of the account. Pulls are not restricted by it: ECS
 *   task execution roles of the account pull through their own IAM policies. To lift the deny in an
 *   emergency, change the repository policy (repository-level actions are not denied).
 *
 * The repository policy is a separate `aws_ecr_repository_policy` (not inline) so that a deploy role
 * may both be granted here and reference the repository's ARN in its own policy without a cycle.
 */
export class ContainerRepository extends Construct {
  /** The repository. */
  public readonly repository: EcrRepository;

  /** The repository policy (push roles allowed, every other image write denied). */
  public readonly repositoryPolicy: EcrRepositoryPolicy;

  /** The lifecycle policy (image expiry). */
  public readonly lifecyclePolicy: EcrLifecyclePolicy;

  /** URL to push to and pull from: `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  public readonly repositoryUrl: string;

  /** ARN of the repository. */
  public readonly repositoryArn: string;

  /** Name of the repository. */
  public readonly name: string;

  private readonly pushRoleArns: string[] = [];

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps) {
    super(scope, id);
    const protect = props.protect ?? true;
    const keepDeployedImages = props.keepDeployedImages ?? 30;
    const undeployedExpiryDays = props.undeployedExpiryDays ?? 14;
    const untaggedExpiryDays = props.untaggedExpiryDays ?? 7;
    if (!Token.isUnresolved(props.name) && (!REPOSITORY_NAME.test(props.name) || props.name.length < 2 || props.name.length > 256)) {
      throw new Error(
        `ContainerRepository "${id}": name "${props.name}" is not a valid ECR repository name; use 2-256 lower-case letters, digits and . _ - / (e.g. "treepli/backend")`,
      );
    }
    for (const [prop, value] of [
      ["keepDeployedImages", keepDeployedImages],
      ["undeployedExpiryDays", undeployedExpiryDays],
      ["untaggedExpiryDays", untaggedExpiryDays],
    ] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1)) {
        throw new Error(`ContainerRepository "${id}": ${prop} must be a whole number of at least 1, got ${value}`);
      }
    }

    this.repository = new EcrRepository(this, "repository", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      // No kms_key: ECR uses the account's AWS-managed aws/ecr key.
      encryptionConfiguration: [{ encryptionType: "KMS" }],
      forceDelete: !protect,
      lifecycle: { preventDestroy: protect },
    });
    this.repositoryUrl = this.repository.repositoryUrl;
    this.repositoryArn = this.repository.arn;
    this.name = this.repository.name;

    this.lifecyclePolicy = new EcrLifecyclePolicy(this, "lifecycle-policy", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            // First, so that no later rule can expire a deployed image it keeps.
            rulePriority: 1,
            description: `Keep the newest ${keepDeployedImages} deployed images (${DEPLOYED_TAG_PREFIX}*): the live one and rollback targets`,
            selection: {
              tagStatus: "tagged",
              tagPatternList: [`${DEPLOYED_TAG_PREFIX}*`],
              countType: "imageCountMoreThan",
              countNumber: keepDeployedImages,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `Expire untagged images after ${untaggedExpiryDays} days`,
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
            action: { type: "expire" },
          },
          {
            // A rule on any tag status must have the lowest priority (highest number).
            rulePriority: 3,
            description: `Expire images never deployed ${undeployedExpiryDays} days after their push`,
            selection: { tagStatus: "any", countType: "sinceImagePushed", countUnit: "days", countNumber: undeployedExpiryDays },
            action: { type: "expire" },
          },
        ],
      }),
    });

    for (const roleArn of props.pushRoleArns ?? []) this.grantPush(roleArn);
    // Rendered at synth time, so that roles granted after construction are included.
    this.repositoryPolicy = new EcrRepositoryPolicy(this, "repository-policy", {
      repository: this.repository.name,
      policy: Lazy.stringValue({ produce: (context) => this.renderPolicy(context) }),
    });
  }

  /**
   * Lets a role push images to this repository (and exempts it from the deny on image writes). The
   * role still needs the same actions in its own IAM policy.
   */
  public grantPush(roleArn: string): void {
    if (!Token.isUnresolved(roleArn) && !ROLE_ARN.test(roleArn)) {
      throw new Error(
        `ContainerRepository "${this.node.id}": push role "${roleArn}" is not an IAM role ARN; use e.g. "arn:aws:iam::123456789012:role/deploy"`,
      );
    }
    this.pushRoleArns.push(roleArn);
  }

  private renderPolicy(context: IResolveContext): string {
    // Resolved before de-duplication: every read of a resource attribute is a new token.
    const pushRoleArns = [...new Set(this.pushRoleArns.map((arn) => context.resolve(arn) as string))];
    const statements: PolicyStatement[] = [];
    if (pushRoleArns.length > 0) {
      statements.push({
        Sid: "AllowPushRoles",
        Effect: "Allow",
        Principal: { AWS: pushRoleArns },
        Action: [...ECR_PUSH_ACTIONS],
      });
    }
    statements.push({
      Sid: "DenyImageWritesToOthers",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: [...ECR_IMAGE_WRITE_ACTIONS],
      // aws:PrincipalArn of an assumed-role session is the role's ARN. Without push roles the deny
      // applies to everybody: the repository is read-only.
      ...(pushRoleArns.length > 0 ? { Condition: { ArnNotEquals: { "aws:PrincipalArn": pushRoleArns } } } : {}),
    });
    return policyDocument(...statements);
  }
}
