import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { TerraformOutput, Testing } from "cdktf";
import { GithubOidcProvider, GithubOidcProviderMode } from "../../../src/constructs/delivery/github-oidc-provider";
import { dataSources, onlyResource, parse, TerraformJson } from "../../helpers";

/** Synthesizes the provider, with its `arn` in an output so that the JSON shows what it refers to. */
function synthProvider(mode: GithubOidcProviderMode): { synthesized: string; json: TerraformJson; arn: string } {
  const synthesized = Testing.synthScope((scope) => {
    new TerraformOutput(scope, "arn", { value: new GithubOidcProvider(scope, "github", { mode }).arn });
  });
  const json = parse(synthesized);
  return { synthesized, json, arn: json.output!.arn.value };
}

describe("GithubOidcProvider", () => {
  describe("GIVEN mode: create", () => {
    const { synthesized, json, arn } = synthProvider("create");

    test("THEN it creates the provider for GitHub Actions' issuer, for tokens meant for STS only", () => {
      expect(synthesized).toHaveResourceWithProperties(IamOpenidConnectProvider, {
        url: "https://token.actions.githubusercontent.com",
        client_id_list: ["sts.amazonaws.com"],
      });
      expect(dataSources(json, "aws_iam_openid_connect_provider")).toEqual([]);
    });

    test("THEN no certificate thumbprint is pinned (IAM trusts GitHub through its root CAs)", () => {
      expect(onlyResource(json, "aws_iam_openid_connect_provider").thumbprint_list).toBeUndefined();
    });

    test("THEN its ARN is the created provider's", () => {
      expect(arn).toMatch(/^\$\{aws_iam_openid_connect_provider\.github_provider_[^.]+\.arn\}$/);
    });
  });

  describe("GIVEN mode: existing", () => {
    const { synthesized, json, arn } = synthProvider("existing");

    test("THEN it creates nothing and looks the provider up by GitHub's issuer URL", () => {
      expect(json.resource).toBeUndefined();
      expect(synthesized).toHaveDataSourceWithProperties(DataAwsIamOpenidConnectProvider, {
        url: "https://token.actions.githubusercontent.com",
      });
    });

    test("THEN its ARN is the looked-up provider's", () => {
      expect(arn).toMatch(/^\$\{data\.aws_iam_openid_connect_provider\.github_provider_[^.]+\.arn\}$/);
    });
  });

  test("GIVEN an unknown mode THEN it fails naming the allowed values", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new GithubOidcProvider(scope, "github", { mode: "import" as GithubOidcProviderMode });
      }),
    ).toThrow(/mode must be "create" or "existing", got "import"/);
  });
});
