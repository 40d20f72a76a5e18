import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { ContainerRepository } from "../../../src/constructs/delivery/container-repository";
import { GithubDeployRole, GithubDeployRoleProps } from "../../../src/constructs/delivery/github-deploy-role";
import { GithubOidcProvider } from "../../../src/constructs/delivery/github-oidc-provider";
import { onlyResource, parse, policy, resources, TerraformJson } from "../../helpers";

const ACCOUNT = "123456789012";
const baseProps: GithubDeployRoleProps = {
  roleName: "backend-deploy",
  oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
  repository: "treepli/backend",
  deployEnvironment: "production",
  ecrRepositoryArn: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/treepli/backend`,
  serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/treepli/backend`,
  clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/treepli`,
  taskDefinitionFamilyArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/treepli-backend`,
  passRoleArns: [`arn:aws:iam::${ACCOUNT}:role/backend-task`, `arn:aws:iam::${ACCOUNT}:role/backend-execution`],
};

function synthRole(props: Partial<GithubDeployRoleProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new GithubDeployRole(scope, "deploy", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

function trustStatements(json: TerraformJson): any[] {
  return policy(onlyResource(json, "aws_iam_role").assume_role_policy).Statement;
}

function permissionStatements(json: TerraformJson): any[] {
  return policy(onlyResource(json, "aws_iam_role_policy").policy).Statement;
}

/** Every (action, resource) pair the permissions allow, as "action on resource" strings, sorted. */
function grants(json: TerraformJson): string[] {
  return permissionStatements(json)
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) =>
      [s.Action].flat().flatMap((action: string) => [s.Resource].flat().map((resource: string) => `${action} on ${resource}`)),
    )
    .sort();
}

describe("GithubDeployRole", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthRole();

    test("THEN only a GitHub Actions token through the account's OIDC provider can assume it", () => {
      const statements = trustStatements(json);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toEqual(
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Federated: baseProps.oidcProviderArn },
          Action: "sts:AssumeRoleWithWebIdentity",
        }),
      );
    });

    test("THEN the token must be for STS and its subject exactly this repository's environment: no other condition, no wildcard", () => {
      const [statement] = trustStatements(json);
      expect(statement.Condition).toEqual({
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:treepli/backend:environment:production",
        },
      });
      expect(JSON.stringify(statement)).not.toMatch(/[*?]/);
    });

    test("THEN sessions last at most an hour", () => {
      expect(synthesized).toHaveResourceWithProperties(IamRole, { name: "backend-deploy", max_session_duration: 3600 });
    });

    test("THEN it may do exactly this, on exactly these resources", () => {
      const repository = baseProps.ecrRepositoryArn;
      const [task, execution] = baseProps.passRoleArns;
      expect(grants(json)).toEqual(
        [
          "ecr:GetAuthorizationToken on *",
          ...[
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            // The image tag contract: push times and tags, and the lifecycle policy's count.
            "ecr:DescribeImages",
            "ecr:GetLifecyclePolicy",
          ].map((action) => `${action} on ${repository}`),
          "ecs:RegisterTaskDefinition on *",
          "ecs:DescribeTaskDefinition on *",
          `iam:PassRole on ${task}`,
          `iam:PassRole on ${execution}`,
          `ecs:UpdateService on ${baseProps.serviceArn}`,
          `ecs:DescribeServices on ${baseProps.serviceArn}`,
        ].sort(),
      );
    });

    test("THEN every statement names its actions without wildcards, and the one Deny refuses privileged containers only", () => {
      for (const statement of permissionStatements(json)) {
        expect([statement.Action].flat().some((action: string) => action.includes("*"))).toBe(false);
        expect(statement.NotAction ?? statement.NotResource).toBeUndefined();
      }
      expect(permissionStatements(json).filter((s) => s.Effect !== "Allow")).toEqual([
        {
          Sid: "NoPrivilegedContainers",
          Effect: "Deny",
          Action: "ecs:RegisterTaskDefinition",
          Resource: "*",
          Condition: { "ForAnyValue:StringEqualsIgnoreCase": { "ecs:privileged": ["true"] } },
        },
      ]);
    });

    test("THEN the roles can be passed to ECS tasks only", () => {
      const passRole = permissionStatements(json).find((s) => s.Action === "iam:PassRole");
      expect(passRole.Condition).toEqual({ StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
    });

    test("THEN the service can be pointed only at revisions of its own family, in its own cluster", () => {
      const rollOut = permissionStatements(json).filter((s) => [s.Action].flat().includes("ecs:UpdateService"));
      expect(rollOut).toEqual([
        expect.objectContaining({
          Action: "ecs:UpdateService",
          Resource: baseProps.serviceArn,
          Condition: {
            ArnEquals: { "ecs:cluster": baseProps.clusterArn },
            ArnLike: { "ecs:task-definition": `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/treepli-backend:*` },
          },
        }),
      ]);
    });

    test("THEN the service can be watched in its own cluster only", () => {
      const watch = permissionStatements(json).filter((s) => [s.Action].flat().includes("ecs:DescribeServices"));
      expect(watch).toEqual([
        expect.objectContaining({ Resource: baseProps.serviceArn, Condition: { ArnEquals: { "ecs:cluster": baseProps.clusterArn } } }),
      ]);
    });

    test("THEN the permissions are a separate policy resource on the role (no inline policy block)", () => {
      expect(onlyResource(json, "aws_iam_role_policy").role).toMatch(/^\$\{aws_iam_role\.[^.]+\.id\}$/);
      expect(onlyResource(json, "aws_iam_role").inline_policy).toBeUndefined();
      expect(resources(json, "aws_iam_role_policy_attachment")).toEqual([]);
    });
  });

  describe("GIVEN maxSessionDuration: 7200", () => {
    const { synthesized } = synthRole({ maxSessionDuration: 7200 });

    test("THEN sessions may last two hours", () => {
      expect(synthesized).toHaveResourceWithProperties(IamRole, { max_session_duration: 7200 });
    });
  });

  describe("GIVEN the repository, provider and roles of the same stack", () => {
    const json = parse(
      Testing.synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, "github", { mode: "create" });
        const repository = new ContainerRepository(scope, "repo", { name: "treepli/backend" });
        const task = new IamRole(scope, "task", { name: "backend-task", assumeRolePolicy: "{}" });
        const deploy = new GithubDeployRole(scope, "deploy", {
          ...baseProps,
          oidcProviderArn: provider.arn,
          ecrRepositoryArn: repository.repositoryArn,
          passRoleArns: [task.arn],
        });
        repository.grantPush(deploy.roleArn);
      }),
    );
    const deployRole = Object.keys(json.resource.aws_iam_role).find((key) => key.startsWith("deploy"))!;

    test("THEN the role's policy names the repository and the repository's policy names the role, without a cycle", () => {
      const push = permissionStatements(json).find((s) => s.Sid === "PushImages");
      expect(push.Resource).toMatch(/^\$\{aws_ecr_repository\.[^.]+\.arn\}$/);
      const repositoryPolicy = policy(onlyResource(json, "aws_ecr_repository_policy").policy).Statement;
      expect(repositoryPolicy.find((s) => s.Effect === "Allow").Principal).toEqual({ AWS: [`\${aws_iam_role.${deployRole}.arn}`] });
      // The role itself depends on neither policy, so Terraform can order: role, repository, then both policies.
      expect(JSON.stringify(json.resource.aws_iam_role[deployRole])).not.toContain("aws_ecr_repository");
    });

    test("THEN the trust names the created OIDC provider and PassRole the task role resource", () => {
      const trust = policy(json.resource.aws_iam_role[deployRole].assume_role_policy).Statement[0];
      expect(trust.Principal.Federated).toMatch(/^\$\{aws_iam_openid_connect_provider\.[^.]+\.arn\}$/);
      expect(permissionStatements(json).find((s) => s.Sid === "PassTaskRoles").Resource).toEqual(["${aws_iam_role.task.arn}"]);
    });
  });

  describe("GIVEN invalid props", () => {
    const build = (props: Partial<GithubDeployRoleProps>) => () => synthRole(props);

    test("THEN a repository that is not owner/name fails", () => {
      expect(build({ repository: "backend" })).toThrow(/repository must be a GitHub repository as "owner\/name".*got "backend"/);
      expect(build({ repository: "treepli/*" })).toThrow(/repository must be a GitHub repository/);
      expect(build({ repository: "https://github.com/treepli/backend" })).toThrow(/repository must be a GitHub repository/);
    });

    test("THEN an empty or wildcard environment fails", () => {
      expect(build({ deployEnvironment: "" })).toThrow(/deployEnvironment must name one GitHub environment/);
      expect(build({ deployEnvironment: "prod*" })).toThrow(/deployEnvironment must name one GitHub environment/);
    });

    test("THEN empty passRoleArns fails, saying which roles to give", () => {
      expect(build({ passRoleArns: [] })).toThrow(
        /passRoleArns is empty; give the ARNs of the service's task role and task execution role/,
      );
    });

    test("THEN a wildcard in a role, repository, service or cluster ARN fails", () => {
      expect(build({ passRoleArns: [`arn:aws:iam::${ACCOUNT}:role/*`] })).toThrow(/passRoleArns: ".*" is not an IAM role ARN/);
      expect(build({ ecrRepositoryArn: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/*` })).toThrow(/ecrRepositoryArn/);
      expect(build({ serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/treepli/*` })).toThrow(/serviceArn/);
      expect(build({ clusterArn: "*" })).toThrow(/clusterArn/);
    });

    test("THEN a task definition family ARN with a revision or a wildcard fails, saying what is expected", () => {
      for (const arn of [
        `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/treepli-backend:3`,
        `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/*`,
        "treepli-backend",
      ]) {
        expect(build({ taskDefinitionFamilyArn: arn })).toThrow(
          /taskDefinitionFamilyArn ".*" is not the ARN of a task definition family without a revision \(arn:aws:ecs:<region>:<account>:task-definition\/<family>, no wildcards\)/,
        );
      }
    });

    test("THEN a session duration IAM rejects fails", () => {
      expect(build({ maxSessionDuration: 900 })).toThrow(
        /maxSessionDuration must be a whole number of seconds from 3600 to 43200, got 900/,
      );
    });
  });
});
