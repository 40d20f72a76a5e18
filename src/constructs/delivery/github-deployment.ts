import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { ContainerRepository } from "./container-repository";
import { GithubDeployRole } from "./github-deploy-role";

/** An output name prefix: empty, or snake_case ending in `_` (`worker_`). */
const OUTPUT_PREFIX = /^(?:[a-z][a-z0-9_]*_)?$/;

/** What a deployment rolls out: an ECS service (e.g. any {@link EcsServiceBase}). */
export interface DeployedService {
  /** ARN of the ECS service the deploy role may update. */
  readonly serviceArn: string;
  /** Name of the ECS service (the `service_name` output). */
  readonly serviceName: string;
  /** Task definition family the workflow registers revisions of (the `task_definition_family` output). */
  readonly taskDefinitionFamily: string;
  /** ARN of that family without a revision (`arn:aws:ecs:<region>:<account>:task-definition/<family>`). */
  readonly taskDefinitionFamilyArn: string;
  /** The task and execution roles its task definitions name, which the deploy role may pass to ECS. */
  readonly taskRoleArns: string[];
}

/** Props of {@link GithubDeployment}. */
export interface GithubDeploymentProps {
  /** What the deployment is called in descriptions: the service's name, e.g. `treepli-production-backend`. */
  readonly name: string;

  /** Name of the ECR repository (lower case, e.g. `treepli-production/backend`). */
  readonly repositoryName: string;

  /**
   * Refuse to destroy the repository (and delete it only when empty).
   *
   * @default true
   */
  readonly protect?: boolean;

  /**
   * Deployed images the repository keeps (the live one and the rollback targets; see
   * {@link ContainerRepository}).
   *
   * @default 30
   */
  readonly keepDeployedImages?: number;

  /** Name of the deploy role (the workflow's `role-to-assume` is its ARN). */
  readonly roleName: string;

  /** ARN of the account's GitHub Actions OIDC provider. */
  readonly oidcProviderArn: string;

  /** GitHub repository (`owner/name`) whose deploy workflow may assume the role. */
  readonly githubRepository: string;

  /** GitHub environment the workflow's job must run in. */
  readonly deployEnvironment: string;

  /** ARN of the ECS cluster the service runs in. */
  readonly clusterArn: string;

  /**
   * Prefix of the outputs' names (`<prefix>repository_url`, ...): empty for the service a stack's
   * workflows have always read unprefixed, `<service>_` for every further service of the stack, so that
   * any number of deployments fit in one stack.
   *
   * @default "" - `repository_url`, `deploy_role_arn`, `service_name`, `task_definition_family`
   */
  readonly outputPrefix?: string;
}

/**
 * How GitHub deploys one service: its image repository, the deploy role its workflow assumes, and the
 * outputs the workflow reads (`<prefix>repository_url`, `<prefix>deploy_role_arn`,
 * `<prefix>service_name`, `<prefix>task_definition_family`). Any number per stack, each with its own
 * output prefix.
 *
 * Built in two steps, because the service needs the repository (its initial image) and the role needs
 * the service: create the deployment, create the service from {@link repository}, then
 * {@link rollsOut} the service. The role ({@link GithubDeployRole}) may push to this repository only (the
 * repository's policy also names it as its only writer) and roll out this service only.
 */
export class GithubDeployment extends Construct {
  /** The service's image repository. */
  public readonly repository: ContainerRepository;

  private readonly props: GithubDeploymentProps;
  private readonly outputPrefix: string;
  private role?: GithubDeployRole;

  constructor(scope: Construct, id: string, props: GithubDeploymentProps) {
    super(scope, id);
    this.outputPrefix = props.outputPrefix ?? "";
    if (!Token.isUnresolved(this.outputPrefix) && !OUTPUT_PREFIX.test(this.outputPrefix)) {
      throw new Error(
        `GithubDeployment "${id}": outputPrefix must be empty or snake_case ending in "_" (e.g. "worker_"), got "${this.outputPrefix}"`,
      );
    }
    this.props = props;
    this.repository = new ContainerRepository(this, "repository", {
      name: props.repositoryName,
      protect: props.protect ?? true,
      keepDeployedImages: props.keepDeployedImages ?? 30,
    });
    this.node.addValidation({
      validate: () => (this.role ? [] : [`GithubDeployment "${id}" rolls out no service: call rollsOut(service) once the service exists`]),
    });
  }

  /** The URI of an image of this repository, e.g. the service's initial image. */
  public image(tag: string): string {
    return `${this.repository.repositoryUrl}:${tag}`;
  }

  /** The deploy role, once {@link rollsOut} has created it. */
  public get deployRole(): GithubDeployRole {
    if (!this.role) throw new Error(`GithubDeployment "${this.node.id}": call rollsOut(service) before reading deployRole`);
    return this.role;
  }

  /**
   * Creates the deploy role, allowed to roll out `service` (and to pass its task and execution roles),
   * makes it the repository's only pusher, and adds the outputs. Once per deployment.
   */
  public rollsOut(service: DeployedService): GithubDeployRole {
    if (this.role) throw new Error(`GithubDeployment "${this.node.id}" already rolls out a service; use one deployment per service`);
    const { name } = this.props;
    this.role = new GithubDeployRole(this, "deploy-role", {
      roleName: this.props.roleName,
      oidcProviderArn: this.props.oidcProviderArn,
      repository: this.props.githubRepository,
      deployEnvironment: this.props.deployEnvironment,
      ecrRepositoryArn: this.repository.repositoryArn,
      serviceArn: service.serviceArn,
      clusterArn: this.props.clusterArn,
      taskDefinitionFamilyArn: service.taskDefinitionFamilyArn,
      passRoleArns: service.taskRoleArns,
    });
    this.repository.grantPush(this.role.roleArn);

    this.output("repository_url", `Where GitHub pushes the images of ${name}`, this.repository.repositoryUrl);
    this.output("deploy_role_arn", `Role the GitHub workflow deploying ${name} assumes`, this.role.roleArn);
    this.output("service_name", `ECS service ${name}`, service.serviceName);
    this.output(
      "task_definition_family",
      this.outputPrefix === ""
        ? "Task definition family GitHub registers revisions of"
        : `Task definition family of ${name} GitHub registers revisions of`,
      service.taskDefinitionFamily,
    );
    return this.role;
  }

  /**
   * An output named `<prefix><name>`. Output names are a contract with the workflows that read them, so
   * they are set explicitly rather than derived from where the deployment sits in the construct tree.
   */
  private output(name: string, description: string, value: string): void {
    new TerraformOutput(this, name, { description, value }).overrideLogicalId(`${this.outputPrefix}${name}`);
  }
}
