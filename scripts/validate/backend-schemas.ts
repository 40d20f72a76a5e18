import { AttributeSchema, BlockSchema } from "./block-schema";

/**
 * The arguments of the backends the stacks use, as Terraform 1.11 defines them
 * (`internal/backend/remote-state/s3/backend.go` and `internal/backend/local/backend.go` in
 * hashicorp/terraform v1.11). Terraform prints no schema for its built-in backends, and a backend block
 * inside a module (the one-provider-load validation) is ignored, so the stacks' backend blocks and their
 * remote-state look-ups are checked against these. Update them with `required_version`.
 */

const optional = (type: AttributeSchema["type"]): AttributeSchema => ({ type, optional: true });
const strings = (...names: string[]) => Object.fromEntries(names.map((name) => [name, optional("string")]));
const bools = (...names: string[]) => Object.fromEntries(names.map((name) => [name, optional("bool")]));
const stringSets = (...names: string[]) => Object.fromEntries(names.map((name) => [name, optional(["set", "string"])]));

const assumeRole: AttributeSchema = {
  optional: true,
  nested_type: {
    nesting_mode: "single",
    attributes: {
      role_arn: { type: "string", required: true },
      ...strings("duration", "external_id", "policy", "session_name", "source_identity"),
      ...stringSets("policy_arns", "transitive_tag_keys"),
      tags: optional(["map", "string"]),
    },
  },
};

const assumeRoleWithWebIdentity: AttributeSchema = {
  optional: true,
  nested_type: {
    nesting_mode: "single",
    attributes: {
      role_arn: { type: "string", required: true },
      ...strings("duration", "policy", "session_name", "web_identity_token", "web_identity_token_file"),
      ...stringSets("policy_arns"),
    },
  },
};

/** `backend "s3"` (and the `config` of a `terraform_remote_state` with `backend = "s3"`). */
export const S3_BACKEND_SCHEMA: BlockSchema = {
  attributes: {
    bucket: { type: "string", required: true },
    key: { type: "string", required: true },
    ...strings(
      "region",
      "dynamodb_endpoint",
      "ec2_metadata_service_endpoint",
      "ec2_metadata_service_endpoint_mode",
      "endpoint",
      "iam_endpoint",
      "sts_endpoint",
      "sts_region",
      "acl",
      "access_key",
      "secret_key",
      "kms_key_id",
      "dynamodb_table",
      "profile",
      "retry_mode",
      "shared_credentials_file",
      "token",
      "sse_customer_key",
      "workspace_key_prefix",
      "custom_ca_bundle",
      "http_proxy",
      "https_proxy",
      "no_proxy",
    ),
    ...bools(
      "encrypt",
      "skip_credentials_validation",
      "skip_requesting_account_id",
      "skip_metadata_api_check",
      "skip_region_validation",
      "skip_s3_checksum",
      "force_path_style",
      "use_path_style",
      "insecure",
      "use_fips_endpoint",
      "use_dualstack_endpoint",
      "use_lockfile",
    ),
    ...stringSets("allowed_account_ids", "forbidden_account_ids", "shared_config_files", "shared_credentials_files"),
    max_retries: optional("number"),
    endpoints: { optional: true, nested_type: { nesting_mode: "single", attributes: strings("dynamodb", "iam", "s3", "sso", "sts") } },
    assume_role: assumeRole,
    assume_role_with_web_identity: assumeRoleWithWebIdentity,
  },
};

/** `backend "local"`. */
export const LOCAL_BACKEND_SCHEMA: BlockSchema = { attributes: strings("path", "workspace_dir") };

/** The backends this project's stacks may use, by type. */
export const BACKEND_SCHEMAS: Readonly<Record<string, BlockSchema>> = { s3: S3_BACKEND_SCHEMA, local: LOCAL_BACKEND_SCHEMA };
