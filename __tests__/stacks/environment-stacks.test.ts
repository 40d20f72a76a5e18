import { Testing } from "cdktf";
import { ENVIRONMENT_NAMES, SERVICE_LAYERS, serviceName } from "../../src/config/environment-config";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { environmentStacks, parse, refNamed, resourceNamed, synthEnvironment, TerraformJson } from "../helpers";

const TERRAFORM_STACKS = ["vpc", "cluster", "media", "backend", "frontend", "observability"] as const;

describe.each(ENVIRONMENT_NAMES)("every stack of %s", (environment) => {
  const config = loadEnvironmentConfig(environment);
  const stacks = environmentStacks(config);
  const synthesized: Record<string, TerraformJson> = Object.fromEntries(
    Object.entries(synthEnvironment(config)).map(([layer, text]) => [layer, parse(text)]),
  );

  test("is named <environment>-<layer>", () => {
    expect(Object.values(stacks).map((stack) => stack.node.id)).toEqual([
      `${environment}-bootstrap`,
      `${environment}-ops`,
      `${environment}-vpc`,
      `${environment}-cluster`,
      `${environment}-media`,
      `${environment}-backend`,
      `${environment}-frontend`,
      `${environment}-observability`,
    ]);
  });

  const services = SERVICE_LAYERS.flatMap((layer) => Object.keys(config[layer].services).map((key) => ({ layer, key })));
  test.each(services)(
    "service $key of the $layer layer has its ECS service, log group, image repository, deploy role and outputs",
    ({ layer, key }) => {
      const json = synthesized[layer];
      const name = serviceName(environment, key);
      const repository = `treepli-${environment}/${key}`;
      expect(resourceNamed(json, "aws_ecs_service", name).task_definition).toBe(refNamed(json, "aws_ecs_task_definition", name, "arn"));
      expect(resourceNamed(json, "aws_cloudwatch_log_group", `/ecs/${name}`).retention_in_days).toBe(
        config[layer].services[key].logRetentionDays,
      );
      expect(resourceNamed(json, "aws_ecr_repository", repository).image_tag_mutability).toBe("IMMUTABLE");
      expect(resourceNamed(json, "aws_iam_role", `${name}-deploy`).assume_role_policy).toContain(
        `repo:${config[layer].services[key].githubRepository}:environment:${config.github.deployEnvironment}`,
      );
      // The service named after its layer keeps the outputs the workflows have always read; others are prefixed.
      const prefix = key === layer ? "" : `${key.replace(/-/g, "_")}_`;
      expect(json.output?.[`${prefix}repository_url`]?.value).toBe(refNamed(json, "aws_ecr_repository", repository, "repository_url"));
      expect(json.output?.[`${prefix}deploy_role_arn`]?.value).toBe(refNamed(json, "aws_iam_role", `${name}-deploy`, "arn"));
      expect(json.output?.[`${prefix}service_name`]?.value).toBe(refNamed(json, "aws_ecs_service", name, "name"));
      expect(json.output?.[`${prefix}task_definition_family`]?.value).toBe(refNamed(json, "aws_ecs_task_definition", name, "family"));
    },
  );

  test.each(TERRAFORM_STACKS)(
    "%s keeps its state in the environment's bucket under <environment>/<layer>.tfstate, with S3-native locking, encrypted by the bucket's KMS default",
    (layer) => {
      const backend = synthesized[layer].terraform.backend;
      expect(backend).toEqual({
        s3: expect.objectContaining({
          bucket: config.stateBackend.bucket,
          key: `${environment}/${layer}.tfstate`,
          region: config.aws.region,
          use_lockfile: true,
        }),
      });
      // `encrypt = true` without a kms_key_id makes Terraform write every state object as SSE-S3 (AES256),
      // overriding the bucket's default SSE-KMS; neither may be set.
      expect(backend.s3.encrypt).toBeUndefined();
      expect(backend.s3.kms_key_id).toBeUndefined();
    },
  );

  test("the bootstrap stack keeps its own state locally, outside the output folder", () => {
    expect(synthesized.bootstrap.terraform.backend).toEqual({ local: { path: `../../../bootstrap/${environment}.tfstate` } });
  });

  test.each(Object.keys(stacks))("%s pins the Terraform version", (layer) => {
    expect(synthesized[layer].terraform.required_version).toBe("~> 1.11.0");
  });

  test.each(Object.keys(stacks))("%s deploys to the environment's region and tags everything with environment and layer", (layer) => {
    const [provider] = synthesized[layer].provider.aws;
    expect(provider.region).toBe(config.aws.region);
    expect(provider.default_tags).toEqual([
      { tags: expect.objectContaining({ Environment: environment, Layer: layer, ManagedBy: "cdktf", ...config.tags }) },
    ]);
  });

  test.each(Object.keys(stacks))("%s documents every output it declares", (layer) => {
    // cdktf names the outputs it generates for cross-stack references "cross-stack-output-*"; they are
    // read by the consuming stack, not by operators.
    const declared = Object.entries(synthesized[layer].output ?? {}).filter(([name]) => !name.startsWith("cross-stack-output-"));
    for (const [, output] of declared) expect(output.description).toEqual(expect.any(String));
  });

  if (config.emulator) {
    // Which services must be redirected is checked type by type in __tests__/emulator/emulated-endpoints.test.ts.
    test.each(Object.keys(stacks))("%s points every endpoint it overrides at the emulator, and asks AWS for no account id", (layer) => {
      for (const provider of synthesized[layer].provider.aws) {
        expect(Object.keys(provider.endpoints[0]).length).toBeGreaterThan(0);
        for (const url of Object.values(provider.endpoints[0])) expect(url).toBe(config.emulator?.endpoint);
        expect(provider.skip_requesting_account_id).toBe(true);
      }
    });

    test.each(TERRAFORM_STACKS)("%s keeps its state on the emulator's S3", (layer) => {
      expect(synthesized[layer].terraform.backend.s3).toEqual(
        expect.objectContaining({ endpoints: expect.objectContaining({ s3: config.emulator?.endpoint }), use_path_style: true }),
      );
    });
  } else {
    test.each(Object.keys(stacks))("%s refuses credentials of any other account and talks to real AWS", (layer) => {
      const [provider] = synthesized[layer].provider.aws;
      expect(provider.allowed_account_ids).toEqual([config.aws.accountId]);
      expect(provider.endpoints).toBeUndefined();
      expect(provider.access_key).toBeUndefined();
    });

    test.each(TERRAFORM_STACKS)("%s's backend refuses credentials of any other account", (layer) => {
      expect(synthesized[layer].terraform.backend.s3.allowed_account_ids).toEqual([config.aws.accountId]);
      expect(synthesized[layer].terraform.backend.s3.endpoints).toBeUndefined();
    });
  }
});

describe("the state bucket's protection follows the environment", () => {
  test("production's state bucket cannot be destroyed", () => {
    const json = parse(Testing.synth(environmentStacks(loadEnvironmentConfig("production")).bootstrap));
    const [bucket] = Object.values(json.resource.aws_s3_bucket);
    expect(bucket.bucket).toBe("treepli-terraform-state-222222222222");
    expect(bucket.lifecycle.prevent_destroy).toBe(true);
    expect(bucket.force_destroy).toBe(false);
  });

  test("staging's state bucket may be destroyed", () => {
    const json = parse(Testing.synth(environmentStacks(loadEnvironmentConfig("staging")).bootstrap));
    const [bucket] = Object.values(json.resource.aws_s3_bucket);
    expect(bucket.lifecycle.prevent_destroy).toBe(false);
  });
});
