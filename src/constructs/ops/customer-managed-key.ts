import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { TerraformProvider, Token } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "../iam/policy-document";

/** Letters, digits, `/`, `_` and `-`: what a KMS alias name (after `alias/`) allows. */
const ALIAS_NAME = /^(?!aws\/)(?!alias\/)[A-Za-z0-9/_-]{1,250}$/;

/** Props of {@link CustomerManagedKey}. */
export interface CustomerManagedKeyProps {
  /** Name of the key's alias, without `alias/` (e.g. `treepli-production-logs`); unique in the account and region. */
  readonly aliasName: string;

  /** What the key encrypts, shown in the KMS console. */
  readonly description: string;

  /** The account the key belongs to; its root administers the key. */
  readonly accountId: string;

  /** The account's partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;

  /**
   * The key policy's statements for the AWS services that use the key themselves (a service principal),
   * after the account's own statement. Each names its principal and actions; in a key policy, `Resource`
   * `"*"` means this key.
   *
   * @default [] - only the account, through IAM policies
   */
  readonly serviceStatements?: PolicyStatement[];

  /**
   * `true`: `prevent_destroy`, and a 30-day deletion window (a key that is gone makes everything it
   * encrypted unreadable). `false`: 7 days, the shortest KMS allows.
   */
  readonly protect: boolean;

  /**
   * Provider of the key's region (a key is regional).
   *
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * A customer-managed, symmetric KMS key with yearly rotation, an alias, and a key policy written here in
 * full (created with the key, so the key never has KMS's default policy):
 *
 * - `AccountAdministersKey`: the account root, `kms:*`. This is what lets IAM policies in the account grant
 *   use of the key (the Terraform role administers it, a task execution role decrypts a secret with it) and
 *   keeps the key manageable; it grants nobody anything by itself;
 * - the given service statements, one per purpose, each naming exactly the service principals that use
 *   the key on their own behalf, and nothing else.
 */
export class CustomerManagedKey extends Construct {
  /** The key. */
  public readonly key: KmsKey;

  /** The key's alias (`alias/<aliasName>`). */
  public readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id);
    const serviceStatements = props.serviceStatements ?? [];
    if (!Token.isUnresolved(props.aliasName) && !ALIAS_NAME.test(props.aliasName)) {
      throw new Error(
        `CustomerManagedKey "${id}": aliasName must be 1-250 letters, digits, "/", "_" or "-", without "alias/" and not starting with "aws/", got "${props.aliasName}"`,
      );
    }
    for (const statement of serviceStatements) {
      if (statement.Principal?.Service === undefined || Object.keys(statement.Principal).length !== 1) {
        throw new Error(
          `CustomerManagedKey "${id}": serviceStatements must each name service principals only (Principal: { Service: ... }), got ${JSON.stringify(statement.Principal)} in ${statement.Sid ?? "a statement"}`,
        );
      }
    }

    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.protect ? 30 : 7,
      policy: policyDocument(
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: `arn:${props.partition}:iam::${props.accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        ...serviceStatements,
      ),
      lifecycle: { preventDestroy: props.protect },
      provider: props.provider,
    });
    this.alias = new KmsAlias(this, "alias", { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId, provider: props.provider });
  }

  /** ARN of the key. */
  public get keyArn(): string {
    return this.key.arn;
  }
}
