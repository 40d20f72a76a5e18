import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener, LbListenerDefaultAction } from "@cdktf/provider-aws/lib/lb-listener";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { denyInsecureTransport, makeBucketPrivate } from "../data/private-bucket";

/** The TLS policy of HTTPS listeners: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const DEFAULT_ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** The service principal that delivers ALB access logs (AWS's guidance for regions opened since August 2022). */
export const ELB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com";

const ALB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const DESYNC_MITIGATION_MODES = ["monitor", "defensive", "strictest"] as const;

/**
 * Who may open connections to the listener: exactly one of the two kinds. Nothing else can reach the
 * load balancer.
 */
export interface LoadBalancerIngress {
  /**
   * Security groups whose members may connect, e.g. an API Gateway VPC link's group. May be empty
   * when the groups are admitted after construction with {@link LoadBalancer.admitSecurityGroup}
   * (synthesis fails if none ever is).
   *
   * @default - none; then `sourcePrefixListIds` must be given
   */
  readonly sourceSecurityGroupIds?: string[];

  /**
   * Managed prefix lists whose addresses may connect, e.g. CloudFront's origin-facing list
   * (`com.amazonaws.global.cloudfront.origin-facing`). Mind that such a list counts as many rules
   * as it has entries against the security group's rule quota.
   *
   * @default - none; then `sourceSecurityGroupIds` must be given
   */
  readonly sourcePrefixListIds?: string[];
}

/** A fixed response the listener answers every request with that no rule takes. */
export interface LoadBalancerFixedResponse {
  /** HTTP status code, `2XX`, `4XX` or `5XX`, e.g. `"403"`. */
  readonly statusCode: string;

  /**
   * Body of the response (at most 1024 characters).
   *
   * @default - an empty body
   */
  readonly messageBody?: string;

  /**
   * Content type of the body.
   *
   * @default "text/plain"
   */
  readonly contentType?: "text/plain" | "text/css" | "text/html" | "application/javascript" | "application/json";
}

/** What the listener does with a request no listener rule takes: exactly one of the two. */
export interface LoadBalancerDefaultAction {
  /**
   * Forward to this target group.
   *
   * @default - none; then `fixedResponse` must be given
   */
  readonly forwardTargetGroupArn?: string;

  /**
   * Answer with this fixed response (e.g. 403 for requests without the origin secret header; rules
   * added to the listener forward the others).
   *
   * @default - none; then `forwardTargetGroupArn` must be given
   */
  readonly fixedResponse?: LoadBalancerFixedResponse;
}

/** Access logs of the load balancer, written to a bucket this construct creates. */
export interface LoadBalancerAccessLogs {
  /** Name of the bucket to create for the logs. */
  readonly bucketName: string;

  /**
   * Refuse to destroy the bucket (`prevent_destroy`) and never empty it on destroy. When false the
   * bucket may be destroyed, emptying it first (`force_destroy`).
   *
   * @default true
   */
  readonly protect?: boolean;

  /**
   * Days a log file is kept before it expires.
   *
   * @default 90
   */
  readonly expirationDays?: number;

  /**
   * Key prefix of the log files, without leading or trailing slash (ELB refuses those and any
   * prefix containing `AWSLogs`). Logs land under `<prefix>/AWSLogs/<account>/`.
   *
   * @default - the load balancer's name
   */
  readonly prefix?: string;

  /**
   * Also admit the region's Elastic Load Balancing account (from the `aws_elb_service_account` data
   * source) as a log writer, besides the log delivery service principal. AWS documents the account
   * for regions opened before August 2022 and the service principal for later ones; admitting both
   * works in the older regions. Set to false in a region the data source does not know (it fails
   * there), which only needs the service principal.
   *
   * @default true
   */
  readonly admitRegionalElbAccount?: boolean;
}

/** Props of {@link LoadBalancer}. */
export interface LoadBalancerProps {
  /** Name of the load balancer (1-32 letters, digits and hyphens); also names its security group. */
  readonly name: string;

  /**
   * An internal load balancer (private addresses only, e.g. behind an API Gateway VPC link) rather
   * than an internet-facing one (e.g. behind CloudFront).
   */
  readonly internal: boolean;

  /** VPC of the load balancer. */
  readonly vpcId: string;

  /** CIDR block of the VPC: the only destination the load balancer may send traffic to (its targets). */
  readonly vpcCidrBlock: string;

  /** Subnets of the load balancer, in at least two availability zones (public ones for internet-facing). */
  readonly subnetIds: string[];

  /** Refuse to delete the load balancer through the API (`enable_deletion_protection`). */
  readonly deletionProtection: boolean;

  /** Who may reach the listener; nobody else can. */
  readonly ingress: LoadBalancerIngress;

  /** What the listener does with requests no listener rule takes. */
  readonly defaultAction: LoadBalancerDefaultAction;

  /**
   * ACM certificate of an HTTPS listener on port 443.
   *
   * @default - an HTTP listener on port 80
   */
  readonly certificateArn?: string;

  /**
   * TLS policy of the HTTPS listener (only with `certificateArn`).
   *
   * @default "ELBSecurityPolicy-TLS13-1-2-2021-06"
   */
  readonly sslPolicy?: string;

  /**
   * Ports the targets listen on (containers' ports, health checks included); the load balancer may
   * open connections to the VPC's CIDR on these ports only.
   *
   * @default - every TCP port, to the VPC's CIDR only (the target groups, owned by the services, may
   * change port without touching the load balancer)
   */
  readonly targetPorts?: number[];

  /**
   * Security groups of the targets (the service's tasks): when given, the load balancer may connect to
   * members of these groups only, on `targetPorts`, instead of anything in the VPC's CIDR.
   *
   * @default - the VPC's CIDR
   */
  readonly targetSecurityGroupIds?: string[];

  /**
   * Seconds a connection may stay idle (1-4000).
   *
   * @default 60
   */
  readonly idleTimeoutSeconds?: number;

  /**
   * How the load balancer treats requests that may be HTTP desync attacks. `strictest` accepts only
   * requests that comply with RFC 7230.
   *
   * @default "strictest"
   */
  readonly desyncMitigationMode?: (typeof DESYNC_MITIGATION_MODES)[number];

  /**
   * Access logs to a bucket this construct creates.
   *
   * @default - no access logs
   */
  readonly accessLogs?: LoadBalancerAccessLogs;
}

/**
 * An application load balancer with one listener that only the given sources can reach:
 *
 * - a security group admitting only the given security groups or prefix lists on the listener's
 *   port, and letting the load balancer connect only to its targets' security groups (or, without
 *   them, to the VPC's CIDR) on the targets' ports;
 * - HTTP on port 80, or HTTPS on port 443 with a TLS 1.3/1.2 policy when a certificate is given;
 * - invalid header fields dropped, strictest desync mitigation, HTTP/2 on;
 * - optionally, access logs to an encrypted, private bucket that only Elastic Load Balancing's log
 *   delivery may write to, under the load balancer's prefix, over TLS, and that expires them.
 *
 * The security group's rules are separate `aws_security_group_rule` resources (no inline rules), so
 * that a source group may itself reference this load balancer's group (an API Gateway VPC link's
 * egress) without a dependency cycle.
 *
 * @example
 * // The backend: an internal load balancer that only the API's VPC link reaches.
 * const alb = new LoadBalancer(this, "alb", { ...props, internal: true, ingress: { sourceSecurityGroupIds: [] } });
 * const api = new HttpApi(this, "api", { ...apiProps, listenerArn: alb.listenerArn, albSecurityGroupId: alb.securityGroup.id });
 * alb.admitSecurityGroup(api.vpcLinkSecurityGroup.id);
 */
export class LoadBalancer extends Construct {
  /** The load balancer. */
  public readonly alb: Lb;

  /** The listener (port 80 or 443). */
  public readonly listener: LbListener;

  /** The load balancer's security group. */
  public readonly securityGroup: SecurityGroup;

  /** The bucket of the access logs, when they are on. */
  public readonly accessLogBucket?: S3Bucket;

  /** DNS name of the load balancer. */
  public readonly dnsName: string;

  /** Route 53 hosted zone of the load balancer's DNS name (for alias records). */
  public readonly zoneId: string;

  /** The `app/<name>/<id>` part of the ARN, the `LoadBalancer` dimension of CloudWatch metrics. */
  public readonly arnSuffix: string;

  /** ARN of the listener (e.g. an API Gateway VPC link integration's URI). */
  public readonly listenerArn: string;

  /** Port of the listener: 443 with a certificate, 80 without. */
  public readonly listenerPort: number;

  private readonly sourcePrefixListIds: string[];
  private admittedSecurityGroups = 0;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new Error(`LoadBalancer "${id}": ${message}`);
    };
    const https = props.certificateArn !== undefined;
    this.listenerPort = https ? 443 : 80;
    const idleTimeoutSeconds = props.idleTimeoutSeconds ?? 60;
    const desyncMitigationMode = props.desyncMitigationMode ?? "strictest";
    const sslPolicy = props.sslPolicy ?? DEFAULT_ALB_SSL_POLICY;

    if (!Token.isUnresolved(props.name) && (!ALB_NAME.test(props.name) || props.name.startsWith("internal-"))) {
      fail(
        `name must be 1-32 letters, digits and hyphens, neither starting nor ending with a hyphen nor starting with "internal-", got "${props.name}"`,
      );
    }
    if (!Token.isUnresolved(props.subnetIds) && props.subnetIds.length < 2) {
      fail(`subnetIds must list subnets in at least two availability zones, got ${props.subnetIds.length}`);
    }
    if (props.sslPolicy !== undefined && !https) {
      fail("sslPolicy applies only to an HTTPS listener: give certificateArn too, or leave sslPolicy out");
    }
    if (
      !Token.isUnresolved(idleTimeoutSeconds) &&
      (!Number.isInteger(idleTimeoutSeconds) || idleTimeoutSeconds < 1 || idleTimeoutSeconds > 4000)
    ) {
      fail(`idleTimeoutSeconds must be a whole number between 1 and 4000, got ${idleTimeoutSeconds}`);
    }
    if (!(DESYNC_MITIGATION_MODES as readonly string[]).includes(desyncMitigationMode)) {
      fail(`desyncMitigationMode must be one of ${DESYNC_MITIGATION_MODES.join(", ")}, got "${desyncMitigationMode}"`);
    }
    for (const port of props.targetPorts ?? []) {
      if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
        fail(`targetPorts must be TCP ports (1-65535), got ${port}`);
      }
    }
    if (props.targetPorts !== undefined && props.targetPorts.length === 0) {
      fail("targetPorts must list at least one port; leave it out to allow every TCP port to the VPC's CIDR");
    }
    const sourceSecurityGroupIds = props.ingress.sourceSecurityGroupIds ?? [];
    const sourcePrefixListIds = props.ingress.sourcePrefixListIds ?? [];
    if (Token.isUnresolved(sourceSecurityGroupIds) || Token.isUnresolved(sourcePrefixListIds)) {
      fail("ingress sources must be given as a list of ids (each may be a token), not as one list token");
    }
    if (sourceSecurityGroupIds.length > 0 && sourcePrefixListIds.length > 0) {
      fail(
        "ingress must give only one of sourceSecurityGroupIds or sourcePrefixListIds " +
          `(got ${sourceSecurityGroupIds.length} security groups and ${sourcePrefixListIds.length} prefix lists)`,
      );
    }
    if (props.ingress.sourceSecurityGroupIds === undefined && sourcePrefixListIds.length === 0) {
      fail(
        "ingress must give sourcePrefixListIds (at least one) or sourceSecurityGroupIds (an empty list if the groups are admitted later with admitSecurityGroup())",
      );
    }
    // Groups may be admitted after construction (a VPC link's group, made from this listener's ARN), so
    // whether anybody at all may connect is checked at synthesis.
    this.node.addValidation({
      validate: () =>
        this.admittedSecurityGroups === 0 && this.sourcePrefixListIds.length === 0
          ? [`LoadBalancer "${id}": nobody may reach the listener: give ingress.sourceSecurityGroupIds or call admitSecurityGroup()`]
          : [],
    });
    const defaultAction = this.defaultAction(props.defaultAction, fail);

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${props.name}-alb`,
      description: `Load balancer ${props.name}: ingress only from its listed sources on port ${this.listenerPort}; egress only to the VPC`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    this.sourcePrefixListIds = sourcePrefixListIds;
    sourceSecurityGroupIds.forEach((sourceSecurityGroupId) => this.admitSecurityGroup(sourceSecurityGroupId));
    if (sourcePrefixListIds.length > 0) {
      new SecurityGroupRule(this, "ingress-prefix-lists", {
        type: "ingress",
        description: "Listener port from the admitted prefix lists",
        securityGroupId: this.securityGroup.id,
        protocol: "tcp",
        fromPort: this.listenerPort,
        toPort: this.listenerPort,
        prefixListIds: sourcePrefixListIds,
      });
    }
    const egressPorts =
      props.targetPorts === undefined ? [{ from: 0, to: 65535 }] : props.targetPorts.map((port) => ({ from: port, to: port }));
    if (props.targetSecurityGroupIds !== undefined) {
      // Only the targets' own security groups, on their ports: nothing else in the VPC.
      for (const [index, targetGroupId] of props.targetSecurityGroupIds.entries()) {
        for (const { from, to } of egressPorts) {
          new SecurityGroupRule(this, `egress-targets-${index}-${from}`, {
            type: "egress",
            description: `Its targets (their security group) on port ${from === to ? from : `${from}-${to}`}`,
            securityGroupId: this.securityGroup.id,
            protocol: "tcp",
            fromPort: from,
            toPort: to,
            sourceSecurityGroupId: targetGroupId,
          });
        }
      }
    }
    (props.targetSecurityGroupIds === undefined ? egressPorts : []).forEach(({ from, to }) => {
      new SecurityGroupRule(this, props.targetPorts === undefined ? "egress-vpc" : `egress-vpc-${from}`, {
        type: "egress",
        description: props.targetPorts === undefined ? "Targets in the VPC, any TCP port" : `Targets in the VPC on port ${from}`,
        securityGroupId: this.securityGroup.id,
        protocol: "tcp",
        fromPort: from,
        toPort: to,
        cidrBlocks: [props.vpcCidrBlock],
      });
    });

    let accessLogsDependency: S3BucketPolicy | undefined;
    let accessLogPrefix: string | undefined;
    if (props.accessLogs) {
      accessLogPrefix = props.accessLogs.prefix ?? props.name;
      if (
        !Token.isUnresolved(accessLogPrefix) &&
        (/^\/|\/$/.test(accessLogPrefix) || accessLogPrefix.includes("AWSLogs") || accessLogPrefix === "")
      ) {
        fail(`accessLogs.prefix must be non-empty, neither start nor end with "/" and not contain "AWSLogs", got "${accessLogPrefix}"`);
      }
      const logs = this.accessLogs(props.accessLogs, accessLogPrefix, fail);
      this.accessLogBucket = logs.bucket;
      accessLogsDependency = logs.policy;
    }

    this.alb = new Lb(this, "alb", {
      name: props.name,
      loadBalancerType: "application",
      internal: props.internal,
      subnets: props.subnetIds,
      securityGroups: [this.securityGroup.id],
      ipAddressType: "ipv4",
      enableDeletionProtection: props.deletionProtection,
      dropInvalidHeaderFields: true,
      desyncMitigationMode,
      idleTimeout: idleTimeoutSeconds,
      enableHttp2: true,
      accessLogs:
        this.accessLogBucket && accessLogPrefix !== undefined
          ? { bucket: this.accessLogBucket.id, prefix: accessLogPrefix, enabled: true }
          : undefined,
      // ELB checks that it may write to the bucket when access logs are turned on.
      dependsOn: accessLogsDependency ? [accessLogsDependency] : undefined,
      tags: { Name: props.name },
    });

    this.listener = new LbListener(this, "listener", {
      loadBalancerArn: this.alb.arn,
      port: this.listenerPort,
      protocol: https ? "HTTPS" : "HTTP",
      certificateArn: props.certificateArn,
      sslPolicy: https ? sslPolicy : undefined,
      defaultAction: [defaultAction],
    });

    this.dnsName = this.alb.dnsName;
    this.zoneId = this.alb.zoneId;
    this.arnSuffix = this.alb.arnSuffix;
    this.listenerArn = this.listener.arn;
  }

  /**
   * Lets the members of a security group connect to the listener port. For a source that is made
   * from this load balancer (an API Gateway VPC link, whose integration needs `listenerArn`), build
   * the load balancer with `ingress: { sourceSecurityGroupIds: [] }` and admit the source's group
   * here. The rules' Terraform addresses follow the order of admission (`ingress-security-group-<n>`),
   * so keep that order stable.
   *
   * @returns the ingress rule
   */
  public admitSecurityGroup(sourceSecurityGroupId: string): SecurityGroupRule {
    if (this.sourcePrefixListIds.length > 0) {
      throw new Error(
        `LoadBalancer "${this.node.id}": admits prefix lists already; ingress must give only one of sourceSecurityGroupIds or sourcePrefixListIds`,
      );
    }
    const index = this.admittedSecurityGroups++;
    return new SecurityGroupRule(this, `ingress-security-group-${index}`, {
      type: "ingress",
      description: "Listener port from an admitted security group",
      securityGroupId: this.securityGroup.id,
      protocol: "tcp",
      fromPort: this.listenerPort,
      toPort: this.listenerPort,
      sourceSecurityGroupId,
    });
  }

  private defaultAction(action: LoadBalancerDefaultAction, fail: (message: string) => never): LbListenerDefaultAction {
    if ((action.forwardTargetGroupArn !== undefined) === (action.fixedResponse !== undefined)) {
      return fail("defaultAction must give exactly one of forwardTargetGroupArn or fixedResponse");
    }
    if (action.forwardTargetGroupArn !== undefined) {
      return { type: "forward", targetGroupArn: action.forwardTargetGroupArn };
    }
    const response = action.fixedResponse!;
    if (!Token.isUnresolved(response.statusCode) && !/^[245]\d\d$/.test(response.statusCode)) {
      fail(`defaultAction.fixedResponse.statusCode must be a 2XX, 4XX or 5XX status code such as "403", got "${response.statusCode}"`);
    }
    if (response.messageBody !== undefined && !Token.isUnresolved(response.messageBody) && response.messageBody.length > 1024) {
      fail(`defaultAction.fixedResponse.messageBody must be at most 1024 characters, got ${response.messageBody.length}`);
    }
    return {
      type: "fixed-response",
      fixedResponse: {
        statusCode: response.statusCode,
        contentType: response.contentType ?? "text/plain",
        messageBody: response.messageBody,
      },
    };
  }

  private accessLogs(
    logs: LoadBalancerAccessLogs,
    prefix: string,
    fail: (message: string) => never,
  ): { bucket: S3Bucket; policy: S3BucketPolicy } {
    const protect = logs.protect ?? true;
    const expirationDays = logs.expirationDays ?? 90;
    const admitRegionalElbAccount = logs.admitRegionalElbAccount ?? true;
    if (!Token.isUnresolved(expirationDays) && (!Number.isInteger(expirationDays) || expirationDays < 1)) {
      fail(`accessLogs.expirationDays must be a whole number of at least 1, got ${expirationDays}`);
    }

    const bucket = new S3Bucket(this, "access-log-bucket", {
      bucket: logs.bucketName,
      forceDestroy: !protect,
      lifecycle: { preventDestroy: protect },
    });
    const publicAccessBlock = makeBucketPrivate(this, bucket.id, "access-log-");
    // ALB access logs can only be delivered to a bucket encrypted with SSE-S3 (not SSE-KMS).
    new S3BucketServerSideEncryptionConfigurationA(this, "access-log-encryption", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "access-log-lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: expirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    const account = new DataAwsCallerIdentity(this, "account");
    const logObjects = `${bucket.arn}/${prefix}/AWSLogs/${account.accountId}/*`;
    const writers: PolicyStatement[] = [
      {
        Sid: "AllowElbLogDelivery",
        Effect: "Allow",
        Principal: { Service: ELB_LOG_DELIVERY_PRINCIPAL },
        Action: "s3:PutObject",
        Resource: logObjects,
      },
    ];
    if (admitRegionalElbAccount) {
      const elbAccount = new DataAwsElbServiceAccount(this, "elb-account");
      writers.push({
        Sid: "AllowRegionalElbAccount",
        Effect: "Allow",
        Principal: { AWS: elbAccount.arn },
        Action: "s3:PutObject",
        Resource: logObjects,
      });
    }
    const policy = new S3BucketPolicy(this, "access-log-policy", {
      bucket: bucket.id,
      policy: policyDocument(...writers, denyInsecureTransport(bucket.arn)),
      // S3 may refuse concurrent configuration calls on a new bucket; public access is blocked first.
      dependsOn: [publicAccessBlock],
    });
    return { bucket, policy };
  }
}
