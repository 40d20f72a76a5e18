#!/usr/bin/env python3
"""Starts moto's server (the AWS emulator of the `local` environment) with the few additions it needs.

    python3 scripts/emulator/moto_launcher.py [-H 127.0.0.1] [-p 5000]

Same arguments as `moto_server` (they go to `moto.server.main` unchanged). Before starting it:

- sets MOTO_IAM_LOAD_MANAGED_POLICIES=true, so attaching an AWS-managed IAM policy works
  (without it moto answers NoSuchEntity);
- adds application-autoscaling ListTagsForResource / TagResource / UntagResource, which moto 5.2.1
  lacks: without them an `aws_appautoscaling_target` applies only after long retries and then breaks
  every later refresh. Tags given to RegisterScalableTarget are kept as well, as on AWS;
- adds ECS PutAccountSettingDefault (`aws_ecs_account_setting_default`), which moto lacks (the
  provider retries the 500 answer for over 10 minutes), and gives account settings the
  `principalArn` AWS reports (the provider uses it as the resource id; without it the setting
  vanishes from state right after it is created);
- lets S3 delete an object that has delete markers while the bucket's versioning is Suspended (as
  the provider leaves it when it destroys `aws_s3_bucket_versioning` before the bucket): moto then
  disposes of every version of the key and crashes on the delete markers (AttributeError, HTTP 500),
  so `force_destroy` of a versioned bucket (the state bucket: its .tflock objects leave delete
  markers) retries for over 10 minutes instead of emptying the bucket;
- makes an autoscaling group scale in when scale-in protection is lifted, as AWS does: to delete a
  group the provider sets its sizes to 0, then lifts the instances' protection and waits for them to
  end, but moto scales in only when the desired capacity changes (protected instances are skipped),
  so the destroy waited forever (10 min, then failed). With this, no `force_delete` is needed (and
  `force_delete` alone would not do: moto ignores ForceDelete and leaves protected instances running).

- lets CancelRotateSecret turn off the managed rotation of a secret another service owns (RDS's master
  password), which moto refuses for any secret without a rotation Lambda: deleting
  `aws_secretsmanager_secret_rotation` failed, so the backend stack could not be destroyed.
- names the ECS service-linked role `AWSServiceRoleForECS`, as AWS does (moto: `AWSServiceRoleForecs`),
  and behaves like AWS around it: CreateCluster creates the role when the account has none, and
  CreateCapacityProvider is refused while it does not exist. Without this the emulator could not show
  that the cluster layer applies in a fresh account (the capacity provider waits for the cluster)
  as well as in one that already has the role;
- adds CloudFront's response headers policies and cache policies (Create/Get/GetConfig/Update/Delete/
  List), which moto lacks (404): the site and media distributions attach a response headers policy,
  the site's image and public-asset behaviors their own cache policies. As on AWS, names are unique
  and a policy a cache behavior still uses cannot be deleted;
- gives an ECR image the digest AWS gives it, the SHA-256 of its manifest's bytes (moto hashes the
  layer digests only): the deploy workflow adds its `deployed-` tag by putting the same manifest again
  and checks that the digest did not change;
- keeps a database's enhanced monitoring (MonitoringInterval, MonitoringRoleArn) given at
  CreateDBInstance, as AWS does (moto keeps them only from ModifyDBInstance): every plan would turn
  monitoring on again;
- gives a new database the certificate authority AWS gives new instances, `rds-ca-rsa2048-g1` (moto:
  `rds-ca-default`, which no longer exists on AWS). The provider does not send the CA with
  CreateDBInstance: where moto's default differs from the configured CA it modifies the new instance
  and waits for it again (about 80 s more on the critical path of the deploy; on AWS the default
  matches and no modification is made);
- completes an ECS deployment at once when UpdateService changes the task definition or the count
  (moto keeps the first deployment, with the old task definition, IN_PROGRESS forever): the emulator
  runs no container, so the rollout the deploy workflow waits for (`aws ecs wait services-stable`)
  is reported as done, with the new task definition as the primary deployment;
- gives a CloudFront distribution the ARN AWS gives it, with an empty region field
  (`arn:aws:cloudfront::<account>:distribution/<id>`; moto leaves the field out): the provider refuses
  moto's ARN as the `resource_arn` of a log delivery source (the viewer logs);
- lets CloudTrail's StartLogging, StopLogging and DeleteTrail take the trail's ARN, as GetTrail does
  (the provider sends the ARN; moto looked up names only: HTTP 500, or a DeleteTrail that deleted nothing).
- adds AWS Backup's backup selections (Create/Get/Delete/ListBackupSelections), which moto lacks
  (`aws_backup_selection`: the database and the media bucket join the environment's plan), and, as
  AWS does, refuses to delete a plan that still has selections; and reads a vault's or plan's tags
  when the provider asks without a trailing slash (moto took the ARN from the path's second-to-last
  part: the tags never came back, so every plan would set them again); and answers
  ListRecoveryPointsByBackupVault (always empty: the emulator runs no backup job), which the provider
  calls to empty a vault it destroys with `force_destroy` (moto: 404, so the destroy failed);
- returns a bucket's replication rules as they were put (moto answers every rule with its delete
  marker replication `Disabled` and without its source selection criteria: every plan would turn
  delete marker replication and SSE-KMS object replication on again);
- adds AWS Budgets' DescribeSubscribersForNotification and the budgets' tags (ListTagsForResource,
  TagResource, UntagResource, CreateBudget's ResourceTags), which moto lacks: the provider reads every
  notification's subscribers and the budget's tags back (500 NotImplemented, retried for minutes), so an
  `aws_budgets_budget` with notifications and the providers' default tags could not be created.

- computes an S3 object's ETag under the object's lock, as moto's own value reader does: moto reads the
  object's buffer for its ETag (lazily, at the first request that needs it) without the lock, so a GET
  of a state object that two Terraform processes read at once (a stack's own state and another's
  remote state) could seek the buffer under the other reader and hand it a truncated state.

Everything else the stacks need from the emulator is handled on the Terraform side, for the `local`
environment only (src/emulator/).
"""
import hashlib
import json
import os
import sys
from urllib.parse import unquote

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse  # noqa: E402
from moto.autoscaling.models import AutoScalingBackend  # noqa: E402
from moto.backup.exceptions import InvalidRequestException as BackupInvalidRequest  # noqa: E402
from moto.backup.exceptions import ResourceNotFoundException as BackupNotFound  # noqa: E402
from moto.backup.models import BackupBackend  # noqa: E402
from moto.backup import urls as backup_urls  # noqa: E402
from moto.backup.responses import BackupResponse  # noqa: E402
from moto.budgets.exceptions import NotFoundException as BudgetNotFound  # noqa: E402
from moto.budgets.responses import BudgetsResponse  # noqa: E402
from moto.cloudfront import urls as cloudfront_urls  # noqa: E402
from moto.cloudtrail.models import CloudTrailBackend  # noqa: E402
from moto.cloudfront.exceptions import CloudFrontException  # noqa: E402
from moto.cloudfront.models import CloudFrontBackend, Distribution  # noqa: E402
from moto.cloudfront.responses import CloudFrontResponse  # noqa: E402
from moto.core.responses import ActionResult, EmptyResult  # noqa: E402
from moto.core.utils import unix_time, utcnow  # noqa: E402
from moto.ecr.models import Image as EcrImage  # noqa: E402
from moto.ecs.exceptions import EcsClientException  # noqa: E402
from moto.ecs.models import EC2ContainerServiceBackend  # noqa: E402
from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: E402
from moto.iam import models as iam_models  # noqa: E402
from moto.moto_api._internal import mock_random  # noqa: E402
from moto.rds.models import RDSBackend  # noqa: E402
from moto.utilities.utils import get_partition  # noqa: E402
from moto.s3.exceptions import ReplicationConfigurationNotFoundError  # noqa: E402
from moto.s3.models import FakeDeleteMarker, FakeKey  # noqa: E402
from moto.s3.responses import S3Response  # noqa: E402
from moto.secretsmanager.models import SecretsManagerBackend  # noqa: E402
from moto.server import main  # noqa: E402
from moto.utilities.tagging_service import TaggingService  # noqa: E402


def _tags(response: ApplicationAutoScalingResponse) -> TaggingService:
    # Kept on the per-account/region backend, so /moto-api/reset clears them with everything else.
    backend = response.applicationautoscaling_backend
    if not hasattr(backend, "treepli_tags"):
        backend.treepli_tags = TaggingService(tag_name="Tags", key_name="Key", value_name="Value")
    return backend.treepli_tags


def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
    tags = _tags(self).get_tag_dict_for_resource(self._get_param("ResourceARN"))
    return json.dumps({"Tags": tags})


def tag_resource(self: ApplicationAutoScalingResponse) -> str:
    tags = self._get_param("Tags") or {}  # a map {key: value} in this API
    _tags(self).tag_resource(self._get_param("ResourceARN"), TaggingService.convert_dict_to_tags_input(tags))
    return json.dumps({})


def untag_resource(self: ApplicationAutoScalingResponse) -> str:
    _tags(self).untag_resource_using_names(self._get_param("ResourceARN"), self._get_param("TagKeys") or [])
    return json.dumps({})


_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target


def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
    body = _register_scalable_target(self)
    tags = self._get_param("Tags")
    if tags:
        arn = json.loads(body)["ScalableTargetARN"]
        _tags(self).tag_resource(arn, TaggingService.convert_dict_to_tags_input(tags))
    return body


# moto dispatches an action to the response method of the same name (ListTagsForResource ->
# list_tags_for_resource), looked up on the class at each request.
ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = tag_resource
ApplicationAutoScalingResponse.untag_resource = untag_resource
ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target


# ECS account settings: the account default (PutAccountSettingDefault) is stored like moto's
# PutAccountSetting; both report the account root as their principal, as AWS does for defaults.
_put_account_setting = EC2ContainerServiceBackend.put_account_setting


def put_account_setting(self: EC2ContainerServiceBackend, name: str, value: str):  # type: ignore[no-untyped-def]
    setting = _put_account_setting(self, name, value)
    setting.principal_arn = f"arn:{self.partition}:iam::{self.account_id}:root"
    return setting


EC2ContainerServiceBackend.put_account_setting = put_account_setting
EC2ContainerServiceResponse.put_account_setting_default = EC2ContainerServiceResponse.put_account_setting

# S3: a delete marker holds no data, so there is nothing to dispose of.
FakeDeleteMarker.dispose = lambda self, garbage=False: None

# Autoscaling: re-apply the desired capacity once protection changes, which ends the instances that
# were only kept because they were protected.
_set_instance_protection = AutoScalingBackend.set_instance_protection


def set_instance_protection(self: AutoScalingBackend, group_name: str, instance_ids, protected_from_scale_in) -> None:  # type: ignore[no-untyped-def]
    _set_instance_protection(self, group_name, instance_ids, protected_from_scale_in)
    group = self.autoscaling_groups[group_name]
    self.set_desired_capacity(group_name, group.desired_capacity)


AutoScalingBackend.set_instance_protection = set_instance_protection

# Secrets Manager: a secret owned by another service (RDS's managed master password) rotates without a
# Lambda function (managed rotation). moto refuses CancelRotateSecret for any secret without one, which
# the provider calls to delete `aws_secretsmanager_secret_rotation`; AWS accepts it.
_cancel_rotate_secret = SecretsManagerBackend.cancel_rotate_secret


def cancel_rotate_secret(self: SecretsManagerBackend, secret_id: str) -> str:  # type: ignore[no-untyped-def]
    secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
    if secret is not None and getattr(secret, "owning_service", None) and not secret.rotation_lambda_arn:
        secret.rotation_enabled = False
        return secret.to_short_dict()
    return _cancel_rotate_secret(self, secret_id)


SecretsManagerBackend.cancel_rotate_secret = cancel_rotate_secret

# RDS: enhanced monitoring given at creation is kept (moto's DBInstance only takes it from a modify);
# a new instance gets the CA AWS gives new instances (rds-ca-rsa2048-g1 since 2024; moto: rds-ca-default).
_create_db_instance = RDSBackend.create_db_instance
AWS_DEFAULT_DB_CA = "rds-ca-rsa2048-g1"


def create_db_instance(self: RDSBackend, db_kwargs):  # type: ignore[no-untyped-def]
    monitoring = {key: db_kwargs[key] for key in ("monitoring_interval", "monitoring_role_arn") if db_kwargs.get(key) is not None}
    if not db_kwargs.get("ca_certificate_identifier"):
        db_kwargs = {**db_kwargs, "ca_certificate_identifier": AWS_DEFAULT_DB_CA}
    database = _create_db_instance(self, db_kwargs)
    for key, value in monitoring.items():
        setattr(database, key, value)
    return database


RDSBackend.create_db_instance = create_db_instance

# ECR: an image's digest is the SHA-256 of its manifest, as on AWS.
def _create_digest(self: EcrImage) -> None:
    self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode("utf-8")).hexdigest()


EcrImage._create_digest = _create_digest

# ECS service-linked role: AWS names it AWSServiceRoleForECS (moto derives "ecs" from the service name).
iam_models.SERVICE_NAME_CONVERSION["ecs"] = "ECS"
ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"


def _iam(backend: EC2ContainerServiceBackend):  # type: ignore[no-untyped-def]
    return iam_models.iam_backends[backend.account_id][get_partition(backend.region_name)]


def _has_ecs_service_linked_role(backend: EC2ContainerServiceBackend) -> bool:
    return any(role.name == ECS_SERVICE_LINKED_ROLE for role in _iam(backend).roles.values())


_create_cluster = EC2ContainerServiceBackend.create_cluster


def create_cluster(self: EC2ContainerServiceBackend, *args, **kwargs):  # type: ignore[no-untyped-def]
    # AWS: "When you call CreateCluster, Amazon ECS attempts to create the service-linked role".
    if not _has_ecs_service_linked_role(self):
        _iam(self).create_service_linked_role("ecs.amazonaws.com", "Role to enable Amazon ECS to manage your cluster.", "")
    return _create_cluster(self, *args, **kwargs)


_create_capacity_provider = EC2ContainerServiceBackend.create_capacity_provider


def create_capacity_provider(self: EC2ContainerServiceBackend, *args, **kwargs):  # type: ignore[no-untyped-def]
    # AWS refuses a capacity provider (managed scaling acts through the role) until the role exists.
    if not _has_ecs_service_linked_role(self):
        raise EcsClientException("The ECS Service Linked Role does not exist. Please ensure that it exists and try again.")
    return _create_capacity_provider(self, *args, **kwargs)


EC2ContainerServiceBackend.create_cluster = create_cluster
EC2ContainerServiceBackend.create_capacity_provider = create_capacity_provider

# ECS deployments: the emulator runs no container, so a rollout started by UpdateService (a new task
# definition, a new count) is complete at once, with the new task definition as the only deployment.
_update_service = EC2ContainerServiceBackend.update_service


def update_service(self: EC2ContainerServiceBackend, service_properties):  # type: ignore[no-untyped-def]
    rolls_out = any(service_properties.get(key) is not None for key in ("task_definition", "desired_count")) or bool(
        service_properties.get("force_new_deployment")
    )
    service = _update_service(self, service_properties)
    if rolls_out and service.deployment_controller.get("type", "ECS") == "ECS":
        now = utcnow()
        previous = service.deployments[0] if service.deployments else {}
        deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
        service.running_count, service.pending_count = service.desired_count, 0
        service.deployments = [
            {
                **previous,
                "id": deployment_id,
                "status": "PRIMARY",
                "taskDefinition": service.task_definition,
                "desiredCount": service.desired_count,
                "runningCount": service.desired_count,
                "pendingCount": 0,
                "failedTasks": 0,
                "rolloutState": "COMPLETED",
                "rolloutStateReason": f"ECS deployment {deployment_id} completed.",
                "createdAt": now,
                "updatedAt": now,
            }
        ]
    return service


EC2ContainerServiceBackend.update_service = update_service


# CloudFront response headers policies and cache policies: the same REST shape for both (Create, Get,
# GetConfig, Update, Delete, List), kept on the backend so that /moto-api/reset clears them. As on AWS,
# names are unique, and a policy a cache behavior still uses cannot be deleted.
def _add_cloudfront_policy_kind(shape: str, path: str, behavior_attribute: str) -> None:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in shape).lstrip("_")  # cache_policy
    config_key = f"{shape}Config"

    def policies(backend: CloudFrontBackend) -> dict:  # type: ignore[type-arg]
        store = f"treepli_{snake}_store"
        if not hasattr(backend, store):
            setattr(backend, store, {})
        return getattr(backend, store)

    def find(backend: CloudFrontBackend, policy_id: str) -> dict:  # type: ignore[type-arg]
        policy = policies(backend).get(policy_id)
        if policy is None:
            raise CloudFrontException(f"NoSuch{shape}", f"The {snake.replace('_', ' ')} does not exist.")
        return policy

    def check_name(backend: CloudFrontBackend, config: dict, policy_id: str = "") -> None:  # type: ignore[type-arg]
        if any(p["config"].get("Name") == config.get("Name") and i != policy_id for i, p in policies(backend).items()):
            raise CloudFrontException(f"{shape}AlreadyExists", f"A {snake.replace('_', ' ')} named {config.get('Name')} already exists.")

    def body(policy: dict) -> dict:  # type: ignore[type-arg]
        return {"Id": policy["id"], "LastModifiedTime": policy["modified"], config_key: policy["config"]}

    def create(self: CloudFrontResponse) -> ActionResult:
        config = self._get_param(config_key, {})
        check_name(self.backend, config)
        policy_id = str(mock_random.uuid4())
        policy = {"id": policy_id, "config": config, "etag": mock_random.get_random_hex(14).upper(), "modified": utcnow()}
        policies(self.backend)[policy_id] = policy
        location = f"https://cloudfront.amazonaws.com/2020-05-31/{path}/{policy_id}"
        return ActionResult({shape: body(policy), "ETag": policy["etag"], "Location": location})

    def get(self: CloudFrontResponse) -> ActionResult:
        policy = find(self.backend, self._get_param("Id"))
        return ActionResult({shape: body(policy), "ETag": policy["etag"]})

    def get_config(self: CloudFrontResponse) -> ActionResult:
        policy = find(self.backend, self._get_param("Id"))
        return ActionResult({config_key: policy["config"], "ETag": policy["etag"]})

    def update(self: CloudFrontResponse) -> ActionResult:
        policy = find(self.backend, self._get_param("Id"))
        config = self._get_param(config_key, {})
        check_name(self.backend, config, policy["id"])
        policy.update(config=config, etag=mock_random.get_random_hex(14).upper(), modified=utcnow())
        return ActionResult({shape: body(policy), "ETag": policy["etag"]})

    def in_use(backend: CloudFrontBackend, policy_id: str) -> bool:
        for distribution in backend.distributions.values():
            config = distribution.distribution_config
            behaviors = [config.DefaultCacheBehavior, *(config.CacheBehaviors.get("Items") or [])]
            if any(getattr(b, behavior_attribute, None) == policy_id for b in behaviors):
                return True
        return False

    def delete(self: CloudFrontResponse) -> EmptyResult:
        policy_id = self._get_param("Id")
        find(self.backend, policy_id)
        if in_use(self.backend, policy_id):
            raise CloudFrontException(f"{shape}InUse", f"Cannot delete the {snake.replace('_', ' ')}: a cache behavior uses it.")
        del policies(self.backend)[policy_id]
        return EmptyResult()

    def list_all(self: CloudFrontResponse) -> ActionResult:
        # Only custom policies: AWS's managed ones are referred to by their fixed ids, never looked up.
        items = [] if self._get_param("Type") == "managed" else list(policies(self.backend).values())
        summaries = [{"Type": "custom", shape: body(p)} for p in items]
        return ActionResult({f"{shape}List": {"MaxItems": 100, "Quantity": len(summaries), "Items": summaries}})

    plural = snake[: -len("policy")] + "policies"  # cache_policies
    for name, method in [
        (f"create_{snake}", create),
        (f"get_{snake}", get),
        (f"get_{snake}_config", get_config),
        (f"update_{snake}", update),
        (f"delete_{snake}", delete),
        (f"list_{plural}", list_all),
    ]:
        setattr(CloudFrontResponse, name, method)
    cloudfront_urls.url_paths.update(
        {
            f"{{0}}/2020-05-31/{path}$": CloudFrontResponse.dispatch,
            f"{{0}}/2020-05-31/{path}/(?P<Id>[^/]+)$": CloudFrontResponse.dispatch,
            f"{{0}}/2020-05-31/{path}/(?P<Id>[^/]+)/config$": CloudFrontResponse.dispatch,
        }
    )


_add_cloudfront_policy_kind("ResponseHeadersPolicy", "response-headers-policy", "response_headers_policy_id")
_add_cloudfront_policy_kind("CachePolicy", "cache-policy", "cache_policy_id")

# CloudFront: a distribution's ARN has an empty region field, as every global CloudFront ARN on AWS
# (`arn:aws:cloudfront::<account>:distribution/<id>`); moto leaves the field out, and the provider refuses
# such an ARN as a log delivery source's `resource_arn` ("cannot be parsed as an ARN").
_distribution_init = Distribution.__init__


def distribution_init(self: Distribution, account_id: str, region_name: str, config: dict) -> None:  # type: ignore[type-arg]
    _distribution_init(self, account_id, region_name, config)
    self.arn = f"arn:{get_partition(region_name)}:cloudfront::{account_id}:distribution/{self.distribution_id}"


Distribution.__init__ = distribution_init  # type: ignore[method-assign]

# CloudTrail: StartLogging, StopLogging and DeleteTrail take a trail's name or ARN, as GetTrail does (the
# provider sends the ARN); moto looks the name up only (KeyError, HTTP 500, or a DeleteTrail that deletes
# nothing).
def _trail_name(self: CloudTrailBackend, name_or_arn: str) -> str:
    return self.get_trail(name_or_arn).trail_name


_start_logging = CloudTrailBackend.start_logging
_stop_logging = CloudTrailBackend.stop_logging
_delete_trail = CloudTrailBackend.delete_trail
CloudTrailBackend.start_logging = lambda self, name: _start_logging(self, _trail_name(self, name))  # type: ignore[method-assign]
CloudTrailBackend.stop_logging = lambda self, name: _stop_logging(self, _trail_name(self, name))  # type: ignore[method-assign]
CloudTrailBackend.delete_trail = lambda self, name: _delete_trail(self, _trail_name(self, name))  # type: ignore[method-assign]

# AWS Backup selections: kept on the backend (cleared by /moto-api/reset), keyed by selection id. moto
# dispatches rest-json calls by method and URI, so /backup/plans/{backupPlanId}/selections/... already
# reaches BackupResponse; only the methods are missing.
def _selections(backend: BackupBackend) -> dict:  # type: ignore[type-arg]
    if not hasattr(backend, "treepli_selections"):
        backend.treepli_selections = {}
    return backend.treepli_selections


def _selection_ids(response: BackupResponse) -> tuple:  # type: ignore[type-arg]
    match = response.uri_match
    return match.group("backupPlanId"), (match.groupdict().get("selectionId") if match else None)


def _live_plan(backend: BackupBackend, plan_id: str) -> None:
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise BackupNotFound(msg=f"Failed reading Backup plan {plan_id}")


def create_backup_selection(self: BackupResponse) -> str:
    plan_id, _ = _selection_ids(self)
    _live_plan(self.backup_backend, plan_id)
    params = json.loads(self.body)
    selection_id = str(mock_random.uuid4())
    created = unix_time()
    _selections(self.backup_backend)[selection_id] = {
        "plan": plan_id,
        "selection": params["BackupSelection"],
        "created": created,
        "creator": params.get("CreatorRequestId"),
    }
    return json.dumps({"SelectionId": selection_id, "BackupPlanId": plan_id, "CreationDate": created})


def _selection(self: BackupResponse) -> tuple:  # type: ignore[type-arg]
    plan_id, selection_id = _selection_ids(self)
    entry = _selections(self.backup_backend).get(selection_id)
    if entry is None or entry["plan"] != plan_id:
        raise BackupNotFound(msg=f"Failed reading backup selection {selection_id} of plan {plan_id}")
    return plan_id, selection_id, entry


def get_backup_selection(self: BackupResponse) -> str:
    plan_id, selection_id, entry = _selection(self)
    body = {"BackupSelection": entry["selection"], "SelectionId": selection_id, "BackupPlanId": plan_id, "CreationDate": entry["created"]}
    if entry["creator"]:
        body["CreatorRequestId"] = entry["creator"]
    return json.dumps(body)


def delete_backup_selection(self: BackupResponse) -> str:
    _, selection_id, _ = _selection(self)
    del _selections(self.backup_backend)[selection_id]
    return "{}"


def list_backup_selections(self: BackupResponse) -> str:
    plan_id, _ = _selection_ids(self)
    _live_plan(self.backup_backend, plan_id)
    items = [
        {
            "SelectionId": selection_id,
            "SelectionName": entry["selection"].get("SelectionName"),
            "BackupPlanId": plan_id,
            "CreationDate": entry["created"],
            "IamRoleArn": entry["selection"].get("IamRoleArn"),
        }
        for selection_id, entry in _selections(self.backup_backend).items()
        if entry["plan"] == plan_id
    ]
    return json.dumps({"BackupSelectionsList": items})


_delete_backup_plan = BackupBackend.delete_backup_plan


def delete_backup_plan(self: BackupBackend, backup_plan_id: str):  # type: ignore[no-untyped-def]
    # AWS: "You can't delete a backup plan that has selections" (delete the selections first).
    if any(entry["plan"] == backup_plan_id for entry in _selections(self).values()):
        raise BackupInvalidRequest(msg=f"Backup plan {backup_plan_id} still has resource assignments (selections): delete them first")
    return _delete_backup_plan(self, backup_plan_id)


def backup_list_tags(self: BackupResponse) -> str:
    # GET /tags/{resourceArn}/, with or without the trailing slash.
    resource_arn = unquote(self.path.split("/tags/", 1)[1]).rstrip("/")
    return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=resource_arn)})


BackupResponse.list_tags = backup_list_tags


def list_recovery_points_by_backup_vault(self: BackupResponse) -> str:
    vault_name = unquote(self.path.split("/backup-vaults/", 1)[1].split("/")[0])
    self.backup_backend.describe_backup_vault(vault_name)  # ResourceNotFound for an unknown vault, as on AWS
    return json.dumps({"RecoveryPoints": []})


BackupResponse.list_recovery_points_by_backup_vault = list_recovery_points_by_backup_vault
backup_urls.url_paths["{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$"] = BackupResponse.dispatch
BackupResponse.create_backup_selection = create_backup_selection
BackupResponse.get_backup_selection = get_backup_selection
BackupResponse.delete_backup_selection = delete_backup_selection
BackupResponse.list_backup_selections = list_backup_selections
BackupBackend.delete_backup_plan = delete_backup_plan


# S3: replication rules come back as they were put (filter, delete marker replication, source selection).
def get_bucket_replication(self: S3Response):  # type: ignore[no-untyped-def]
    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = []
    for rule in replication["Rule"]:
        stored_filter = rule.get("Filter")
        answer = {
            "ID": rule["ID"],
            "Priority": rule["Priority"],
            "Status": rule["Status"],
            "Filter": stored_filter if stored_filter and any(v is not None for v in stored_filter.values()) else {"Prefix": ""},
            "DeleteMarkerReplication": rule.get("DeleteMarkerReplication") or {"Status": "Disabled"},
            "Destination": rule["Destination"],
        }
        for key in ("SourceSelectionCriteria", "ExistingObjectReplication"):
            if rule.get(key):
                answer[key] = rule[key]
        rules.append(answer)
    return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}))


S3Response.get_bucket_replication = get_bucket_replication


# AWS Budgets: a notification's subscribers, as created with it.
def _same_notification(stored: dict, asked: dict) -> bool:  # type: ignore[type-arg]
    keys = ("NotificationType", "ComparisonOperator", "ThresholdType")
    return all(stored.get(key) == asked.get(key) for key in keys) and float(stored.get("Threshold", 0)) == float(asked.get("Threshold", 0))


def describe_subscribers_for_notification(self: BudgetsResponse) -> str:
    account_id = self._get_param("AccountId")
    budget_name = self._get_param("BudgetName")
    asked = self._get_param("Notification") or {}
    budget = self.backend.budgets[account_id].get(budget_name)
    if budget is None:
        raise BudgetNotFound(f"Unable to get budget: {budget_name} - the budget doesn't exist.")
    for notification in budget.notifications:
        if _same_notification(notification.details, asked):
            return json.dumps({"Subscribers": notification.subscribers, "NextToken": None})
    raise BudgetNotFound(f"Unable to find the notification of budget {budget_name}.")


BudgetsResponse.describe_subscribers_for_notification = describe_subscribers_for_notification


def _budget_tags(response: BudgetsResponse) -> TaggingService:
    backend = response.backend
    if not hasattr(backend, "treepli_tags"):
        backend.treepli_tags = TaggingService(tag_name="ResourceTags", key_name="Key", value_name="Value")
    return backend.treepli_tags


def _budget_arn(response: BudgetsResponse, account_id: str, budget_name: str) -> str:
    return f"arn:{response.partition}:budgets::{account_id}:budget/{budget_name}"


_create_budget = BudgetsResponse.create_budget


def create_budget(self: BudgetsResponse) -> str:
    body = _create_budget(self)
    tags = self._get_param("ResourceTags") or []
    if tags:
        budget = self._get_param("Budget") or {}
        _budget_tags(self).tag_resource(_budget_arn(self, self._get_param("AccountId"), budget.get("BudgetName")), tags)
    return body


def budget_list_tags_for_resource(self: BudgetsResponse) -> str:
    tags = _budget_tags(self).list_tags_for_resource(self._get_param("ResourceARN"))["ResourceTags"]
    return json.dumps({"ResourceTags": tags})


def budget_tag_resource(self: BudgetsResponse) -> str:
    _budget_tags(self).tag_resource(self._get_param("ResourceARN"), self._get_param("ResourceTags") or [])
    return json.dumps({})


def budget_untag_resource(self: BudgetsResponse) -> str:
    _budget_tags(self).untag_resource_using_names(self._get_param("ResourceARN"), self._get_param("ResourceTagKeys") or [])
    return json.dumps({})


BudgetsResponse.create_budget = create_budget
BudgetsResponse.list_tags_for_resource = budget_list_tags_for_resource
BudgetsResponse.tag_resource = budget_tag_resource
BudgetsResponse.untag_resource = budget_untag_resource

_etag_unlocked = FakeKey.etag.fget


def _etag_locked(self: FakeKey) -> str:
    if self._etag is None:
        with self.lock:
            return _etag_unlocked(self)
    return _etag_unlocked(self)


FakeKey.etag = property(_etag_locked)

if __name__ == "__main__":
    main(sys.argv[1:])
