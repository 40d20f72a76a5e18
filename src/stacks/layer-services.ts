import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentConfig, serviceName } from "../config/environment-config";
import { ServiceConfig } from "../config/schema/service";

/** One service's configuration as the validated (deeply frozen) environment holds it. */
type DeepReadonlyService = EnvironmentConfig["backend"]["services"][string];
import { EcsQueueProcessingService } from "../constructs/compute/ecs-queue-processing-service";
import { EcsServiceBase } from "../constructs/compute/ecs-service-base";
import { EcsWebService, EcsWebServiceProps } from "../constructs/compute/ecs-web-service";
import { GithubDeployment } from "../constructs/delivery/github-deployment";
import { WorkQueue } from "../constructs/messaging/work-queue";
import { DashboardRow } from "../constructs/observability/environment-dashboard";
import { EcsServiceAlarms } from "../constructs/observability/ecs-service-alarms";
import { QueueAlarms } from "../constructs/observability/queue-alarms";
import { ClusterRefs } from "./cluster-stack";
import { EnvironmentStack } from "./environment-stack";
import { alarmProps } from "./monitoring";
import { OpsRefs } from "./ops-stack";
import { NetworkRefs } from "./vpc-stack";

/** The layers whose configuration has a `services` map. */
export type ServiceLayer = "backend" | "frontend";

/** The props of a layer's web service that come from configuration and the shared layers. */
export type WebServiceSettings = Pick<
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
  | "logKmsKeyArn"
  | "desiredCount"
  | "minCount"
  | "maxCount"
  | "cpuTargetPercent"
  | "memoryTargetPercent"
>;

/** Props of {@link addLayerServices}. */
export interface LayerServicesProps {
  /** The environment. */
  readonly config: EnvironmentConfig;
  /** The layer whose `services` map to build. */
  readonly layer: ServiceLayer;
  /** The network from the vpc stack. */
  readonly network: NetworkRefs;
  /** The shared cluster (and the account's GitHub OIDC provider) from the cluster stack. */
  readonly cluster: ClusterRefs;
  /** The keys and topics of the ops stack (every service's log group is encrypted with its logs key; its alarms notify the topic). */
  readonly ops: OpsRefs;
  /**
   * The props of the layer's web service (the one named after the layer, which its load balancer
   * forwards to): the settings from configuration, and what the stack wires to it.
   */
  readonly web: (settings: WebServiceSettings) => EcsWebServiceProps;
}

/** One service of a layer, as built. */
export interface LayerService {
  /** Its key in the layer's `services` map. */
  readonly key: string;
  /** The ECS service. */
  readonly service: EcsServiceBase;
  /** Its image repository, deploy role and outputs. */
  readonly deployment: GithubDeployment;
  /** The queue it consumes, for a queue worker. */
  readonly queue?: WorkQueue;
  /** Its alarms (running tasks, CPU, memory, placement failures). */
  readonly alarms: EcsServiceAlarms;
  /** Its queue's alarms (dead letters, oldest message), for a queue worker. */
  readonly queueAlarms?: QueueAlarms;
}

/** What {@link addLayerServices} built. */
export interface LayerServices {
  /** The layer's web service, for the stack to put behind its load balancer. */
  readonly web: EcsWebService;
  /** Every service of the layer (the web service too), in the order of the configuration. */
  readonly all: LayerService[];
  /** The dashboard row of the layer's queue workers (each: its service, then its queue), if it has any. */
  readonly workersRow: DashboardRow;
}

/**
 * Builds every service of a layer from its `services` map: for each, its GitHub deployment (image
 * repository, deploy role, outputs) and its ECS service — the web service with the props the stack
 * gives, each queue worker with its own queue and dead-letter queue — and its alarms (every service:
 * running tasks, CPU, memory, placement failures; a worker's queue: dead letters, oldest message), which
 * the dashboard shows. Adding a worker to a layer is a configuration entry; nothing here or in the stack
 * changes.
 *
 * Terraform addresses: the service named after its layer keeps the addresses it had when a layer had
 * one service (its construct scope is `Default`, which cdktf leaves out of addresses) and the unprefixed
 * outputs; every other service lives under its key (`worker_service_...`) with outputs prefixed
 * `<key>_` (`worker_repository_url`).
 */
export function addLayerServices(stack: EnvironmentStack, props: LayerServicesProps): LayerServices {
  const { config, layer, network, cluster, ops } = props;
  const alarmSettings = config.observability.alarms;
  const all: LayerService[] = [];
  let web: EcsWebService | undefined;

  for (const [key, settings] of Object.entries(config[layer].services)) {
    const primary = key === layer;
    const name = serviceName(config.name, key);
    const outputPrefix = primary ? "" : `${key.replace(/-/g, "_")}_`;
    const scope = new Construct(stack, primary ? "Default" : key);
    // `Default` again, so that the deployment's resources are `<key>_repository`, `<key>_deploy-role`.
    const deployment = new GithubDeployment(scope, "Default", {
      name,
      repositoryName: `treepli-${config.name}/${key}`,
      protect: config.protectStatefulResources,
      keepDeployedImages: settings.keepDeployedImages,
      roleName: `${name}-deploy`,
      oidcProviderArn: cluster.githubOidcProviderArn,
      githubRepository: settings.githubRepository,
      deployEnvironment: config.github.deployEnvironment,
      clusterArn: cluster.clusterArn,
      outputPrefix,
    });
    const common = commonSettings(name, settings, deployment, network, cluster, ops);

    let service: EcsServiceBase;
    let queue: WorkQueue | undefined;
    if (settings.web) {
      web = new EcsWebService(
        scope,
        "service",
        props.web({
          ...common,
          containerPort: settings.web.containerPort,
          healthCheckPath: settings.web.healthCheckPath,
        }),
      );
      service = web;
    } else if (settings.queue) {
      queue = new WorkQueue(scope, "queue", {
        queueName: name,
        visibilityTimeoutSeconds: settings.queue.visibilityTimeoutSeconds,
        messageRetentionDays: settings.queue.messageRetentionDays,
        maxReceiveCount: settings.queue.maxReceiveCount,
      });
      service = new EcsQueueProcessingService(scope, "service", {
        ...common,
        queue,
        backlogPerTaskTarget: settings.queue.backlogPerTaskTarget,
        environment: {},
        // Scratch space for libraries that insist on one; everything else is read-only.
        writablePaths: ["/tmp"],
      });
      namedOutput(scope, `${outputPrefix}queue_url`, `Queue ${name} consumes (producers send to it)`, queue.queueUrl);
      namedOutput(scope, `${outputPrefix}queue_arn`, `ARN of the queue ${name} consumes (for producers' IAM policies)`, queue.queueArn);
      namedOutput(
        scope,
        `${outputPrefix}dead_letter_queue_url`,
        `Dead-letter queue of ${name}: messages that failed maxReceiveCount times`,
        queue.deadLetterQueue.url,
      );
    } else {
      // Configuration validation refuses a service that is neither; this guards code that skips it.
      throw new Error(`${layer}.services.${key}: neither web nor queue`);
    }
    deployment.rollsOut(service);
    const alarms = new EcsServiceAlarms(scope, "service-alarms", {
      ...alarmProps(stack, ops, name, `Service ${name}`),
      clusterName: cluster.clusterName,
      // The names as configured (what the resources are named), so the dashboard reads no output for them.
      serviceName: name,
      serviceArn: service.serviceArn,
      minCount: settings.minCount,
      settings: alarmSettings.service,
    });
    const queueAlarms =
      queue &&
      new QueueAlarms(scope, "queue-alarms", {
        ...alarmProps(stack, ops, `${name}-queue`, `Queue ${name} (dead letters: ${name}-dlq)`),
        queueName: name,
        deadLetterQueueName: `${name}-dlq`,
        settings: alarmSettings.queue,
      });
    all.push({ key, service, deployment, queue, alarms, queueAlarms });
  }

  if (!web) throw new Error(`${layer}.services has no web service "${layer}"; configuration validation should have refused it`);
  const workersRow: DashboardRow = {
    title: `${layer[0].toUpperCase()}${layer.slice(1)} queue workers: service → queue`,
    panels: all
      .filter((entry) => entry.service !== web)
      .flatMap((entry) => [entry.alarms.panel, ...(entry.queueAlarms ? [entry.queueAlarms.panel] : [])]),
  };
  return { web, all, workersRow };
}

/** The props every service of the estate takes from its configuration and the shared layers. */
function commonSettings(
  name: string,
  service: Readonly<ServiceConfig> | DeepReadonlyService,
  deployment: GithubDeployment,
  network: NetworkRefs,
  cluster: ClusterRefs,
  ops: OpsRefs,
) {
  return {
    serviceName: name,
    cluster,
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    image: deployment.image(service.initialImageTag),
    imageRepositoryArn: deployment.repository.repositoryArn,
    cpu: service.cpu,
    memory: service.memoryMiB,
    logRetentionDays: service.logRetentionDays,
    logKmsKeyArn: ops.logsKeyArn,
    desiredCount: service.desiredCount,
    minCount: service.minCount,
    maxCount: service.maxCount,
    cpuTargetPercent: service.cpuTargetPercent,
    memoryTargetPercent: service.memoryTargetPercent,
    egress: service.egress.map((rule) => ({ ...rule, cidrBlocks: [...rule.cidrBlocks] })),
  };
}

/** An output whose name is exactly `name` (a contract with whoever reads it), wherever it sits in the tree. */
function namedOutput(scope: Construct, name: string, description: string, value: string): void {
  new TerraformOutput(scope, name, { description, value }).overrideLogicalId(name);
}
