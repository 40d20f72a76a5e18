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

  it("real environments keep every guard and full drift detection", () => {
    expect(onlyResource(parse(Testing.synth(staging.bootstrap)), "aws_s3_bucket_policy").count).toBeUndefined();
    const json = parse(Testing.synth(staging.cluster));
    expect(onlyResource(json, "aws_autoscaling_group").lifecycle.ignore_changes).toEqual(["desired_capacity"]);
    expect(onlyResource(json, "aws_autoscaling_group").force_delete).toBeUndefined();
    expect(resources(json, "aws_launch_template").every((template) => template.lifecycle === undefined)).toBe(true);
  });
});
