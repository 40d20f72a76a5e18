import { LocalBackend, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { OriginSecret } from "../constructs/edge/origin-secret";
import { StateBucket } from "../constructs/data/state-bucket";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";

/**
 * Where a bootstrap stack keeps its own state, relative to the stack's working folder
 * (`<output folder>/stacks/<stack>/`): `bootstrap/<environment>.tfstate` at the project root, so it
 * survives `cdktf synth` and can be committed (it holds no secrets, only the bucket's settings).
 */
export function bootstrapStatePath(environment: string): string {
  return `../../../bootstrap/${environment}.tfstate`;
}

/** Name of the Secrets Manager secret holding the frontend's origin header value (docs/origin-secret.md). */
export function originSecretName(environment: string): string {
  return `treepli/${environment}/frontend-origin-secret`;
}

/**
 * `<environment>-bootstrap`: the S3 bucket every other stack of the environment keeps its state in,
 * and the secret CloudFront proves itself to the frontend's load balancer with (generated here, never
 * typed by a person, never in configuration, plan or this stack's state). It cannot keep its own state
 * in the bucket (the bucket does not exist before it), so it uses local state. Run it once per
 * environment, before anything else: `npx cdktf deploy production-bootstrap`; again to rotate the secret.
 */
export class BootstrapStack extends EnvironmentStack {
  /** The state bucket. */
  public readonly stateBucket: StateBucket;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "bootstrap", props, { remoteState: false });
    new LocalBackend(this, { path: bootstrapStatePath(props.config.name) });

    this.stateBucket = new StateBucket(this, "state", {
      bucketName: props.config.stateBackend.bucket,
      protect: props.config.protectStatefulResources,
    });

    const originSecret = new OriginSecret(this, "origin-secret", {
      secretName: originSecretName(props.config.name),
      description: "Value of the header CloudFront adds to requests to the frontend's load balancer ({current, previous})",
      generation: props.config.frontend.originSecretGeneration,
      protect: props.config.protectStatefulResources,
      // Unprotected environments are torn down and rebuilt: a secret kept for recovery would block
      // creating the same name again.
      recoveryWindowInDays: props.config.protectStatefulResources ? 30 : 0,
    });
    new TerraformOutput(this, "origin_secret_arn", {
      description: "Secret holding the frontend's origin header value",
      value: originSecret.secretArn,
    });

    new TerraformOutput(this, "state_bucket_name", {
      description: "S3 bucket holding the Terraform state of every other stack of this environment",
      value: this.stateBucket.bucket.bucket,
    });
  }
}
