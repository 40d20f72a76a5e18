import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { Aspects, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentConfig } from "../config/environment-config";
import { EmulatorAdjustments } from "../emulator/emulator-adjustments";
import { emulatorBackendSettings, emulatorProviderSettings } from "../emulator/emulator-settings";
import { LockingS3Backend } from "./locking-s3-backend";

/**
 * The Terraform versions every stack accepts. Patch releases only: state written by a newer minor
 * version cannot be read by an older one, so a minor upgrade is a deliberate change here (and in
 * Atlantis) rather than whatever a laptop happens to have.
 */
export const TERRAFORM_REQUIRED_VERSION = "~> 1.11.0";

/**
 * The layers of the estate, in deployment order. `bootstrap` holds the state bucket itself; `ops` the
 * keys, operations topics and trail every later layer uses; `observability` the dashboard that reads
 * every other layer.
 */
export const LAYERS = ["bootstrap", "ops", "vpc", "cluster", "media", "backend", "frontend", "observability"] as const;

/** One layer of the estate. */
export type Layer = (typeof LAYERS)[number];

/** Props every stack of the estate takes. */
export interface EnvironmentStackProps {
  /** The validated configuration of the environment this stack belongs to. */
  readonly config: EnvironmentConfig;
}

/** The stack name for a layer of an environment, e.g. `production-vpc`. */
export function stackName(config: EnvironmentConfig, layer: Layer): string {
  return `${config.name}-${layer}`;
}

/** The state key of a layer of an environment, e.g. `production/vpc.tfstate`. */
export function stateKey(config: EnvironmentConfig, layer: Layer): string {
  return `${config.name}/${layer}.tfstate`;
}

/**
 * Base of every stack: the AWS provider for the environment's account and region (with default tags),
 * the Terraform version pin, and, unless `remoteState` is false, the environment's S3 backend with
 * S3-native locking.
 */
export abstract class EnvironmentStack extends TerraformStack {
  /** The configuration this stack was built from. */
  public readonly config: EnvironmentConfig;

  /** The layer this stack holds. */
  public readonly layer: Layer;

  /** The default AWS provider: the environment's account and region. */
  public readonly provider: AwsProvider;

  private globalProvider?: AwsProvider;
  private readonly regionProviders = new Map<string, AwsProvider>();

  protected constructor(scope: Construct, layer: Layer, props: EnvironmentStackProps, options: { remoteState?: boolean } = {}) {
    super(scope, stackName(props.config, layer));
    const { config } = props;
    this.config = config;
    this.layer = layer;
    const emulator = config.emulator?.endpoint;

    this.provider = new AwsProvider(this, "aws", this.providerConfig(config.aws.region));

    if (options.remoteState ?? true) {
      new LockingS3Backend(this, {
        bucket: config.stateBackend.bucket,
        key: stateKey(config, layer),
        region: config.stateBackend.region ?? config.aws.region,
        // No `encrypt`: with it (and no kms_key_id) Terraform sends `AES256` on every write, which
        // overrides the bucket's default SSE-KMS; without it every state object takes that default.
        ...(emulator ? emulatorBackendSettings(emulator) : { allowedAccountIds: [config.aws.accountId] }),
      });
    }

    this.addOverride("terraform.required_version", TERRAFORM_REQUIRED_VERSION);

    // The emulator's deviations from AWS are handled in one place, for the emulator only.
    if (emulator) Aspects.of(this).add(new EmulatorAdjustments());
  }

  /**
   * An AWS provider for us-east-1, where CloudFront's certificates must live (and its global
   * resources are managed). The same account guard and default tags as the stack's provider.
   */
  public usEast1Provider(): AwsProvider {
    this.globalProvider ??= new AwsProvider(this, "aws-us-east-1", { ...this.providerConfig("us-east-1"), alias: "us_east_1" });
    return this.globalProvider;
  }

  /**
   * An AWS provider for `region` in the environment's account (a second region: the copy of backups,
   * the replica of media), with the same account guard and default tags as the stack's provider, aliased
   * by the region (`aws.eu_central_1`). The stack's own provider for its region; us-east-1's is
   * {@link usEast1Provider}.
   */
  public regionProvider(region: string): AwsProvider {
    if (region === this.config.aws.region) return this.provider;
    if (region === "us-east-1") return this.usEast1Provider();
    let provider = this.regionProviders.get(region);
    if (provider === undefined) {
      provider = new AwsProvider(this, `aws-${region}`, { ...this.providerConfig(region), alias: region.replace(/-/g, "_") });
      this.regionProviders.set(region, provider);
    }
    return provider;
  }

  private providerConfig(region: string): AwsProviderConfig {
    const { config, layer } = this;
    const emulator = config.emulator?.endpoint;
    return {
      region,
      // Refuses to plan or apply with credentials of another account (e.g. staging's against production).
      // The emulator cannot report an account id, so the check is left out there.
      allowedAccountIds: emulator ? undefined : [config.aws.accountId],
      defaultTags: [{ tags: { ...config.tags, Environment: config.name, Layer: layer, ManagedBy: "cdktf" } }],
      ...(emulator ? emulatorProviderSettings(emulator) : {}),
    };
  }
}
