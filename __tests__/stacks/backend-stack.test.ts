import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { serviceName } from "../../src/config/environment-config";
import { loadEnvironmentConfig } from "../../src/config/load-config";
import { onlyResource, parse, policy, refNamed, resourceNamed, resources, synthEnvironment, testConfig, TerraformJson } from "../helpers";

/** The security group rules that admit traffic into the group `groupRef` (a `${aws_security_group.x.id}` token). */
function ingressInto(json: TerraformJson, groupRef: string): any[] {
  return resources(json, "aws_security_group_rule").filter((rule) => rule.type === "ingress" && rule.security_group_id === groupRef);
}

/** `${aws_security_group.<name>.id}` of the security group whose `name` matches. */
function groupRef(json: TerraformJson, name: RegExp): string {
  const entries = Object.entries(json.resource.aws_security_group ?? {}).filter(([, group]) => name.test(String(group.name)));
  if (entries.length !== 1) throw new Error(`expected one security group named ${name}, found ${entries.length}`);
  return `\${aws_security_group.${entries[0][0]}.id}`;
}

describe("backend layer", () => {
  describe("GIVEN production", () => {
    const config = loadEnvironmentConfig("production");
    const synthesized = synthEnvironment(config).backend;
    const json = parse(synthesized);
    const api = serviceName(config.name, "backend");
    const serviceGroup = refNamed(json, "aws_security_group", `${api}-tasks`, "id");
    const albGroup = groupRef(json, /^treepli-production-backend-alb$/);
    const vpcLinkGroup = groupRef(json, /-vpc-link$/);
    const databaseGroup = groupRef(json, /-database$/);

    test("THEN the database admits only the backend service, on 5432, and nothing by address", () => {
      const inline = onlyResourceNamed(json, "aws_security_group", databaseGroup).ingress ?? [];
      const rules = [...ingressInto(json, databaseGroup), ...inline];
      expect(rules).toHaveLength(1);
      const [rule] = rules;
      expect(rule.from_port).toBe(5432);
      expect(rule.to_port).toBe(5432);
      expect(rule.source_security_group_id ?? rule.security_groups).toEqual(rule.source_security_group_id ? serviceGroup : [serviceGroup]);
      expect(rule.cidr_blocks ?? []).toEqual([]);
    });

    test("THEN the load balancer may connect to the service's tasks on their port, and nothing else", () => {
      const egress = resources(json, "aws_security_group_rule").filter(
        (rule) => rule.type === "egress" && rule.security_group_id === albGroup,
      );
      expect(egress.map((rule) => [rule.from_port, rule.to_port, rule.source_security_group_id, rule.cidr_blocks])).toEqual([
        [8080, 8080, serviceGroup, undefined],
      ]);
    });

    test("THEN the load balancer admits only the VPC link", () => {
      const rules = ingressInto(json, albGroup);
      expect(rules.map((rule) => rule.source_security_group_id)).toEqual([vpcLinkGroup]);
      expect(rules.every((rule) => (rule.cidr_blocks ?? []).length === 0 && rule.prefix_list_ids === undefined)).toBe(true);
      expect(onlyResource(json, "aws_lb").internal).toBe(true);
      expect(onlyResource(json, "aws_lb").drop_invalid_header_fields).toBe(true);
      expect(onlyResource(json, "aws_lb").enable_deletion_protection).toBe(true);
    });

    test("THEN the service admits only the load balancer", () => {
      expect(ingressInto(json, serviceGroup).map((rule) => rule.source_security_group_id)).toEqual([albGroup]);
    });

    test("THEN the service's tasks may open HTTPS anywhere and PostgreSQL to the database only, nothing else", () => {
      const egress = resources(json, "aws_security_group_rule").filter(
        (rule) => rule.type === "egress" && rule.security_group_id === serviceGroup,
      );
      expect(
        egress
          .map((rule) => ({
            protocol: rule.protocol,
            ports: [rule.from_port, rule.to_port],
            to: rule.cidr_blocks ?? rule.source_security_group_id,
          }))
          .sort((a, b) => a.ports[0] - b.ports[0]),
      ).toEqual([
        { protocol: "tcp", ports: [443, 443], to: ["0.0.0.0/0"] },
        { protocol: "tcp", ports: [5432, 5432], to: databaseGroup },
      ]);
      expect(onlyResourceNamed(json, "aws_security_group", serviceGroup).egress).toBeUndefined();
    });

    test("THEN a service's configured egress opens that range and port as well, and a rule repeating HTTPS anywhere is refused", () => {
      const smtp = { description: "SMTP relay", fromPort: 587, cidrBlocks: ["203.0.113.10/32"] };
      const withEgress = parse(synthEnvironment(testConfig("staging", { backend: { services: { backend: { egress: [smtp] } } } })).backend);
      const group = refNamed(withEgress, "aws_security_group", `${serviceName("staging", "backend")}-tasks`, "id");
      expect(
        resources(withEgress, "aws_security_group_rule").filter(
          (rule) => rule.type === "egress" && rule.security_group_id === group && rule.from_port === 587,
        ),
      ).toEqual([expect.objectContaining({ protocol: "tcp", to_port: 587, cidr_blocks: ["203.0.113.10/32"], description: "SMTP relay" })]);
      expect(() =>
        testConfig("staging", {
          backend: { services: { backend: { egress: [{ ...smtp, fromPort: 1, toPort: 1024, cidrBlocks: ["0.0.0.0/0"] }] } } },
        }),
      ).toThrow(/\[backend\.services\.backend\.egress\.0\.fromPort\] 1: covers HTTPS to anywhere/);
    });

    test("THEN the API's stage throttles with production's limits and logs every request", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Stage, {
        name: "$default",
        auto_deploy: true,
        default_route_settings: expect.objectContaining({ throttling_burst_limit: 1000, throttling_rate_limit: 500 }),
      });
      const stage = onlyResource(json, "aws_apigatewayv2_stage");
      expect(stage.access_log_settings.destination_arn).toMatch(/aws_cloudwatch_log_group/);
    });

    test("THEN the API forwards everything over the VPC link to the load balancer's listener", () => {
      const integration = onlyResource(json, "aws_apigatewayv2_integration");
      expect(integration).toEqual(
        expect.objectContaining({
          integration_type: "HTTP_PROXY",
          connection_type: "VPC_LINK",
          integration_uri: expect.stringMatching(/^\$\{aws_lb_listener\./),
        }),
      );
      expect(onlyResource(json, "aws_apigatewayv2_route").route_key).toBe("$default");
    });

    test("THEN the deploy role can be assumed only by the backend repository's production environment", () => {
      const role = resourceNamed(json, "aws_iam_role", `${api}-deploy`);
      const [statement] = policy(role.assume_role_policy).Statement;
      expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(statement.Condition).toEqual({
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:treepli/backend:environment:production",
        },
      });
      // The account's OIDC provider comes from the cluster stack.
      expect(statement.Principal.Federated).toMatch(/terraform_remote_state\.cross-stack-reference-input-production-cluster/);
    });

    test("THEN the application may only put, get and delete media objects (and use the media key), and connect to its database as its own user", () => {
      const taskPolicies = resources(json, "aws_iam_role_policy").filter(
        (p) => p.role === refNamed(json, "aws_iam_role", `${api}-task`, "id"),
      );
      const statements = taskPolicies.flatMap((p) => policy(p.policy).Statement);
      expect(
        statements
          .map((s) => s.Action)
          .flat()
          .sort(),
      ).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "rds-db:connect", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]);
      const objects = statements.find((s) => s.Sid === "MediaObjects");
      expect(objects.Resource).toMatch(
        /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-production-media\.outputs\..*\}\/\*$/,
      );
    });

    test("THEN the media bucket and CDN domain reach the container as environment, from the media stack", () => {
      const definition = JSON.parse(resourceNamed(json, "aws_ecs_task_definition", api).container_definitions);
      const environment = Object.fromEntries(definition[0].environment.map((e: any) => [e.name, e.value]));
      expect(environment.MEDIA_BUCKET).toMatch(/production-media/);
      expect(environment.MEDIA_CDN_DOMAIN).toBe("media.treepli.example");
      expect(definition[0].secrets.map((s: any) => s.name).sort()).toEqual(["DATABASE_PASSWORD", "DATABASE_USERNAME"]);
    });

    test("THEN the database is Multi-AZ, encrypted, private, in the isolated subnets, and cannot be destroyed by accident", () => {
      const database = onlyResource(json, "aws_db_instance");
      expect(database).toEqual(
        expect.objectContaining({
          engine: "postgres",
          multi_az: true,
          storage_encrypted: true,
          publicly_accessible: false,
          deletion_protection: true,
          skip_final_snapshot: false,
          manage_master_user_password: true,
          auto_minor_version_upgrade: true,
          backup_retention_period: 14,
        }),
      );
      expect(database.lifecycle).toEqual(expect.objectContaining({ prevent_destroy: true }));
      const subnetGroup = onlyResource(json, "aws_db_subnet_group");
      expect(JSON.stringify(subnetGroup.subnet_ids)).toMatch(/isolated/);
    });

    test("THEN the database forces TLS", () => {
      const group = onlyResource(json, "aws_db_parameter_group");
      expect(group.parameter).toEqual(expect.arrayContaining([expect.objectContaining({ name: "rds.force_ssl", value: "1" })]));
    });

    test("THEN the execution role may read the database's secret and no other", () => {
      const executionPolicies = resources(json, "aws_iam_role_policy").filter(
        (p) => p.role === refNamed(json, "aws_iam_role", `${api}-execution`, "id"),
      );
      const reads = executionPolicies
        .flatMap((p) => policy(p.policy).Statement)
        .filter((s) => [s.Action].flat().includes("secretsmanager:GetSecretValue"));
      expect(reads).toHaveLength(1);
      expect([reads[0].Resource].flat()).toEqual([expect.stringMatching(/aws_db_instance\.[^.]+\.master_user_secret\[0\]\.secret_arn/)]);
    });

    test("THEN the service runs on the shared cluster through its capacity provider, rolled back if a deployment fails", () => {
      const service = resourceNamed(json, "aws_ecs_service", api);
      expect(service.capacity_provider_strategy).toEqual([
        expect.objectContaining({ capacity_provider: expect.stringMatching(/cross-stack-reference-input-production-cluster/) }),
      ]);
      expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
      expect(service.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["task_definition", "desired_count"]));
    });

    test("THEN the images are immutable, scanned, and only the deploy role may push", () => {
      const repositoryName = `treepli-${config.name}/backend`;
      const repository = resourceNamed(json, "aws_ecr_repository", repositoryName);
      expect(repository.image_tag_mutability).toBe("IMMUTABLE");
      expect(repository.image_scanning_configuration).toEqual({ scan_on_push: true });
      const repositoryPolicy = resourceNamed(
        json,
        "aws_ecr_repository_policy",
        refNamed(json, "aws_ecr_repository", repositoryName, "name"),
      );
      const deny = policy(repositoryPolicy.policy).Statement.find((s) => s.Effect === "Deny");
      expect(deny.Condition).toEqual({ ArnNotEquals: { "aws:PrincipalArn": [refNamed(json, "aws_iam_role", `${api}-deploy`, "arn")] } });
    });

    test("THEN the operator gets the API's URL", () => {
      expect(Object.keys(json.output ?? {})).toEqual(expect.arrayContaining(["api_url", "repository_url", "deploy_role_arn"]));
    });
  });

  describe("the database without the master password", () => {
    const OPS_KEY =
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-production-ops\.outputs\.cross-stack-output-aws_kms_keydatabase-key_[0-9A-F]+arn\}$/;
    const phase = (withdrawMasterPassword: boolean) => {
      const config = testConfig("production", { backend: { database: { withdrawMasterPassword } } });
      const json = parse(synthEnvironment(config).backend);
      const api = serviceName(config.name, "backend");
      const roleStatements = (role: string) =>
        resources(json, "aws_iam_role_policy")
          .filter((p) => p.role === refNamed(json, "aws_iam_role", role, "id"))
          .flatMap((p) => policy(p.policy).Statement);
      const container = JSON.parse(resourceNamed(json, "aws_ecs_task_definition", api).container_definitions)[0];
      return {
        json,
        environment: Object.fromEntries(container.environment.map((e: any) => [e.name, e.value])),
        secrets: (container.secrets ?? []).map((s: any) => s.name).sort(),
        execution: roleStatements(`${api}-execution`),
        task: roleStatements(`${api}-task`),
      };
    };

    describe("GIVEN phase 1 (the default: the running release may still use the master password)", () => {
      const { json, environment, secrets, execution, task } = phase(false);

      test("THEN the database accepts IAM tokens, and stores data, Performance Insights and the master secret under the ops layer's database key", () => {
        expect(onlyResource(json, "aws_db_instance")).toEqual(
          expect.objectContaining({
            iam_database_authentication_enabled: true,
            storage_encrypted: true,
            kms_key_id: expect.stringMatching(OPS_KEY),
            performance_insights_enabled: true,
            performance_insights_kms_key_id: expect.stringMatching(OPS_KEY),
            master_user_secret_kms_key_id: expect.stringMatching(OPS_KEY),
          }),
        );
      });

      test("THEN the task role may connect as the application's database user of this instance, and as nobody else", () => {
        const connect = task.filter((statement) => [statement.Action].flat().includes("rds-db:connect"));
        expect(connect).toEqual([
          {
            Sid: "ConnectAsApplicationUser",
            Effect: "Allow",
            Action: "rds-db:connect",
            Resource: expect.stringMatching(
              /^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:rds-db:\$\{data\.aws_region\.[^.]+\.name\}:\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:dbuser:\$\{aws_db_instance\.[^.]+\.resource_id\}\/treepli_app$/,
            ),
          },
        ]);
        expect(environment).toEqual(expect.objectContaining({ DATABASE_IAM_USERNAME: "treepli_app", AWS_REGION: "eu-west-1" }));
      });

      test("THEN the tasks verify the server certificate against the CA bundle their image carries, and the instance's CA is pinned", () => {
        expect(environment).toEqual(
          expect.objectContaining({ DATABASE_SSLMODE: "verify-full", DATABASE_SSLROOTCERT: "/etc/ssl/certs/rds-global-bundle.pem" }),
        );
        expect(onlyResource(json, "aws_db_instance").ca_cert_identifier).toBe("rds-ca-rsa2048-g1");
      });

      test("THEN the tasks still get the master user's name and password, and the execution role may decrypt them with the database key, through Secrets Manager only", () => {
        expect(secrets).toEqual(["DATABASE_PASSWORD", "DATABASE_USERNAME"]);
        expect(execution.find((statement) => statement.Sid === "DecryptSecrets")).toEqual(
          expect.objectContaining({
            Action: "kms:Decrypt",
            Resource: expect.stringMatching(OPS_KEY),
            Condition: {
              StringEquals: {
                "kms:ViaService": expect.stringMatching(/^secretsmanager\.\$\{data\.aws_region\.[^.]+\.name\}\.amazonaws\.com$/),
              },
            },
          }),
        );
      });

      test("THEN a rotation restarts the service, with retries and a dead-letter queue, and a failed rotation or restart notifies the operations topic", () => {
        expect(resources(json, "aws_ssm_document")).toHaveLength(1);
        const restart = resources(json, "aws_cloudwatch_event_target").find((t) => t.target_id === "force-new-deployment");
        expect(restart.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 });
        expect(restart.dead_letter_config.arn).toMatch(/^\$\{aws_sqs_queue\.[^.]+\.arn\}$/);
        const notified = resources(json, "aws_cloudwatch_event_rule")
          .filter((rule) => /(rotation|restart)-failed$/.test(rule.name))
          .map((rule) => rule.name)
          .sort();
        expect(notified).toEqual([
          "treepli-production-backend-db-password-restart-failed",
          "treepli-production-backend-db-password-rotation-failed",
        ]);
        for (const target of resources(json, "aws_cloudwatch_event_target").filter((t) => t.target_id === "operations-topic")) {
          expect(target.arn).toMatch(
            /cross-stack-reference-input-production-ops\.outputs\.cross-stack-output-aws_sns_topictopic_[0-9A-F]+arn/,
          );
        }
      });
    });

    describe("GIVEN phase 2 (withdrawMasterPassword: the release that uses IAM tokens is deployed)", () => {
      const { json, environment, secrets, execution, task } = phase(true);

      test("THEN the tasks get no password and the execution role may read no secret and use no key", () => {
        expect(secrets).toEqual([]);
        const actions = execution.flatMap((statement) => [statement.Action].flat());
        expect(actions.filter((action) => action.startsWith("secretsmanager:") || action.startsWith("kms:"))).toEqual([]);
      });

      test("THEN the service still connects with IAM tokens as its own user", () => {
        expect(environment).toEqual(expect.objectContaining({ DATABASE_IAM_USERNAME: "treepli_app" }));
        expect(task.map((statement) => statement.Sid)).toContain("ConnectAsApplicationUser");
        expect(onlyResource(json, "aws_db_instance").iam_database_authentication_enabled).toBe(true);
      });

      test("THEN nothing restarts the service after a rotation any more (nothing of it reads the password); a failed rotation still notifies", () => {
        expect(resources(json, "aws_ssm_document")).toEqual([]);
        expect(resources(json, "aws_sqs_queue")).toEqual([]);
        const rotationRules = resources(json, "aws_cloudwatch_event_rule")
          .map((rule) => rule.name)
          .filter((name: string) => /rotat|restart/.test(name));
        expect(rotationRules).toEqual(["treepli-production-backend-db-password-rotation-failed"]);
        expect(resources(json, "aws_cloudwatch_metric_alarm").map((alarm) => alarm.alarm_name)).not.toContainEqual(
          expect.stringMatching(/restart/),
        );
      });

      test("THEN the master secret stays where operators find it (and the database keeps its key: no replacement)", () => {
        expect(Object.keys(json.output ?? {})).toContain("database_secret_arn");
        expect(onlyResource(json, "aws_db_instance").kms_key_id).toMatch(OPS_KEY);
      });
    });
  });

  describe("GIVEN staging", () => {
    const json = parse(synthEnvironment(testConfig("staging")).backend);

    test("THEN the database may be destroyed without a final snapshot, and the load balancer too", () => {
      const database = onlyResource(json, "aws_db_instance");
      expect(database.deletion_protection).toBe(false);
      expect(database.skip_final_snapshot).toBe(true);
      expect(database.multi_az).toBe(false);
      expect(onlyResource(json, "aws_lb").enable_deletion_protection).toBe(false);
    });
  });
});

function onlyResourceNamed(json: TerraformJson, type: string, ref: string): any {
  const name = ref.replace(/^\$\{[^.]+\.([^.]+)\.id\}$/, "$1");
  return json.resource[type][name];
}
