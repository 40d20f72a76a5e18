import { DataAwsEc2ManagedPrefixList } from "@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Lazy, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { CloudFrontCertificate } from "../constructs/edge/cloudfront-certificate";
import { LoadBalancer } from "../constructs/edge/load-balancer";
import { OriginHeaderListenerRule, OriginSecretValues } from "../constructs/edge/origin-secret";
import { SiteDistribution } from "../constructs/edge/site-distribution";
import { partitionOf } from "../constructs/iam/policy-document";
import { CloudFrontAccessLogs } from "../constructs/observability/cloudfront-access-logs";
import { DistributionAlarms } from "../constructs/observability/distribution-alarms";
import { LoadBalancerAlarms } from "../constructs/observability/load-balancer-alarms";
import { BackendRefs } from "./backend-stack";
import { originSecretName } from "./bootstrap-stack";
import { ClusterRefs } from "./cluster-stack";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";
import { addLayerServices } from "./layer-services";
import { MediaRefs } from "./media-stack";
import { alarmProps, LayerMonitoring } from "./monitoring";
import { OpsRefs } from "./ops-stack";
import { NetworkRefs } from "./vpc-stack";

/** AWS's managed prefix list of CloudFront's origin-facing addresses (looked up by name, per region). */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";

/** Props of {@link FrontendStack}. */
export interface FrontendStackProps extends EnvironmentStackProps {
  /** The keys and topics of the ops stack (log groups, the site's viewer logs in us-east-1; the alarms' topics). */
  readonly ops: OpsRefs;
  /** The network from the vpc stack. */
  readonly network: NetworkRefs;
  /** The shared cluster (and the account's GitHub OIDC provider) from the cluster stack. */
  readonly cluster: ClusterRefs;
  /** The media CDN from the media stack. */
  readonly media: MediaRefs;
  /** The API from the backend stack. */
  readonly backend: BackendRefs;
}

/**
 * `<environment>-frontend`: the Next.js site. CloudFront serves it; its origin is a public load
 * balancer that admits only CloudFront's origin-facing addresses and answers 403 unless the request
 * carries the secret header CloudFront adds (the value comes from the bootstrap stack's secret, never
 * from code or configuration). The service runs on the shared cluster like the backend's, from its own
 * repository, rolled out by its own GitHub deploy role. The load balancer's access logs and the
 * distribution's viewer logs (CloudFront standard logging v2, in us-east-1) are kept as audit records.
 */
export class FrontendStack extends EnvironmentStack {
  /** The site path's alarms and the workers', for the dashboard. */
  public readonly monitoring: LayerMonitoring;

  constructor(scope: Construct, props: FrontendStackProps) {
    super(scope, "frontend", props);
    const { config, ops, network, cluster, media, backend } = props;
    const settings = config.frontend;
    const name = `treepli-${config.name}-frontend`;
    const protect = config.protectStatefulResources;
    const site = config.domains.site;
    const zoneId = config.domains.hostedZoneId;
    // With a site domain, CloudFront reaches the load balancer over HTTPS at this name (a certificate
    // cannot name the load balancer's own DNS name).
    const originName = site ? `origin.${site}` : undefined;

    // The layer's services: the site (named "frontend") and any queue workers, each with its repository
    // and deploy role. The site's props are what this stack wires to it.
    let loadBalancer: LoadBalancer | undefined;
    const services = addLayerServices(this, {
      config,
      layer: "frontend",
      network,
      cluster,
      ops,
      web: (site) => ({
        ...site,
        // Next.js writes its image and fetch caches under .next/cache; everything else is read-only.
        readonlyRootFilesystem: true,
        writablePaths: ["/tmp", "/app/.next/cache"],
        ingressSecurityGroupIds: [Lazy.stringValue({ produce: () => loadBalancer!.securityGroup.id })],
        environment: {
          PORT: String(site.containerPort),
          HOSTNAME: "0.0.0.0",
          NODE_ENV: "production",
          API_URL: backend.apiUrl,
          MEDIA_CDN_DOMAIN: media.cdnDomainName,
          // Longer than the load balancer's 60 s idle timeout, so that Node never closes a keep-alive
          // connection the load balancer is about to reuse (which shows as sporadic 502s).
          KEEP_ALIVE_TIMEOUT: "65000",
        },
      }),
    });
    const service = services.web;

    const originCertificate = originName
      ? new CloudFrontCertificate(this, "origin-certificate", {
          domainName: originName,
          hostedZoneId: zoneId,
          validationRecordsOutput: "origin_certificate_validation_records",
        })
      : undefined;
    const cloudFrontAddresses = new DataAwsEc2ManagedPrefixList(this, "cloudfront-origin-facing", {
      name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
    });
    loadBalancer = new LoadBalancer(this, "load-balancer", {
      name,
      internal: false,
      vpcId: network.vpcId,
      vpcCidrBlock: network.vpcCidrBlock,
      subnetIds: network.publicSubnetIds,
      deletionProtection: protect,
      ingress: { sourcePrefixListIds: [cloudFrontAddresses.id] },
      // Requests without the secret header (anything not from this distribution) end here.
      defaultAction: { fixedResponse: { statusCode: "403", messageBody: "Forbidden", contentType: "text/plain" } },
      certificateArn: originCertificate?.certificateArn,
      targetPorts: [service.containerPort],
      targetSecurityGroupIds: [service.securityGroup.id],
      accessLogs: {
        bucketName: `${name}-alb-logs-${config.aws.accountId}`,
        protect,
        expirationDays: config.ops.auditLogRetentionDays,
      },
    });

    const originSecret = new OriginSecretValues(this, "origin-secret", { secretId: originSecretName(config.name) });
    const originRule = new OriginHeaderListenerRule(this, "origin-header", {
      listenerArn: loadBalancer.listenerArn,
      targetGroupArn: service.targetGroup.arn,
      acceptedValues: originSecret.accepted,
      headerName: settings.originHeaderName,
    });
    service.addLoadBalancerDependency(originRule.rule);

    const siteCertificate = site
      ? new CloudFrontCertificate(this, "site-certificate", {
          domainName: site,
          hostedZoneId: zoneId,
          provider: this.usEast1Provider(),
          validationRecordsOutput: "site_certificate_validation_records",
        })
      : undefined;
    const distribution = new SiteDistribution(this, "site", {
      name: `${name}-site`,
      publicAssetPathPatterns: [...settings.publicAssetPathPatterns],
      originDomainName: originName ?? loadBalancer.dnsName,
      originUsesHttps: originName !== undefined,
      originSecretValue: originSecret.current,
      originHeaderName: settings.originHeaderName,
      aliases: site ? [site] : undefined,
      certificateArn: siteCertificate?.certificateArn,
      priceClass: settings.priceClass,
      comment: `treepli ${config.name} site`,
      // During a rotation the load balancer accepts the new value before CloudFront sends it.
      dependsOn: [originRule.rule],
    });

    new CloudFrontAccessLogs(this, "viewer-logs", {
      name: `${name}-site`,
      distributionArn: distribution.distribution.arn,
      accountId: config.aws.accountId,
      partition: partitionOf(config.aws.region),
      retentionDays: config.ops.auditLogRetentionDays,
      kmsKeyArn: ops.logsKeyArnUsEast1,
      provider: this.usEast1Provider(),
    });

    if (site && originName && zoneId) {
      const alias = (id: string, recordName: string, type: string, target: { name: string; zoneId: string }) =>
        new Route53Record(this, id, { zoneId, name: recordName, type, alias: { ...target, evaluateTargetHealth: false } });
      for (const type of ["A", "AAAA"]) {
        alias(`site-${type.toLowerCase()}`, site, type, { name: distribution.domainName, zoneId: distribution.hostedZoneId });
      }
      alias("origin-a", originName, "A", { name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId });
    }

    // The site path's alarms (the service has its own from addLayerServices): CloudFront's in us-east-1.
    const distributionAlarms = new DistributionAlarms(this, "site-alarms", {
      ...alarmProps(this, ops, `${name}-site-cdn`, `Site CDN (${site ?? "CloudFront"})`, "us-east-1"),
      distributionId: distribution.distribution.id,
      originDescription: "the site's load balancer",
      settings: config.observability.alarms.distribution,
    });
    const loadBalancerAlarms = new LoadBalancerAlarms(this, "load-balancer-alarms", {
      ...alarmProps(this, ops, `${name}-alb`, `Load balancer ${name} (public, CloudFront only)`),
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      targetGroups: [{ label: "frontend", arnSuffix: service.targetGroup.arnSuffix }],
      settings: config.observability.alarms.loadBalancer,
    });
    const serviceAlarms = services.all.find((entry) => entry.service === service)!.alarms;
    this.monitoring = {
      requestPath: {
        title: "Site: CloudFront → load balancer → service",
        panels: [distributionAlarms.panel, loadBalancerAlarms.panel, serviceAlarms.panel],
      },
      otherRows: [services.workersRow],
    };

    new TerraformOutput(this, "site_domain_name", { description: "CloudFront domain name of the site", value: distribution.domainName });
    new TerraformOutput(this, "site_distribution_id", {
      description: "CloudFront distribution of the site (for invalidations)",
      value: distribution.distribution.id,
    });
    new TerraformOutput(this, "load_balancer_dns_name", {
      description: "The site's load balancer, for debugging: direct requests get 403",
      value: loadBalancer.dnsName,
    });
  }
}
