// Jest setup: cdktf's matchers (toHaveResourceWithProperties, toBeValidTerraform, ...) and the
// Terraform environment the project owns (provider mirror when present, no checkpoint calls), so
// that tests which run terraform behave like the npm scripts.
const cdktf = require("cdktf");
const { terraformEnv } = require("./scripts/terraform-env");

cdktf.Testing.setupJest();
Object.assign(process.env, terraformEnv(process.env));

// cdktf captures a full stack trace for every token it creates (kept to print if that token later fails
// to resolve), into a plain object; jest then maps it through source maps, which made those traces a large
// share of the tests' time. No trace is captured into plain objects; errors keep jest's mapped stack
// traces. TREEPLI_TOKEN_STACKS=1 keeps them all, as for the app (scripts/run-ts.js).
if (process.env.TREEPLI_TOKEN_STACKS !== "1") {
  // Errors of another realm (Node's own, outside jest's sandbox) are errors too: not `instanceof Error` here.
  const isError = (value) => Object.prototype.toString.call(value) === "[object Error]";
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = function captureStackTrace(target, ...rest) {
    if (isError(target)) return capture.call(this, target, ...rest);
  };
}
