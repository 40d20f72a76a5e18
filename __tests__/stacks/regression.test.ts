import { ENVIRONMENT_NAMES } from "../../src/config/environment-config";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { parse, synthEnvironment } from "../helpers";

// Review aid, not proof: a change to any stack's Terraform shows up here as a diff that a reviewer
// reads next to the code change (`npx jest -u` accepts it). The properties that matter are asserted
// by the other tests.
describe.each(ENVIRONMENT_NAMES)("%s", (environment) => {
  const synthesized = synthEnvironment(loadEnvironmentConfig(environment));
  test.each(Object.keys(synthesized))("%s stack", (layer) => {
    expect(parse(synthesized[layer as keyof typeof synthesized])).toMatchSnapshot();
  });
});
