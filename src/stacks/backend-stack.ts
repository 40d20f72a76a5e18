import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { Lazy, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { CloudFrontCertificate } from "../constructs/edge/cloudfront-certificate";
import { HttpApi } from "../constructs/edge/http-api";
import { LoadBalancer } from "../constructs/edge/load-balancer";
import { POSTGRES_PORT, PostgresDatabase } from "../constructs/data/postgres-database";
import { RestartServiceOnRotation } from "../constructs/data/restart-service-on-rotation";
import { EcsWebService } from "../constructs/compute/ecs-web-service";
import { DatabaseAlarms } from "../constructs/observability/database-alarms";
import { HttpApiAlarms } from "../constructs/observability/http-api-alarms";
import { LoadBalancerAlarms } from "../constructs/observability/load-balancer-alarms";
import { SecretRotationAlarms } from "../constructs/observability/secret-rotation-alarms";
import { ClusterRefs } from "./cluster-stack";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { addLayerServices, LayerServices } from "./layer-services";
import { MediaRefs } from "./media-stack";
import { alarmProps, LayerMonitoring } from "./monitoring";
import { OpsRefs } from "./ops-stack";
import { NetworkRefs } from "./vpc-stack";

/** What the frontend uses of the backend (tokens; see {@link NetworkRefs}). */
export interface BackendRefs {
  /** Public base URL of the API (the custom domain when configured, else the stage's invoke URL). */
  readonly apiUrl: string;
}

/** Props of {@link BackendStack}. */
export interface BackendStackProps extends EnvironmentStackProps {
  /** The network from the vpc stack. */
  readonly network: NetworkRefs;
  /** The shared cluster (and the account's GitHub OIDC provider) from the cluster stack. */
  readonly cluster: ClusterRefs;
  /** The media store from the media stack. */
  readonly media: MediaRefs;
  /** The operations layer: topics for the alarms, the backup plan the database joins. */
  readonly ops: OpsRefs;
}

/**
 * `<environment>-backend`: the Go API. Clients reach it only through a rate-limited API Gateway HTTP
 * API, whose VPC link is the only thing the internal load balancer admits; the service runs on the
 * shared cluster, talks to its PostgreSQL database (reachable from the service only) and writes to the
 * media bucket; GitHub pushes its images and rolls it out through a role pinned to one repository and
 * GitHub environment.
 */
export class BackendStack extends EnvironmentStack {
  /** The API, for the frontend. */
  public readonly backend: BackendRefs;

  /** The API path's alarms and the workers', for the dashboard. */
  public readonly monitoring: LayerMonitoring;

  constructor(scope: Construct, props: BackendStackProps) {
    super(scope, "backend", props);
    const { config, network, cluster, media, ops } = props;
    const settings = config.backend;
    const name = `treepli-${config.name}-backend`;
    const protect = config.protectStatefulResources;

    // Order of construction: the service (its target group) before the load balancer forwarding to it;
    // the load balancer (its listener) before the API integrating with it. What each needs of a later
    // one (the load balancer's and the database's security groups, the VPC link's) is a lazy reference,
    // resolved at synth; Terraform's graph has no cycle.
    let loadBalancer: LoadBalancer | undefined;
    let database: PostgresDatabase | undefined;
    const lazy = (produce: () => string) => Lazy.stringValue({ produce });
    const databaseSecretArn = lazy(() => database!.masterUserSecretArn);

    // The layer's services: the API (named "backend") and any queue workers, each with its repository
    // and deploy role. The API's props are what this stack wires to it.
    const services = addLayerServices(this, {
      config,
      layer: "backend",
      network,
      cluster,
      ops,
      web: (api) => ({
        ...api,
        // A Go binary needs no writable filesystem; /tmp is there for libraries that insist on one.
        readonlyRootFilesystem: true,
        writablePaths: ["/tmp"],
        ingressSecurityGroupIds: [lazy(() => loadBalancer!.securityGroup.id)],
        environment: {
          PORT: String(api.containerPort),
          MEDIA_BUCKET: media.bucketName,
          MEDIA_CDN_DOMAIN: media.cdnDomainName,
          DATABASE_HOST: lazy(() => database!.address),
          DATABASE_PORT: lazy(() => database!.port),
          DATABASE_NAME: lazy(() => database!.databaseName),
          DATABASE_SSLMODE: "verify-full",
        },
        secrets: [
          { name: "DATABASE_USERNAME", valueFrom: lazy(() => database!.usernameValueFrom), secretArn: databaseSecretArn },
          { name: "DATABASE_PASSWORD", valueFrom: lazy(() => database!.passwordValueFrom), secretArn: databaseSecretArn },
        ],
        // The application's own permissions: objects in the media bucket, nothing else. The KMS actions
        // are what writing and reading SSE-KMS objects requires, on the bucket's key only.
        taskRolePolicyStatements: [
          {
            Sid: "MediaObjects",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            Resource: `${media.bucketArn}/*`,
          },
          {
            Sid: "MediaEncryption",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: media.kmsKeyArn,
          },
        ],
      }),
    });
    const service = services.web;

    loadBalancer = new LoadBalancer(this, "load-balancer", {
      name,
      internal: true,
      vpcId: network.vpcId,
      vpcCidrBlock: network.vpcCidrBlock,
      subnetIds: network.privateSubnetIds,
      deletionProtection: protect,
      // Admitted below, once the VPC link's security group exists: nothing else reaches the listener.
      ingress: { sourceSecurityGroupIds: [] },
      defaultAction: { forwardTargetGroupArn: service.targetGroup.arn },
      targetPorts: [service.containerPort],
      targetSecurityGroupIds: [service.securityGroup.id],
    });
    service.addLoadBalancerDependency(loadBalancer.listener);

    const apiDomain = config.domains.api;
    const apiCertificate = apiDomain
      ? new CloudFrontCertificate(this, "api-certificate", {
          domainName: apiDomain,
          hostedZoneId: config.domains.hostedZoneId,
          validationRecordsOutput: "api_certificate_validation_records",
        })
      : undefined;
    const api = new HttpApi(this, "api", {
      name,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      listenerArn: loadBalancer.listenerArn,
      listenerPort: loadBalancer.listenerPort,
      albSecurityGroupId: loadBalancer.securityGroup.id,
      throttling: { burstLimit: settings.throttling.burstLimit, rateLimit: settings.throttling.rateLimit },
      accessLogRetentionDays: settings.accessLogRetentionDays,
      customDomain:
        apiDomain && apiCertificate
          ? { domainName: apiDomain, certificateArn: apiCertificate.certificateArn, hostedZoneId: config.domains.hostedZoneId }
          : undefined,
    });
    loadBalancer.admitSecurityGroup(api.vpcLinkSecurityGroup.id);

    database = new PostgresDatabase(this, "database", {
      identifier: name,
      vpcId: network.vpcId,
      subnetIds: network.isolatedSubnetIds,
      clientSecurityGroupIds: [service.securityGroup.id],
      engineVersion: settings.database.engineVersion,
      instanceClass: settings.database.instanceClass,
      allocatedStorageGiB: settings.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: settings.database.maxAllocatedStorageGiB,
      databaseName: "treepli",
      masterUsername: "treepli",
      backupRetentionDays: settings.database.backupRetentionDays,
      multiAz: settings.database.multiAz,
      protect,
      performanceInsights: settings.database.performanceInsights,
      monitoringIntervalSeconds: settings.database.monitoringIntervalSeconds,
      passwordRotationDays: settings.database.passwordRotationDays,
    });
    // The tasks reach the database, and on its port nothing else.
    service.allowEgressTo("egress-database", {
      securityGroupId: database.securityGroup.id,
      port: POSTGRES_PORT,
      description: "PostgreSQL to the backend database only",
    });

    // RDS rotates the password in Secrets Manager; tasks read it once, at start. A successful rotation
    // starts a new deployment of the service, whose tasks start with the new password (docs/decisions.md).
    const restart = new RestartServiceOnRotation(this, "restart-on-rotation", {
      namePrefix: name,
      secretArn: database.masterUserSecretArn,
      clusterName: cluster.clusterName,
      clusterArn: cluster.clusterArn,
      serviceName: service.serviceName,
      serviceArn: service.serviceArn,
    });

    this.monitoring = this.monitor({ ops, services, loadBalancer, api, database, restart });

    this.backend = { apiUrl: apiDomain ? `https://${apiDomain}` : api.invokeUrl };

    new TerraformOutput(this, "api_url", { description: "Base URL of the API", value: this.backend.apiUrl });
    new TerraformOutput(this, "api_invoke_url", {
      description: "The stage's execute-api URL (switched off when a custom API domain is configured)",
      value: api.invokeUrl,
    });
    new TerraformOutput(this, "database_address", { description: "Host name of the PostgreSQL database", value: database.address });
    new TerraformOutput(this, "database_secret_arn", {
      description: "Secret holding the database's master credentials (RDS-managed)",
      value: database.masterUserSecretArn,
    });
    new TerraformOutput(this, "load_balancer_dns_name", {
      description: "Internal load balancer (reachable from the VPC link only)",
      value: loadBalancer.dnsName,
    });
  }

  /**
   * The alarms of the API path (API, load balancer, database; the services have theirs from
   * addLayerServices), the database's daily AWS Backup, and the dashboard rows they make.
   */
  private monitor(parts: {
    ops: OpsRefs;
    services: LayerServices;
    loadBalancer: LoadBalancer;
    api: HttpApi;
    database: PostgresDatabase;
    restart: RestartServiceOnRotation;
  }): LayerMonitoring {
    const { config } = this;
    const { ops, services, loadBalancer, api, database, restart } = parts;
    const name = `treepli-${config.name}-backend`;
    const alarms = config.observability.alarms;
    const web: EcsWebService = services.web;
    const webAlarms = services.all.find((entry) => entry.service === web)!.alarms;

    const apiAlarms = new HttpApiAlarms(this, "api-alarms", {
      ...alarmProps(this, ops, `${name}-api`, `API ${config.domains.api ?? name}`),
      apiId: api.api.id,
      accessLogGroupName: api.logGroup.name,
      settings: alarms.api,
    });
    const loadBalancerAlarms = new LoadBalancerAlarms(this, "load-balancer-alarms", {
      ...alarmProps(this, ops, `${name}-alb`, `Load balancer ${name} (internal)`),
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      targetGroups: [{ label: "backend", arnSuffix: web.targetGroup.arnSuffix }],
      settings: alarms.loadBalancer,
    });
    const databaseAlarms = new DatabaseAlarms(this, "database-alarms", {
      ...alarmProps(this, ops, `${name}-db`, `Database ${name} (PostgreSQL)`),
      dbInstanceIdentifier: database.instance.identifier,
      settings: alarms.database,
    });

    // The password's rotation and the restart that follows it: no metric of their own but the rule's invocations.
    const rotationAlarms = new SecretRotationAlarms(this, "rotation-alarms", {
      ...alarmProps(this, ops, `${name}-db-password`, `Database password rotation (${name})`),
      secretArn: database.masterUserSecretArn,
      secretDescription: `${name}'s database master password`,
      restartRuleName: restart.ruleName,
      restartRunbookName: restart.runbookName,
      serviceName: web.serviceName,
      failedRestarts: alarms.rotation.failedRestarts,
    });

    // Daily AWS Backup of the database, in the environment's plan (the ops layer), copied to the second region.
    new BackupSelection(this, "database-backup", {
      name: `${name}-database`,
      planId: ops.backupPlanId,
      iamRoleArn: ops.backupRoleArn,
      resources: [database.instance.arn],
    });

    return {
      requestPath: {
        title: "API: API Gateway → load balancer → service → database",
        panels: [apiAlarms.panel, loadBalancerAlarms.panel, webAlarms.panel, databaseAlarms.panel, rotationAlarms.panel],
      },
      otherRows: [services.workersRow],
    };
  }
}
