import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2ApiMapping } from "@cdktf/provider-aws/lib/apigatewayv2-api-mapping";
import { Apigatewayv2DomainName } from "@cdktf/provider-aws/lib/apigatewayv2-domain-name";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { Apigatewayv2VpcLink } from "@cdktf/provider-aws/lib/apigatewayv2-vpc-link";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { isLogRetentionDays, LOG_RETENTION_DAYS } from "../observability/log-retention";

/**
 * The fields of each access log line (one JSON object per request). `integrationError` and
 * `integrationStatus` tell a failure of the VPC link or the load balancer from one of the service;
 * `apiId` is the dimension of the throttled-requests metric the alarms count from these lines.
 */
export const HTTP_API_ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  apiId: "$context.apiId",
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  path: "$context.path",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  domainName: "$context.domainName",
  error: "$context.error.message",
  integrationError: "$context.integrationErrorMessage",
  integrationStatus: "$context.integrationStatus",
  integrationLatency: "$context.integrationLatency",
};

/** Stage throttling: the limits apply to the whole API, every client together. */
export interface HttpApiThrottling {
  /** Requests allowed in a burst above the rate (a whole number greater than 0). */
  readonly burstLimit: number;

  /** Steady-state requests per second (greater than 0). */
  readonly rateLimit: number;
}

/** A custom domain name of the API. */
export interface HttpApiCustomDomain {
  /** The domain name, e.g. `api.treepli.com`. */
  readonly domainName: string;

  /** ACM certificate covering the domain name, in the API's own region (a regional endpoint). */
  readonly certificateArn: string;

  /**
   * Route 53 hosted zone in which to create an alias A record of the domain name.
   *
   * @default - no DNS record; point the name at the domain's target yourself
   */
  readonly hostedZoneId?: string;
}

/** Props of {@link HttpApi}. */
export interface HttpApiProps {
  /** Name of the API; also names its VPC link, security group and log group. */
  readonly name: string;

  /** VPC of the VPC link. */
  readonly vpcId: string;

  /** Subnets of the VPC link's network interfaces (the private tier, at least two AZs). */
  readonly subnetIds: string[];

  /** ARN of the internal load balancer's listener every request is forwarded to. */
  readonly listenerArn: string;

  /**
   * Port of that listener; the VPC link may connect on this port only.
   *
   * @default 80
   */
  readonly listenerPort?: number;

  /**
   * Security group of the load balancer: the VPC link may connect to its members only.
   *
   * @default - the VPC link may connect to `vpcCidrBlock` on the listener port (one of the two must
   * be given)
   */
  readonly albSecurityGroupId?: string;

  /**
   * CIDR block of the VPC, the VPC link's destination when `albSecurityGroupId` is not given.
   *
   * @default - none; `albSecurityGroupId` must be given
   */
  readonly vpcCidrBlock?: string;

  /**
   * Server name API Gateway verifies in the load balancer's certificate when the listener is HTTPS.
   *
   * @default - none: plain HTTP to the listener, inside the VPC
   */
  readonly integrationTlsServerName?: string;

  /** Stage throttling of the whole API. */
  readonly throttling: HttpApiThrottling;

  /**
   * Days the access logs are kept (a retention CloudWatch Logs accepts, e.g. 30, 90, 365).
   *
   * @default 90
   */
  readonly accessLogRetentionDays?: number;

  /**
   * Customer-managed KMS key the access logs' log group is encrypted with.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly accessLogKmsKeyArn?: string;

  /**
   * A custom domain name mapped to the API's stage.
   *
   * @default - none; clients use the `execute-api` endpoint
   */
  readonly customDomain?: HttpApiCustomDomain;

  /**
   * Turn off the default `execute-api` endpoint, so that clients can only come through the custom
   * domain (and its TLS policy). Needs `customDomain`.
   *
   * @default - true when `customDomain` is given, false otherwise
   */
  readonly disableExecuteApiEndpoint?: boolean;
}

/**
 * An API Gateway HTTP API in front of an internal application load balancer:
 *
 * - a VPC link in the private subnets, with its own security group that may only connect to the
 *   load balancer (its security group, or the VPC's CIDR) on the listener port; give that group
 *   (`vpcLinkSecurityGroup`) to the load balancer as its only ingress source;
 * - one `$default` route whose `HTTP_PROXY` integration forwards every request, any method and path,
 *   through the VPC link to the listener;
 * - the `$default` stage, deployed automatically, throttled (rate and burst) for the whole API, with
 *   JSON access logs to a CloudWatch log group that expires them;
 * - optionally a regional custom domain (TLS 1.2 minimum) mapped to the stage, with a Route 53 alias,
 *   and the `execute-api` endpoint turned off so that the domain is the only way in.
 */
export class HttpApi extends Construct {
  /** The API. */
  public readonly api: Apigatewayv2Api;

  /** The `$default` stage. */
  public readonly stage: Apigatewayv2Stage;

  /** The VPC link to the load balancer. */
  public readonly vpcLink: Apigatewayv2VpcLink;

  /** Security group of the VPC link: the load balancer's only admitted source. */
  public readonly vpcLinkSecurityGroup: SecurityGroup;

  /** The integration forwarding to the load balancer. */
  public readonly integration: Apigatewayv2Integration;

  /** Log group of the access logs. */
  public readonly logGroup: CloudwatchLogGroup;

  /** The custom domain name, when one is configured. */
  public readonly domainName?: Apigatewayv2DomainName;

  /** URL of the stage on the `execute-api` endpoint (it answers 403 when that endpoint is turned off). */
  public readonly invokeUrl: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new Error(`HttpApi "${id}": ${message}`);
    };
    const listenerPort = props.listenerPort ?? 80;
    const accessLogRetentionDays = props.accessLogRetentionDays ?? 90;
    const disableExecuteApiEndpoint = props.disableExecuteApiEndpoint ?? props.customDomain !== undefined;
    const { burstLimit, rateLimit } = props.throttling;

    if (!Token.isUnresolved(burstLimit) && !(Number.isInteger(burstLimit) && burstLimit > 0)) {
      fail(`throttling.burstLimit must be a whole number of requests greater than 0, got ${burstLimit}`);
    }
    if (!Token.isUnresolved(rateLimit) && !(Number.isFinite(rateLimit) && rateLimit > 0)) {
      fail(`throttling.rateLimit must be a number of requests per second greater than 0, got ${rateLimit}`);
    }
    if (!Token.isUnresolved(accessLogRetentionDays) && !isLogRetentionDays(accessLogRetentionDays)) {
      fail(
        `accessLogRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")} (what CloudWatch Logs accepts), got ${accessLogRetentionDays}`,
      );
    }
    if (!Token.isUnresolved(listenerPort) && !(Number.isInteger(listenerPort) && listenerPort >= 1 && listenerPort <= 65535)) {
      fail(`listenerPort must be a TCP port (1-65535), got ${listenerPort}`);
    }
    if (props.albSecurityGroupId === undefined && props.vpcCidrBlock === undefined) {
      fail("give albSecurityGroupId (preferred: the VPC link may then reach only the load balancer) or vpcCidrBlock");
    }
    if (props.albSecurityGroupId !== undefined && props.vpcCidrBlock !== undefined) {
      fail("give only one of albSecurityGroupId or vpcCidrBlock as the VPC link's destination");
    }
    if (disableExecuteApiEndpoint && props.customDomain === undefined) {
      fail("disableExecuteApiEndpoint needs customDomain: without it the API would have no endpoint at all");
    }

    this.vpcLinkSecurityGroup = new SecurityGroup(this, "vpc-link-security-group", {
      name: `${props.name}-vpc-link`,
      description: `VPC link of the ${props.name} API: no ingress; egress only to the load balancer on port ${listenerPort}`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-vpc-link` },
    });
    // A separate rule (not an inline one): the load balancer's group in turn admits this group, and
    // inline rules on both sides would make a dependency cycle.
    new SecurityGroupRule(this, "vpc-link-egress", {
      type: "egress",
      description: "Listener port of the load balancer",
      securityGroupId: this.vpcLinkSecurityGroup.id,
      protocol: "tcp",
      fromPort: listenerPort,
      toPort: listenerPort,
      sourceSecurityGroupId: props.albSecurityGroupId,
      cidrBlocks: props.vpcCidrBlock !== undefined ? [props.vpcCidrBlock] : undefined,
    });

    this.vpcLink = new Apigatewayv2VpcLink(this, "vpc-link", {
      name: props.name,
      subnetIds: props.subnetIds,
      securityGroupIds: [this.vpcLinkSecurityGroup.id],
      tags: { Name: props.name },
    });

    this.api = new Apigatewayv2Api(this, "api", {
      name: props.name,
      protocolType: "HTTP",
      description: `The ${props.name} API: every request goes through a VPC link to the internal load balancer`,
      disableExecuteApiEndpoint,
    });

    this.integration = new Apigatewayv2Integration(this, "integration", {
      apiId: this.api.id,
      description: "Every request, unchanged, to the internal load balancer's listener",
      integrationType: "HTTP_PROXY",
      connectionType: "VPC_LINK",
      connectionId: this.vpcLink.id,
      integrationUri: props.listenerArn,
      integrationMethod: "ANY",
      payloadFormatVersion: "1.0",
      tlsConfig: props.integrationTlsServerName !== undefined ? { serverNameToVerify: props.integrationTlsServerName } : undefined,
    });

    new Apigatewayv2Route(this, "default-route", {
      apiId: this.api.id,
      routeKey: "$default",
      target: `integrations/${this.integration.id}`,
    });

    this.logGroup = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}/access`,
      retentionInDays: accessLogRetentionDays,
      kmsKeyId: props.accessLogKmsKeyArn,
    });

    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingBurstLimit: burstLimit,
        throttlingRateLimit: rateLimit,
      },
      accessLogSettings: {
        destinationArn: this.logGroup.arn,
        format: JSON.stringify(HTTP_API_ACCESS_LOG_FORMAT),
      },
    });
    this.invokeUrl = this.stage.invokeUrl;

    if (props.customDomain) {
      const domain = props.customDomain;
      this.domainName = new Apigatewayv2DomainName(this, "domain-name", {
        domainName: domain.domainName,
        domainNameConfiguration: {
          certificateArn: domain.certificateArn,
          endpointType: "REGIONAL",
          securityPolicy: "TLS_1_2",
        },
      });
      new Apigatewayv2ApiMapping(this, "api-mapping", {
        apiId: this.api.id,
        domainName: this.domainName.id,
        stage: this.stage.id,
      });
      if (domain.hostedZoneId !== undefined) {
        new Route53Record(this, "alias", {
          zoneId: domain.hostedZoneId,
          name: domain.domainName,
          type: "A",
          alias: {
            name: this.domainName.domainNameConfiguration.targetDomainName,
            zoneId: this.domainName.domainNameConfiguration.hostedZoneId,
            evaluateTargetHealth: false,
          },
        });
      }
    }
  }
}
