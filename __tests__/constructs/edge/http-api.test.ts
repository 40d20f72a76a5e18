import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2DomainName } from "@cdktf/provider-aws/lib/apigatewayv2-domain-name";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { Apigatewayv2VpcLink } from "@cdktf/provider-aws/lib/apigatewayv2-vpc-link";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Testing } from "cdktf";
import { HttpApi, HttpApiProps } from "../../../src/constructs/edge/http-api";
import { LoadBalancer } from "../../../src/constructs/edge/load-balancer";
import { onlyResource, parse, resources, TerraformJson } from "../../helpers";

const LISTENER_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/treepli-api/abc/def";

const baseProps: HttpApiProps = {
  name: "treepli-api",
  vpcId: "vpc-123",
  subnetIds: ["subnet-a", "subnet-b"],
  listenerArn: LISTENER_ARN,
  albSecurityGroupId: "sg-alb",
  throttling: { burstLimit: 200, rateLimit: 100 },
};

const customDomain = {
  domainName: "api.treepli.com",
  certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
  hostedZoneId: "Z123",
};

function synthApi(props: Partial<HttpApiProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new HttpApi(scope, "api", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

function build(props: Partial<HttpApiProps>): () => void {
  return () => Testing.synthScope((scope) => void new HttpApi(scope, "api", { ...baseProps, ...props }));
}

/** `${<type>.<name>.<attribute>}` of the single resource of a type. */
function ref(json: TerraformJson, type: string, attribute: string): string {
  const names = Object.keys(json.resource[type] ?? {});
  if (names.length !== 1) throw new Error(`expected exactly one ${type}, found ${names.length}`);
  return `\${${type}.${names[0]}.${attribute}}`;
}

describe("HttpApi", () => {
  describe("GIVEN an API in front of a load balancer's listener", () => {
    const { synthesized, json } = synthApi();

    test("THEN it is an HTTP API whose execute-api endpoint stays on (there is no custom domain)", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Api, {
        name: "treepli-api",
        protocol_type: "HTTP",
        disable_execute_api_endpoint: false,
      });
    });

    test("THEN a VPC link in the private subnets uses its own security group", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2VpcLink, {
        subnet_ids: ["subnet-a", "subnet-b"],
        security_group_ids: [ref(json, "aws_security_group", "id")],
      });
    });

    test("THEN the VPC link's group has no ingress and may connect only to the load balancer's group on the listener port", () => {
      const group = onlyResource(json, "aws_security_group");
      expect(group.vpc_id).toBe("vpc-123");
      expect(group.ingress).toBeUndefined();
      expect(resources(json, "aws_security_group_rule")).toEqual([
        expect.objectContaining({
          type: "egress",
          security_group_id: ref(json, "aws_security_group", "id"),
          protocol: "tcp",
          from_port: 80,
          to_port: 80,
          source_security_group_id: "sg-alb",
        }),
      ]);
      expect(onlyResource(json, "aws_security_group_rule").cidr_blocks).toBeUndefined();
    });

    test("THEN every request is proxied through the VPC link to the listener (HTTP_PROXY, ANY, payload 1.0)", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Integration, {
        api_id: ref(json, "aws_apigatewayv2_api", "id"),
        integration_type: "HTTP_PROXY",
        connection_type: "VPC_LINK",
        connection_id: ref(json, "aws_apigatewayv2_vpc_link", "id"),
        integration_uri: LISTENER_ARN,
        integration_method: "ANY",
        payload_format_version: "1.0",
      });
      expect(onlyResource(json, "aws_apigatewayv2_integration").tls_config).toBeUndefined();
    });

    test("THEN the only route is $default, to that integration", () => {
      expect(resources(json, "aws_apigatewayv2_route")).toHaveLength(1);
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Route, {
        route_key: "$default",
        target: `integrations/${ref(json, "aws_apigatewayv2_integration", "id")}`,
      });
    });

    test("THEN the $default stage deploys automatically and throttles the whole API", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Stage, {
        name: "$default",
        auto_deploy: true,
        default_route_settings: expect.objectContaining({ throttling_burst_limit: 200, throttling_rate_limit: 100 }),
      });
    });

    test("THEN access logs go to a log group kept 90 days, one JSON object per request", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 90 });
      const settings = onlyResource(json, "aws_apigatewayv2_stage").access_log_settings;
      expect(settings.destination_arn).toBe(ref(json, "aws_cloudwatch_log_group", "arn"));
      const format = JSON.parse(settings.format);
      expect(format).toEqual(
        expect.objectContaining({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          requestTime: "$context.requestTime",
          httpMethod: "$context.httpMethod",
          routeKey: "$context.routeKey",
          status: "$context.status",
          protocol: "$context.protocol",
          responseLength: "$context.responseLength",
          integrationError: "$context.integrationErrorMessage",
          integrationLatency: "$context.integrationLatency",
        }),
      );
    });

    test("THEN no custom domain or DNS record is created", () => {
      expect(resources(json, "aws_apigatewayv2_domain_name")).toEqual([]);
      expect(resources(json, "aws_apigatewayv2_api_mapping")).toEqual([]);
      expect(resources(json, "aws_route53_record")).toEqual([]);
    });
  });

  describe("GIVEN the VPC's CIDR instead of the load balancer's group, an HTTPS listener and 30 days of logs", () => {
    const { synthesized, json } = synthApi({
      albSecurityGroupId: undefined,
      vpcCidrBlock: "10.0.0.0/16",
      listenerPort: 443,
      integrationTlsServerName: "api.internal.treepli.com",
      accessLogRetentionDays: 30,
    });

    test("THEN the VPC link may connect to the VPC's CIDR on 443 only", () => {
      expect(onlyResource(json, "aws_security_group_rule")).toEqual(
        expect.objectContaining({ type: "egress", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/16"] }),
      );
      expect(onlyResource(json, "aws_security_group_rule").source_security_group_id).toBeUndefined();
    });

    test("THEN API Gateway verifies the listener's certificate for the server name", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Integration, {
        tls_config: { server_name_to_verify: "api.internal.treepli.com" },
      });
    });

    test("THEN the logs are kept 30 days", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 30 });
    });
  });

  describe("GIVEN a custom domain with a hosted zone", () => {
    const { synthesized, json } = synthApi({ customDomain });

    test("THEN a regional domain name with TLS 1.2 at least uses the certificate", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2DomainName, {
        domain_name: "api.treepli.com",
        domain_name_configuration: {
          certificate_arn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
          endpoint_type: "REGIONAL",
          security_policy: "TLS_1_2",
        },
      });
    });

    test("THEN the domain maps to the $default stage", () => {
      expect(onlyResource(json, "aws_apigatewayv2_api_mapping")).toEqual(
        expect.objectContaining({
          api_id: ref(json, "aws_apigatewayv2_api", "id"),
          domain_name: ref(json, "aws_apigatewayv2_domain_name", "id"),
          stage: ref(json, "aws_apigatewayv2_stage", "id"),
        }),
      );
    });

    test("THEN an alias A record points the name at the domain's regional target", () => {
      const domain = ref(json, "aws_apigatewayv2_domain_name", "domain_name_configuration[0]").slice(0, -1);
      expect(synthesized).toHaveResourceWithProperties(Route53Record, {
        zone_id: "Z123",
        name: "api.treepli.com",
        type: "A",
        alias: { name: `${domain}.target_domain_name}`, zone_id: `${domain}.hosted_zone_id}`, evaluate_target_health: false },
      });
    });

    test("THEN the execute-api endpoint is off, so the domain (and its TLS policy) is the only way in", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Api, { disable_execute_api_endpoint: true });
    });
  });

  describe("GIVEN a custom domain without a hosted zone, keeping the execute-api endpoint", () => {
    const { synthesized, json } = synthApi({
      customDomain: { ...customDomain, hostedZoneId: undefined },
      disableExecuteApiEndpoint: false,
    });

    test("THEN no DNS record is created, the mapping is", () => {
      expect(resources(json, "aws_route53_record")).toEqual([]);
      expect(resources(json, "aws_apigatewayv2_api_mapping")).toHaveLength(1);
    });

    test("THEN the execute-api endpoint stays on", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Api, { disable_execute_api_endpoint: false });
    });
  });

  describe("GIVEN the internal LoadBalancer admitting the VPC link's group", () => {
    const json = parse(
      Testing.synthScope((scope) => {
        const alb = new LoadBalancer(scope, "alb", {
          name: "treepli-api",
          internal: true,
          vpcId: "vpc-123",
          vpcCidrBlock: "10.0.0.0/16",
          subnetIds: ["subnet-a", "subnet-b"],
          deletionProtection: true,
          ingress: { sourceSecurityGroupIds: [] },
          defaultAction: { fixedResponse: { statusCode: "403" } },
        });
        const api = new HttpApi(scope, "api", {
          ...baseProps,
          listenerArn: alb.listenerArn,
          albSecurityGroupId: alb.securityGroup.id,
        });
        alb.admitSecurityGroup(api.vpcLinkSecurityGroup.id);
      }),
    );
    const groups = Object.keys(json.resource.aws_security_group);
    const groupId = (prefix: string) => `\${aws_security_group.${groups.find((name) => name.startsWith(prefix))}.id}`;

    test("THEN each group names the other in its rule: VPC link -> load balancer on port 80, nothing else", () => {
      const ruleList = resources(json, "aws_security_group_rule");
      expect(ruleList).toContainEqual(
        expect.objectContaining({
          type: "egress",
          security_group_id: groupId("api_"),
          source_security_group_id: groupId("alb_"),
          from_port: 80,
        }),
      );
      expect(ruleList).toContainEqual(
        expect.objectContaining({
          type: "ingress",
          security_group_id: groupId("alb_"),
          source_security_group_id: groupId("api_"),
          from_port: 80,
        }),
      );
      expect(ruleList.filter((rule) => rule.type === "ingress")).toHaveLength(1);
    });

    test("THEN the integration targets the load balancer's listener", () => {
      expect(onlyResource(json, "aws_apigatewayv2_integration").integration_uri).toMatch(
        /^\$\{aws_lb_listener\.alb_listener_[^.]+\.arn\}$/,
      );
    });
  });

  describe("GIVEN invalid props", () => {
    test.each([0, -5, 1.5])("WHEN throttling.burstLimit is %p THEN it fails naming the prop and the value", (burstLimit) => {
      expect(build({ throttling: { burstLimit, rateLimit: 100 } })).toThrow(
        new RegExp(`throttling.burstLimit must be a whole number of requests greater than 0, got ${burstLimit}`),
      );
    });

    test.each([0, -1])("WHEN throttling.rateLimit is %p THEN it fails naming the prop and the value", (rateLimit) => {
      expect(build({ throttling: { burstLimit: 10, rateLimit } })).toThrow(
        new RegExp(`throttling.rateLimit must be a number of requests per second greater than 0, got ${rateLimit}`),
      );
    });

    test("WHEN the log retention is not one CloudWatch accepts THEN it fails listing the allowed values", () => {
      expect(build({ accessLogRetentionDays: 45 })).toThrow(/accessLogRetentionDays must be one of 1, 3, 5, .* got 45/);
    });

    test("WHEN neither the load balancer's group nor the VPC's CIDR is given THEN it fails", () => {
      expect(build({ albSecurityGroupId: undefined })).toThrow(/give albSecurityGroupId .* or vpcCidrBlock/);
    });

    test("WHEN both the load balancer's group and the VPC's CIDR are given THEN it fails", () => {
      expect(build({ vpcCidrBlock: "10.0.0.0/16" })).toThrow(/only one of albSecurityGroupId or vpcCidrBlock/);
    });

    test("WHEN the execute-api endpoint is turned off without a custom domain THEN it fails", () => {
      expect(build({ disableExecuteApiEndpoint: true })).toThrow(/disableExecuteApiEndpoint needs customDomain/);
    });
  });
});
