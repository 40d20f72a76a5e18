import * as path from "path";
import { Construct } from "constructs";
import { EnvironmentConfig, EnvironmentName } from "./config/environment-config";
import { ConfigurationError, defaultEnvironmentNames, ENVIRONMENT_SELECTION_VARIABLE } from "./config/load-config";
import { BackendStack } from "./stacks/backend-stack";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { ClusterStack } from "./stacks/cluster-stack";
import { FrontendStack } from "./stacks/frontend-stack";
import { MediaStack } from "./stacks/media-stack";
import { ObservabilityStack } from "./stacks/observability-stack";
import { OpsStack } from "./stacks/ops-stack";
import { VpcStack } from "./stacks/vpc-stack";

/** The output folder of a full synth (`output` in cdktf.json). */
export const FULL_OUTPUT_FOLDER = "cdktf.out";

/** The output folder a synth of only some environments writes to, e.g. `cdktf.out.production`. */
export function partialOutputFolder(environments: readonly EnvironmentName[]): string {
  return `${FULL_OUTPUT_FOLDER}.${[...environments].sort().join("-")}`;
}

/** The stacks of one environment. */
export interface EnvironmentStacks {
  readonly bootstrap: BootstrapStack;
  readonly ops: OpsStack;
  readonly vpc: VpcStack;
  readonly cluster: ClusterStack;
  readonly media: MediaStack;
  readonly backend: BackendStack;
  readonly frontend: FrontendStack;
  readonly observability: ObservabilityStack;
}

/**
 * Adds every stack of one environment to the app, wired in dependency order: each layer receives
 * the previous layers' refs, which cdktf turns into outputs and remote-state lookups.
 */
export function addEnvironment(scope: Construct, config: EnvironmentConfig): EnvironmentStacks {
  const bootstrap = new BootstrapStack(scope, { config });
  const opsStack = new OpsStack(scope, { config });
  const ops = opsStack.ops;
  const vpc = new VpcStack(scope, { config, ops });
  const cluster = new ClusterStack(scope, { config, network: vpc.network, ops });
  const media = new MediaStack(scope, { config, ops });
  const backend = new BackendStack(scope, { config, network: vpc.network, cluster: cluster.cluster, media: media.media, ops });
  const frontend = new FrontendStack(scope, {
    config,
    network: vpc.network,
    cluster: cluster.cluster,
    media: media.media,
    backend: backend.backend,
    ops,
  });
  const observability = new ObservabilityStack(scope, {
    config,
    monitoring: {
      frontend: frontend.monitoring,
      backend: backend.monitoring,
      media: media.monitoring,
      cluster: cluster.monitoring,
      vpc: vpc.monitoring,
    },
  });
  return { bootstrap, ops: opsStack, vpc, cluster, media, backend, frontend, observability };
}

/**
 * `cdktf synth` deletes every stack folder of its output folder that it did not just produce. A synth
 * of only some environments must therefore not write to the full synth's folder, where it would wipe
 * the other environments' stacks that Atlantis or a reviewer may be reading.
 */
export function checkOutputFolder(selection: readonly EnvironmentName[], outdir: string, cwd: string): void {
  const defaults = defaultEnvironmentNames();
  const isDefaultSelection = selection.length === defaults.length && defaults.every((name) => selection.includes(name));
  if (isDefaultSelection || path.resolve(cwd, outdir) !== path.resolve(cwd, FULL_OUTPUT_FOLDER)) return;
  throw new ConfigurationError(
    `${ENVIRONMENT_SELECTION_VARIABLE}=${selection.join(",")} synthesizes only some environments, and "${FULL_OUTPUT_FOLDER}" is the full synth's folder ` +
      `(cdktf would delete the other environments' stacks there). Give it its own folder: ` +
      `npx cdktf synth --output ${partialOutputFolder(selection)}, or use the npm scripts (npm run synth), which do so.`,
  );
}
