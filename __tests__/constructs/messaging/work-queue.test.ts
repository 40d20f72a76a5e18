import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Testing } from "cdktf";
import { WorkQueue, WorkQueueProps } from "../../../src/constructs/messaging/work-queue";
import { parse, policy, refNamed, resourceNamed, TerraformJson } from "../../helpers";

function synthQueue(props: Partial<WorkQueueProps> = {}): { synthesized: string; json: TerraformJson } {
  const synthesized = Testing.synthScope((scope) => {
    new WorkQueue(scope, "jobs", { queueName: "treepli-test-jobs", ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("WorkQueue", () => {
  describe("GIVEN the defaults", () => {
    const { synthesized, json } = synthQueue();

    test("THEN the queue is encrypted by SQS, long-polled, hides a received message 5 minutes and keeps messages 4 days", () => {
      expect(synthesized).toHaveResourceWithProperties(SqsQueue, {
        name: "treepli-test-jobs",
        sqs_managed_sse_enabled: true,
        visibility_timeout_seconds: 300,
        message_retention_seconds: 345600,
        receive_wait_time_seconds: 20,
      });
    });

    test("THEN a message received 5 times without being deleted moves to the dead-letter queue, which keeps it 14 days", () => {
      const queue = resourceNamed(json, "aws_sqs_queue", "treepli-test-jobs");
      expect(JSON.parse(queue.redrive_policy)).toEqual({
        deadLetterTargetArn: refNamed(json, "aws_sqs_queue", "treepli-test-jobs-dlq", "arn"),
        maxReceiveCount: 5,
      });
      expect(resourceNamed(json, "aws_sqs_queue", "treepli-test-jobs-dlq")).toEqual(
        expect.objectContaining({ message_retention_seconds: 1209600, sqs_managed_sse_enabled: true }),
      );
    });

    test("THEN no other queue may send its failures to this dead-letter queue", () => {
      const allow = resourceNamed(
        json,
        "aws_sqs_queue_redrive_allow_policy",
        refNamed(json, "aws_sqs_queue", "treepli-test-jobs-dlq", "url"),
      );
      expect(JSON.parse(allow.redrive_allow_policy)).toEqual({
        redrivePermission: "byQueue",
        sourceQueueArns: [refNamed(json, "aws_sqs_queue", "treepli-test-jobs", "arn")],
      });
    });

    test("THEN both queues refuse every request not made over TLS, and their policies allow nothing", () => {
      for (const queue of ["treepli-test-jobs", "treepli-test-jobs-dlq"]) {
        const statements = policy(
          resourceNamed(json, "aws_sqs_queue_policy", refNamed(json, "aws_sqs_queue", queue, "url")).policy,
        ).Statement;
        expect(statements).toEqual([
          expect.objectContaining({ Effect: "Deny", Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": false } } }),
        ]);
      }
    });
  });

  describe("GIVEN its options", () => {
    test("THEN visibility, retention, receive count and long polling follow them", () => {
      const { json } = synthQueue({ visibilityTimeoutSeconds: 60, messageRetentionDays: 7, maxReceiveCount: 3, receiveWaitTimeSeconds: 0 });
      const queue = resourceNamed(json, "aws_sqs_queue", "treepli-test-jobs");
      expect(queue).toEqual(
        expect.objectContaining({ visibility_timeout_seconds: 60, message_retention_seconds: 604800, receive_wait_time_seconds: 0 }),
      );
      expect(JSON.parse(queue.redrive_policy).maxReceiveCount).toBe(3);
    });
  });

  describe("GIVEN invalid props", () => {
    const cases: Array<[string, Partial<WorkQueueProps>, RegExp]> = [
      ["a name SQS refuses", { queueName: "jobs.fifo" }, /queueName must be 1 to 76 letters, digits, "-" and "_"/],
      [
        "a retention the dead-letter queue cannot outlast by a week",
        { messageRetentionDays: 10 },
        /messageRetentionDays must be an integer from 1 to 7, got 10/,
      ],
      [
        "a visibility timeout above 12 hours",
        { visibilityTimeoutSeconds: 50000 },
        /visibilityTimeoutSeconds must be an integer from 0 to 43200/,
      ],
      ["no receive allowed", { maxReceiveCount: 0 }, /maxReceiveCount must be an integer from 1 to 1000, got 0/],
    ];
    test.each(cases)("WITH %s THEN construction fails naming the prop", (_, props, message) => {
      expect(() => synthQueue(props)).toThrow(message);
    });
  });
});
