import { z } from "zod";
import {
  ACCOUNT_SINGLETONS,
  EnvironmentConfig,
  EnvironmentConfigInput,
  EnvironmentName,
  environmentConfigSchema,
  FIXTURE_ACCOUNT_ID,
  MISSING,
} from "./environment-config";
import { ENVIRONMENTS } from "./environments";

/** Thrown for configuration that must not be synthesized; the message lists every problem found. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** Inputs to {@link loadEnvironmentConfigs} besides the environment names. */
export interface LoadConfigOptions {
  /**
   * Endpoint of the AWS emulator, for every environment that has `emulator` (the `local` environment).
   *
   * @default - the endpoint written in `environments.ts`
   */
  readonly emulatorEndpoint?: string;

  /**
   * Raw configurations that replace committed environments of the same name or add environments
   * (fixtures, benchmarks); validated together with the committed ones.
   *
   * @default - none: the committed `ENVIRONMENTS` from `environments.ts`
   */
  readonly environments?: Readonly<Record<EnvironmentName, EnvironmentConfigInput>>;

  /**
   * Accept the account ids reserved for fixtures ({@link FIXTURE_ACCOUNT_ID}) in environments that are
   * not on the emulator. Only tests and benchmarks set it; `main.ts` never does, so a fixture can never
   * be synthesized for a real account.
   *
   * @default false
   */
  readonly allowFixtureAccountIds?: boolean;
}

/** Name of the variable that selects environments; documented in the README. */
export const ENVIRONMENT_SELECTION_VARIABLE = "TREEPLI_ENV";

/** The environments a plain `cdktf synth` produces: those whose configuration says `synthesizedByDefault`. */
export function defaultEnvironmentNames(environments: Readonly<Record<EnvironmentName, EnvironmentConfigInput>> = ENVIRONMENTS): string[] {
  return Object.entries(environments)
    .filter(([, config]) => config.synthesizedByDefault)
    .map(([name]) => name);
}

/**
 * Reads the environment selection (the value of `TREEPLI_ENV`): empty means the environments
 * synthesized by default ({@link defaultEnvironmentNames}); otherwise a comma-separated list of
 * environment names.
 */
export function parseEnvironmentSelection(
  value: string | undefined,
  environments: Readonly<Record<EnvironmentName, EnvironmentConfigInput>> = ENVIRONMENTS,
): EnvironmentName[] {
  const defaults = defaultEnvironmentNames(environments);
  if (value === undefined || value.trim() === "") return defaults;
  const known = Object.keys(environments);
  const names = value.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigurationError(
      `${ENVIRONMENT_SELECTION_VARIABLE}="${value}" names unknown environment(s) ${unknown.map((n) => `"${n}"`).join(", ")}; ` +
        `allowed: ${known.join(", ")} (comma-separated for several), or leave it unset for ${defaults.join(" and ")}`,
    );
  }
  return [...new Set(names)];
}

/**
 * Validates the configuration of every environment and returns the selected ones, validated,
 * with defaults applied and deeply frozen.
 *
 * All environments are checked (not only the selected ones) because some rules span environments:
 * two environments in one AWS account must not both create an account-wide singleton, and no two
 * may share a state bucket. Every problem is collected first; then one {@link ConfigurationError}
 * lists them all, each line prefixed by the field to edit.
 */
export function loadEnvironmentConfigs(names: readonly EnvironmentName[], options: LoadConfigOptions = {}): EnvironmentConfig[] {
  const sources: Record<EnvironmentName, EnvironmentConfigInput> = { ...ENVIRONMENTS, ...options.environments };
  const problems: string[] = [];
  const valid = new Map<EnvironmentName, EnvironmentConfig>();

  for (const [name, source] of Object.entries(sources)) {
    const input = source.emulator && options.emulatorEndpoint ? { ...source, emulator: { endpoint: options.emulatorEndpoint } } : source;
    const result = environmentConfigSchema.safeParse(input, { reportInput: true });
    const issues = result.success ? [] : result.error.issues.map(describeIssue);
    if (input.name !== name) issues.unshift(`[name] ${JSON.stringify(input.name)}: must equal the environment's key "${name}"`);
    if (!input.emulator && !options.allowFixtureAccountIds && FIXTURE_ACCOUNT_ID.test(String(input.aws?.accountId))) {
      issues.push(
        `[aws.accountId] ${JSON.stringify(input.aws.accountId)}: is reserved for test fixtures and benchmarks (000000000001 to 000000000999); use the environment's own AWS account id`,
      );
    }
    if (issues.length > 0) problems.push(formatProblems(`environment "${name}"`, issues));
    else if (result.success) valid.set(name, deepFreeze(result.data) as EnvironmentConfig);
  }

  const crossProblems = crossEnvironmentProblems([...valid.values()]);
  if (crossProblems.length > 0) problems.push(formatProblems("environments", crossProblems));
  if (problems.length > 0) throw new ConfigurationError(problems.join("\n"));

  return names.map((name) => {
    const config = valid.get(name);
    if (!config) throw new ConfigurationError(`environment "${name}" is not defined in environments.ts`);
    return config;
  });
}

/** Validates every environment (see {@link loadEnvironmentConfigs}) and returns one. */
export function loadEnvironmentConfig(name: EnvironmentName, options: LoadConfigOptions = {}): EnvironmentConfig {
  return loadEnvironmentConfigs([name], options)[0];
}

function formatProblems(subject: string, lines: string[]): string {
  return `invalid configuration for ${subject}:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys
      .map((key) => `[${path ? `${path}.` : ""}${key}] is not a known field${path ? ` of ${path}` : ""}; check its spelling or remove it`)
      .join("\n  ");
  }
  const got = issue.input === undefined || issue.input === MISSING ? "missing" : JSON.stringify(issue.input);
  // A bad key of a map (a service name): say what is wrong with the key, not only that it is invalid.
  const message = issue.code === "invalid_key" ? issue.issues.map((inner) => inner.message).join("; ") : issue.message;
  return `[${path}] ${got}: ${message}`;
}

function crossEnvironmentProblems(configs: EnvironmentConfig[]): string[] {
  const problems: string[] = [];
  for (const singleton of ACCOUNT_SINGLETONS) {
    // The ECS account settings are per region; the IAM singletons are per account.
    const scopeOf = (c: EnvironmentConfig) =>
      singleton === "ecsAccountSettings" ? `${c.aws.accountId} in ${c.aws.region}` : c.aws.accountId;
    const creators = new Map<string, string[]>();
    for (const config of configs) {
      if (config.accountSingletons[singleton] !== "create") continue;
      creators.set(scopeOf(config), [...(creators.get(scopeOf(config)) ?? []), config.name]);
    }
    for (const [scope, envs] of creators) {
      if (envs.length < 2) continue;
      problems.push(
        `[accountSingletons.${singleton}] "create" in ${envs.map((e) => `"${e}"`).join(" and ")}, which share account ${scope}: ` +
          `only one environment per account may create it; set "existing" in the others`,
      );
    }
  }
  const buckets = new Map<string, string[]>();
  for (const config of configs) buckets.set(config.stateBackend.bucket, [...(buckets.get(config.stateBackend.bucket) ?? []), config.name]);
  for (const [bucket, envs] of buckets) {
    if (envs.length < 2) continue;
    problems.push(
      `[stateBackend.bucket] "${bucket}" is used by ${envs.map((e) => `"${e}"`).join(" and ")}: each environment needs its own state bucket`,
    );
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
