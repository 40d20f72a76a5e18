import { LocalBackend, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { StateBucket } from "../constructs/state-bucket";
import { EnvironmentStack, EnvironmentStackProps } from "./environment-stack";

/**
 * Where a bootstrap stack keeps its own state, relative to the stack's working folder
 * (`<output folder>/stacks/<stack>/`): `bootstrap/<environment>.tfstate` at the project root, so it
 * survives `cdktf synth` and can be committed (it holds no secrets, only the bucket's settings).
 */
export function bootstrapStatePath(environment: string): string {
  return `../../../bootstrap/${environment}.tfstate`;
}

/**
 * `<environment>-bootstrap`: the S3 bucket every other stack of the environment keeps its state in.
 * It cannot keep its own state there (the bucket does not exist before it), so it uses local state.
 * Run it once per environment, before anything else: `npx cdktf deploy production-bootstrap`.
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

    new TerraformOutput(this, "state_bucket_name", {
      description: "S3 bucket holding the Terraform state of every other stack of this environment",
      value: this.stateBucket.bucket.bucket,
    });
  }
}
