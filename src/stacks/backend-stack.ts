import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { Lazy, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { CloudFrontCertificate } from "../constructs/edge/cloudfront-certificate";
import { HttpApi } from "../constructs/edge/http-api";
import { LoadBalancer } from "../constructs/edge/load-balancer";
import { POSTGRES_PORT, PostgresDatabase } from "../constructs/data/postgres-database";
import { RestartServiceOnRotation } from "../constructs/data/restart-service-on-rotation";
import { DatabaseAlarms } from "../constructs/observability/database-alarms";
import { HttpApiAlarms } from "../constructs/observability/http-api-alarms";
import { LoadBalancerAlarms } from "../constructs/observability/load-balancer-alarms";
import { SecretRotationAlarms } from "../constructs/observability/secret-rotation-alarms";
import { ClusterRefs } from "./cluster-stack";
import { EcsServiceSecret } from "../constructs/compute/ecs-service-base";
import { EcsWebService } from "../constructs/compute/ecs-web-service";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { addLayerServices, LayerServices } from "./layer-services";
import { MediaRefs } from "./media-stack";
import { alarmProps, LayerMonitoring } from "./monitoring";
import { OpsRefs } from "./ops-stack";
import { NetworkRefs } from "./vpc-stack";

/**
 * The database user the backend connects as, with an IAM authentication token: created once by
 * docs/database/create-application-user.sql, granted what the application needs and no more.
 */
export const APPLICATION_DATABASE_USER = "treepli_app";

/**
 * Path of RDS's global CA bundle in the backend's image (`DATABASE_SSLROOTCERT`): the image build puts
 * `https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem` there (README, application contract).
 */
export const RDS_CA_BUNDLE_PATH = "/etc/ssl/certs/rds-global-bundle.pem";

/** What the frontend uses of the backend (tokens; see {@link NetworkRefs}). */
export interface BackendRefs {
  /** Public base URL of the API (the custom domain when configured, else the stage's invoke URL). */
  readonly apiUrl: string;
}

/** Props of {@link BackendStack}. */
export interface BackendStackProps extends EnvironmentStackProps {
  /** The keys and topics of the ops stack (the database's key, log groups; alarms' topics; the backup plan the database joins). */
  readonly ops: OpsRefs;
  /** The network from the vpc stack. */
  readonly network: NetworkRefs;
  /** The shared cluster (and the account's GitHub OIDC provider) from the cluster stack. */
  readonly cluster: ClusterRefs;
  /** The media store from the media stack. */
  readonly media: MediaRefs;
}

/**
 * `<environment>-backend`: the Go API. Clients reach it only through a rate-limited API Gateway HTTP
 * API, whose VPC link is the only thing the internal load balancer admits; the service runs on the
 * shared cluster, talks to its PostgreSQL database (reachable from the service only) and writes to the
 * media bucket; GitHub pushes its images and rolls it out through a role pinned to one repository and
 * GitHub environment.
 *
 * The service connects to the database as {@link APPLICATION_DATABASE_USER} with IAM authentication
 * tokens (its task role may `rds-db:connect` as that user only). Until `withdrawMasterPassword` (phase 2,
 * README), its tasks also still get the master user's name and password, and a rotation of that password
 * restarts the service.
 */
export class BackendStack extends EnvironmentStack {
  /** The API, for the frontend. */
  public readonly backend: BackendRefs;

  /** The API path's alarms and the workers', for the dashboard. */
  public readonly monitoring: LayerMonitoring;

  constructor(scope: Construct, props: BackendStackProps) {
    super(scope, "backend", props);
    const { config, ops, network, cluster, media } = props;
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
    let applicationUserArn: string | undefined;
    const withdrawMasterPassword = settings.database.withdrawMasterPassword;
    // Phase 1 of the move to IAM authentication: the master user's name and password are still given to
    // the tasks, for the release that does not use tokens yet (README, "The database without the master password").
    const masterPassword: EcsServiceSecret[] = withdrawMasterPassword
      ? []
      : [
          { name: "DATABASE_USERNAME", valueFrom: lazy(() => database!.usernameValueFrom), secretArn: databaseSecretArn },
          { name: "DATABASE_PASSWORD", valueFrom: lazy(() => database!.passwordValueFrom), secretArn: databaseSecretArn },
        ];

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
          // Where the image carries RDS's CA bundle (README, "The database without the master password"):
          // verify-full checks the server certificate, signed by the CA pinned on the instance, against it.
          DATABASE_SSLROOTCERT: RDS_CA_BUNDLE_PATH,
          // IAM authentication: the user to request a token for, and the region the token is signed for
          // (the SDK cannot ask the instance metadata service, which tasks cannot reach).
          DATABASE_IAM_USERNAME: APPLICATION_DATABASE_USER,
          AWS_REGION: config.aws.region,
        },
        secrets: masterPassword,
        // The master secret is encrypted with the database key: the execution role may decrypt with it,
        // through Secrets Manager only, while it reads that secret.
        kmsKeyArn: masterPassword.length > 0 ? ops.databaseKeyArn : undefined,
        // The application's own permissions: objects in the media bucket and its database user, nothing
        // else. The KMS actions are what writing and reading SSE-KMS objects requires, on the bucket's key only.
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
          {
            Sid: "ConnectAsApplicationUser",
            Effect: "Allow",
            Action: "rds-db:connect",
            Resource: lazy(() => applicationUserArn!),
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
      accessLogs: {
        bucketName: `${name}-alb-logs-${config.aws.accountId}`,
        protect,
        expirationDays: config.ops.auditLogRetentionDays,
      },
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
      accessLogRetentionDays: config.ops.auditLogRetentionDays,
      accessLogKmsKeyArn: ops.logsKeyArn,
      customDomain:
        apiDomain && apiCertificate
          ? { domainName: apiDomain, certificateArn: apiCertificate.certificateArn, hostedZoneId: config.domains.hostedZoneId }
          : undefined,
    });
    loadBalancer.admitSecurityGroup(api.vpcLinkSecurityGroup.id);

    const { database: created, restart } = this.createDatabase(props, name, service);
    database = created;
    applicationUserArn = database.databaseUserArn(APPLICATION_DATABASE_USER);

    this.monitoring = this.monitor({ ops, services, loadBalancer, api, database, restart });

    this.backend = { apiUrl: apiDomain ? `https://${apiDomain}` : api.invokeUrl };

    this.addOutputs(api, database, loadBalancer);
  }

  /**
   * The PostgreSQL database (IAM authentication on; storage, Performance Insights and the master secret on
   * the ops layer's database key) and, while the tasks still read the master password (phase 1), the
   * restart after its rotation.
   */
  private createDatabase(
    props: BackendStackProps,
    name: string,
    service: EcsWebService,
  ): { database: PostgresDatabase; restart?: RestartServiceOnRotation } {
    const { config, ops, network, cluster } = props;
    const settings = config.backend.database;
    const database = new PostgresDatabase(this, "database", {
      identifier: name,
      vpcId: network.vpcId,
      subnetIds: network.isolatedSubnetIds,
      clientSecurityGroupIds: [service.securityGroup.id],
      engineVersion: settings.engineVersion,
      instanceClass: settings.instanceClass,
      allocatedStorageGiB: settings.allocatedStorageGiB,
      maxAllocatedStorageGiB: settings.maxAllocatedStorageGiB,
      databaseName: "treepli",
      masterUsername: "treepli",
      backupRetentionDays: settings.backupRetentionDays,
      multiAz: settings.multiAz,
      protect: config.protectStatefulResources,
      performanceInsights: settings.performanceInsights,
      monitoringIntervalSeconds: settings.monitoringIntervalSeconds,
      passwordRotationDays: settings.passwordRotationDays,
      iamDatabaseAuthentication: true,
      kmsKeyArn: ops.databaseKeyArn,
      logKmsKeyArn: ops.logsKeyArn,
    });
    // The tasks reach the database, and on its port nothing else.
    service.allowEgressTo("egress-database", {
      securityGroupId: database.securityGroup.id,
      port: POSTGRES_PORT,
      description: "PostgreSQL to the backend database only",
    });

    // RDS rotates the password in Secrets Manager; tasks read it once, at start. While they still get it
    // (phase 1), a successful rotation starts a new deployment of the service, whose tasks start with the
    // new password (docs/decisions.md); a failed rotation or restart notifies the operations topic
    // (SecretRotationAlarms, in monitor()).
    const restart = settings.withdrawMasterPassword
      ? undefined
      : new RestartServiceOnRotation(this, "restart-on-rotation", {
          namePrefix: name,
          secretArn: database.masterUserSecretArn,
          clusterName: cluster.clusterName,
          clusterArn: cluster.clusterArn,
          serviceName: service.serviceName,
          serviceArn: service.serviceArn,
        });
    return { database, restart };
  }

  /** What operators and the frontend read of the layer. */
  private addOutputs(api: HttpApi, database: PostgresDatabase, loadBalancer: LoadBalancer): void {
    new TerraformOutput(this, "api_url", { description: "Base URL of the API", value: this.backend.apiUrl });
    new TerraformOutput(this, "api_invoke_url", {
      description: "The stage's execute-api URL (switched off when a custom API domain is configured)",
      value: api.invokeUrl,
    });
    new TerraformOutput(this, "database_address", { description: "Host name of the PostgreSQL database", value: database.address });
    new TerraformOutput(this, "database_application_username", {
      description: "Database user the backend connects as with IAM tokens (created by docs/database/create-application-user.sql)",
      value: APPLICATION_DATABASE_USER,
    });
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
    /** The restart after a rotation (phase 1 of the move to IAM authentication only). */
    restart?: RestartServiceOnRotation;
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
      restart: restart && { ruleName: restart.ruleName, runbookName: restart.runbookName },
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
        panels: [
          apiAlarms.panel,
          loadBalancerAlarms.panel,
          webAlarms.panel,
          databaseAlarms.panel,
          // Without the restart (phase 2), rotations have notifications only: no graph to draw.
          ...(rotationAlarms.panel.widgets.length > 0 ? [rotationAlarms.panel] : []),
        ],
      },
      otherRows: [services.workersRow],
    };
  }
}
