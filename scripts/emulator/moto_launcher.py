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

Everything else the stacks need from the emulator is handled on the Terraform side, for the `local`
environment only (src/emulator/).
"""
import json
import os
import sys

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse  # noqa: E402
from moto.autoscaling.models import AutoScalingBackend  # noqa: E402
from moto.ecs.models import EC2ContainerServiceBackend  # noqa: E402
from moto.ecs.responses import EC2ContainerServiceResponse  # noqa: E402
from moto.s3.models import FakeDeleteMarker  # noqa: E402
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

if __name__ == "__main__":
    main(sys.argv[1:])
