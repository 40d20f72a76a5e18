import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { EcsServiceBase, EcsServiceBaseProps, integerProblem } from "./ecs-service-base";

/** Letters, digits and inner hyphens, at most 32 characters: what a target group name allows. */
const WEB_SERVICE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** Props of {@link EcsWebService}: those of every service, and what a load balancer needs. */
export interface EcsWebServiceProps extends EcsServiceBaseProps {
  /**
   * Port the application listens on inside the container (and the target group's port), 1024 or
   * above: the container has no Linux capabilities, so it cannot bind a privileged port.
   */
  readonly containerPort: number;

  /**
   * Name of the ECS service and of everything the base names after it; it also names the target group,
   * hence at most 32 letters, digits and inner hyphens.
   */
  readonly serviceName: string;

  /** Path the target group's health check requests, e.g. `/healthz`. */
  readonly healthCheckPath: string;

  /**
   * HTTP status codes a healthy target answers the health check with (`200`, `200,204` or `200-299`).
   *
   * @default "200"
   */
  readonly healthCheckSuccessCodes?: string;

  /**
   * Requests per target and minute autoscaling aims for (ALBRequestCountPerTarget). Needs
   * `loadBalancerArnSuffix`.
   *
   * @default - no request-count-based scaling
   */
  readonly requestCountPerTarget?: number;

  /**
   * ARN suffix (`app/<name>/<id>`) of the load balancer the target group is attached to; required
   * with `requestCountPerTarget`, which measures requests per target through that load balancer.
   *
   * @default - none
   */
  readonly loadBalancerArnSuffix?: string;

  /**
   * Security groups whose members may reach the tasks on `containerPort` (the load balancer's).
   * Nothing else may connect to the tasks.
   */
  readonly ingressSecurityGroupIds: string[];

  /**
   * Resources the service must wait for: the listener (or listener rule) that forwards to the target
   * group. ECS refuses to create a service whose target group is not attached to a load balancer yet.
   * A listener created after this construct (it needs `targetGroup`) is added with
   * {@link EcsWebService.addLoadBalancerDependency} instead.
   *
   * @default []
   */
  readonly loadBalancerDependencies?: ITerraformDependable[];

  /**
   * Seconds the load balancer keeps draining a deregistering target before ECS stops the task. The
   * target is deregistered before SIGTERM is sent.
   *
   * @default 30
   */
  readonly deregistrationDelaySeconds?: number;
}

/**
 * An ECS service behind an Application Load Balancer (the stack owns the load balancer and its
 * listener): everything {@link EcsServiceBase} has, and what the load balancer needs —
 *
 * - the container publishes `containerPort` (at or above 1024: the container has no capabilities);
 * - an `ip` target group with an HTTP health check, which the service registers its tasks in, ignoring
 *   failed health checks of a new task for `healthCheckGracePeriodSeconds`;
 * - ingress to the tasks only from `ingressSecurityGroupIds`, on `containerPort`;
 * - target-tracking autoscaling on requests per target, when configured.
 */
export class EcsWebService extends EcsServiceBase {
  /** The target group, for the stack's listener (rule) to forward to. */
  public readonly targetGroup: LbTargetGroup;

  /** Port the application container listens on. */
  public readonly containerPort: number;

  constructor(scope: Construct, id: string, props: EcsWebServiceProps) {
    const deregistrationDelaySeconds = props.deregistrationDelaySeconds ?? 30;
    const healthCheckSuccessCodes = props.healthCheckSuccessCodes ?? "200";
    const healthCheckGracePeriodSeconds = props.healthCheckGracePeriodSeconds ?? 60;
    super(scope, id, props, {
      constructName: "EcsWebService",
      securityGroupDescription: `Tasks of the ${props.serviceName} ECS service: ingress only from its load balancer on port ${props.containerPort}`,
      containerPorts: [props.containerPort],
      problems: webProblems(props, deregistrationDelaySeconds),
    });
    this.containerPort = props.containerPort;
    const name = props.serviceName;

    this.targetGroup = new LbTargetGroup(this, "target-group", {
      name,
      targetType: "ip",
      protocol: "HTTP",
      protocolVersion: "HTTP1",
      port: props.containerPort,
      vpcId: props.vpcId,
      deregistrationDelay: String(deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        port: "traffic-port",
        path: props.healthCheckPath,
        matcher: healthCheckSuccessCodes,
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });

    props.ingressSecurityGroupIds.forEach((sourceSecurityGroupId, index) => {
      new SecurityGroupRule(this, `ingress-${index}`, {
        type: "ingress",
        description: `${name} traffic from its load balancer`,
        securityGroupId: this.securityGroup.id,
        sourceSecurityGroupId,
        protocol: "tcp",
        fromPort: props.containerPort,
        toPort: props.containerPort,
      });
    });

    this.service.putLoadBalancer([
      { targetGroupArn: this.targetGroup.arn, containerName: this.containerName, containerPort: props.containerPort },
    ]);
    this.service.healthCheckGracePeriodSeconds = healthCheckGracePeriodSeconds;
    this.addLoadBalancerDependency(...(props.loadBalancerDependencies ?? []));

    if (props.requestCountPerTarget !== undefined) {
      this.addTargetTracking(
        "requests",
        { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: `${props.loadBalancerArnSuffix}/${this.targetGroup.arnSuffix}` },
        props.requestCountPerTarget,
      );
    }
  }

  /**
   * Makes the service wait for more resources, typically the listener or listener rule that forwards
   * to {@link targetGroup} (which can only be created after this construct, since it needs the target
   * group): ECS refuses to create a service whose target group is not attached to a load balancer.
   */
  public addLoadBalancerDependency(...dependencies: ITerraformDependable[]): void {
    this.addServiceDependency(...dependencies);
  }
}

/** Checks what only a web service has; one line per problem, each naming the prop. */
function webProblems(props: EcsWebServiceProps, deregistrationDelaySeconds: number): string[] {
  const problems: string[] = [];
  const known = (value: unknown) => !Token.isUnresolved(value);
  if (known(props.serviceName) && !WEB_SERVICE_NAME.test(props.serviceName)) {
    problems.push(
      `serviceName must be 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen (it names the target group), got "${props.serviceName}"`,
    );
  }
  if (!known(props.containerPort)) {
    problems.push("containerPort must be a plain number (it is written into the container definition's JSON), got a token");
  }
  problems.push(
    ...integerProblem(
      "containerPort",
      props.containerPort,
      1024,
      65535,
      " (every Linux capability is dropped, so ports below 1024 cannot be bound)",
    ),
  );
  problems.push(...integerProblem("requestCountPerTarget", props.requestCountPerTarget, 1, 1000000));
  if (props.requestCountPerTarget !== undefined && props.loadBalancerArnSuffix === undefined) {
    problems.push("requestCountPerTarget needs loadBalancerArnSuffix (the ALB's arn_suffix) to measure requests per target");
  }
  problems.push(...integerProblem("deregistrationDelaySeconds", deregistrationDelaySeconds, 0, 3600));
  if (known(props.healthCheckPath) && !props.healthCheckPath.startsWith("/")) {
    problems.push(`healthCheckPath must start with "/", got "${props.healthCheckPath}"`);
  }
  if (props.ingressSecurityGroupIds.length === 0) {
    problems.push("ingressSecurityGroupIds must name at least one security group (the load balancer's), or no request reaches the tasks");
  }
  return problems;
}
