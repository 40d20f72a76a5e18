import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentConfig } from "../config/environment-config";
import { ContainerRepository } from "../constructs/delivery/container-repository";
import { EcsWebService, EcsWebServiceProps } from "../constructs/compute/ecs-web-service";
import { GithubDeployRole } from "../constructs/delivery/github-deploy-role";
import { ClusterRefs } from "./cluster-stack";
import { NetworkRefs } from "./vpc-stack";

/** The configuration of one service (the backend's and the frontend's have the same shape). */
export type ServiceConfig = EnvironmentConfig["backend"]["service"];

/**
 * The props of an {@link EcsWebService} every service of the estate shares: its name, the shared
 * cluster and the private subnets, what comes straight from its configuration, and the initial image
 * from its repository (afterwards GitHub owns the image tag).
 */
export function serviceSettings(
  name: string,
  service: ServiceConfig,
  repository: ContainerRepository,
  network: NetworkRefs,
  cluster: ClusterRefs,
): Pick<
  EcsWebServiceProps,
  | "serviceName"
  | "cluster"
  | "vpcId"
  | "subnetIds"
  | "image"
  | "imageRepositoryArn"
  | "containerPort"
  | "cpu"
  | "memory"
  | "healthCheckPath"
  | "logRetentionDays"
  | "desiredCount"
  | "minCount"
  | "maxCount"
  | "cpuTargetPercent"
  | "memoryTargetPercent"
> {
  return {
    serviceName: name,
    cluster,
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    image: `${repository.repositoryUrl}:${service.initialImageTag}`,
    imageRepositoryArn: repository.repositoryArn,
    containerPort: service.containerPort,
    cpu: service.cpu,
    memory: service.memoryMiB,
    healthCheckPath: service.healthCheckPath,
    logRetentionDays: service.logRetentionDays,
    desiredCount: service.desiredCount,
    minCount: service.minCount,
    maxCount: service.maxCount,
    cpuTargetPercent: service.cpuTargetPercent,
    memoryTargetPercent: service.memoryTargetPercent,
  };
}

/** What {@link addGithubDeployment} wires together. */
export interface GithubDeploymentProps {
  /** Prefix of the role's name, e.g. `treepli-production-backend`. */
  readonly name: string;
  /** The environment (its GitHub deploy environment). */
  readonly config: EnvironmentConfig;
  /** The GitHub repository (`owner/name`) whose workflow deploys the service. */
  readonly githubRepository: string;
  /** The service's image repository; the role becomes its only writer. */
  readonly repository: ContainerRepository;
  /** The service the role rolls out. */
  readonly service: EcsWebService;
  /** The shared cluster (and the account's GitHub OIDC provider). */
  readonly cluster: ClusterRefs;
}

/**
 * The GitHub deploy role of a service (the only principal that may push to its repository) and the
 * outputs its workflow needs: `repository_url`, `deploy_role_arn`, `service_name`, `task_definition_family`.
 */
export function addGithubDeployment(scope: Construct, props: GithubDeploymentProps): GithubDeployRole {
  const { name, config, repository, service, cluster } = props;
  const deployRole = new GithubDeployRole(scope, "deploy-role", {
    roleName: `${name}-deploy`,
    oidcProviderArn: cluster.githubOidcProviderArn,
    repository: props.githubRepository,
    deployEnvironment: config.github.deployEnvironment,
    ecrRepositoryArn: repository.repositoryArn,
    serviceArn: service.serviceArn,
    clusterArn: cluster.clusterArn,
    passRoleArns: [service.taskRole.arn, service.executionRole.arn],
  });
  repository.grantPush(deployRole.roleArn);

  new TerraformOutput(scope, "repository_url", {
    description: `Where GitHub pushes the images of ${name}`,
    value: repository.repositoryUrl,
  });
  new TerraformOutput(scope, "deploy_role_arn", {
    description: `Role the GitHub workflow deploying ${name} assumes`,
    value: deployRole.roleArn,
  });
  new TerraformOutput(scope, "service_name", { description: `ECS service ${name}`, value: service.serviceName });
  new TerraformOutput(scope, "task_definition_family", {
    description: "Task definition family GitHub registers revisions of",
    value: service.taskDefinition.family,
  });
  return deployRole;
}
