import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { IResolvable, TerraformIterator, TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";

/** Props of {@link CloudFrontCertificate}. */
export interface CloudFrontCertificateProps {
  /** The name the certificate is for, e.g. `media.treepli.com`. */
  readonly domainName: string;

  /**
   * Further names the certificate covers (e.g. `www.treepli.com`, `*.treepli.com`).
   *
   * @default [] - the certificate covers `domainName` only
   */
  readonly subjectAlternativeNames?: string[];

  /**
   * Route 53 public hosted zone holding every name of the certificate. With it, Terraform creates
   * the DNS validation records and waits until ACM has issued the certificate, so that whatever uses
   * {@link CloudFrontCertificate.certificateArn} is created only once the certificate is usable.
   *
   * @default - no records are created: an operator creates the records listed in
   * {@link CloudFrontCertificate.validationRecords} (put them in a `TerraformOutput`) in the zone
   * that serves the names
   */
  readonly hostedZoneId?: string;

  /**
   * The AWS provider the certificate is created with. CloudFront accepts only certificates of
   * us-east-1, so for a distribution this must be a provider for us-east-1 (the stack creates it,
   * aliased). Leave it out for a regional certificate, e.g. an API Gateway regional custom domain.
   *
   * @default - the stack's default provider (its region)
   */
  readonly provider?: AwsProvider;

  /**
   * Without a hosted zone: how long an apply waits for the operator to create the validation records
   * and ACM to issue the certificate (a Terraform duration).
   *
   * @default "2h"
   */
  readonly validationTimeout?: string;

  /**
   * Without a hosted zone: name of a stack output listing the validation records for whoever runs DNS.
   *
   * @default - no output
   */
  readonly validationRecordsOutput?: string;
}

/**
 * An ACM certificate, validated through DNS, for a CloudFront alias (or, without a us-east-1
 * provider, for a regional service such as an API Gateway custom domain).
 *
 * - DNS validation: ACM renews the certificate by itself for as long as the validation records
 *   stay in place.
 * - `create_before_destroy`: a change of names creates the new certificate and moves its users to
 *   it before the old one is deleted (a certificate in use cannot be deleted).
 * - With a hosted zone, one validation record per distinct name (a name and its wildcard share one
 *   record; `allow_overwrite` lets both entries write it) and an `aws_acm_certificate_validation`
 *   that waits until the certificate is issued; {@link certificateArn} is taken from that
 *   resource, so a distribution using it is created only once the certificate is valid.
 * - Without a hosted zone, no records are created, but {@link certificateArn} still comes from an
 *   `aws_acm_certificate_validation`, so its users wait until the certificate is issued (CloudFront,
 *   ALB listeners and API Gateway domains refuse a pending one). The first apply then waits while an
 *   operator creates the records: they are shown by
 *   `aws acm describe-certificate --certificate-arn <arn> --query Certificate.DomainValidationOptions`
 *   (the ARN is in the apply's log), and afterwards in {@link validationRecords}' output.
 */
export class CloudFrontCertificate extends Construct {
  /** The certificate. */
  public readonly certificate: AcmCertificate;

  /** The validation records, when a hosted zone was given (one resource, `for_each` over the names). */
  public readonly validationRecord?: Route53Record;

  /** Waits until the certificate is issued (users of {@link certificateArn} wait for it). */
  public readonly validation?: AcmCertificateValidation;

  /**
   * ARN of the certificate to give to its users (CloudFront, API Gateway). With a hosted zone it
   * comes from the validation, so it is known only once the certificate is issued.
   */
  public readonly certificateArn: string;

  /**
   * The DNS records that prove control of the names (`domain_validation_options`: `domain_name`,
   * `resource_record_name`, `resource_record_type`, `resource_record_value` per name), for a
   * `TerraformOutput` when an operator creates them by hand.
   */
  public readonly validationRecords: IResolvable;

  constructor(scope: Construct, id: string, props: CloudFrontCertificateProps) {
    super(scope, id);
    const subjectAlternativeNames = props.subjectAlternativeNames ?? [];

    this.certificate = new AcmCertificate(this, "certificate", {
      provider: props.provider,
      domainName: props.domainName,
      subjectAlternativeNames: subjectAlternativeNames.length > 0 ? subjectAlternativeNames : undefined,
      validationMethod: "DNS",
      lifecycle: { createBeforeDestroy: true },
    });
    this.validationRecords = this.certificate.interpolationForAttribute("domain_validation_options");

    if (props.hostedZoneId === undefined) {
      // No records to create here, but whatever uses the certificate still waits until it is issued:
      // CloudFront, load balancer listeners and API Gateway domains all refuse a pending certificate.
      // The apply waits (up to `validationTimeout`) while the operator creates the records.
      this.validation = new AcmCertificateValidation(this, "validation", {
        provider: props.provider,
        certificateArn: this.certificate.arn,
        timeouts: { create: props.validationTimeout ?? "2h" },
      });
      this.certificateArn = this.validation.certificateArn;
      if (props.validationRecordsOutput) {
        new TerraformOutput(this, "validation-records", {
          description: `DNS records to create so that ACM issues the certificate of ${props.domainName} (no hosted zone is configured)`,
          value: this.validationRecords,
        }).overrideLogicalId(props.validationRecordsOutput);
      }
      return;
    }

    // One record per name, keyed by the name (known at plan time, unlike the record values). A name
    // and its wildcard (`example.com`, `*.example.com`) need the same record: `allow_overwrite`
    // lets the second entry take over the record the first wrote instead of failing.
    // The set is iterated directly, as in the provider's documentation: `tolist()` of a set whose
    // values are not known yet (what cdktf renders for `domainValidationOptions`) is wholly unknown,
    // so Terraform could not plan the instances ("Invalid for_each argument").
    const names = TerraformIterator.fromComplexList(this.validationRecords, "domain_name");
    this.validationRecord = new Route53Record(this, "validation-record", {
      forEach: names,
      zoneId: props.hostedZoneId,
      name: names.getString("resource_record_name"),
      type: names.getString("resource_record_type"),
      records: [names.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });
    this.validation = new AcmCertificateValidation(this, "validation", {
      provider: props.provider,
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(this.validationRecord).pluckProperty("fqdn")),
    });
    this.certificateArn = this.validation.certificateArn;
  }
}
