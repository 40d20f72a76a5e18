import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";

/** Host of GitHub Actions' OIDC token issuer; also the prefix of its claims' IAM condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** Issuer URL of GitHub Actions' OIDC tokens (the `iss` claim). */
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;

/** Audience GitHub Actions' `aws-actions/configure-aws-credentials` requests tokens for (the `aud` claim). */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * Whether this environment creates the account's GitHub OIDC provider or looks up the one another
 * environment created. IAM allows one provider per issuer URL in an account.
 */
export type GithubOidcProviderMode = "create" | "existing";

/** Props of {@link GithubOidcProvider}. */
export interface GithubOidcProviderProps {
  /**
   * `create`: this environment owns the provider (exactly one environment per AWS account).
   * `existing`: look it up by its URL (`data.aws_iam_openid_connect_provider`); the owning environment
   * must be deployed first, and destroying that environment breaks this one's deploy roles.
   */
  readonly mode: GithubOidcProviderMode;
}

/**
 * The AWS account's IAM OpenID Connect identity provider for GitHub Actions
 * (`https://token.actions.githubusercontent.com`, audience `sts.amazonaws.com`), which lets a workflow
 * exchange its OIDC token for a role's temporary credentials, without long-lived keys in GitHub.
 *
 * The provider only says which issuer IAM trusts; which repository and environment may assume which
 * role is decided by each role's trust policy (see {@link GithubDeployRole}).
 */
export class GithubOidcProvider extends Construct {
  /** ARN of the provider, the `Federated` principal of the deploy roles' trust policies. */
  public readonly arn: string;

  /** The provider, when `mode` is `create`. */
  public readonly provider?: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps) {
    super(scope, id);
    if ((props.mode as string) !== "create" && (props.mode as string) !== "existing") {
      throw new Error(`GithubOidcProvider "${id}": mode must be "create" or "existing", got "${props.mode}"`);
    }

    if (props.mode === "create") {
      this.provider = new IamOpenidConnectProvider(this, "provider", {
        url: GITHUB_OIDC_URL,
        clientIdList: [GITHUB_OIDC_AUDIENCE],
        // No thumbprint_list: it is optional (and computed) since hashicorp/aws 5.81
        // (terraform-provider-aws#37255), and since July 2023 IAM verifies GitHub's endpoint against its
        // library of trusted root CAs, ignoring thumbprints. When none is given, IAM fills one in itself
        // (read back as computed, so no drift); pinning GitHub's would only add a value to rotate.
      });
      this.arn = this.provider.arn;
    } else {
      this.arn = new DataAwsIamOpenidConnectProvider(this, "provider", { url: GITHUB_OIDC_URL }).arn;
    }
  }
}
