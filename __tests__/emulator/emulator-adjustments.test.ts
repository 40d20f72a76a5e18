import { Testing } from "cdktf";
import { environmentStacks, onlyResource, parse, resources, testConfig } from "../helpers";

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
    const statements = JSON.parse(onlyResource(parse(Testing.synth(local.media)), "aws_s3_bucket_policy").policy).Statement;
    expect(statements).toEqual([expect.objectContaining({ Sid: "AllowCloudFrontRead" })]);
  });

  it("real environments keep every guard and full drift detection", () => {
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
