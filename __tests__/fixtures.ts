import { EnvironmentConfig, EnvironmentConfigInput } from "../src/config/environment-config";
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from "../src/config/environments";
import { fixtureEnvironment } from "../src/config/fixtures";
import { loadEnvironmentConfigs } from "../src/config/load-config";
import { withOverride } from "./helpers";

/**
 * A queue worker as an engineer adds one to a layer: one entry in the layer's `services`. Test-only:
 * no real environment has it (see the README, "Adding a service", for what adding it takes).
 */
export const WORKER = {
  githubRepository: "treepli/worker",
  cpu: 256,
  memoryMiB: 512,
  desiredCount: 1,
  minCount: 1,
  maxCount: 4,
  queue: { backlogPerTaskTarget: 20, visibilityTimeoutSeconds: 120 },
} as const;

/** The key of the worker in the backend layer's `services`. */
export const WORKER_KEY = "worker";

/** The fixture environment's name (not a committed environment). */
export const FIXTURE = "fixture";

/** A raw environment with the worker added to its backend layer. */
function withWorker(raw: EnvironmentConfigInput): EnvironmentConfigInput {
  return withOverride(raw, { backend: { services: { [WORKER_KEY]: WORKER } } });
}

/**
 * The test-only environment `fixture`: a copy of staging in a reserved fixture account whose backend layer
 * has its own service and the worker; and the same without the worker, to show what the worker adds.
 */
export function workerFixture(): { withWorker: EnvironmentConfig; withoutWorker: EnvironmentConfig } {
  const copy = fixtureEnvironment(FIXTURE, 1);
  // Only the layer's own service, whatever other services the copied environment has.
  const base = { ...copy, backend: { ...copy.backend, services: { backend: copy.backend.services.backend } } };
  const [withWorkerConfig] = loadEnvironmentConfigs([FIXTURE], {
    environments: { [FIXTURE]: withWorker(base) },
    allowFixtureAccountIds: true,
  });
  const [withoutWorkerConfig] = loadEnvironmentConfigs([FIXTURE], { environments: { [FIXTURE]: base }, allowFixtureAccountIds: true });
  return { withWorker: withWorkerConfig, withoutWorker: withoutWorkerConfig };
}

/** The committed emulator environment (`local`) with the worker added to its backend layer. */
export function emulatorWithWorker(): EnvironmentConfig {
  const name = emulatorEnvironmentName();
  return loadEnvironmentConfigs([name], { environments: { [name]: withWorker(ENVIRONMENTS[name]) } })[0];
}

/** The name of the committed environment that runs on the emulator. */
export function emulatorEnvironmentName(): string {
  const names = ENVIRONMENT_NAMES.filter((name) => ENVIRONMENTS[name].emulator !== undefined);
  if (names.length !== 1) throw new Error(`expected one emulator environment, found ${names.join(", ") || "none"}`);
  return names[0];
}
