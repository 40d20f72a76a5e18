import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { ECR_PUSH_ACTIONS } from "./container-repository";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "./github-oidc-provider";
import { policyDocument } from "../iam/policy-document";

const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const ECS_SERVICE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[\w-]+(?:\/[\w-]+)?$/;
const ECS_CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[\w-]+$/;
const TASK_DEFINITION_FAMILY_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+$/;
const ECR_REPOSITORY_ARN = /^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository\/[a-z0-9._/-]+$/;

/** Props of {@link GithubDeployRole}. */
export interface GithubDeployRoleProps {
  /** Name of the IAM role (the workflow's `role-to-assume` is its ARN). */
  readonly roleName: string;

  /** ARN of the account's GitHub Actions OIDC provider ({@link GithubOidcProvider.arn}). */
  readonly oidcProviderArn: string;

  /** GitHub repository whose workflows may assume the role, as `owner/name` (e.g. `treepli/backend`). */
  readonly repository: string;

  /**
   * GitHub environment the workflow job must run in (`environment:` of the job). Only jobs of that
   * environment get a token whose `sub` matches, so the environment's protection rules (required
   * reviewers, allowed branches) guard every deployment.
   */
  readonly deployEnvironment: string;

  /** ARN of the ECR repository the workflow pushes its image to. */
  readonly ecrRepositoryArn: string;

  /** ARN of the ECS service the workflow rolls out. */
  readonly serviceArn: string;

  /** ARN of the ECS cluster that runs the service. */
  readonly clusterArn: string;

  /**
   * ARN of the service's task definition family, without a revision
   * (`arn:aws:ecs:<region>:<account>:task-definition/<family>`): the service may be pointed at revisions
   * of this family only.
   */
  readonly taskDefinitionFamilyArn: string;

  /**
   * Roles the new task definition names and that the workflow may therefore pass to ECS: the task
   * role and the task execution role.
   */
  readonly passRoleArns: string[];

  /**
   * Longest session, in seconds (3600 to 43200).
   *
   * @default 3600
   */
  readonly maxSessionDuration?: number;
}

/**
 * The IAM role a GitHub Actions workflow assumes (through the account's OIDC provider) to roll out a
 * new image of one service, and nothing else:
 *
 * - trust: only tokens issued for `sts.amazonaws.com` whose subject is exactly
 *   `repo:<owner/name>:environment:<deployEnvironment>` (`StringEquals`, no wildcard), so no other
 *   repository, fork, branch or environment can assume it;
 * - log in to ECR and push (and read back, for a build cache) images of its own repository only, and
 *   read what the image tag contract needs there (image push times and tags, the lifecycle policy);
 * - register a new revision of the task definition (never one with a privileged container) and pass
 *   to ECS exactly the task and execution roles;
 * - update and watch its own service only, in its own cluster, and point it only at revisions of its
 *   own task definition family (`ecs:task-definition`).
 *
 * It may not create or delete services, change the repository, read other images or pass any other
 * role. What it can still do, and why that is accepted: docs/decisions.md, "Isolation on the shared
 * container instances". The repository's own policy must also allow the role to push
 * ({@link ContainerRepository.grantPush}).
 */
export class GithubDeployRole extends Construct {
  /** The role. */
  public readonly role: IamRole;

  /** The role's permissions, a separate inline policy (it references the repository, which references the role). */
  public readonly policy: IamRolePolicy;

  /** ARN of the role, the workflow's `role-to-assume`. */
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    const maxSessionDuration = props.maxSessionDuration ?? 3600;
    validate(id, props, maxSessionDuration);

    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: `GitHub Actions of ${props.repository} (environment ${props.deployEnvironment}) deploy a new image`,
      maxSessionDuration,
      assumeRolePolicy: policyDocument({
        Sid: "GithubActionsOfOneRepositoryEnvironment",
        Effect: "Allow",
        Principal: { Federated: props.oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: `repo:${props.repository}:environment:${props.deployEnvironment}`,
          },
        },
      }),
    });
    this.roleArn = this.role.arn;

    this.policy = new IamRolePolicy(this, "policy", {
      name: "deploy",
      role: this.role.id,
      policy: policyDocument(
        {
          Sid: "LogInToEcr",
          Effect: "Allow",
          // GetAuthorizationToken is account-wide: AWS accepts only "*" here. The token alone reaches
          // nothing; the statement below and the repository policy decide what may be pushed.
          Action: "ecr:GetAuthorizationToken",
          Resource: "*",
        },
        {
          Sid: "PushImages",
          Effect: "Allow",
          Action: [...ECR_PUSH_ACTIONS],
          Resource: props.ecrRepositoryArn,
        },
        {
          // The image tag contract (docs/deploying.md, "Image tags"): before a rollout the workflow checks that the
          // image will stay among the deployed images the lifecycle policy keeps (it reads the image's
          // push time and the policy's count); after it, it adds the deployed tag with PutImage.
          Sid: "ReadImageRetention",
          Effect: "Allow",
          Action: ["ecr:DescribeImages", "ecr:GetLifecyclePolicy"],
          Resource: props.ecrRepositoryArn,
        },
        {
          Sid: "RegisterTaskDefinitions",
          Effect: "Allow",
          // Neither action supports resource-level permissions: AWS accepts only "*" here. What the new
          // revision may do is bounded by the PassRole statement below.
          Action: ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"],
          Resource: "*",
        },
        {
          // The only property of a new revision IAM can judge: ecs:privileged. (The ECS agent refuses
          // privileged containers too, ECS_DISABLE_PRIVILEGED; host namespaces, host paths and devices
          // have no condition key and are detected instead.) A Deny, so that no later Allow undoes it.
          Sid: "NoPrivilegedContainers",
          Effect: "Deny",
          Action: "ecs:RegisterTaskDefinition",
          Resource: "*",
          Condition: { "ForAnyValue:StringEqualsIgnoreCase": { "ecs:privileged": ["true"] } },
        },
        {
          Sid: "PassTaskRoles",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: [...props.passRoleArns],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
        {
          Sid: "RollOutOwnRevisions",
          Effect: "Allow",
          Action: "ecs:UpdateService",
          Resource: props.serviceArn,
          // A service ARN in the long format already names its cluster; ecs:cluster also pins the cluster
          // for short (legacy) ARNs, which do not. ecs:task-definition is the revision the service is
          // pointed at, resolved to its full ARN before authorization (since March 2024, also when only a
          // family is given): only revisions of this service's own family. An update that names no task
          // definition (a forced redeployment, a count) has no ecs:task-definition and is refused.
          Condition: {
            ArnEquals: { "ecs:cluster": props.clusterArn },
            ArnLike: { "ecs:task-definition": `${props.taskDefinitionFamilyArn}:*` },
          },
        },
        {
          Sid: "WatchService",
          Effect: "Allow",
          Action: "ecs:DescribeServices",
          Resource: props.serviceArn,
          Condition: { ArnEquals: { "ecs:cluster": props.clusterArn } },
        },
      ),
    });
  }
}

function validate(id: string, props: GithubDeployRoleProps, maxSessionDuration: number): void {
  const fail = (message: string) => {
    throw new Error(`GithubDeployRole "${id}": ${message}`);
  };
  const literal = (value: string) => !Token.isUnresolved(value);

  if (literal(props.roleName) && !ROLE_NAME.test(props.roleName)) {
    fail(`roleName "${props.roleName}" is not a valid IAM role name; use 1-64 letters, digits and + = , . @ _ -`);
  }
  if (literal(props.repository) && !GITHUB_REPOSITORY.test(props.repository)) {
    fail(`repository must be a GitHub repository as "owner/name" without wildcards, got "${props.repository}" (e.g. "treepli/backend")`);
  }
  if (literal(props.deployEnvironment) && (props.deployEnvironment.trim() === "" || /[*?:]/.test(props.deployEnvironment))) {
    fail(`deployEnvironment must name one GitHub environment (no "*", "?" or ":"), got "${props.deployEnvironment}"`);
  }
  if (props.passRoleArns.length === 0) {
    fail("passRoleArns is empty; give the ARNs of the service's task role and task execution role");
  }
  for (const arn of props.passRoleArns) {
    if (literal(arn) && !ROLE_ARN.test(arn)) fail(`passRoleArns: "${arn}" is not an IAM role ARN (no wildcards)`);
  }
  if (literal(props.ecrRepositoryArn) && !ECR_REPOSITORY_ARN.test(props.ecrRepositoryArn)) {
    fail(`ecrRepositoryArn "${props.ecrRepositoryArn}" is not an ECR repository ARN (no wildcards)`);
  }
  if (literal(props.serviceArn) && !ECS_SERVICE_ARN.test(props.serviceArn)) {
    fail(`serviceArn "${props.serviceArn}" is not an ECS service ARN (no wildcards)`);
  }
  if (literal(props.taskDefinitionFamilyArn) && !TASK_DEFINITION_FAMILY_ARN.test(props.taskDefinitionFamilyArn)) {
    fail(
      `taskDefinitionFamilyArn "${props.taskDefinitionFamilyArn}" is not the ARN of a task definition family without a revision (arn:aws:ecs:<region>:<account>:task-definition/<family>, no wildcards)`,
    );
  }
  if (literal(props.clusterArn) && !ECS_CLUSTER_ARN.test(props.clusterArn)) {
    fail(`clusterArn "${props.clusterArn}" is not an ECS cluster ARN (no wildcards)`);
  }
  if (
    !Token.isUnresolved(maxSessionDuration) &&
    (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200)
  ) {
    fail(`maxSessionDuration must be a whole number of seconds from 3600 to 43200, got ${maxSessionDuration}`);
  }
}
