import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Testing } from "cdktf";
import { OPERATIONS_TOPIC_PUBLISHERS, OperationsTopic, OperationsTopicProps } from "../../../src/constructs/ops/operations-topic";
import { dataSources, onlyResource, parse, policy, resources } from "../../helpers";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const baseProps: OperationsTopicProps = { name: "treepli-test-ops", accountId: "123456789012", kmsKeyArn: KEY };

function synthTopic(props: Partial<OperationsTopicProps> = {}) {
  const synthesized = Testing.synthScope((scope) => {
    new OperationsTopic(scope, "topic", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("OperationsTopic", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthTopic();

    test("THEN messages are encrypted with the given customer-managed key (not aws/sns, which AWS services cannot use)", () => {
      expect(synthesized).toHaveResourceWithProperties(SnsTopic, { name: "treepli-test-ops", kms_master_key_id: KEY });
    });

    test("THEN CloudWatch, EventBridge, Budgets, RDS events and AWS Backup of this account may publish, and nobody else is named", () => {
      expect(policy(onlyResource(json, "aws_sns_topic_policy").policy).Statement).toEqual([
        {
          Sid: "AwsServicesOfThisAccountPublish",
          Effect: "Allow",
          Principal: {
            Service: [
              "cloudwatch.amazonaws.com",
              "events.amazonaws.com",
              "budgets.amazonaws.com",
              "events.rds.amazonaws.com",
              "backup.amazonaws.com",
            ],
          },
          Action: "sns:Publish",
          Resource: expect.stringMatching(/^\$\{aws_sns_topic\.[^.]+\.arn\}$/),
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        },
      ]);
    });

    test("THEN nobody is subscribed", () => {
      expect(resources(json, "aws_sns_topic_subscription")).toEqual([]);
    });
  });

  test("GIVEN the publishers named by what they send THEN they are the five services of the issue, each once", () => {
    expect(Object.values(OPERATIONS_TOPIC_PUBLISHERS).sort()).toEqual(
      [
        "backup.amazonaws.com",
        "budgets.amazonaws.com",
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
        "events.rds.amazonaws.com",
      ].sort(),
    );
  });

  describe("GIVEN an email, an https URL and an https URL kept in SSM", () => {
    const { json } = synthTopic({
      subscribers: [
        { protocol: "email", endpoint: "ops@treepli.example" },
        { protocol: "https", endpoint: "https://hooks.treepli.example/aws", autoConfirms: false },
        { protocol: "https", endpointParameterName: "/treepli/test/ops/pager-url", autoConfirms: true },
      ],
    });
    const subscriptions = json.resource.aws_sns_topic_subscription;

    test("THEN each is a subscription keyed by what it points at (reordering moves none)", () => {
      expect(Object.keys(subscriptions).map((key) => key.replace(/_[0-9A-F]{8}$/, ""))).toEqual(
        expect.arrayContaining([
          "topic_email-ops-treepli-example",
          "topic_https-hooks-treepli-example-aws",
          "topic_https-param-treepli-test-ops-pager-url",
        ]),
      );
    });

    test("THEN the URL kept in SSM is read at plan time, decrypted, and never written into the JSON", () => {
      expect(dataSources(json, "aws_ssm_parameter")).toEqual([
        expect.objectContaining({ name: "/treepli/test/ops/pager-url", with_decryption: true }),
      ]);
      const fromParameter = Object.values(subscriptions).find((s: any) => s.endpoint_auto_confirms === true) as any;
      expect(fromParameter).toEqual(
        expect.objectContaining({ protocol: "https", endpoint: expect.stringMatching(/^\$\{data\.aws_ssm_parameter\.[^.]+\.value\}$/) }),
      );
    });

    test("THEN the email and the plain URL are subscribed as given", () => {
      expect(Object.values(subscriptions).map((s: any) => [s.protocol, s.endpoint])).toEqual(
        expect.arrayContaining([
          ["email", "ops@treepli.example"],
          ["https", "https://hooks.treepli.example/aws"],
        ]),
      );
    });
  });

  test("GIVEN no publisher THEN it is refused: nothing could notify the topic", () => {
    expect(() => synthTopic({ publishers: [] })).toThrow(/publishers is empty; nothing could notify the topic/);
  });

  test("GIVEN an https subscriber with both or neither endpoint THEN it is refused", () => {
    expect(() => synthTopic({ subscribers: [{ protocol: "https", autoConfirms: false }] })).toThrow(
      /subscribers\[0\] \(https\) must give exactly one of endpoint or endpointParameterName/,
    );
    expect(() => synthTopic({ subscribers: [{ protocol: "https", endpoint: "http://plain.example", autoConfirms: false }] })).toThrow(
      /subscribers\[0\]\.endpoint must be an https URL, got "http:\/\/plain.example"/,
    );
  });
});
