// Loads the types of cdktf's jest matchers (toHaveResourceWithProperties, ...) for every test file.
import "cdktf/lib/testing/adapters/jest";
import * as fs from "fs";
import * as path from "path";
import { App, Testing } from "cdktf";
import { addEnvironment, EnvironmentStacks } from "../src/app";
import { EnvironmentConfig, EnvironmentConfigInput, EnvironmentName } from "../src/config/environment-config";
import { ENVIRONMENTS } from "../src/config/environments";
import { ConfigurationError, loadEnvironmentConfig, loadEnvironmentConfigs } from "../src/config/load-config";

/** A deep partial, for overriding parts of an environment's raw configuration. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, override: DeepPartial<T> | undefined): T {
  if (override === undefined) return base;
  if (typeof base !== "object" || base === null || Array.isArray(base)) return override as T;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    result[key] = value !== null && typeof value === "object" && !Array.isArray(value) ? merge(result[key], value) : value;
  }
  return result as T;
}

/** The raw configuration of a committed environment with some fields replaced. */
export function rawConfig(name: EnvironmentName, override?: DeepPartial<EnvironmentConfigInput>): EnvironmentConfigInput {
  const base = ENVIRONMENTS[name];
  if (base === undefined) throw new Error(`no committed environment "${name}"`);
  return merge(base, override);
}

/** A validated configuration of a committed environment with some fields replaced. */
export function testConfig(name: EnvironmentName, override?: DeepPartial<EnvironmentConfigInput>): EnvironmentConfig {
  return loadEnvironmentConfig(name, { environments: { [name]: rawConfig(name, override) } });
}

/** Merges an override into a raw configuration (objects field by field; arrays and values replaced). */
export function withOverride(base: EnvironmentConfigInput, override: DeepPartial<EnvironmentConfigInput>): EnvironmentConfigInput {
  return merge(base, override);
}

/**
 * Validated configurations of fixture environments (not in `environments.ts`, in reserved fixture
 * accounts), validated together with the committed ones, as the benchmark loads them.
 */
export function fixtureConfigs(environments: Record<EnvironmentName, EnvironmentConfigInput>): EnvironmentConfig[] {
  return loadEnvironmentConfigs(Object.keys(environments), { environments, allowFixtureAccountIds: true });
}

/** Every stack of one environment, in a fresh test app. */
export function environmentStacks(config: EnvironmentConfig): EnvironmentStacks {
  return addEnvironment(Testing.app(), config);
}

/** Synthesized Terraform JSON, parsed. */
export interface TerraformJson {
  terraform: Record<string, any>;
  provider: Record<string, any[]>;
  resource: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
  locals?: Record<string, any>;
  removed?: any[];
}

/** Parses the output of `Testing.synth`/`Testing.synthScope`. */
export function parse(synthesized: string): TerraformJson {
  return JSON.parse(synthesized) as TerraformJson;
}

/** Every resource of a type, as a list. */
export function resources(json: TerraformJson, type: string): any[] {
  return Object.values(json.resource[type] ?? {});
}

/**
 * The attribute that names a resource of each type, where it is not `name` (what an operator searches
 * the console for).
 */
const NAME_ATTRIBUTE: Record<string, string> = {
  aws_ecs_task_definition: "family",
  aws_iam_role_policy: "role",
  aws_sqs_queue_policy: "queue_url",
  aws_sqs_queue_redrive_allow_policy: "queue_url",
  aws_ecr_repository_policy: "repository",
  aws_ecr_lifecycle_policy: "repository",
};

/**
 * The Terraform resource name (the key under its type) of the one resource of `type` whose naming
 * attribute (`name`, or `family` for task definitions...) equals `name`; fails naming the candidates
 * when there is not exactly one. For types a stack can hold several of (services, repositories, roles).
 */
export function resourceKeyNamed(json: TerraformJson, type: string, name: string): string {
  const attribute = NAME_ATTRIBUTE[type] ?? "name";
  const entries = Object.entries(json.resource[type] ?? {});
  const matches = entries.filter(([, resource]) => resource[attribute] === name);
  if (matches.length !== 1) {
    throw new Error(
      `expected exactly one ${type} with ${attribute} ${JSON.stringify(name)}, found ${matches.length} among ${JSON.stringify(entries.map(([, r]) => r[attribute]))}`,
    );
  }
  return matches[0][0];
}

/** The one resource of `type` named `name` (see {@link resourceKeyNamed}). */
export function resourceNamed(json: TerraformJson, type: string, name: string): any {
  return json.resource[type][resourceKeyNamed(json, type, name)];
}

/** A reference to an attribute of the resource of `type` named `name`: `${type.key.attribute}`. */
export function refNamed(json: TerraformJson, type: string, name: string, attribute: string): string {
  return `\${${type}.${resourceKeyNamed(json, type, name)}.${attribute}}`;
}

/** The single resource of a type; fails if there is not exactly one. */
export function onlyResource(json: TerraformJson, type: string): any {
  const all = resources(json, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/**
 * The synthesized stack with only the resources of its default provider (its own region): without
 * what it creates through an aliased provider in another region (a replica, a copy vault, us-east-1).
 */
export function defaultProviderOnly(json: TerraformJson): TerraformJson {
  const resource = Object.fromEntries(
    Object.entries(json.resource).map(([type, byName]) => [
      type,
      Object.fromEntries(Object.entries(byName).filter(([, r]) => r.provider === undefined)),
    ]),
  );
  return { ...json, resource };
}

/** Every data source of a type, as a list. */
export function dataSources(json: TerraformJson, type: string): any[] {
  return Object.values(json.data?.[type] ?? {});
}

/** Parses an IAM policy document synthesized as a JSON string. */
export function policy(document: string): { Statement: any[] } {
  return JSON.parse(document);
}

/** Builds an app holding every stack of the given environments. */
export function estateApp(configs: EnvironmentConfig[], outdir?: string): App {
  const app = outdir ? new App({ outdir, stackTraces: false }) : Testing.app();
  for (const config of configs) addEnvironment(app, config);
  return app;
}

/**
 * Synthesizes every stack of one environment through the whole app, as `cdktf synth` does, so that
 * cross-stack references become outputs and remote-state lookups. Returns each stack's Terraform JSON
 * (as text, for cdktf's matchers) by layer.
 */
export function synthEnvironment(config: EnvironmentConfig): Record<keyof EnvironmentStacks, string> {
  const app = Testing.app();
  const stacks = addEnvironment(app, config);
  app.synth();
  return Object.fromEntries(
    Object.entries(stacks).map(([layer, stack]) => [
      layer,
      fs.readFileSync(path.join(app.outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8"),
    ]),
  ) as Record<keyof EnvironmentStacks, string>;
}

/** Loads `name` with some of its fields replaced and returns the configuration error's message (fails if it loads). */
export function configErrorFor(name: EnvironmentName, override: DeepPartial<EnvironmentConfigInput>): string {
  try {
    loadEnvironmentConfig(name, { environments: { [name]: rawConfig(name, override) } });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.message;
  }
  throw new Error(`configuration of ${name} with ${JSON.stringify(override)} was accepted`);
}
