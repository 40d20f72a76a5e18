import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetStageCommand,
  GetVpcLinksCommand,
} from "@aws-sdk/client-apigatewayv2";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeAddressesCommand,
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { DescribeCapacityProvidersCommand, DescribeClustersCommand, DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CloudFrontClient,
  GetDistributionCommand,
  ListDistributionsCommand,
  ListOriginAccessControlsCommand,
} from "@aws-sdk/client-cloudfront";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { addEnvironment } from "../src/app";
import { ENVIRONMENTS } from "../src/config/environments";
import { loadEnvironmentConfig } from "../src/config/load-config";
import { atlantisConfig } from "../src/review/atlantis-config";
import { plannedChanges, runAtlantisStage } from "../src/review/atlantis-runner";
import { readSynthOutput } from "../src/review/synthesized-estate";
import { Emulator, freePort, PROJECT_ROOT, startEmulator } from "../scripts/local/emulator";
import {
  againIfReadMidWrite,
  deployEstate,
  destroyEstate,
  forgetPreviousEmulator,
  inParallel,
  LOCAL_OUTPUT,
  LOCAL_STACKS,
  runLocal,
  runLocalAsync,
  CommandResult,
  stackOutputs,
} from "../scripts/local/estate";
import { CreateServiceLinkedRoleCommand, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import {
  GetCachePolicyCommand,
  GetResponseHeadersPolicyCommand,
  ListCachePoliciesCommand,
  ListResponseHeadersPoliciesCommand,
} from "@aws-sdk/client-cloudfront";
import { DescribeTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { aws, pushImage, pushImages, requireTools, runDeployScript } from "./aws-cli";
import { operationsLeftovers, operationsReadBacks } from "./operations";

// Deploys every local stack through the real cdktf CLI, Terraform and AWS provider, with S3 remote
// state and S3-native locking, onto a fresh emulator; then proves: no drift on a second plan, the
// properties operators rely on as the AWS API reports them, that the state lock holds, and that a
// destroy leaves nothing behind.

const LOG_DIR = path.join(PROJECT_ROOT, ".emulator");
const LOG_FILE = path.join(LOG_DIR, "e2e.log");
const timings: Record<string, number> = {};
/** Wall-clock seconds of the phases (stacks deploy and destroy side by side, so their sum is not the time). */
const phases: Record<string, number> = {};
let emulator: Emulator;

const region = "us-east-1";
const clients = () => {
  const config = { region, endpoint: emulator.endpoint, credentials: { accessKeyId: "emulator", secretAccessKey: "emulator" } };
  return {
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    autoscaling: new AutoScalingClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    iam: new IAMClient(config),
    logs: new CloudWatchLogsClient(config),
    cloudfront: new CloudFrontClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    api: new ApiGatewayV2Client(config),
    rds: new RDSClient(config),
    secrets: new SecretsManagerClient(config),
  };
};
/** Where the local estate's log groups are: its own, its services', the API's, the database's, CloudFront's. */
const LOG_GROUP_PREFIXES = [
  "/treepli-local",
  "/ecs/treepli-local",
  "/aws/apigateway/treepli-local",
  "/aws/rds/instance/treepli-local",
  "/aws/cloudfront/treepli-local",
];
/** Every log group of the local estate. */
async function localLogGroups() {
  const { logs } = clients();
  const pages = await Promise.all(
    LOG_GROUP_PREFIXES.map(
      async (prefix) => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix }))).logGroups ?? [],
    ),
  );
  return pages.flat();
}
/**
 * A stack's outputs (`terraform output -json`), read once per stack and kept: each read starts Terraform
 * and reads the state (about a second), and no step of this test changes an output (its checks re-apply a
 * stack's own configuration, or that configuration with protections or existing singletons, which name
 * the same resources).
 */
const outputCache = new Map<string, Record<string, unknown>>();
function outputsOf(stack: string): Record<string, unknown> {
  if (!outputCache.has(stack)) outputCache.set(stack, stackOutputs(emulator.endpoint, stack));
  return outputCache.get(stack) as Record<string, unknown>;
}
const byTag = (name: string, value: string) => ({ Name: `tag:${name}`, Values: [value] });
const tagOf = (tags: { Key?: string; Value?: string }[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

beforeAll(async () => {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  fs.writeFileSync(LOG_FILE, "");
  forgetPreviousEmulator(); // refuses while a local:up estate is running
  emulator = await startEmulator({ port: await freePort(), logFile: path.join(LOG_DIR, "e2e-moto.log") });
  // Even if jest is interrupted, the emulator must not outlive the run.
  process.once("exit", () => {
    try {
      process.kill(emulator.pid, "SIGKILL");
    } catch {
      // already gone
    }
  });
  const started = Date.now();
  Object.assign(timings, prefix("deploy", await deployEstate(emulator.endpoint, { logFile: LOG_FILE })));
  phases.deploy = (Date.now() - started) / 1000;
});

afterAll(async () => {
  await emulator?.stop();
  const total = (prefixName: string) =>
    Object.entries(timings)
      .filter(([k]) => k.startsWith(prefixName))
      .reduce((sum, [, s]) => sum + s, 0);
  phases["re-plan"] ??= total("plan");
  console.log(
    `end-to-end timings (s, wall clock): ${Object.entries(phases)
      .map(([phase, seconds]) => `${phase} ${seconds.toFixed(0)}`)
      .join(", ")}\nper step (s): ${JSON.stringify(timings, null, 1)}`,
  );
});

function prefix(name: string, record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [`${name} ${k}`, v]));
}

function terraformIn(stack: string, ...args: string[]) {
  return terraformAt(LOCAL_OUTPUT, stack, ...args);
}

/** Runs Terraform on a stack of a synth output folder (the local synth's, or another one). */
function terraformAt(outdir: string, stack: string, ...args: string[]) {
  return runLocal(emulator.endpoint, ["terraform", `-chdir=${path.join(outdir, "stacks", stack)}`, ...args, "-no-color", "-input=false"], {
    logFile: LOG_FILE,
  });
}

/**
 * The local environment synthesized with production's protections switched on
 * (`protectStatefulResources: true`), into its own folder. Its stacks use the same state as the
 * local estate's, so applying one changes the deployed stack.
 */
function synthProtected(): string {
  return synthLocalWith({ protectStatefulResources: true }, "protected");
}

/** The one security group with this name, as EC2 reports it. */
async function securityGroupNamed(name: string) {
  const { ec2 } = clients();
  const groups =
    (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [name] }] }))).SecurityGroups ?? [];
  expect(groups.map((g) => g.GroupName)).toEqual([name]);
  return groups[0];
}

/** Who may connect into a security group: source groups, address ranges and prefix lists of its ingress rules. */
function ingressSources(group: { IpPermissions?: any[] }) {
  const permissions = group.IpPermissions ?? [];
  return {
    groups: permissions.flatMap((p) => (p.UserIdGroupPairs ?? []).map((pair: any) => pair.GroupId)),
    ranges: permissions.flatMap((p) => [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? [])]),
    prefixLists: permissions.flatMap((p) => (p.PrefixListIds ?? []).map((list: any) => list.PrefixListId)),
    ports: permissions.map((p) => [p.FromPort, p.ToPort]),
  };
}

/** The frontend's origin secret, as operators supply it: generated by the bootstrap stack into Secrets Manager. */
async function originSecret(): Promise<{ current: string; previous: string }> {
  const { secrets } = clients();
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: "treepli/local/frontend-origin-secret" }));
  return JSON.parse(value.SecretString ?? "{}");
}

describe("after deploying every local stack", () => {
  test("every stack plans again with no changes (no drift), through the Atlantis workflow steps, side by side as parallel_plan runs them", async () => {
    // The projects and workflow the Atlantis generator writes, for the local synth (bootstrap included).
    const config = atlantisConfig(readSynthOutput(LOCAL_OUTPUT), {
      synthDir: path.relative(PROJECT_ROOT, LOCAL_OUTPUT),
      environments: ["local"],
      includeLocalState: true,
    });
    expect(config.projects.map((project) => project.name).sort()).toEqual([...LOCAL_STACKS].sort());
    expect(config.parallel_plan).toBe(true);
    const started = Date.now();
    const results = await inParallel(config.projects, async (project) => {
      const plan = await runAtlantisStage(config, project.name, "plan", {
        repoRoot: PROJECT_ROOT,
        onStep: (step) =>
          fs.appendFileSync(
            LOG_FILE,
            `\n$ ${step.command}  (${project.name}, exit ${step.status}, ${step.seconds.toFixed(1)} s)\n${step.output}`,
          ),
      });
      timings[`plan ${project.name}`] = plan.seconds;
      const changes = plan.status === 0 ? plannedChanges(plan.showFile) : [];
      // The plan and its JSON hold state values: not left lying in the synth folder.
      fs.rmSync(plan.planFile, { force: true });
      fs.rmSync(plan.showFile, { force: true });
      return {
        project: project.name,
        status: plan.status,
        changes,
        failure: plan.status === 0 ? "" : plan.steps[plan.steps.length - 1].output,
      };
    });
    phases["re-plan"] = (Date.now() - started) / 1000;
    expect(results).toEqual(config.projects.map((project) => ({ project: project.name, status: 0, changes: [], failure: "" })));
  });

  test("the layers keep their state in the emulator's state bucket, which is versioned, encrypted and private", async () => {
    const { s3 } = clients();
    const bucket = "treepli-local-terraform-state";
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key) ?? [];
    expect(keys).toEqual(expect.arrayContaining(["local/vpc.tfstate", "local/cluster.tfstate"]));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("aws:kms");
    // The state objects themselves are SSE-KMS: Terraform sends no AES256 header overriding the default.
    const stateObjects = keys.filter((key): key is string => key !== undefined && key.endsWith(".tfstate"));
    const objectEncryption = await Promise.all(
      stateObjects.map(async (key) => [key, (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ServerSideEncryption]),
    );
    expect(objectEncryption).toEqual(stateObjects.map((key) => [key, "aws:kms"]));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
  });

  describe("the network, as EC2 reports it", () => {
    let vpcId: string;
    let subnetTier: Map<string, string>;

    beforeAll(async () => {
      const { ec2 } = clients();
      const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [byTag("Name", "treepli-local-vpc")] }))).Vpcs ?? [];
      expect(vpcs).toHaveLength(1);
      vpcId = vpcs[0].VpcId as string;
      const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).Subnets ?? [];
      subnetTier = new Map(subnets.map((s) => [s.SubnetId as string, tagOf(s.Tags, "Tier") as string]));
    });

    test("each tier has one subnet in each of 2 AZs, none handing out public IPs", async () => {
      const { ec2 } = clients();
      const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).Subnets ?? [];
      for (const tier of ["public", "private", "isolated"]) {
        const ofTier = subnets.filter((s) => tagOf(s.Tags, "Tier") === tier);
        expect({ tier, count: ofTier.length, zones: new Set(ofTier.map((s) => s.AvailabilityZone)).size }).toEqual({
          tier,
          count: 2,
          zones: 2,
        });
        for (const subnet of ofTier) expect(subnet.MapPublicIpOnLaunch).toBe(false);
      }
    });

    test("public subnets route to the internet gateway, private ones to the NAT gateway, isolated ones nowhere", async () => {
      const { ec2 } = clients();
      const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).RouteTables ?? [];
      const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: "vpc-id", Values: [vpcId] }] }))).NatGateways ?? [];
      const liveNats = nats.filter((n) => n.State === "available");
      expect(liveNats).toHaveLength(1); // local shares one NAT gateway
      expect(subnetTier.get(liveNats[0].SubnetId as string)).toBe("public");
      const checked = new Set<string>();
      for (const table of tables) {
        for (const association of table.Associations ?? []) {
          if (!association.SubnetId) continue;
          const tier = subnetTier.get(association.SubnetId);
          const defaultRoute = table.Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0");
          if (tier === "public") expect(defaultRoute?.GatewayId).toMatch(/^igw-/);
          if (tier === "private") expect(defaultRoute?.NatGatewayId).toBe(liveNats[0].NatGatewayId);
          if (tier === "isolated") expect(defaultRoute).toBeUndefined();
          checked.add(association.SubnetId);
        }
      }
      expect(checked.size).toBe(6);
    });

    test("S3 is a gateway endpoint; ECR (api, dkr) and CloudWatch Logs are interface endpoints with private DNS", async () => {
      const { ec2 } = clients();
      const endpoints =
        (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).VpcEndpoints ?? [];
      const summary = endpoints.map((e) => `${e.VpcEndpointType} ${e.ServiceName}`).sort();
      expect(summary).toEqual([
        "Gateway com.amazonaws.us-east-1.s3",
        "Interface com.amazonaws.us-east-1.ecr.api",
        "Interface com.amazonaws.us-east-1.ecr.dkr",
        "Interface com.amazonaws.us-east-1.logs",
      ]);
      for (const endpoint of endpoints.filter((e) => e.VpcEndpointType === "Interface")) {
        expect(endpoint.PrivateDnsEnabled).toBe(true);
        expect(endpoint.SubnetIds?.map((id) => subnetTier.get(id))).toEqual(["private", "private"]);
      }
    });

    test("all traffic is recorded by flow logs to CloudWatch Logs", async () => {
      const { ec2 } = clients();
      const flowLogs = (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [vpcId] }] }))).FlowLogs ?? [];
      expect(flowLogs).toEqual([expect.objectContaining({ TrafficType: "ALL", LogDestinationType: "cloud-watch-logs" })]);
    });

    test("the default security group has no rules", async () => {
      const { ec2 } = clients();
      const groups =
        (
          await ec2.send(
            new DescribeSecurityGroupsCommand({
              Filters: [
                { Name: "vpc-id", Values: [vpcId] },
                { Name: "group-name", Values: ["default"] },
              ],
            }),
          )
        ).SecurityGroups ?? [];
      expect(groups).toHaveLength(1);
      expect(groups[0].IpPermissions).toEqual([]);
      expect(groups[0].IpPermissionsEgress).toEqual([]);
    });

    test("the container instances' launch template requires IMDSv2 with hop limit 1, encrypts the root volume and blocks task access to IMDS", async () => {
      const { ec2 } = clients();
      const versions =
        (
          await ec2.send(
            new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: "treepli-local-container-instance", Versions: ["$Latest"] }),
          )
        ).LaunchTemplateVersions ?? [];
      const data = versions[0].LaunchTemplateData;
      expect(data?.MetadataOptions).toEqual(expect.objectContaining({ HttpTokens: "required", HttpPutResponseHopLimit: 1 }));
      expect(data?.BlockDeviceMappings?.[0].Ebs).toEqual(expect.objectContaining({ Encrypted: true, VolumeType: "gp3" }));
      const userData = Buffer.from(data?.UserData ?? "", "base64").toString("utf8");
      expect(userData).toContain("ECS_CLUSTER=treepli-local");
      expect(userData).toContain("ECS_AWSVPC_BLOCK_IMDS=true");
    });

    test("the container instances run in the private subnets the vpc stack exported (cross-stack reference through remote state)", async () => {
      const { autoscaling } = clients();
      const groups =
        (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["treepli-local-container-instances"] })))
          .AutoScalingGroups ?? [];
      expect(groups).toHaveLength(1);
      const subnets = (groups[0].VPCZoneIdentifier ?? "").split(",").filter(Boolean);
      expect(subnets.map((id) => subnetTier.get(id))).toEqual(["private", "private"]);
      expect(groups[0].NewInstancesProtectedFromScaleIn).toBe(true);
      expect(groups[0].LaunchTemplate?.LaunchTemplateName).toBe("treepli-local-container-instance");
    });
  });

  test("the cluster has Container Insights and its capacity provider, with managed scaling and termination protection, as the default strategy", async () => {
    const { ecs } = clients();
    const [cluster] = (await ecs.send(new DescribeClustersCommand({ clusters: ["treepli-local"], include: ["SETTINGS"] }))).clusters ?? [];
    expect(cluster.status).toBe("ACTIVE");
    expect(cluster.settings).toEqual([{ name: "containerInsights", value: "enabled" }]);
    expect(cluster.capacityProviders).toEqual(["treepli-local-ec2"]);
    expect(cluster.defaultCapacityProviderStrategy).toEqual([
      expect.objectContaining({ capacityProvider: "treepli-local-ec2", weight: 1 }),
    ]);
    const [provider] =
      (await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["treepli-local-ec2"] }))).capacityProviders ?? [];
    expect(provider.autoScalingGroupProvider?.managedScaling).toEqual(expect.objectContaining({ status: "ENABLED", targetCapacity: 100 }));
    expect(provider.autoScalingGroupProvider?.managedTerminationProtection).toBe("ENABLED");
    expect(provider.autoScalingGroupProvider?.autoScalingGroupArn).toMatch(/autoScalingGroupName\/treepli-local-container-instances$/);
  });

  describe("the media layer, as S3 and CloudFront report it", () => {
    let bucket: string;
    let distributionId: string;

    beforeAll(() => {
      const outputs = outputsOf("local-media");
      bucket = outputs.media_bucket_name as string;
      distributionId = outputs.media_distribution_id as string;
    });

    test("the bucket blocks every kind of public access and encrypts with the layer's own KMS key", async () => {
      const { s3 } = clients();
      expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
      const [rule] = (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules ?? [];
      expect(rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("aws:kms");
      expect(rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    });

    test("the bucket policy lets CloudFront read only on behalf of this distribution, grants nothing public, and denies no one else", async () => {
      const { s3, cloudfront } = clients();
      const distribution = (await cloudfront.send(new GetDistributionCommand({ Id: distributionId }))).Distribution;
      const document = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}");
      expect(document.Statement).toEqual([
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { StringEquals: { "AWS:SourceArn": distribution?.ARN } },
        }),
      ]);
      // The only statement is that Allow: no Deny can lock the backend's role out (its access comes
      // from its IAM policy), and no "*" principal is allowed anything. (The TLS-only Deny is left out
      // on the emulator, see docs/emulator.md.)
    });

    test("browsers on the configured origins may upload with pre-signed URLs", async () => {
      const { s3 } = clients();
      const rules = (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
      expect(rules).toEqual([
        expect.objectContaining({ AllowedOrigins: ["http://localhost:3000"], AllowedMethods: expect.arrayContaining(["PUT", "POST"]) }),
      ]);
    });

    test("the distribution reads the bucket through an origin access control that always signs with SigV4, and redirects viewers to HTTPS", async () => {
      const { cloudfront } = clients();
      const config = (await cloudfront.send(new GetDistributionCommand({ Id: distributionId }))).Distribution?.DistributionConfig;
      expect(config?.Origins?.Items?.map((o) => o.DomainName)).toEqual([`${bucket}.s3.us-east-1.amazonaws.com`]);
      expect(config?.Origins?.Items?.[0].S3OriginConfig?.OriginAccessIdentity ?? "").toBe("");
      expect(config?.DefaultCacheBehavior?.ViewerProtocolPolicy).toBe("redirect-to-https");
      expect(config?.DefaultCacheBehavior?.Compress).toBe(true);
      const controls = (await cloudfront.send(new ListOriginAccessControlsCommand({}))).OriginAccessControlList?.Items ?? [];
      const control = controls.find((c) => c.Name === bucket);
      expect(control).toEqual(
        expect.objectContaining({ OriginAccessControlOriginType: "s3", SigningBehavior: "always", SigningProtocol: "sigv4" }),
      );
    });
  });

  describe("the backend layer, as API Gateway, ELB, ECS, RDS and IAM report it", () => {
    test("the API's $default stage throttles with the configured limits and logs access as JSON", async () => {
      const { api } = clients();
      const [httpApi] = ((await api.send(new GetApisCommand({}))).Items ?? []).filter((a) => a.Name === "treepli-local-backend");
      const stage = await api.send(new GetStageCommand({ ApiId: httpApi.ApiId, StageName: "$default" }));
      expect(stage.AutoDeploy).toBe(true);
      expect(stage.DefaultRouteSettings).toEqual(expect.objectContaining({ ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 }));
      expect(stage.AccessLogSettings?.DestinationArn).toMatch(/^arn:aws:logs:us-east-1:123456789012:log-group:/);
      expect(() => JSON.parse(stage.AccessLogSettings?.Format ?? "")).not.toThrow();
    });

    test("the API forwards everything over its VPC link to the internal load balancer's listener", async () => {
      const { api, elb } = clients();
      const [httpApi] = ((await api.send(new GetApisCommand({}))).Items ?? []).filter((a) => a.Name === "treepli-local-backend");
      const [integration] = (await api.send(new GetIntegrationsCommand({ ApiId: httpApi.ApiId }))).Items ?? [];
      const [link] = ((await api.send(new GetVpcLinksCommand({}))).Items ?? []).filter((l) => l.Name === "treepli-local-backend");
      const [loadBalancer] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["treepli-local-backend"] }))).LoadBalancers ?? [];
      const [listener] = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancer.LoadBalancerArn }))).Listeners ?? [];
      expect(loadBalancer.Scheme).toBe("internal");
      expect(integration).toEqual(
        expect.objectContaining({
          IntegrationType: "HTTP_PROXY",
          ConnectionType: "VPC_LINK",
          ConnectionId: link.VpcLinkId,
          IntegrationUri: listener.ListenerArn,
        }),
      );
    });

    test("only the VPC link's security group reaches the load balancer, and only the service's reaches the database", async () => {
      const link = await securityGroupNamed("treepli-local-backend-vpc-link");
      const alb = await securityGroupNamed("treepli-local-backend-alb");
      const tasks = await securityGroupNamed("treepli-local-backend-tasks");
      const database = await securityGroupNamed("treepli-local-backend-database");
      expect(ingressSources(alb)).toEqual({ groups: [link.GroupId], ranges: [], prefixLists: [], ports: [[80, 80]] });
      expect(ingressSources(database)).toEqual({ groups: [tasks.GroupId], ranges: [], prefixLists: [], ports: [[5432, 5432]] });
      expect(ingressSources(tasks)).toEqual({ groups: [alb.GroupId], ranges: [], prefixLists: [], ports: [[8080, 8080]] });
    });

    test("the services' tasks may open HTTPS anywhere, the backend's PostgreSQL to the database's group only; the load balancers reach only their tasks", async () => {
      const egressOf = (group: { IpPermissionsEgress?: any[] }) =>
        (group.IpPermissionsEgress ?? [])
          .map((p) => ({
            protocol: p.IpProtocol,
            ports: [p.FromPort, p.ToPort],
            to: [...(p.IpRanges ?? []).map((r: any) => r.CidrIp), ...(p.UserIdGroupPairs ?? []).map((g: any) => g.GroupId)],
          }))
          .sort((a, b) => a.ports[0] - b.ports[0]);
      const database = await securityGroupNamed("treepli-local-backend-database");
      expect(egressOf(await securityGroupNamed("treepli-local-backend-tasks"))).toEqual([
        { protocol: "tcp", ports: [443, 443], to: ["0.0.0.0/0"] },
        { protocol: "tcp", ports: [5432, 5432], to: [database.GroupId] },
      ]);
      expect(egressOf(await securityGroupNamed("treepli-local-frontend-tasks"))).toEqual([
        { protocol: "tcp", ports: [443, 443], to: ["0.0.0.0/0"] },
      ]);
      // Each load balancer may connect to its service's tasks on their port, nothing else in the VPC.
      for (const [layer, port] of [
        ["backend", 8080],
        ["frontend", 3000],
      ] as const) {
        const tasks = await securityGroupNamed(`treepli-local-${layer}-tasks`);
        expect(egressOf(await securityGroupNamed(`treepli-local-${layer}-alb`))).toEqual([
          { protocol: "tcp", ports: [port, port], to: [tasks.GroupId] },
        ]);
      }
    });

    test("the service runs on the shared cluster behind the load balancer's target group", async () => {
      const { ecs, elb } = clients();
      const [service] =
        (await ecs.send(new DescribeServicesCommand({ cluster: "treepli-local", services: ["treepli-local-backend"] }))).services ?? [];
      const [targetGroup] = (await elb.send(new DescribeTargetGroupsCommand({ Names: ["treepli-local-backend"] }))).TargetGroups ?? [];
      expect(service.status).toBe("ACTIVE");
      expect(service.loadBalancers).toEqual([expect.objectContaining({ targetGroupArn: targetGroup.TargetGroupArn, containerPort: 8080 })]);
      expect(targetGroup).toEqual(expect.objectContaining({ TargetType: "ip", HealthCheckPath: "/healthz", Port: 8080 }));
      // moto does not keep a service's own capacity provider strategy: the cluster's default is what places it.
      const [cluster] = (await ecs.send(new DescribeClustersCommand({ clusters: ["treepli-local"] }))).clusters ?? [];
      expect(cluster.defaultCapacityProviderStrategy?.map((s) => s.capacityProvider)).toEqual(["treepli-local-ec2"]);
    });

    test("the database is encrypted, private, in the isolated subnets, with its password managed by RDS", async () => {
      const { rds } = clients();
      const [database] =
        (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "treepli-local-backend" }))).DBInstances ?? [];
      expect(database).toEqual(
        expect.objectContaining({ Engine: "postgres", StorageEncrypted: true, PubliclyAccessible: false, BackupRetentionPeriod: 1 }),
      );
      expect(database.MasterUserSecret?.SecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:/);
      expect(database.DBSubnetGroup?.Subnets?.map((s) => s.SubnetIdentifier)).toHaveLength(2);
    });

    test("the deploy role trusts GitHub's OIDC provider for the backend repository's local environment only", async () => {
      const { iam } = clients();
      const role = (await iam.send(new GetRoleCommand({ RoleName: "treepli-local-backend-deploy" }))).Role;
      const trust = JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? "{}"));
      expect(trust.Statement).toEqual([
        expect.objectContaining({
          Action: "sts:AssumeRoleWithWebIdentity",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": "repo:treepli/backend:environment:local",
            },
          },
        }),
      ]);
    });
  });

  describe("the frontend layer, as ELB and CloudFront report it", () => {
    test("a request without the header gets the listener's default: a fixed 403", async () => {
      const { elb } = clients();
      const [loadBalancer] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["treepli-local-frontend"] }))).LoadBalancers ?? [];
      const [listener] = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancer.LoadBalancerArn }))).Listeners ?? [];
      // moto leaves Scheme empty for an internet-facing load balancer; its subnets show where it is.
      const { ec2 } = clients();
      const subnetIds = loadBalancer.AvailabilityZones?.map((zone) => zone.SubnetId as string) ?? [];
      const subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
      expect(subnets.map((subnet) => tagOf(subnet.Tags, "Tier"))).toEqual(["public", "public"]);
      expect(loadBalancer.Scheme).not.toBe("internal");
      expect(listener.DefaultActions).toEqual([
        expect.objectContaining({ Type: "fixed-response", FixedResponseConfig: expect.objectContaining({ StatusCode: "403" }) }),
      ]);
    });

    test("the one rule forwarding to the site needs the origin header carrying the secret from Secrets Manager", async () => {
      const { elb } = clients();
      const [loadBalancer] = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["treepli-local-frontend"] }))).LoadBalancers ?? [];
      const [listener] = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancer.LoadBalancerArn }))).Listeners ?? [];
      const rules = ((await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? []).filter(
        (r) => !r.IsDefault,
      );
      const [targetGroup] = (await elb.send(new DescribeTargetGroupsCommand({ Names: ["treepli-local-frontend"] }))).TargetGroups ?? [];
      const secret = await originSecret();
      expect(secret.current).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(rules).toHaveLength(1);
      expect(rules[0].Conditions).toEqual([
        expect.objectContaining({
          Field: "http-header",
          HttpHeaderConfig: { HttpHeaderName: "X-Origin-Verify", Values: [secret.current] },
        }),
      ]);
      expect(rules[0].Actions).toEqual([expect.objectContaining({ Type: "forward", TargetGroupArn: targetGroup.TargetGroupArn })]);
    });

    test("the load balancer admits only CloudFront's origin-facing prefix list", async () => {
      const { ec2 } = clients();
      const alb = await securityGroupNamed("treepli-local-frontend-alb");
      const lists =
        (
          await ec2.send(
            new DescribeManagedPrefixListsCommand({
              Filters: [{ Name: "prefix-list-name", Values: ["com.amazonaws.global.cloudfront.origin-facing"] }],
            }),
          )
        ).PrefixLists ?? [];
      expect(ingressSources(alb)).toEqual({ groups: [], ranges: [], prefixLists: [lists[0].PrefixListId], ports: [[80, 80]] });
    });

    test("CloudFront sends the header with the secret's current value to the load balancer", async () => {
      const { cloudfront } = clients();
      const outputs = outputsOf("local-frontend");
      const config = (await cloudfront.send(new GetDistributionCommand({ Id: outputs.site_distribution_id as string }))).Distribution
        ?.DistributionConfig;
      const [origin] = config?.Origins?.Items ?? [];
      expect(origin.DomainName).toBe(outputs.load_balancer_dns_name);
      expect(origin.CustomHeaders?.Items).toEqual([{ HeaderName: "X-Origin-Verify", HeaderValue: (await originSecret()).current }]);
    });

    test("the secret's value is nowhere in the synthesized Terraform nor in the bootstrap stack's state", async () => {
      const { current } = await originSecret();
      const files = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
          const full = path.join(dir, e.name);
          if (e.isDirectory()) return e.name === ".terraform" ? [] : files(full);
          return [full];
        });
      const leaking = [...files(LOCAL_OUTPUT), path.join(PROJECT_ROOT, "bootstrap", "local.tfstate")].filter((file) =>
        fs.readFileSync(file, "utf8").includes(current),
      );
      expect(leaking).toEqual([]);
    });
  });

  test("while another process holds a stack's state lock, a second plan fails with a lock error", async () => {
    // `terraform console` holds the state lock for as long as it runs: a real second Terraform process.
    const holder = spawn(
      process.execPath,
      [
        path.join(PROJECT_ROOT, "scripts", "terraform-env.js"),
        "terraform",
        `-chdir=${path.join(LOCAL_OUTPUT, "stacks", "local-vpc")}`,
        "console",
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, TREEPLI_ENV: "local", TREEPLI_EMULATOR_ENDPOINT: emulator.endpoint },
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    try {
      const { s3 } = clients();
      const lockKey = "local/vpc.tfstate.tflock";
      const deadline = Date.now() + 60_000;
      const lockExists = async () =>
        ((await s3.send(new ListObjectsV2Command({ Bucket: "treepli-local-terraform-state", Prefix: lockKey }))).Contents ?? []).length > 0;
      while (!(await lockExists())) {
        if (Date.now() > deadline) throw new Error("terraform console never took the lock");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const plan = terraformIn("local-vpc", "plan", "-lock-timeout=0s");
      expect(plan.status).not.toBe(0);
      expect(plan.output).toContain("Error acquiring the state lock");
    } finally {
      holder.stdin?.end();
      await new Promise((resolve) => holder.once("exit", resolve));
    }
    // Once the holder is gone, the lock is released and planning works again.
    expect(terraformIn("local-vpc", "plan", "-detailed-exitcode").status).toBe(0);
  });
});

/** What a protection check saw: the protected apply, the refused destroy, the read-back. */
interface ProtectionCheck<T> {
  readonly apply: CommandResult;
  readonly destroy: CommandResult;
  readonly observed: T;
}

/**
 * Applies a stack of the protected synth over the deployed one, tries to destroy it and reads back what
 * must have survived (`checked`), then re-applies the local configuration (unprotected) so the estate can
 * be destroyed (`restored`, which never rejects: the estate's destroy waits for it). A command that read
 * another stack's state while that stack's command replaced it runs again (readAnotherStateMidWrite).
 */
function protectionCheck<T>(
  protectedOut: string,
  stack: string,
  afterApply: () => Promise<void>,
  observe: () => Promise<T>,
): { checked: Promise<ProtectionCheck<T>>; restored: Promise<CommandResult> } {
  const terraform = (outdir: string, ...args: string[]) => againIfReadMidWrite(() => terraformAtAsync(outdir, stack, ...args));
  const checked = (async () => {
    const init = await terraform(protectedOut, "init");
    const apply = init.status === 0 ? await terraform(protectedOut, "apply", "-auto-approve") : init;
    if (apply.status === 0) await afterApply();
    const destroy = await terraform(protectedOut, "destroy", "-auto-approve");
    // Whatever the read-back finds (or throws), the local configuration is restored afterwards.
    const observed = await observe().catch((error: Error) => ({ error: error.message }) as T);
    return { apply, destroy, observed };
  })();
  const restored = checked.catch(() => undefined).then(() => terraform(LOCAL_OUTPUT, "apply", "-auto-approve"));
  return { checked, restored };
}

/**
 * The local environment synthesized with some configuration replaced, into its own folder. Its stacks
 * use the same state as the local estate's, so applying one changes the deployed stack.
 */
function synthLocalWith(override: Partial<(typeof ENVIRONMENTS)["local"]>, prefixName: string): string {
  const outdir = fs.mkdtempSync(path.join(LOG_DIR, `${prefixName}-`));
  const config = loadEnvironmentConfig("local", {
    emulatorEndpoint: emulator.endpoint,
    environments: { local: { ...ENVIRONMENTS.local, ...override } },
  });
  const app = new App({ outdir, stackTraces: false });
  addEnvironment(app, config);
  app.synth();
  return outdir;
}

/** `terraform state <args>` of a local stack (state commands take neither -input nor -no-color). */
function terraformState(stack: string, ...args: string[]) {
  return runLocal(emulator.endpoint, ["terraform", `-chdir=${path.join(LOCAL_OUTPUT, "stacks", stack)}`, "state", ...args], {
    logFile: LOG_FILE,
  });
}

/** `terraform import` into a local stack's state (its options must come before the address and id). */
function terraformImport(stack: string, address: string, id: string) {
  const chdir = `-chdir=${path.join(LOCAL_OUTPUT, "stacks", stack)}`;
  return runLocal(emulator.endpoint, ["terraform", chdir, "import", "-input=false", "-no-color", address, id], { logFile: LOG_FILE });
}

/** Runs Terraform on a stack of a synth output folder like {@link terraformAt}, without blocking. */
function terraformAtAsync(outdir: string, stack: string, ...args: string[]) {
  return runLocalAsync(
    emulator.endpoint,
    ["terraform", `-chdir=${path.join(outdir, "stacks", stack)}`, ...args, "-no-color", "-input=false"],
    {
      logFile: LOG_FILE,
    },
  );
}

/**
 * `terraform plan -detailed-exitcode` of several stacks, side by side: status 0 when there is nothing to
 * change (output shown otherwise). Each stack has its own state; plans only read each other's.
 */
function replanAll(outdir: string, stacks: readonly string[]) {
  return inParallel(stacks, async (stack) => {
    const plan = await terraformAtAsync(outdir, stack, "plan", "-detailed-exitcode");
    return { stack, status: plan.status, output: plan.status === 0 ? "" : plan.output };
  });
}

describe("GitHub's deploy path, as the reference workflow runs it (docs/github)", () => {
  const services = ["local-backend", "local-frontend"] as const;
  const deployed: Record<string, { repositoryName: string; family: string; service: string; digest: string; before: string }> = {};
  let cluster: string;

  beforeAll(async () => {
    requireTools();
    cluster = outputsOf("local-cluster").cluster_name as string;
    const { ecs } = clients();
    // The two services' rollouts run side by side, as their repositories' workflows would.
    const rollouts = services.map(async (stack) => {
      const outputs = outputsOf(stack);
      const repositoryUrl = outputs.repository_url as string;
      const repositoryName = repositoryUrl.slice(repositoryUrl.indexOf("/") + 1);
      const [service] =
        (await ecs.send(new DescribeServicesCommand({ cluster, services: [outputs.service_name as string] }))).services ?? [];
      // The workflow's push: ECR login (GetAuthorizationToken), then the image under sha-<commit>.
      expect(aws(emulator.endpoint, region, "ecr", "get-authorization-token").authorizationData).toHaveLength(1);
      const digest = pushImage(emulator.endpoint, region, repositoryName, "sha-0123456789abcdef0123456789abcdef01234567", stack);
      const result = await runDeployScript(emulator.endpoint, region, {
        ECR_REPOSITORY_URL: repositoryUrl,
        ECS_CLUSTER: cluster,
        ECS_SERVICE: outputs.service_name as string,
        ECS_TASK_DEFINITION_FAMILY: outputs.task_definition_family as string,
        IMAGE_TAG: "sha-0123456789abcdef0123456789abcdef01234567",
      });
      fs.appendFileSync(LOG_FILE, `\n$ ecs-deploy.sh (${stack})\n${result.stdout}${result.stderr}`);
      expect({ stack, status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({ stack, status: 0, stderr: "" });
      deployed[stack] = {
        repositoryName,
        family: outputs.task_definition_family as string,
        service: outputs.service_name as string,
        digest,
        before: service.taskDefinition as string,
      };
    });
    await Promise.all(rollouts);
  });

  test("each service runs a new revision of its family: the previous one with only the image replaced", async () => {
    const { ecs } = clients();
    for (const stack of services) {
      const { family, service, before } = deployed[stack];
      const [current] = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services ?? [];
      const next = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current.taskDefinition }))).taskDefinition!;
      const previous = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: before }))).taskDefinition!;
      expect(next.family).toBe(family);
      expect(next.revision).toBe((previous.revision ?? 0) + 1);
      expect(current.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
        ["PRIMARY", next.taskDefinitionArn, "COMPLETED"],
      ]);
      const [container] = next.containerDefinitions ?? [];
      expect(container.image).toMatch(/\/treepli-local\/(backend|frontend):sha-0123456789abcdef0123456789abcdef01234567$/);
      const withoutImage = (definition: typeof next) => ({
        ...definition,
        containerDefinitions: definition.containerDefinitions?.map(({ image, ...rest }) => rest),
        taskDefinitionArn: undefined,
        revision: undefined,
        registeredAt: undefined,
        registeredBy: undefined,
      });
      // Terraform's environment, secrets, sizing, roles and network mode are kept.
      expect(withoutImage(next)).toEqual(withoutImage(previous));
    }
  });

  test("after the rollout, the image carries a deployed- tag on the same digest, which the lifecycle policy keeps", () => {
    for (const stack of services) {
      const { repositoryName, digest } = deployed[stack];
      const [image] = aws(
        emulator.endpoint,
        region,
        "ecr",
        "describe-images",
        "--repository-name",
        repositoryName,
        "--image-ids",
        `imageDigest=${digest}`,
      ).imageDetails;
      expect(image.imageTags).toEqual(
        expect.arrayContaining(["sha-0123456789abcdef0123456789abcdef01234567", expect.stringMatching(/^deployed-\d{8}T\d{6}Z-e2e-1$/)]),
      );
      const rules = JSON.parse(
        aws(emulator.endpoint, region, "ecr", "get-lifecycle-policy", "--repository-name", repositoryName).lifecyclePolicyText,
      ).rules;
      expect(
        rules.map((r: any) => [
          r.rulePriority,
          r.selection.tagStatus,
          r.selection.tagPatternList,
          r.selection.countType,
          r.selection.countNumber,
        ]),
      ).toEqual([
        [1, "tagged", ["deployed-*"], "imageCountMoreThan", 30],
        [2, "untagged", undefined, "sinceImagePushed", 7],
        [3, "any", undefined, "sinceImagePushed", 14],
      ]);
      const repository = aws(emulator.endpoint, region, "ecr", "describe-repositories", "--repository-names", repositoryName)
        .repositories[0];
      expect(repository.imageTagMutability).toBe("IMMUTABLE");
    }
  });

  test("a change of the services' counts, as autoscaling makes, and the rollouts leave both service stacks with nothing to change", async () => {
    const { ecs } = clients();
    for (const stack of services) {
      await ecs.send(new UpdateServiceCommand({ cluster, service: deployed[stack].service, desiredCount: 2 }));
    }
    expect(await replanAll(LOCAL_OUTPUT, services)).toEqual(services.map((stack) => ({ stack, status: 0, output: "" })));
  });

  test("the script refuses an image older than the deployed images the repository keeps: running, it could expire", async () => {
    const { repositoryName } = deployed["local-frontend"];
    const repositoryUrl = outputsOf("local-frontend").repository_url as string;
    pushImage(emulator.endpoint, region, repositoryName, "sha-old", "an old build never deployed");
    spawnSync("sleep", ["1.1"]);
    // 30 later builds, each deployed (as its rollout would have tagged it).
    const later = Array.from({ length: 30 }, (_, n) => ({ tag: `deployed-later-${n}`, seed: `later ${n}` }));
    expect(pushImages(emulator.endpoint, region, repositoryName, later)).toHaveLength(30);
    const result = await runDeployScript(emulator.endpoint, region, {
      ECR_REPOSITORY_URL: repositoryUrl,
      ECS_CLUSTER: cluster,
      ECS_SERVICE: deployed["local-frontend"].service,
      ECS_TASK_DEFINITION_FAMILY: deployed["local-frontend"].family,
      IMAGE_TAG: "sha-old",
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/sha-old is older than the 30 newest deployed images the repository keeps \(30 are newer\)/);
  });
});

describe("the account-wide singletons", () => {
  test("ECS created its service-linked role with the cluster (AWS's name), and the emulator refuses a second one, as AWS does", async () => {
    const { iam, ecs } = clients();
    const role = (await iam.send(new GetRoleCommand({ RoleName: "AWSServiceRoleForECS" }))).Role;
    expect(role?.Path).toBe("/aws-service-role/ecs.amazonaws.com/");
    await expect(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "ecs.amazonaws.com" }))).rejects.toThrow(/already exists/);
    // The capacity provider, which ECS refuses without the role, came after the cluster.
    const [provider] =
      (await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["treepli-local-ec2"] }))).capacityProviders ?? [];
    expect(provider.status).toBe("ACTIVE");
    const states = await inParallel(LOCAL_STACKS.slice(1), (stack) =>
      runLocalAsync(emulator.endpoint, ["terraform", `-chdir=${path.join(LOCAL_OUTPUT, "stacks", stack)}`, "state", "list"], {
        logFile: LOG_FILE,
      }),
    );
    for (const state of states) {
      expect(state.status).toBe(0);
      expect(state.output).toMatch(/^aws_/m);
      expect(state.output).not.toMatch(/aws_iam_service_linked_role|data\.aws_iam_role\./);
    }
  });

  test("in an account that already has them, the cluster layer applies with 'existing' without touching them, and both service stacks keep their deploy roles", async () => {
    const { iam } = clients();
    const clusterStack = "local-cluster";
    const layerStacks = [clusterStack, "local-backend", "local-frontend"];
    const addresses = terraformState(clusterStack, "list")
      .output.split("\n")
      .map((line) => line.trim());
    const providerAddress = addresses.find((a) => a.startsWith("aws_iam_openid_connect_provider."))!;
    const settingAddress = addresses.find((a) => a.startsWith("aws_ecs_account_setting_default."))!;
    const providerArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    expect([providerAddress, settingAddress].every(Boolean)).toBe(true);
    // Someone else owns them now: Terraform forgets them; the account keeps them.
    expect(terraformState(clusterStack, "rm", providerAddress, settingAddress).status).toBe(0);
    const existingOut = synthLocalWith(
      { accountSingletons: { githubOidcProvider: "existing", ecsAccountSettings: "existing", cloudTrail: "create" } },
      "existing",
    );
    try {
      const inits = await inParallel(layerStacks, (stack) => terraformAtAsync(existingOut, stack, "init"));
      expect(inits.map((init) => init.status)).toEqual(layerStacks.map(() => 0));
      const apply = terraformAt(existingOut, clusterStack, "apply", "-auto-approve");
      expect({ status: apply.status, output: apply.status === 0 ? "" : apply.output }).toEqual({ status: 0, output: "" });
      expect(apply.output).toMatch(/Resources: 0 added, 0 changed, 0 destroyed/);
      expect(await replanAll(existingOut, layerStacks)).toEqual(layerStacks.map((stack) => ({ stack, status: 0, output: "" })));
      const providers = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
      expect(providers.map((p) => p.Arn)).toEqual([providerArn]);
      for (const role of ["treepli-local-backend-deploy", "treepli-local-frontend-deploy"]) {
        const trust = JSON.parse(
          decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument ?? "{}"),
        );
        expect(trust.Statement[0].Principal).toEqual({ Federated: providerArn });
      }
    } finally {
      // Back to the local configuration, which owns both (adopted with terraform import), so that the
      // estate can be destroyed.
      expect(terraformImport(clusterStack, providerAddress, providerArn).status).toBe(0);
      expect(terraformImport(clusterStack, settingAddress, "awsvpcTrunking").status).toBe(0);
      expect(terraformIn(clusterStack, "apply", "-auto-approve").status).toBe(0);
      fs.rmSync(existingOut, { recursive: true, force: true });
    }
    expect(await replanAll(LOCAL_OUTPUT, layerStacks)).toEqual(layerStacks.map((stack) => ({ stack, status: 0, output: "" })));
  });
});

describe("service roles, as IAM reports them", () => {
  test("RDS may assume the database's enhanced-monitoring role only for this account (aws:SourceAccount), as IAM reports it", async () => {
    const { iam } = clients();
    const role = (await iam.send(new GetRoleCommand({ RoleName: "treepli-local-backend-rds-monitoring" }))).Role;
    expect(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? "{}")).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "monitoring.rds.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
    ]);
  });
});

describe("the operations layer and what uses it, as KMS, SNS, CloudTrail, EventBridge, CloudWatch Logs, RDS and EC2 report it", () => {
  const cli = (...args: string[]) => aws(emulator.endpoint, region, ...args);
  const PUBLISHERS = [
    "backup.amazonaws.com",
    "budgets.amazonaws.com",
    "cloudwatch.amazonaws.com",
    "events.amazonaws.com",
    "events.rds.amazonaws.com",
  ];
  /** The key behind an alias: its ARN, rotation and policy statements. */
  const key = (alias: string) => {
    const target = (cli("kms", "list-aliases").Aliases as any[]).find((a) => a.AliasName === alias);
    expect(target).toBeDefined();
    const metadata = cli("kms", "describe-key", "--key-id", target.TargetKeyId).KeyMetadata;
    return {
      arn: metadata.Arn as string,
      manager: metadata.KeyManager as string,
      rotation: cli("kms", "get-key-rotation-status", "--key-id", target.TargetKeyId).KeyRotationEnabled as boolean,
      statements: JSON.parse(cli("kms", "get-key-policy", "--key-id", target.TargetKeyId, "--policy-name", "default").Policy)
        .Statement as any[],
    };
  };
  const principals = (statements: any[]) =>
    statements
      .flatMap((s) => Object.entries(s.Principal ?? {}).flatMap(([kind, names]) => [names].flat().map((name) => `${kind}:${name}`)))
      .sort();

  test("the keys rotate, and their policies name the account and exactly the services that use each", () => {
    const logs = key("alias/treepli-local-logs");
    const topics = key("alias/treepli-local-ops-topics");
    const database = key("alias/treepli-local-database");
    for (const k of [logs, topics, database])
      expect({ manager: k.manager, rotation: k.rotation }).toEqual({ manager: "CUSTOMER", rotation: true });
    const root = "AWS:arn:aws:iam::123456789012:root";
    expect(principals(logs.statements)).toEqual(
      [root, "Service:logs.us-east-1.amazonaws.com", "Service:cloudtrail.amazonaws.com", "Service:cloudtrail.amazonaws.com"].sort(),
    );
    expect(logs.statements.find((s) => s.Principal.Service === "logs.us-east-1.amazonaws.com").Condition).toEqual({
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*" },
    });
    expect(principals(topics.statements)).toEqual([root, ...PUBLISHERS.map((p) => `Service:${p}`)].sort());
    expect(principals(database.statements)).toEqual([root]);
  });

  test("the operations topic is encrypted with the topics key, and only the five publishers of this account may publish", () => {
    const topicArn = outputsOf("local-ops").ops_topic_arn as string;
    const attributes = cli("sns", "get-topic-attributes", "--topic-arn", topicArn).Attributes;
    expect(attributes.KmsMasterKeyId).toBe(key("alias/treepli-local-ops-topics").arn);
    const statements = JSON.parse(attributes.Policy).Statement;
    expect(principals(statements)).toEqual(PUBLISHERS.map((p) => `Service:${p}`));
    expect(statements.map((s: any) => [s.Effect, s.Action, s.Resource, s.Condition])).toEqual([
      ["Allow", "sns:Publish", topicArn, { StringEquals: { "aws:SourceAccount": "123456789012" } }],
    ]);
    expect(cli("sns", "list-subscriptions-by-topic", "--topic-arn", topicArn).Subscriptions).toEqual([]);
  });

  test("the account trail logs management events of every region, validated, on the logs key, into its private bucket", async () => {
    const [trail] = cli("cloudtrail", "describe-trails", "--trail-name-list", "treepli-account").trailList;
    expect(trail).toEqual(
      expect.objectContaining({
        Name: "treepli-account",
        S3BucketName: "treepli-cloudtrail-123456789012",
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        LogFileValidationEnabled: true,
        KmsKeyId: key("alias/treepli-local-logs").arn,
      }),
    );
    expect(cli("cloudtrail", "get-trail-status", "--name", trail.TrailARN).IsLogging).toBe(true);
    expect(cli("cloudtrail", "get-event-selectors", "--trail-name", trail.TrailARN).EventSelectors).toEqual([
      expect.objectContaining({ ReadWriteType: "All", IncludeManagementEvents: true }),
    ]);
    const { s3 } = clients();
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: trail.S3BucketName }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policyStatements = JSON.parse(
      (await s3.send(new GetBucketPolicyCommand({ Bucket: trail.S3BucketName }))).Policy ?? "{}",
    ).Statement;
    expect(policyStatements.map((s: any) => [s.Principal, s.Action, s.Condition?.StringEquals?.["aws:SourceArn"]])).toEqual([
      [{ Service: "cloudtrail.amazonaws.com" }, "s3:GetBucketAcl", trail.TrailARN],
      [{ Service: "cloudtrail.amazonaws.com" }, "s3:PutObject", trail.TrailARN],
    ]);
  });

  test("the launch template's agent refuses privileged containers and keeps tasks from IMDS, its API and host-network credentials", async () => {
    const { ec2 } = clients();
    const [version] =
      (
        await ec2.send(
          new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: "treepli-local-container-instance", Versions: ["$Latest"] }),
        )
      ).LaunchTemplateVersions ?? [];
    const userData = Buffer.from(version.LaunchTemplateData?.UserData ?? "", "base64").toString("utf8");
    for (const setting of [
      "ECS_DISABLE_PRIVILEGED=true",
      "ECS_AWSVPC_BLOCK_IMDS=true",
      "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=false",
      "ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS=false",
      "ECS_SELINUX_CAPABLE=false",
      "ECS_APPARMOR_CAPABLE=false",
      "ECS_TASK_PIDS_LIMIT=4096",
    ]) {
      expect(userData.split("\n")).toContain(setting);
    }
  });

  test("the detection rule listens to task definitions registered with host access and notifies the operations topic", () => {
    const rule = cli("events", "describe-rule", "--name", "treepli-local-host-access-task-definition");
    const pattern = JSON.parse(rule.EventPattern);
    expect(pattern.detail.eventName).toEqual(["RegisterTaskDefinition"]);
    expect(pattern.detail.$or).toEqual(expect.arrayContaining([{ requestParameters: { networkMode: ["host"] } }]));
    const [target] = cli("events", "list-targets-by-rule", "--rule", rule.Name).Targets;
    expect(target.Arn).toBe(outputsOf("local-ops").ops_topic_arn);
    expect(Object.keys(target.InputTransformer.InputPathsMap)).toEqual(expect.arrayContaining(["family", "registeredBy", "revision"]));
    // moto neither delivers CloudTrail's events nor implements TestEventPattern: which records the pattern
    // catches is shown by its unit test, and on AWS with `aws events test-event-pattern` (docs/emulator.md).
  });

  test("the database accepts IAM tokens, pins its server certificate's CA, and keeps its storage and master secret on the database key", async () => {
    const { rds } = clients();
    const [database] =
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "treepli-local-backend" }))).DBInstances ?? [];
    const databaseKey = key("alias/treepli-local-database").arn;
    expect(database.IAMDatabaseAuthenticationEnabled).toBe(true);
    expect(database.StorageEncrypted).toBe(true);
    expect(database.KmsKeyId).toBe(databaseKey);
    expect(database.MasterUserSecret?.KmsKeyId).toBe(databaseKey);
    // What the backend's verify-full trusts (DATABASE_SSLROOTCERT, RDS's bundle in the image).
    expect(database.CACertificateIdentifier).toBe("rds-ca-rsa2048-g1");
  });

  test("the backend's task role may connect as the application's database user of this instance only", async () => {
    const { iam, rds } = clients();
    const [database] =
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "treepli-local-backend" }))).DBInstances ?? [];
    const document = (await iam.send(new GetRolePolicyCommand({ RoleName: "treepli-local-backend-task", PolicyName: "application" })))
      .PolicyDocument;
    const statement = JSON.parse(decodeURIComponent(document ?? "{}")).Statement.find((s: any) => s.Sid === "ConnectAsApplicationUser");
    expect(statement).toEqual({
      Sid: "ConnectAsApplicationUser",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: `arn:aws:rds-db:us-east-1:123456789012:dbuser:${database.DbiResourceId}/treepli_app`,
    });
  });

  test("a rotation's restart retries, then dead-letters; failed rotations and restarts notify the operations topic", () => {
    const [restart] = cli("events", "list-targets-by-rule", "--rule", "treepli-local-backend-secret-rotated").Targets;
    expect(restart.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 });
    expect(restart.DeadLetterConfig.Arn).toBe("arn:aws:sqs:us-east-1:123456789012:treepli-local-backend-restart-dlq");
    const topicArn = outputsOf("local-ops").ops_topic_arn;
    for (const rule of ["treepli-local-backend-db-password-rotation-failed", "treepli-local-backend-db-password-restart-failed"]) {
      expect(cli("events", "list-targets-by-rule", "--rule", rule).Targets.map((t: any) => t.Arn)).toEqual([topicArn]);
    }
  });

  test("every log group of the estate is encrypted with the logs key, and the audit records keep the configured retention", async () => {
    const groups = await localLogGroups();
    expect(groups.length).toBeGreaterThanOrEqual(8);
    const logsKey = key("alias/treepli-local-logs").arn;
    expect(groups.filter((g) => g.kmsKeyId !== logsKey).map((g) => g.logGroupName)).toEqual([]);
    const audit = groups.filter((g) => /vpc-flow-logs$|^\/aws\/apigateway\/|^\/aws\/cloudfront\//.test(g.logGroupName ?? ""));
    expect(audit.map((g) => [g.logGroupName, g.retentionInDays]).sort()).toEqual(
      [
        ["/aws/apigateway/treepli-local-backend/access", 1],
        ["/aws/cloudfront/treepli-local-frontend-site", 1],
        ["/aws/cloudfront/treepli-local-media", 1],
        ["/treepli-local/vpc-flow-logs", 1],
      ].sort(),
    );
  });

  test("both distributions deliver their viewer logs (standard logging v2) to their log groups", async () => {
    const { cloudfront } = clients();
    const distributionArn = async (stack: string, output: string) =>
      (await cloudfront.send(new GetDistributionCommand({ Id: outputsOf(stack)[output] as string }))).Distribution?.ARN;
    const sources = cli("logs", "describe-delivery-sources").deliverySources as any[];
    expect(sources.map((s) => [s.name, s.logType, s.resourceArns]).sort()).toEqual(
      [
        ["treepli-local-frontend-site", "ACCESS_LOGS", [await distributionArn("local-frontend", "site_distribution_id")]],
        ["treepli-local-media", "ACCESS_LOGS", [await distributionArn("local-media", "media_distribution_id")]],
      ].sort(),
    );
    const deliveries = cli("logs", "describe-deliveries").deliveries as any[];
    expect(deliveries.map((d) => d.deliverySourceName).sort()).toEqual(["treepli-local-frontend-site", "treepli-local-media"]);
    for (const delivery of deliveries) {
      const destination = cli("logs", "get-delivery-destination", "--name", delivery.deliverySourceName).deliveryDestination;
      expect(destination.deliveryDestinationConfiguration.destinationResourceArn).toMatch(
        new RegExp(`:log-group:/aws/cloudfront/${delivery.deliverySourceName}$`),
      );
    }
  });
});

describe("the edge, as CloudFront reports it", () => {
  test("the site caches the image optimizer and public assets with their own policies, and every behavior adds the security headers", async () => {
    const { cloudfront } = clients();
    const outputs = outputsOf("local-frontend");
    const config = (await cloudfront.send(new GetDistributionCommand({ Id: outputs.site_distribution_id as string }))).Distribution
      ?.DistributionConfig;
    const behaviors = config?.CacheBehaviors?.Items ?? [];
    expect(behaviors.map((b) => b.PathPattern)).toEqual([
      "/_next/static/*",
      "/_next/image*",
      "/favicon.ico",
      "/robots.txt",
      "/sitemap.xml",
      "/images/*",
      "/fonts/*",
    ]);
    const cachePolicy = async (id: string) => (await cloudfront.send(new GetCachePolicyCommand({ Id: id }))).CachePolicy?.CachePolicyConfig;
    const image = await cachePolicy(behaviors[1].CachePolicyId!);
    expect(image?.ParametersInCacheKeyAndForwardedToOrigin).toEqual(
      expect.objectContaining({
        QueryStringsConfig: { QueryStringBehavior: "whitelist", QueryStrings: { Quantity: 3, Items: ["url", "w", "q"] } },
        HeadersConfig: { HeaderBehavior: "whitelist", Headers: { Quantity: 1, Items: ["Accept"] } },
        CookiesConfig: { CookieBehavior: "none" },
      }),
    );
    const assets = await cachePolicy(behaviors[2].CachePolicyId!);
    expect(assets).toEqual(expect.objectContaining({ MinTTL: 300, DefaultTTL: 3600, MaxTTL: 86400 }));
    const headerPolicies = new Set([
      config?.DefaultCacheBehavior?.ResponseHeadersPolicyId,
      ...behaviors.map((b) => b.ResponseHeadersPolicyId),
    ]);
    expect(headerPolicies.size).toBe(1);
    const headers = (await cloudfront.send(new GetResponseHeadersPolicyCommand({ Id: [...headerPolicies][0]! }))).ResponseHeadersPolicy
      ?.ResponseHeadersPolicyConfig;
    expect(headers?.SecurityHeadersConfig).toEqual({
      StrictTransportSecurity: { Override: true, IncludeSubdomains: true, Preload: false, AccessControlMaxAgeSec: 63072000 },
      ContentTypeOptions: { Override: true },
      FrameOptions: { Override: true, FrameOption: "DENY" },
      ReferrerPolicy: { Override: true, ReferrerPolicy: "strict-origin-when-cross-origin" },
    });
    expect(headers?.CorsConfig).toBeUndefined();
  });

  test("the media CDN adds the security headers and read-only CORS for any site; the bucket admits local development uploads in a rule of its own", async () => {
    const { cloudfront, s3 } = clients();
    const outputs = outputsOf("local-media");
    const config = (await cloudfront.send(new GetDistributionCommand({ Id: outputs.media_distribution_id as string }))).Distribution
      ?.DistributionConfig;
    const headers = (
      await cloudfront.send(new GetResponseHeadersPolicyCommand({ Id: config?.DefaultCacheBehavior?.ResponseHeadersPolicyId }))
    ).ResponseHeadersPolicy?.ResponseHeadersPolicyConfig;
    expect(headers?.SecurityHeadersConfig?.StrictTransportSecurity?.AccessControlMaxAgeSec).toBe(63072000);
    expect(headers?.SecurityHeadersConfig?.ContentTypeOptions).toEqual({ Override: true });
    expect(headers?.CorsConfig).toEqual(
      expect.objectContaining({
        AccessControlAllowCredentials: false,
        AccessControlAllowOrigins: { Quantity: 1, Items: ["*"] },
        AccessControlAllowMethods: { Quantity: 2, Items: ["GET", "HEAD"] },
      }),
    );
    const rules = (await s3.send(new GetBucketCorsCommand({ Bucket: outputs.media_bucket_name as string }))).CORSRules ?? [];
    expect(rules.map((r) => [r.ID, r.AllowedOrigins])).toEqual([["local-development-uploads", ["http://localhost:3000"]]]);
  });
});

operationsReadBacks(() => emulator.endpoint, outputsOf);

describe("with production's protections switched on", () => {
  // The checks run side by side. The backend stack reads the media stack's state (remote state) at every
  // plan, while the media check replaces it: a read caught mid-write is run again (readAnotherStateMidWrite).
  // Once both have read back what survived, the estate's destroy starts (the last describe awaits it): the
  // stacks that read the two checked ones (observability, frontend) are destroyed while the checks restore
  // the local configuration, about 90 s of the provider's database wait; the two checked stacks are
  // destroyed after their restore. The tests below read the checks' results.
  let backend: ReturnType<typeof protectionCheck<{ status?: string; deletionProtection?: boolean }>>;
  let media: ReturnType<typeof protectionCheck<{ objectLength?: number }>>;
  let protectedOut: string;

  beforeAll(async () => {
    protectedOut = synthProtected();
    const { rds, s3 } = clients();
    const bucket = outputsOf("local-media").media_bucket_name as string;
    const started = Date.now();
    backend = protectionCheck(
      protectedOut,
      "local-backend",
      async () => undefined,
      async () => {
        const [database] =
          (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "treepli-local-backend" }))).DBInstances ?? [];
        return { status: database?.DBInstanceStatus, deletionProtection: database?.DeletionProtection };
      },
    );
    media = protectionCheck(
      protectedOut,
      "local-media",
      async () => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "uploads/kept.txt", Body: "media" }));
      },
      async () => {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
        return { objectLength: (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "uploads/kept.txt" }))).ContentLength };
      },
    );
    await Promise.all([backend, media].map((check) => check.checked.catch(() => undefined)));
    const restored = { "local-backend": backend.restored, "local-media": media.restored };
    void Promise.all(Object.values(restored)).then(() => (phases["protection checks"] = (Date.now() - started) / 1000));
    startDestroy((stack) => restored[stack as keyof typeof restored] ?? Promise.resolve());
  });
  afterAll(() => protectedOut && fs.rmSync(protectedOut, { recursive: true, force: true }));

  test("destroying the backend stack is refused, and the database survives", async () => {
    const check = await backend.checked;
    expect({ status: check.apply.status, output: check.apply.status === 0 ? "" : check.apply.output }).toEqual({ status: 0, output: "" });
    expect(check.destroy.status).not.toBe(0);
    expect(check.destroy.output).toMatch(/Instance cannot be destroyed[\s\S]*aws_db_instance/);
    expect(check.observed).toEqual({ status: "available", deletionProtection: true });
    expect((await backend.restored).status).toBe(0);
  });

  test("destroying the media stack is refused, and the bucket and its objects survive", async () => {
    const check = await media.checked;
    expect({ status: check.apply.status, output: check.apply.status === 0 ? "" : check.apply.output }).toEqual({ status: 0, output: "" });
    expect(check.destroy.status).not.toBe(0);
    expect(check.destroy.output).toMatch(/Instance cannot be destroyed[\s\S]*aws_s3_bucket/);
    expect(check.observed).toEqual({ objectLength: 5 });
    // Back to the local configuration (unprotected), so that the estate can be destroyed.
    expect((await media.restored).status).toBe(0);
  });
});

/** The estate's destroy, started once (by the protection checks when they run, else by the last test). */
let estateDestroy: Promise<void> | undefined;
function startDestroy(ready?: (stack: string) => Promise<unknown>): Promise<void> {
  estateDestroy ??= (async () => {
    const started = Date.now();
    Object.assign(timings, prefix("destroy", await destroyEstate(emulator.endpoint, { logFile: LOG_FILE, ready })));
    phases.destroy = (Date.now() - started) / 1000;
  })();
  estateDestroy.catch(() => undefined); // awaited by the last test, which reports a failure
  return estateDestroy;
}

describe("destroying every stack in reverse order", () => {
  test("leaves nothing the estate created", async () => {
    await startDestroy();
    const { ec2, ecs, autoscaling, s3, iam, cloudfront, elb, rds, api, secrets } = clients();
    const local = [byTag("Environment", "local")];
    const awsManagedKeyIds = new Set(
      (aws(emulator.endpoint, region, "kms", "list-aliases").Aliases as any[])
        .filter((a) => a.AliasName.startsWith("alias/aws/") && a.TargetKeyId)
        .map((a) => a.TargetKeyId as string),
    );
    const left: Record<string, unknown[]> = {
      vpcs: (await ec2.send(new DescribeVpcsCommand({ Filters: local }))).Vpcs ?? [],
      subnets: (await ec2.send(new DescribeSubnetsCommand({ Filters: local }))).Subnets ?? [],
      natGateways: ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: local }))).NatGateways ?? []).filter(
        (n) => n.State !== "deleted",
      ),
      elasticIps: (await ec2.send(new DescribeAddressesCommand({ Filters: local }))).Addresses ?? [],
      securityGroups: ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).filter((g) =>
        g.GroupName?.startsWith("treepli-local"),
      ),
      launchTemplates: ((await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? []).filter((t) =>
        t.LaunchTemplateName?.startsWith("treepli-local"),
      ),
      runningInstances: ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .filter((i) => i.State?.Name !== "terminated"),
      autoscalingGroups: (await autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [],
      activeClusters: ((await ecs.send(new DescribeClustersCommand({ clusters: ["treepli-local"] }))).clusters ?? []).filter(
        (c) => c.status === "ACTIVE",
      ),
      capacityProviders: (
        (await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["treepli-local-ec2"] }))).capacityProviders ?? []
      ).filter((p) => p.status === "ACTIVE"),
      // AWSServiceRoleForECS stays: ECS created it with the cluster, and the estate does not own it.
      roles: ((await iam.send(new ListRolesCommand({}))).Roles ?? []).filter(
        (r) =>
          r.RoleName?.startsWith("treepli-local") || (r.Path?.startsWith("/aws-service-role/") && r.RoleName !== "AWSServiceRoleForECS"),
      ),
      oidcProviders: (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [],
      cachePolicies: (await cloudfront.send(new ListCachePoliciesCommand({ Type: "custom" }))).CachePolicyList?.Items ?? [],
      responseHeadersPolicies:
        (await cloudfront.send(new ListResponseHeadersPoliciesCommand({ Type: "custom" }))).ResponseHeadersPolicyList?.Items ?? [],
      instanceProfiles: (await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? [],
      logGroups: await localLogGroups(),
      // Keys are not deleted at once: KMS schedules them (7 days here); their aliases go with the stack.
      keyAliases: (aws(emulator.endpoint, region, "kms", "list-aliases").Aliases as any[]).filter((a) =>
        a.AliasName.startsWith("alias/treepli-local"),
      ),
      // AWS-managed keys (alias/aws/…) are the account's, not the estate's: the emulator, like AWS, creates
      // alias/aws/ebs when the first instance boots with an encrypted root volume and no key of its own.
      liveKeys: (aws(emulator.endpoint, region, "kms", "list-keys").Keys as any[]).filter(
        (k) =>
          !awsManagedKeyIds.has(k.KeyId) &&
          aws(emulator.endpoint, region, "kms", "describe-key", "--key-id", k.KeyId).KeyMetadata.KeyState !== "PendingDeletion",
      ),
      topics: (aws(emulator.endpoint, region, "sns", "list-topics").Topics as any[]).filter((t) => t.TopicArn.includes(":treepli-local")),
      trails: aws(emulator.endpoint, region, "cloudtrail", "describe-trails").trailList as any[],
      eventRules: (aws(emulator.endpoint, region, "events", "list-rules").Rules as any[]).filter((r) => r.Name.startsWith("treepli-local")),
      // (the AWS CLI v1 ignores AWS_ENDPOINT_URL for SQS)
      queues: aws(emulator.endpoint, region, "sqs", "list-queues", "--endpoint-url", emulator.endpoint).QueueUrls ?? [],
      deliverySources: aws(emulator.endpoint, region, "logs", "describe-delivery-sources").deliverySources as any[],
      logResourcePolicies: (aws(emulator.endpoint, region, "logs", "describe-resource-policies").resourcePolicies as any[]).filter((p) =>
        p.policyName.startsWith("treepli-local"),
      ),
      buckets: ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).filter((b) => b.Name?.startsWith("treepli-local")),
      loadBalancers: ((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).filter((l) =>
        l.LoadBalancerName?.startsWith("treepli-local"),
      ),
      databases: (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [],
      apis: ((await api.send(new GetApisCommand({}))).Items ?? []).filter((a) => a.Name?.startsWith("treepli-local")),
      vpcLinks: ((await api.send(new GetVpcLinksCommand({}))).Items ?? []).filter((l) => l.Name?.startsWith("treepli-local")),
      services: await ecs
        .send(new DescribeServicesCommand({ cluster: "treepli-local", services: ["treepli-local-backend", "treepli-local-frontend"] }))
        .then((r) => (r.services ?? []).filter((x) => x.status === "ACTIVE"))
        .catch(() => []), // the cluster itself is gone
      secrets: ((await secrets.send(new ListSecretsCommand({}))).SecretList ?? []).filter((x) => !x.DeletedDate),
      distributions: ((await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? []).filter((d) =>
        d.Comment?.includes("treepli local"),
      ),
      originAccessControls: ((await cloudfront.send(new ListOriginAccessControlsCommand({}))).OriginAccessControlList?.Items ?? []).filter(
        (c) => c.Name?.startsWith("treepli-local"),
      ),
      ...operationsLeftovers(emulator.endpoint),
    };
    const nonEmpty = Object.fromEntries(Object.entries(left).filter(([, items]) => items.length > 0));
    expect(nonEmpty).toEqual({});
  });
});
