import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Testing } from "cdktf";
import { CustomerManagedKey, CustomerManagedKeyProps } from "../../../src/constructs/ops/customer-managed-key";
import { onlyResource, parse, policy } from "../../helpers";

const baseProps: CustomerManagedKeyProps = {
  aliasName: "treepli-test-logs",
  description: "test key",
  accountId: "123456789012",
  partition: "aws",
  protect: true,
};
const logsStatement = {
  Sid: "Logs",
  Effect: "Allow" as const,
  Principal: { Service: "logs.eu-west-1.amazonaws.com" },
  Action: "kms:Encrypt*",
  Resource: "*",
};

function synthKey(props: Partial<CustomerManagedKeyProps> = {}) {
  const synthesized = Testing.synthScope((scope) => {
    new CustomerManagedKey(scope, "key", { ...baseProps, ...props });
  });
  return { synthesized, json: parse(synthesized) };
}

describe("CustomerManagedKey", () => {
  describe("GIVEN a protected key with one service statement", () => {
    const { synthesized, json } = synthKey({ serviceStatements: [logsStatement] });

    test("THEN it rotates yearly, waits 30 days before deletion and cannot be destroyed by Terraform", () => {
      expect(synthesized).toHaveResourceWithProperties(KmsKey, {
        enable_key_rotation: true,
        deletion_window_in_days: 30,
        lifecycle: { prevent_destroy: true },
      });
    });

    test("THEN its policy is the account's administration and exactly the given statement, nothing else", () => {
      expect(policy(onlyResource(json, "aws_kms_key").policy).Statement).toEqual([
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "kms:*",
          Resource: "*",
        },
        logsStatement,
      ]);
    });

    test("THEN operators find it by its alias", () => {
      expect(synthesized).toHaveResourceWithProperties(KmsAlias, { name: "alias/treepli-test-logs" });
    });
  });

  test("GIVEN an unprotected key THEN it may be destroyed, after KMS's shortest window", () => {
    expect(synthKey({ protect: false }).synthesized).toHaveResourceWithProperties(KmsKey, {
      deletion_window_in_days: 7,
      lifecycle: { prevent_destroy: false },
    });
  });

  test("GIVEN a statement for anything but service principals THEN it is refused, naming the statement", () => {
    expect(() => synthKey({ serviceStatements: [{ ...logsStatement, Principal: { AWS: "arn:aws:iam::210987654321:root" } }] })).toThrow(
      /serviceStatements must each name service principals only .* in Logs/,
    );
  });

  test("GIVEN an alias name with alias/ or aws/ THEN it is refused", () => {
    expect(() => synthKey({ aliasName: "alias/x" })).toThrow(
      /aliasName must be 1-250 letters, digits, "\/", "_" or "-", without "alias\/"/,
    );
    expect(() => synthKey({ aliasName: "aws/x" })).toThrow(/not starting with "aws\/"/);
  });
});
