import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput, Testing } from "cdktf";
import { CloudFrontCertificate, CloudFrontCertificateProps } from "../../../src/constructs/edge/cloudfront-certificate";
import { onlyResource, parse, resources } from "../../helpers";

function synthCertificate(props: Partial<CloudFrontCertificateProps> = {}, options: { usEast1?: boolean } = {}) {
  const synthesized = Testing.synthScope((scope) => {
    const provider = options.usEast1 ? new AwsProvider(scope, "us-east-1", { region: "us-east-1", alias: "us_east_1" }) : undefined;
    const certificate = new CloudFrontCertificate(scope, "certificate", { domainName: "media.treepli.com", provider, ...props });
    new TerraformOutput(scope, "certificate_arn", { value: certificate.certificateArn });
    new TerraformOutput(scope, "validation_records", { value: certificate.validationRecords });
  });
  return { synthesized, json: parse(synthesized) };
}

function address(json: ReturnType<typeof parse>, type: string): string {
  const names = Object.keys(json.resource[type] ?? {});
  if (names.length !== 1) throw new Error(`expected exactly one ${type}, found ${names.length}`);
  return `${type}.${names[0]}`;
}

describe("CloudFrontCertificate", () => {
  describe("GIVEN a us-east-1 provider and a hosted zone", () => {
    const { synthesized, json } = synthCertificate(
      { hostedZoneId: "Z123", subjectAlternativeNames: ["*.treepli.com", "treepli.com"] },
      { usEast1: true },
    );
    const certificate = address(json, "aws_acm_certificate");

    test("THEN the certificate is requested in us-east-1, where CloudFront looks for it", () => {
      expect(onlyResource(json, "aws_acm_certificate").provider).toBe("aws.us_east_1");
      expect(onlyResource(json, "aws_acm_certificate_validation").provider).toBe("aws.us_east_1");
    });

    test("THEN it covers every name, validated through DNS, replaced before it is destroyed", () => {
      expect(synthesized).toHaveResourceWithProperties(AcmCertificate, {
        domain_name: "media.treepli.com",
        subject_alternative_names: ["*.treepli.com", "treepli.com"],
        validation_method: "DNS",
        lifecycle: { create_before_destroy: true },
      });
    });

    test("THEN one validation record is written per name, in the zone, tolerating names that share a record", () => {
      const record = onlyResource(json, "aws_route53_record");
      // Over the set itself, keyed by the (plan-time known) name: `tolist()` of a not-yet-known set
      // would make the keys unknown and Terraform refuse to plan ("Invalid for_each argument").
      expect(record.for_each).toBe(`\${{ for key, val in ${certificate}.domain_validation_options: val.domain_name => val }}`);
      expect(record).toMatchObject({
        zone_id: "Z123",
        name: "${each.value.resource_record_name}",
        type: "${each.value.resource_record_type}",
        records: ["${each.value.resource_record_value}"],
        allow_overwrite: true,
      });
    });

    test("THEN the ARN handed out waits until ACM has issued the certificate from those records", () => {
      const validation = onlyResource(json, "aws_acm_certificate_validation");
      expect(validation.certificate_arn).toBe(`\${${certificate}.arn}`);
      expect(validation.validation_record_fqdns).toBe(`\${[ for key, val in ${address(json, "aws_route53_record")}: val.fqdn]}`);
      expect(json.output?.certificate_arn.value).toBe(`\${${address(json, "aws_acm_certificate_validation")}.certificate_arn}`);
    });
  });

  describe("GIVEN no hosted zone and no provider (a regional certificate)", () => {
    const { json } = synthCertificate();
    const certificate = address(json, "aws_acm_certificate");

    test("THEN the stack's default provider (its region) is used", () => {
      expect(onlyResource(json, "aws_acm_certificate").provider).toBeUndefined();
    });

    test("THEN no record is created, but users of the ARN still wait (up to 2 h) until the certificate is issued", () => {
      expect(resources(json, "aws_route53_record")).toEqual([]);
      const validation = onlyResource(json, "aws_acm_certificate_validation");
      expect(validation.certificate_arn).toBe(`\${${certificate}.arn}`);
      expect(validation.validation_record_fqdns).toBeUndefined();
      expect(validation.timeouts).toEqual({ create: "2h" });
      expect(json.output?.certificate_arn.value).toMatch(/^\$\{aws_acm_certificate_validation\.[^.]+\.certificate_arn\}$/);
    });

    test("THEN the records an operator must create can be output", () => {
      expect(json.output?.validation_records.value).toBe(`\${${certificate}.domain_validation_options}`);
    });

    test("THEN no empty list of alternative names is sent", () => {
      expect(onlyResource(json, "aws_acm_certificate").subject_alternative_names).toBeUndefined();
    });
  });
});
