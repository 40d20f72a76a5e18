import { S3BackendConfig } from "cdktf";
import { AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";

/**
 * Everything that exists only to suit the local AWS emulator (moto) lives in this folder and is used
 * only by the `local` environment; `docs/emulator.md` lists each adjustment with its reason.
 */

/** The account id the emulator (moto) answers with; only environments with `emulator` may use it. */
export const EMULATOR_ACCOUNT_ID = "123456789012";

/** AWS services the stacks call; each gets the emulator's endpoint so that nothing reaches real AWS. */
export const EMULATED_SERVICES = [
  "acm",
  "apigatewayv2",
  "applicationautoscaling",
  "autoscaling",
  "backup",
  "budgets",
  "cloudfront",
  "cloudtrail",
  "cloudwatch",
  "dynamodb",
  "ec2",
  "ecr",
  "ecs",
  "elbv2",
  "events",
  "iam",
  "kms",
  "logs",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "sns",
  "sqs",
  "ssm",
  "sts",
] as const;

/**
 * Fake credentials the emulator accepts. They are not secrets: moto accepts any key.
 */
const EMULATOR_CREDENTIALS = { accessKey: "emulator", secretKey: "emulator" } as const;

/**
 * Provider settings for the emulator: every service endpoint pointed at it, fake credentials, and the
 * account/metadata look-ups that moto cannot answer switched off.
 */
export function emulatorProviderSettings(endpoint: string): Partial<AwsProviderConfig> {
  return {
    ...EMULATOR_CREDENTIALS,
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: "true",
    s3UsePathStyle: true,
    endpoints: [Object.fromEntries(EMULATED_SERVICES.map((service) => [service, endpoint]))],
  };
}

/**
 * S3 backend settings for the emulator. The same settings reach the `terraform_remote_state` data
 * sources cdktf generates for cross-stack references, because it copies the backend's config.
 */
export function emulatorBackendSettings(endpoint: string): Partial<S3BackendConfig> {
  return {
    ...EMULATOR_CREDENTIALS,
    endpoints: { s3: endpoint, sts: endpoint, iam: endpoint },
    usePathStyle: true,
    skipCredentialsValidation: true,
    skipRegionValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
  };
}
