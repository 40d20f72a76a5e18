import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing } from "cdktf";
import { CloudFrontAccessLogs, CloudFrontAccessLogsProps } from "../../../src/constructs/observability/cloudfront-access-logs";
import { onlyResource, parse, policy, resources } from "../../helpers";

const DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function synthLogs(props: Partial<Omit<CloudFrontAccessLogsProps, "provider">> = {}) {
  const synthesized = Testing.synthScope((scope) => {
    const provider = new AwsProvider(scope, "us-east-1", { region: "us-east-1", alias: "us_east_1" });
    new CloudFrontAccessLogs(scope, "logs", {
      name: "treepli-test-site",
      distributionArn: DISTRIBUTION,
      accountId: "123456789012",
      partition: "aws",
      retentionDays: 365,
      kmsKeyArn: KEY,
      provider,
      ...props,
    });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("CloudFrontAccessLogs", () => {
  const { synthesized, json } = synthLogs();

  test("THEN the distribution's access logs are a delivery source in us-east-1", () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogDeliverySource, {
      name: "treepli-test-site",
      log_type: "ACCESS_LOGS",
      resource_arn: DISTRIBUTION,
      provider: "aws.us_east_1",
    });
  });

  test("THEN they arrive, as JSON, in a log group of their own in us-east-1, encrypted with the logs key and kept for the retention", () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/cloudfront/treepli-test-site",
      retention_in_days: 365,
      kms_key_id: KEY,
      provider: "aws.us_east_1",
    });
    const destination = onlyResource(json, "aws_cloudwatch_log_delivery_destination");
    expect(destination.output_format).toBe("json");
    expect(destination.delivery_destination_configuration).toEqual([
      { destination_resource_arn: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}$/) },
    ]);
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogDelivery, {
      delivery_source_name: expect.stringMatching(/^\$\{aws_cloudwatch_log_delivery_source\.[^.]+\.name\}$/),
      delivery_destination_arn: expect.stringMatching(/^\$\{aws_cloudwatch_log_delivery_destination\.[^.]+\.arn\}$/),
    });
  });

  test("THEN no bucket is involved (no ACL-enabled bucket, unlike legacy standard logs)", () => {
    expect(resources(json, "aws_s3_bucket")).toEqual([]);
  });

  test("THEN only the log delivery service may write, to this log group, for this account's delivery sources", () => {
    const [statement] = policy(onlyResource(json, "aws_cloudwatch_log_resource_policy").policy_document).Statement;
    expect(statement).toEqual({
      Sid: "LogDeliveryWritesViewerLogs",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}:log-stream:\*$/),
      Condition: {
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:delivery-source:*" },
      },
    });
    expect(onlyResource(json, "aws_cloudwatch_log_delivery").depends_on).toEqual([
      expect.stringMatching(/^aws_cloudwatch_log_resource_policy\./),
    ]);
  });

  test("GIVEN a retention CloudWatch Logs does not offer or a name delivery sources refuse THEN it is refused", () => {
    expect(() => synthLogs({ retentionDays: 100 })).toThrow(/retentionDays must be one of 1, 3, 5, .*got 100/);
    expect(() => synthLogs({ name: "a.b" })).toThrow(/name must be 1-60 letters, digits, "_" or "-", got "a.b"/);
  });
});
