import { TerraformStack, Testing } from "cdktf";
import { GithubDeployment, GithubDeploymentProps } from "../../../src/constructs/delivery/github-deployment";
import { parse, policy, refNamed, resourceNamed, TerraformJson } from "../../helpers";

const ACCOUNT = "123456789012";
const props = (name: string, outputPrefix?: string): GithubDeploymentProps => ({
  name: `treepli-test-${name}`,
  repositoryName: `treepli-test/${name}`,
  protect: false,
  roleName: `treepli-test-${name}-deploy`,
  oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
  githubRepository: `treepli/${name}`,
  deployEnvironment: "test",
  clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/treepli-test`,
  outputPrefix,
});
const service = (name: string) => ({
  serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/treepli-test/treepli-test-${name}`,
  serviceName: `treepli-test-${name}`,
  taskDefinitionFamily: `treepli-test-${name}`,
  taskDefinitionFamilyArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/treepli-test-${name}`,
  taskRoleArns: [`arn:aws:iam::${ACCOUNT}:role/treepli-test-${name}-task`, `arn:aws:iam::${ACCOUNT}:role/treepli-test-${name}-execution`],
});

describe("GithubDeployment", () => {
  describe("GIVEN two deployments in one stack, the second with an output prefix", () => {
    const json: TerraformJson = parse(
      Testing.synthScope((scope) => {
        new GithubDeployment(scope, "api", props("api")).rollsOut(service("api"));
        new GithubDeployment(scope, "worker", props("worker", "worker_")).rollsOut(service("worker"));
      }),
    );

    test("THEN each has its outputs, the first unprefixed and the second under its prefix", () => {
      expect(Object.keys(json.output ?? {}).sort()).toEqual(
        [
          "deploy_role_arn",
          "repository_url",
          "service_name",
          "task_definition_family",
          "worker_deploy_role_arn",
          "worker_repository_url",
          "worker_service_name",
          "worker_task_definition_family",
        ].sort(),
      );
      expect(json.output!.worker_repository_url.value).toBe(refNamed(json, "aws_ecr_repository", "treepli-test/worker", "repository_url"));
      expect(json.output!.worker_deploy_role_arn.value).toBe(refNamed(json, "aws_iam_role", "treepli-test-worker-deploy", "arn"));
      expect(json.output!.worker_service_name.value).toBe("treepli-test-worker");
      expect(json.output!.repository_url.value).toBe(refNamed(json, "aws_ecr_repository", "treepli-test/api", "repository_url"));
    });

    test("THEN each role may push to its own repository only, roll out its own service only and pass its own roles only", () => {
      for (const name of ["api", "worker"]) {
        const roleKey = refNamed(json, "aws_iam_role", `treepli-test-${name}-deploy`, "id");
        const rolePolicy = Object.values(json.resource.aws_iam_role_policy).find((p: any) => p.role === roleKey);
        const statements = policy(rolePolicy.policy).Statement;
        expect(statements.find((s) => s.Sid === "PushImages").Resource).toBe(
          refNamed(json, "aws_ecr_repository", `treepli-test/${name}`, "arn"),
        );
        const rollOut = statements.find((s) => s.Sid === "RollOutOwnRevisions");
        expect(rollOut.Resource).toBe(service(name).serviceArn);
        expect(rollOut.Condition.ArnLike).toEqual({ "ecs:task-definition": `${service(name).taskDefinitionFamilyArn}:*` });
        expect(statements.find((s) => s.Sid === "PassTaskRoles").Resource).toEqual(service(name).taskRoleArns);
        const repositoryPolicy = resourceNamed(
          json,
          "aws_ecr_repository_policy",
          refNamed(json, "aws_ecr_repository", `treepli-test/${name}`, "name"),
        );
        expect(policy(repositoryPolicy.policy).Statement[0].Principal.AWS).toEqual([
          refNamed(json, "aws_iam_role", `treepli-test-${name}-deploy`, "arn"),
        ]);
      }
    });

    test("THEN the trust of each role names its own GitHub repository", () => {
      for (const name of ["api", "worker"]) {
        const trust = policy(resourceNamed(json, "aws_iam_role", `treepli-test-${name}-deploy`).assume_role_policy).Statement[0];
        expect(trust.Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(`repo:treepli/${name}:environment:test`);
      }
    });
  });

  test("GIVEN a deployment that rolls out nothing THEN synthesis fails saying so", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    new GithubDeployment(stack, "api", props("api"));
    expect(() => Testing.synth(stack, true)).toThrow(/GithubDeployment "api" rolls out no service: call rollsOut\(service\)/);
  });

  test("GIVEN a second service for one deployment THEN it is refused", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        const deployment = new GithubDeployment(scope, "api", props("api"));
        deployment.rollsOut(service("api"));
        deployment.rollsOut(service("other"));
      }),
    ).toThrow(/already rolls out a service; use one deployment per service/);
  });

  test("GIVEN an output prefix that is not snake_case ending in _ THEN it is refused", () => {
    expect(() => Testing.synthScope((scope) => new GithubDeployment(scope, "w", props("w", "worker-")))).toThrow(
      /outputPrefix must be empty or snake_case ending in "_"/,
    );
  });
});
