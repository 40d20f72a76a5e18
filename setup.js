// Jest setup: cdktf's matchers (toHaveResourceWithProperties, toBeValidTerraform, ...) and the
// Terraform environment the project owns (provider mirror when present, no checkpoint calls), so
// that tests which run terraform behave like the npm scripts.
const cdktf = require("cdktf");
const { terraformEnv } = require("./scripts/terraform-env");

cdktf.Testing.setupJest();
Object.assign(process.env, terraformEnv(process.env));
