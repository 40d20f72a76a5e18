import { EnvironmentConfigInput, EnvironmentName, FIXTURE_ACCOUNT_ID } from "./environment-config";
import { ENVIRONMENTS } from "./environments";

/**
 * Environments for tests and benchmarks, generated from the committed ones. Each lives in its own
 * reserved fixture account (`000000000001` to `000000000999`), which validation refuses for any
 * environment not on the emulator unless the loader is given `allowFixtureAccountIds: true` — so a
 * fixture can be synthesized and validated here but never applied to a real account.
 *
 * @example
 * const environments = fixtureEnvironments(["bench-1", "bench-2"]);
 * const configs = loadEnvironmentConfigs(Object.keys(environments), { environments, allowFixtureAccountIds: true });
 */

/** The reserved fixture account id number `index` (1 to 999), e.g. `000000000007`. */
export function fixtureAccountId(index: number): string {
  const id = String(index).padStart(12, "0");
  if (!Number.isInteger(index) || !FIXTURE_ACCOUNT_ID.test(id) || index < 1) {
    throw new Error(`fixture account index must be a whole number from 1 to 999, got ${index}`);
  }
  return id;
}

/**
 * A copy of the committed environment `from` named `name`, in fixture account `index`, with its own
 * state bucket (`treepli-fixture-state-<account>`) and GitHub environment; not synthesized by default.
 * Everything else (sizes, services, account singletons, domains) is `from`'s.
 */
export function fixtureEnvironment(name: EnvironmentName, index: number, from: EnvironmentName = "staging"): EnvironmentConfigInput {
  const base = ENVIRONMENTS[from];
  if (base === undefined)
    throw new Error(`fixtureEnvironment: no committed environment "${from}" to copy; known: ${Object.keys(ENVIRONMENTS).join(", ")}`);
  if (base.emulator) throw new Error(`fixtureEnvironment: "${from}" is an emulator environment; copy a real one`);
  const accountId = fixtureAccountId(index);
  return {
    ...base,
    name,
    synthesizedByDefault: false,
    aws: { ...base.aws, accountId },
    stateBackend: { ...base.stateBackend, bucket: `treepli-fixture-state-${accountId}` },
    github: { ...base.github, deployEnvironment: name },
  };
}

/**
 * Fixture environments named `names`, copies of `from` in fixture accounts 1, 2, 3, ... (see
 * {@link fixtureEnvironment}), keyed by name as `loadEnvironmentConfigs`'s `environments` option takes them.
 */
export function fixtureEnvironments(
  names: readonly EnvironmentName[],
  from: EnvironmentName = "staging",
): Record<EnvironmentName, EnvironmentConfigInput> {
  return Object.fromEntries(names.map((name, index) => [name, fixtureEnvironment(name, index + 1, from)]));
}
