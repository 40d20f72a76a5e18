import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { ContainerRepository, ContainerRepositoryProps } from "../../../src/constructs/delivery/container-repository";
import { onlyResource, parse, policy, TerraformJson } from "../../helpers";
import { expiredImages, Image } from "./ecr-lifecycle";

const DEPLOY_ROLE = "arn:aws:iam::123456789012:role/backend-deploy";
const OTHER_DEPLOY_ROLE = "arn:aws:iam::123456789012:role/backend-hotfix";

function synthRepository(props: Partial<ContainerRepositoryProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new ContainerRepository(scope, "repo", { name: "treepli/backend", pushRoleArns: [DEPLOY_ROLE], ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

function repositoryPolicy(json: TerraformJson): any[] {
  return policy(onlyResource(json, "aws_ecr_repository_policy").policy).Statement;
}

function lifecycleRules(json: TerraformJson): any[] {
  return JSON.parse(onlyResource(json, "aws_ecr_lifecycle_policy").policy).rules;
}

describe("ContainerRepository", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthRepository();

    test("THEN tags are immutable and images are scanned on push", () => {
      expect(synthesized).toHaveResourceWithProperties(EcrRepository, {
        name: "treepli/backend",
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
      });
    });

    test("THEN images are encrypted with KMS under the AWS-managed key", () => {
      expect(onlyResource(json, "aws_ecr_repository").encryption_configuration).toEqual([{ encryption_type: "KMS" }]);
    });

    test("THEN it cannot be destroyed by Terraform, nor deleted while it holds images", () => {
      const repository = onlyResource(json, "aws_ecr_repository");
      expect(repository.lifecycle).toEqual({ prevent_destroy: true });
      expect(repository.force_delete).toBe(false);
    });

    test("THEN the newest 30 deployed images are kept first, then untagged images expire after 7 days and never-deployed ones after 14", () => {
      expect(lifecycleRules(json)).toEqual([
        {
          rulePriority: 1,
          description: expect.any(String),
          selection: { tagStatus: "tagged", tagPatternList: ["deployed-*"], countType: "imageCountMoreThan", countNumber: 30 },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: expect.any(String),
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
          action: { type: "expire" },
        },
        {
          rulePriority: 3,
          description: expect.any(String),
          selection: { tagStatus: "any", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
          action: { type: "expire" },
        },
      ]);
    });

    describe("WHEN ECR applies the policy to an image history (the deploy workflow's tag contract)", () => {
      const policyText = onlyResource(json, "aws_ecr_lifecycle_policy").policy as string;
      // One image a day: `sha-<n>`; `deployed-<n>` added when its rollout succeeded.
      const build = (day: number, deployed: boolean): Image => ({
        digest: `digest-${day}`,
        tags: deployed ? [`sha-${day}`, `deployed-${day}`] : [`sha-${day}`],
        pushedAtDay: day,
      });

      test("THEN the live image survives any number of later failed builds and any time", () => {
        const live = build(0, true);
        const failed = Array.from({ length: 100 }, (_, i) => build(i + 1, false));
        expect(expiredImages(policyText, [live, ...failed], 400)).not.toContain(live.digest);
      });

      test("THEN after a rollback the image rolled back to stays while it is live, though 40 images were pushed after it", () => {
        // 40 deployments; then a rollback to day 25's image (a new deployed tag; ECR keeps its first push
        // time); then 20 builds whose rollouts failed (no deployed tag), over 30 days.
        const history = Array.from({ length: 40 }, (_, day) => build(day, true));
        history[25] = { ...history[25], tags: [...history[25].tags, "deployed-rollback"] };
        const failed = Array.from({ length: 20 }, (_, i) => build(40 + i, false));
        const expired = expiredImages(policyText, [...history, ...failed], 70);
        expect(expired).not.toContain("digest-25");
        // Every image a rollback may need (the newest 30 deployed) is kept; older deployed ones expire.
        expect(expired.filter((digest) => history.some((image) => image.digest === digest)).sort()).toEqual(
          Array.from({ length: 10 }, (_, day) => `digest-${day}`).sort(),
        );
        // Builds that were never deployed expire two weeks after their push.
        expect(expired).toEqual(expect.arrayContaining(failed.filter((image) => 70 - image.pushedAtDay > 14).map((i) => i.digest)));
        expect(expired).not.toContain("digest-59");
      });

      test("THEN an untagged image (an interrupted push) expires after 7 days", () => {
        const untagged: Image = { digest: "digest-untagged", tags: [], pushedAtDay: 0 };
        expect(expiredImages(policyText, [untagged], 7)).toEqual([]);
        expect(expiredImages(policyText, [untagged], 8)).toEqual(["digest-untagged"]);
      });
    });

    test("THEN the push role may push (upload layers, put the manifest) and read back what a build cache needs", () => {
      const allow = repositoryPolicy(json).filter((s) => s.Effect === "Allow");
      expect(allow).toEqual([
        {
          Sid: "AllowPushRoles",
          Effect: "Allow",
          Principal: { AWS: [DEPLOY_ROLE] },
          Action: expect.any(Array),
        },
      ]);
      expect([...allow[0].Action].sort()).toEqual(
        [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ].sort(),
      );
    });

    test("THEN every other principal is denied pushing and deleting images", () => {
      const deny = repositoryPolicy(json).filter((s) => s.Effect === "Deny");
      expect(deny).toHaveLength(1);
      expect(deny[0].Principal).toEqual({ AWS: "*" });
      expect([...deny[0].Action].sort()).toEqual(
        ["ecr:BatchDeleteImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"].sort(),
      );
      expect(deny[0].Condition).toEqual({ ArnNotEquals: { "aws:PrincipalArn": [DEPLOY_ROLE] } });
    });

    test("THEN the deny leaves pulls (task execution roles) and repository management (Terraform) alone", () => {
      const denied: string[] = repositoryPolicy(json)
        .filter((s) => s.Effect === "Deny")
        .flatMap((s) => [s.Action].flat());
      for (const action of [
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
        "ecr:DescribeRepositories",
        "ecr:SetRepositoryPolicy",
        "ecr:PutLifecyclePolicy",
        "ecr:DeleteRepository",
        "ecr:TagResource",
      ]) {
        expect(denied).not.toContain(action);
      }
      expect(denied.some((action) => action.includes("*"))).toBe(false);
    });

    test("THEN both policies are separate resources on the repository", () => {
      for (const type of ["aws_ecr_repository_policy", "aws_ecr_lifecycle_policy"]) {
        expect(onlyResource(json, type).repository).toMatch(/^\$\{aws_ecr_repository\.[^.]+\.name\}$/);
      }
    });
  });

  describe("GIVEN protect: false", () => {
    const { json } = synthRepository({ protect: false });

    test("THEN it may be destroyed together with its images", () => {
      const repository = onlyResource(json, "aws_ecr_repository");
      expect(repository.lifecycle).toEqual({ prevent_destroy: false });
      expect(repository.force_delete).toBe(true);
    });
  });

  describe("GIVEN keepDeployedImages: 10, untaggedExpiryDays: 1 and undeployedExpiryDays: 3", () => {
    const { json } = synthRepository({ keepDeployedImages: 10, untaggedExpiryDays: 1, undeployedExpiryDays: 3 });

    test("THEN the lifecycle policy uses them", () => {
      const [deployed, untagged, any] = lifecycleRules(json);
      expect(deployed.selection).toEqual(expect.objectContaining({ tagPatternList: ["deployed-*"], countNumber: 10 }));
      expect(untagged.selection).toEqual(expect.objectContaining({ tagStatus: "untagged", countNumber: 1 }));
      expect(any.selection).toEqual(expect.objectContaining({ tagStatus: "any", countNumber: 3 }));
    });
  });

  describe("GIVEN no push role", () => {
    const { json } = synthRepository({ pushRoleArns: undefined });

    test("THEN nobody may push or delete images: one unconditional deny, no allow", () => {
      const statements = repositoryPolicy(json);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toEqual(expect.objectContaining({ Effect: "Deny", Principal: { AWS: "*" } }));
      expect(statements[0].Condition).toBeUndefined();
    });
  });

  describe("GIVEN a role granted after construction (a deploy role that references the repository)", () => {
    const synthesized = Testing.synthScope((scope) => {
      const repository = new ContainerRepository(scope, "repo", { name: "treepli/backend", pushRoleArns: [OTHER_DEPLOY_ROLE] });
      const role = new IamRole(scope, "deploy", { name: "backend-deploy", assumeRolePolicy: "{}" });
      repository.grantPush(role.arn);
      repository.grantPush(role.arn);
    });
    const json = parse(synthesized);

    test("THEN the repository policy allows it and exempts it from the deny, once", () => {
      const statements = repositoryPolicy(json);
      const roleArn = expect.stringMatching(/^\$\{aws_iam_role\.deploy\.arn\}$/);
      expect(statements.find((s) => s.Effect === "Allow").Principal).toEqual({ AWS: [OTHER_DEPLOY_ROLE, roleArn] });
      expect(statements.find((s) => s.Effect === "Deny").Condition).toEqual({
        ArnNotEquals: { "aws:PrincipalArn": [OTHER_DEPLOY_ROLE, roleArn] },
      });
    });
  });

  describe("GIVEN invalid props", () => {
    const build = (props: Partial<ContainerRepositoryProps>) => () => synthRepository(props);

    test("THEN a name ECR rejects fails, naming the prop and the value", () => {
      expect(build({ name: "Treepli/Backend" })).toThrow(/name "Treepli\/Backend" is not a valid ECR repository name/);
    });

    test("THEN keepDeployedImages, undeployedExpiryDays or untaggedExpiryDays below 1 fail", () => {
      expect(build({ keepDeployedImages: 0 })).toThrow(/keepDeployedImages must be a whole number of at least 1, got 0/);
      expect(build({ undeployedExpiryDays: 0 })).toThrow(/undeployedExpiryDays must be a whole number of at least 1, got 0/);
      expect(build({ untaggedExpiryDays: 0.5 })).toThrow(/untaggedExpiryDays must be a whole number of at least 1, got 0.5/);
    });

    test("THEN a push role that is not a role ARN (a wildcard, a user) fails", () => {
      expect(build({ pushRoleArns: ["arn:aws:iam::123456789012:role/*"] })).toThrow(
        /push role "arn:aws:iam::123456789012:role\/\*" is not an IAM role ARN/,
      );
      expect(build({ pushRoleArns: ["arn:aws:iam::123456789012:user/alice"] })).toThrow(/is not an IAM role ARN/);
    });
  });
});
