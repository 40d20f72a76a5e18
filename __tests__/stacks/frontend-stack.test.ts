import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { SERVICE_LAYERS, serviceName } from "../../src/config/environment-config";
import { EcsServiceBase } from "../../src/constructs/compute/ecs-service-base";
import { EcsWebService } from "../../src/constructs/compute/ecs-web-service";
import { GithubDeployRole } from "../../src/constructs/delivery/github-deploy-role";
import { GithubDeployment } from "../../src/constructs/delivery/github-deployment";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import {
  dataSources,
  environmentStacks,
  onlyResource,
  parse,
  refNamed,
  resourceNamed,
  resources,
  synthEnvironment,
  testConfig,
} from "../helpers";

describe("frontend layer", () => {
  describe("GIVEN production", () => {
    const all = synthEnvironment(loadEnvironmentConfig("production"));
    const synthesized = all.frontend;
    const json = parse(synthesized);
    const listenerRef = `\${${Object.keys(json.resource.aws_lb_listener).map((k) => `aws_lb_listener.${k}`)[0]}.arn}`;

    test("THEN a request without the secret header cannot reach the site: the listener's default answer is 403", () => {
      expect(synthesized).toHaveResourceWithProperties(LbListener, {
        default_action: [
          expect.objectContaining({ type: "fixed-response", fixed_response: expect.objectContaining({ status_code: "403" }) }),
        ],
      });
    });

    test("THEN the only way to the site's targets is a rule requiring the header with the secret's accepted values", () => {
      const rules = resources(json, "aws_lb_listener_rule");
      expect(rules).toHaveLength(1);
      const [rule] = rules;
      expect(rule.listener_arn).toBe(listenerRef);
      expect(rule.action).toEqual([
        expect.objectContaining({ type: "forward", target_group_arn: expect.stringMatching(/aws_lb_target_group/) }),
      ]);
      expect(rule.condition).toEqual([
        {
          http_header: { http_header_name: "X-Origin-Verify", values: expect.stringMatching(/data\.aws_secretsmanager_secret_version\./) },
        },
      ]);
    });

    test("THEN the load balancer admits only CloudFront's origin-facing addresses, looked up by name", () => {
      const prefixList = dataSources(json, "aws_ec2_managed_prefix_list");
      expect(prefixList).toEqual([expect.objectContaining({ name: "com.amazonaws.global.cloudfront.origin-facing" })]);
      const ingress = resources(json, "aws_security_group_rule").filter(
        (r) => r.type === "ingress" && /load-balancer/.test(r.security_group_id),
      );
      expect(ingress).toHaveLength(1);
      expect(ingress[0].prefix_list_ids).toEqual([expect.stringMatching(/^\$\{data\.aws_ec2_managed_prefix_list\.[^.]+\.id\}$/)]);
      expect(ingress[0].cidr_blocks).toBeUndefined();
      expect(onlyResource(json, "aws_lb")).toEqual(
        expect.objectContaining({ internal: false, drop_invalid_header_fields: true, enable_deletion_protection: true }),
      );
    });

    test("THEN the site's tasks may open HTTPS (to the API, the media CDN, AWS) and nothing else", () => {
      const group = refNamed(json, "aws_security_group", `${serviceName("production", "frontend")}-tasks`, "id");
      const egress = resources(json, "aws_security_group_rule").filter((r) => r.type === "egress" && r.security_group_id === group);
      expect(egress.map((r) => [r.protocol, r.from_port, r.to_port, r.cidr_blocks])).toEqual([["tcp", 443, 443, ["0.0.0.0/0"]]]);
    });

    test("THEN CloudFront reaches the origin over HTTPS at origin.<site>, sending the secret from Secrets Manager", () => {
      const distribution = onlyResource(json, "aws_cloudfront_distribution");
      const [origin] = distribution.origin;
      expect(origin.domain_name).toBe("origin.www.treepli.example");
      expect(origin.custom_origin_config).toEqual(
        expect.objectContaining({ origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] }),
      );
      expect(origin.custom_header).toEqual([
        { name: "X-Origin-Verify", value: expect.stringMatching(/data\.aws_secretsmanager_secret_version\./) },
      ]);
      // The listener (and the distribution) wait until ACM has issued the certificates.
      expect(onlyResource(json, "aws_lb_listener").certificate_arn).toMatch(/^\$\{aws_acm_certificate_validation\./);
      expect(onlyResource(json, "aws_cloudfront_distribution").viewer_certificate.acm_certificate_arn).toMatch(
        /^\$\{aws_acm_certificate_validation\./,
      );
    });

    test("THEN the secret's value appears nowhere in the synthesized Terraform: it is generated ephemerally and written write-only", () => {
      const bootstrap = parse(all.bootstrap) as any;
      const version = onlyResource(bootstrap, "aws_secretsmanager_secret_version");
      expect(version.secret_string).toBeUndefined();
      expect(version.secret_string_wo).toMatch(/ephemeral\.aws_secretsmanager_random_password\./);
      // Every place the frontend uses the value is a reference to the secret, never a literal.
      const distribution = onlyResource(json, "aws_cloudfront_distribution");
      expect(distribution.origin[0].custom_header[0].value).toMatch(/^\$\{/);
    });

    test("THEN static Next.js assets are cached long, images and the configured public assets by their own policies, pages not at all, with every viewer header but Host forwarded", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudfrontDistribution, {
        aliases: ["www.treepli.example"],
        price_class: "PriceClass_200",
        default_cache_behavior: expect.objectContaining({
          cache_policy_id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
          origin_request_policy_id: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
          viewer_protocol_policy: "redirect-to-https",
          compress: true,
        }),
      });
      const distribution = onlyResource(json, "aws_cloudfront_distribution");
      expect(distribution.ordered_cache_behavior.map((b: any) => b.path_pattern)).toEqual([
        "/_next/static/*",
        "/_next/image*",
        "/favicon.ico",
        "/robots.txt",
        "/sitemap.xml",
        "/images/*",
        "/fonts/*",
      ]);
      expect(distribution.ordered_cache_behavior[0].cache_policy_id).toBe("658327ea-f89d-4fab-a63d-7e88639e58f6");
      expect(
        resources(json, "aws_cloudfront_cache_policy")
          .map((p) => p.name)
          .sort(),
      ).toEqual(["treepli-production-frontend-site-next-image", "treepli-production-frontend-site-public-assets"]);
    });

    test("THEN every response of the site gets the security headers policy, named for the environment", () => {
      const distribution = onlyResource(json, "aws_cloudfront_distribution");
      const policy = onlyResource(json, "aws_cloudfront_response_headers_policy");
      expect(policy.name).toBe("treepli-production-frontend-site");
      for (const behavior of [distribution.default_cache_behavior, ...distribution.ordered_cache_behavior]) {
        expect(behavior.response_headers_policy_id).toMatch(/^\$\{aws_cloudfront_response_headers_policy\./);
      }
    });

    test("THEN the API URL and the media CDN domain reach the container from the backend and media stacks", () => {
      const definition = JSON.parse(resourceNamed(json, "aws_ecs_task_definition", "treepli-production-frontend").container_definitions);
      const environment = Object.fromEntries(definition[0].environment.map((e: any) => [e.name, e.value]));
      expect(environment.API_URL).toBe("https://api.treepli.example");
      expect(environment.MEDIA_CDN_DOMAIN).toBe("media.treepli.example");
      expect(definition[0].portMappings).toEqual([expect.objectContaining({ containerPort: 3000 })]);
    });

    test("THEN the load balancer's access logs go to a bucket only ELB log delivery may write", () => {
      const bucket = resources(json, "aws_s3_bucket").find((b) => /alb-logs/.test(b.bucket));
      expect(bucket.bucket).toBe("treepli-production-frontend-alb-logs-222222222222");
      const statements = JSON.parse(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      const allows = statements.filter((s: any) => s.Effect === "Allow");
      expect(allows.flatMap((s: any) => [s.Action].flat())).toEqual(allows.map(() => "s3:PutObject"));
      expect(JSON.stringify(allows.map((s: any) => s.Principal))).toMatch(
        /logdelivery\.elasticloadbalancing\.amazonaws\.com|elb_service_account/,
      );
    });

    test("THEN the frontend's deploy role is pinned to the frontend repository's production environment", () => {
      const role = resourceNamed(json, "aws_iam_role", "treepli-production-frontend-deploy");
      expect(JSON.parse(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
        "repo:treepli/frontend:environment:production",
      );
    });

    test("THEN the outputs give the site's CloudFront domain and the load balancer's DNS name", () => {
      expect(Object.keys(json.output ?? {})).toEqual(expect.arrayContaining(["site_domain_name", "load_balancer_dns_name"]));
    });
  });

  test("every service of both layers is built by the same constructs: a GitHub deployment each, the layer's web service behind its load balancer", () => {
    const config = loadEnvironmentConfig("staging");
    const stacks = environmentStacks(config);
    for (const layer of SERVICE_LAYERS) {
      const stack = stacks[layer];
      const count = (Kind: Function) => stack.node.findAll().filter((c) => c instanceof Kind).length;
      const services = Object.keys(config[layer].services);
      expect({
        layer,
        deployments: count(GithubDeployment),
        deployRoles: count(GithubDeployRole),
        services: count(EcsServiceBase),
      }).toEqual({
        layer,
        deployments: services.length,
        deployRoles: services.length,
        services: services.length,
      });
      expect({ layer, web: count(EcsWebService) }).toEqual({ layer, web: 1 });
    }
  });

  describe("GIVEN local (no domain)", () => {
    const json = parse(synthEnvironment(testConfig("local")).frontend);

    test("THEN CloudFront reaches the load balancer by its DNS name over HTTP, still with the header, and there is no certificate", () => {
      const [origin] = onlyResource(json, "aws_cloudfront_distribution").origin;
      expect(origin.domain_name).toMatch(/aws_lb\./);
      expect(origin.custom_origin_config.origin_protocol_policy).toBe("http-only");
      expect(resources(json, "aws_acm_certificate")).toEqual([]);
    });
  });
});
