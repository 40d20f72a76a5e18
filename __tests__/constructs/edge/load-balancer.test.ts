import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Testing, TerraformStack } from "cdktf";
import { LoadBalancer, LoadBalancerProps } from "../../../src/constructs/edge/load-balancer";
import { dataSources, onlyResource, parse, policy, resources, TerraformJson } from "../../helpers";

const internalProps: LoadBalancerProps = {
  name: "treepli-api",
  internal: true,
  vpcId: "vpc-123",
  vpcCidrBlock: "10.0.0.0/16",
  subnetIds: ["subnet-a", "subnet-b"],
  deletionProtection: true,
  ingress: { sourceSecurityGroupIds: ["sg-vpclink"] },
  defaultAction: { fixedResponse: { statusCode: "403" } },
};

const publicProps: LoadBalancerProps = {
  ...internalProps,
  name: "treepli-web",
  internal: false,
  deletionProtection: false,
  ingress: { sourcePrefixListIds: ["pl-cloudfront"] },
  accessLogs: { bucketName: "treepli-web-alb-logs" },
};

function synthLoadBalancer(props: LoadBalancerProps): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new LoadBalancer(scope, "alb", props);
  });
  return { synthesized, json: parse(synthesized) };
}

/** A stack with an AWS provider, so that cdktf's own validations pass and only ours can fail. */
function testStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "stack");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

function build(props: LoadBalancerProps): () => void {
  return () => Testing.synthScope((scope) => void new LoadBalancer(scope, "alb", props));
}

/** Terraform address of the single resource (or, with `data.` before the type, data source) of a type. */
function address(json: TerraformJson, type: string): string {
  const [kind, name] = type.startsWith("data.") ? [json.data ?? {}, type.slice(5)] : [json.resource, type];
  const keys = Object.keys(kind[name] ?? {});
  if (keys.length !== 1) throw new Error(`expected exactly one ${type}, found ${keys.length}`);
  return `${type}.${keys[0]}`;
}

function rules(json: TerraformJson, type: "ingress" | "egress"): any[] {
  return resources(json, "aws_security_group_rule").filter((rule) => rule.type === type);
}

describe("LoadBalancer", () => {
  describe("GIVEN an internal load balancer admitting one security group, answering 403 by default", () => {
    const { synthesized, json } = synthLoadBalancer(internalProps);

    test("THEN it is an internal application load balancer in the given subnets, protected from deletion", () => {
      expect(synthesized).toHaveResourceWithProperties(Lb, {
        name: "treepli-api",
        load_balancer_type: "application",
        internal: true,
        subnets: ["subnet-a", "subnet-b"],
        enable_deletion_protection: true,
      });
    });

    test("THEN it drops invalid headers, uses strictest desync mitigation, HTTP/2 and a 60 s idle timeout", () => {
      expect(synthesized).toHaveResourceWithProperties(Lb, {
        drop_invalid_header_fields: true,
        desync_mitigation_mode: "strictest",
        enable_http2: true,
        idle_timeout: 60,
      });
    });

    test("THEN the listener is plain HTTP on port 80 and answers 403 to every request no rule takes", () => {
      expect(synthesized).toHaveResourceWithProperties(LbListener, {
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "fixed-response", fixed_response: { status_code: "403", content_type: "text/plain" } }],
      });
      expect(onlyResource(json, "aws_lb_listener").ssl_policy).toBeUndefined();
    });

    test("THEN only the admitted security group may connect, and only on the listener port", () => {
      expect(rules(json, "ingress")).toEqual([
        expect.objectContaining({ protocol: "tcp", from_port: 80, to_port: 80, source_security_group_id: "sg-vpclink" }),
      ]);
      expect(rules(json, "ingress")[0].cidr_blocks).toBeUndefined();
    });

    test("THEN the security group has no inline rules, so that a source group may reference it back without a cycle", () => {
      const group = onlyResource(json, "aws_security_group");
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
      const groupId = `\${${address(json, "aws_security_group")}.id}`;
      for (const rule of resources(json, "aws_security_group_rule")) {
        expect(rule.security_group_id).toBe(groupId);
      }
      expect(onlyResource(json, "aws_lb").security_groups).toEqual([groupId]);
    });

    test("THEN the load balancer may connect only to the VPC's CIDR", () => {
      expect(rules(json, "egress")).toEqual([
        expect.objectContaining({ protocol: "tcp", from_port: 0, to_port: 65535, cidr_blocks: ["10.0.0.0/16"] }),
      ]);
    });

    test("THEN no access log bucket is created", () => {
      expect(resources(json, "aws_s3_bucket")).toEqual([]);
      expect(onlyResource(json, "aws_lb").access_logs).toBeUndefined();
    });
  });

  describe("GIVEN a security group admitted after construction (a VPC link made from the listener's ARN)", () => {
    const stack = testStack();
    const alb = new LoadBalancer(stack, "alb", { ...internalProps, ingress: { sourceSecurityGroupIds: [] } });
    alb.admitSecurityGroup("sg-later");
    const json = parse(Testing.synth(stack, true));

    test("THEN that group, and only it, may connect on the listener port", () => {
      expect(rules(json, "ingress")).toEqual([
        expect.objectContaining({ protocol: "tcp", from_port: 80, to_port: 80, source_security_group_id: "sg-later" }),
      ]);
    });
  });

  describe("GIVEN targetPorts", () => {
    const { json } = synthLoadBalancer({ ...internalProps, targetPorts: [8080, 9090] });

    test("THEN the load balancer may connect to the VPC's CIDR on those ports only", () => {
      expect(rules(json, "egress")).toEqual([
        expect.objectContaining({ from_port: 8080, to_port: 8080, cidr_blocks: ["10.0.0.0/16"] }),
        expect.objectContaining({ from_port: 9090, to_port: 9090, cidr_blocks: ["10.0.0.0/16"] }),
      ]);
    });
  });

  describe("GIVEN targetPorts and the targets' security group", () => {
    const { json } = synthLoadBalancer({ ...internalProps, targetPorts: [8080], targetSecurityGroupIds: ["sg-tasks"] });

    test("THEN the load balancer may connect to members of that group on those ports, and nowhere else in the VPC", () => {
      expect(rules(json, "egress")).toEqual([
        expect.objectContaining({ protocol: "tcp", from_port: 8080, to_port: 8080, source_security_group_id: "sg-tasks" }),
      ]);
      expect(rules(json, "egress")[0].cidr_blocks).toBeUndefined();
    });
  });

  describe("GIVEN a certificate", () => {
    const { synthesized, json } = synthLoadBalancer({
      ...internalProps,
      certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
    });

    test("THEN the listener is HTTPS on 443 with the TLS 1.3/1.2 policy", () => {
      expect(synthesized).toHaveResourceWithProperties(LbListener, {
        port: 443,
        protocol: "HTTPS",
        certificate_arn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
        ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      });
    });

    test("THEN the admitted sources may connect on 443, not 80", () => {
      expect(rules(json, "ingress")).toEqual([expect.objectContaining({ from_port: 443, to_port: 443 })]);
    });
  });

  describe("GIVEN a default action forwarding to a target group", () => {
    const { synthesized } = synthLoadBalancer({ ...internalProps, defaultAction: { forwardTargetGroupArn: "arn:tg" } });

    test("THEN the listener forwards requests no rule takes to it", () => {
      expect(synthesized).toHaveResourceWithProperties(LbListener, {
        default_action: [expect.objectContaining({ type: "forward", target_group_arn: "arn:tg" })],
      });
    });
  });

  describe("GIVEN a public load balancer admitting a prefix list, with access logs", () => {
    const { synthesized, json } = synthLoadBalancer(publicProps);

    test("THEN it is internet-facing", () => {
      expect(synthesized).toHaveResourceWithProperties(Lb, { internal: false, enable_deletion_protection: false });
    });

    test("THEN only the prefix list may connect, on the listener port", () => {
      expect(rules(json, "ingress")).toEqual([
        expect.objectContaining({ protocol: "tcp", from_port: 80, to_port: 80, prefix_list_ids: ["pl-cloudfront"] }),
      ]);
      expect(rules(json, "ingress")[0].cidr_blocks).toBeUndefined();
    });

    test("THEN access logs go to the new bucket under the load balancer's name, once the bucket policy admits ELB", () => {
      const alb = onlyResource(json, "aws_lb");
      expect(alb.access_logs).toEqual({ bucket: `\${${address(json, "aws_s3_bucket")}.id}`, prefix: "treepli-web", enabled: true });
      expect(alb.depends_on).toEqual([address(json, "aws_s3_bucket_policy")]);
    });

    test("THEN the bucket is private, ACL-free and encrypted with SSE-S3 (the only encryption ALB log delivery supports)", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
      expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [expect.objectContaining({ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } })],
      });
    });

    test("THEN the bucket cannot be destroyed by accident", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.bucket).toBe("treepli-web-alb-logs");
      expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
      expect(bucket.force_destroy).toBe(false);
    });

    test("THEN log files expire after 90 days", () => {
      const rule = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0];
      expect(rule.status).toBe("Enabled");
      expect(rule.expiration).toEqual([{ days: 90 }]);
    });

    test("THEN only ELB log delivery may write, only under <prefix>/AWSLogs/<account>/", () => {
      const statements = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      const allows = statements.filter((statement) => statement.Effect === "Allow");
      const logObjects = `\${${address(json, "aws_s3_bucket")}.arn}/treepli-web/AWSLogs/\${${address(json, "data.aws_caller_identity")}.account_id}/*`;
      expect(allows).toEqual([
        {
          Sid: "AllowElbLogDelivery",
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: logObjects,
        },
        {
          Sid: "AllowRegionalElbAccount",
          Effect: "Allow",
          Principal: { AWS: `\${${address(json, "data.aws_elb_service_account")}.arn}` },
          Action: "s3:PutObject",
          Resource: logObjects,
        },
      ]);
      expect(dataSources(json, "aws_elb_service_account")).toHaveLength(1);
    });

    test("THEN requests without TLS are denied", () => {
      const statements = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } }),
      );
    });
  });

  describe("GIVEN access logs with protect: false, a prefix, 30 days, and no regional ELB account", () => {
    const { json } = synthLoadBalancer({
      ...publicProps,
      accessLogs: { bucketName: "logs", protect: false, prefix: "web/alb", expirationDays: 30, admitRegionalElbAccount: false },
    });

    test("THEN the bucket may be destroyed, emptied first", () => {
      const bucket = onlyResource(json, "aws_s3_bucket");
      expect(bucket.lifecycle).toEqual({ prevent_destroy: false });
      expect(bucket.force_destroy).toBe(true);
    });

    test("THEN logs go under the prefix and expire after 30 days", () => {
      expect(onlyResource(json, "aws_lb").access_logs.prefix).toBe("web/alb");
      expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0].expiration).toEqual([{ days: 30 }]);
    });

    test("THEN only the log delivery service principal may write", () => {
      const allows = policy(onlyResource(json, "aws_s3_bucket_policy").policy).Statement.filter((s) => s.Effect === "Allow");
      expect(allows.map((s) => s.Principal)).toEqual([{ Service: "logdelivery.elasticloadbalancing.amazonaws.com" }]);
      expect(allows[0].Resource).toContain("/web/alb/AWSLogs/");
      expect(dataSources(json, "aws_elb_service_account")).toEqual([]);
    });
  });

  describe("GIVEN invalid props", () => {
    test("WHEN both ingress kinds are given THEN it fails naming both", () => {
      expect(build({ ...internalProps, ingress: { sourceSecurityGroupIds: ["sg-1"], sourcePrefixListIds: ["pl-1"] } })).toThrow(
        /only one of sourceSecurityGroupIds or sourcePrefixListIds/,
      );
    });

    test("WHEN no ingress kind is given THEN it fails", () => {
      expect(build({ ...internalProps, ingress: {} })).toThrow(/ingress must give sourcePrefixListIds .* or sourceSecurityGroupIds/);
    });

    test("WHEN no security group is ever admitted THEN synthesis fails: nobody could reach the listener", () => {
      const stack = testStack();
      new LoadBalancer(stack, "alb", { ...internalProps, ingress: { sourceSecurityGroupIds: [] } });
      expect(() => Testing.synth(stack, true)).toThrow(/nobody may reach the listener/);
    });

    test("WHEN a security group is admitted to a load balancer admitting prefix lists THEN it fails", () => {
      const stack = testStack();
      const alb = new LoadBalancer(stack, "alb", publicProps);
      expect(() => alb.admitSecurityGroup("sg-1")).toThrow(/only one of sourceSecurityGroupIds or sourcePrefixListIds/);
    });

    test("WHEN the default action both forwards and answers THEN it fails", () => {
      expect(build({ ...internalProps, defaultAction: { forwardTargetGroupArn: "arn:tg", fixedResponse: { statusCode: "403" } } })).toThrow(
        /defaultAction must give exactly one of forwardTargetGroupArn or fixedResponse/,
      );
    });

    test("WHEN the default action is empty THEN it fails", () => {
      expect(build({ ...internalProps, defaultAction: {} })).toThrow(/defaultAction must give exactly one/);
    });

    test("WHEN the fixed response's status code is not 2XX/4XX/5XX THEN it fails with the value", () => {
      expect(build({ ...internalProps, defaultAction: { fixedResponse: { statusCode: "302" } } })).toThrow(/statusCode .* got "302"/);
    });

    test("WHEN the name is longer than 32 characters THEN it fails with the value", () => {
      expect(build({ ...internalProps, name: "a".repeat(33) })).toThrow(/name must be 1-32 letters/);
    });

    test("WHEN the idle timeout is out of range THEN it fails", () => {
      expect(build({ ...internalProps, idleTimeoutSeconds: 0 })).toThrow(/idleTimeoutSeconds must be .* got 0/);
    });

    test("WHEN an SSL policy is given without a certificate THEN it fails", () => {
      expect(build({ ...internalProps, sslPolicy: "ELBSecurityPolicy-2016-08" })).toThrow(/sslPolicy applies only to an HTTPS listener/);
    });

    test("WHEN the access log prefix contains AWSLogs THEN it fails", () => {
      expect(build({ ...publicProps, accessLogs: { bucketName: "logs", prefix: "x/AWSLogs" } })).toThrow(/accessLogs.prefix/);
    });

    test("WHEN only one subnet is given THEN it fails", () => {
      expect(build({ ...internalProps, subnetIds: ["subnet-a"] })).toThrow(/at least two availability zones/);
    });
  });
});
