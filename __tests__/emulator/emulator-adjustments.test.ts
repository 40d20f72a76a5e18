import { Testing } from "cdktf";
import { emulatorWithWorker, workerFixture } from "../fixtures";
import { defaultProviderOnly, environmentStacks, onlyResource, parse, resourceNamed, resources, testConfig } from "../helpers";

// The emulator adjustments (src/emulator/emulator-adjustments.ts) reach the `local` environment only.
describe("emulator adjustments", () => {
  const local = environmentStacks(testConfig("local"));
  const staging = environmentStacks(testConfig("staging"));

  it("local: the state bucket's deny-insecure-transport policy is not created (the emulator is plain HTTP)", () => {
    expect(onlyResource(parse(Testing.synth(local.bootstrap)), "aws_s3_bucket_policy").count).toBe(0);
  });

  it("local: the autoscaling group and launch template ignore the attributes moto does not read back", () => {
    const json = parse(Testing.synth(local.cluster));
    expect(onlyResource(json, "aws_autoscaling_group").lifecycle.ignore_changes).toEqual(["desired_capacity", "default_instance_warmup"]);
    expect(onlyResource(json, "aws_launch_template").lifecycle.ignore_changes).toEqual(["tag_specifications"]);
  });

  it("local: CloudFront distributions ignore what moto reads back differently, and do not wait for edge deployment", () => {
    const distribution = onlyResource(parse(Testing.synth(local.media)), "aws_cloudfront_distribution");
    expect(distribution.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["default_cache_behavior[0].forwarded_values", "origin"]));
    expect(distribution.wait_for_deployment).toBe(false);
  });

  it("local: the media bucket keeps its CloudFront statement when the TLS-only one is dropped", () => {
    // The media bucket's own region (the replica's policy is in the second region).
    const statements = JSON.parse(
      onlyResource(defaultProviderOnly(parse(Testing.synth(local.media))), "aws_s3_bucket_policy").policy,
    ).Statement;
    expect(statements).toEqual([expect.objectContaining({ Sid: "AllowCloudFrontRead" })]);
  });

  it("local: ECS services ignore the settings moto's CreateService drops, beyond what every environment ignores", () => {
    const service = resourceNamed(parse(Testing.synth(local.backend)), "aws_ecs_service", "treepli-local-backend");
    expect(service.lifecycle.ignore_changes).toEqual([
      "task_definition",
      "desired_count",
      "capacity_provider_strategy",
      "ordered_placement_strategy",
      "health_check_grace_period_seconds",
      "enable_ecs_managed_tags",
      "availability_zone_rebalancing",
    ]);
  });

  it("local: the database's parameter group ignores its parameters (moto returns them without a source)", () => {
    expect(onlyResource(parse(Testing.synth(local.backend)), "aws_db_parameter_group").lifecycle.ignore_changes).toEqual(["parameter"]);
    expect(onlyResource(parse(Testing.synth(staging.backend)), "aws_db_parameter_group").lifecycle.ignore_changes).toBeUndefined();
  });

  it("local: the site's cached behaviors ignore moto's default forwarded_values too", () => {
    const distribution = onlyResource(parse(Testing.synth(local.frontend)), "aws_cloudfront_distribution");
    expect(distribution.lifecycle.ignore_changes).toContain("ordered_cache_behavior[0].forwarded_values");
  });

  it("local: a queue worker's queue ignores moto's re-serialized redrive policy, and the redrive allow policy moto lacks is not created", () => {
    const json = parse(Testing.synth(environmentStacks(emulatorWithWorker()).backend));
    expect(resourceNamed(json, "aws_sqs_queue", "treepli-local-worker").lifecycle).toEqual({ ignore_changes: ["redrive_policy"] });
    expect(resourceNamed(json, "aws_sqs_queue", "treepli-local-worker-dlq").lifecycle).toBeUndefined();
    expect(onlyResource(json, "aws_sqs_queue_redrive_allow_policy").count).toBe(0);
    const real = parse(Testing.synth(environmentStacks(workerFixture().withWorker).backend));
    expect(resourceNamed(real, "aws_sqs_queue", "treepli-fixture-worker").lifecycle).toBeUndefined();
    expect(onlyResource(real, "aws_sqs_queue_redrive_allow_policy").count).toBeUndefined();
  });

  it("real environments keep every guard and full drift detection", () => {
    expect(
      resourceNamed(parse(Testing.synth(staging.backend)), "aws_ecs_service", "treepli-staging-backend").lifecycle.ignore_changes,
    ).toEqual(["task_definition", "desired_count"]);
    const distribution = onlyResource(parse(Testing.synth(staging.media)), "aws_cloudfront_distribution");
    expect(distribution.lifecycle).toBeUndefined();
    expect(distribution.wait_for_deployment).toBe(true);
    expect(onlyResource(parse(Testing.synth(staging.bootstrap)), "aws_s3_bucket_policy").count).toBeUndefined();
    const json = parse(Testing.synth(staging.cluster));
    expect(onlyResource(json, "aws_autoscaling_group").lifecycle.ignore_changes).toEqual(["desired_capacity"]);
    expect(onlyResource(json, "aws_autoscaling_group").force_delete).toBeUndefined();
    expect(resources(json, "aws_launch_template").every((template) => template.lifecycle === undefined)).toBe(true);
  });
});
