#!/usr/bin/env bash
# Rolls out one image of a Treepli service on ECS, following the image tag contract of this
# infrastructure (docs/deploying.md, "Image tags"). Copy it to the application repository as
# .github/scripts/ecs-deploy.sh; .github/workflows/deploy-environment.yml runs it after pushing the image.
#
# Needs: bash, the AWS CLI (v1 or v2) with credentials of the service's deploy role, jq.
#
#   ECR_REPOSITORY_URL          the backend/frontend stack's output repository_url
#   ECS_CLUSTER                 the cluster stack's output cluster_name
#   ECS_SERVICE                 the service stack's output service_name
#   ECS_TASK_DEFINITION_FAMILY  the service stack's output task_definition_family
#   IMAGE_TAG                   the image to roll out, already in the repository: sha-<git commit>
#   DEPLOYED_TAG                optional; default deployed-<UTC time>-<GitHub run id>-<attempt>
#   DEPLOY_TIMEOUT_SECONDS      optional; how long to wait for the rollout (default 1800)
#   DEPLOY_POLL_SECONDS         optional; how often to look at it (default 15)
#
# What it does, in order:
#   1. refuses an image that would not stay among the deployed images the repository's lifecycle
#      policy keeps (so the live image can never be expired, see below);
#   2. registers a new revision of the task definition family: the family's latest revision with only
#      this service's image replaced (Terraform's environment, secrets, sizing and roles are kept);
#   3. points the service at it (never its desired count: autoscaling owns that) and waits until the
#      rollout completed with this revision; a rollout that fails or that ECS's circuit breaker rolls
#      back fails this script;
#   4. only then tags the image `deployed-...` (a new, unique tag on the same image digest), which the
#      lifecycle policy protects: the newest N deployed images are never expired.
#
# Why step 1 keeps the live image safe: ECR counts deployed images by their first push time, and a
# deployed tag is only ever added to the image that becomes live. While an image is live, no image
# newer than it gets a deployed tag, so it stays among the newest N for as long as it is live.
set -euo pipefail

: "${ECR_REPOSITORY_URL:?set ECR_REPOSITORY_URL (the stack output repository_url)}"
: "${ECS_CLUSTER:?set ECS_CLUSTER (the cluster stack output cluster_name)}"
: "${ECS_SERVICE:?set ECS_SERVICE (the stack output service_name)}"
: "${ECS_TASK_DEFINITION_FAMILY:?set ECS_TASK_DEFINITION_FAMILY (the stack output task_definition_family)}"
: "${IMAGE_TAG:?set IMAGE_TAG (the image to deploy, e.g. sha-<git commit>)}"
DEPLOYED_PREFIX="deployed-"
DEPLOYED_TAG="${DEPLOYED_TAG:-${DEPLOYED_PREFIX}$(date -u +%Y%m%dT%H%M%SZ)-${GITHUB_RUN_ID:-manual}-${GITHUB_RUN_ATTEMPT:-1}}"
DEPLOY_TIMEOUT_SECONDS="${DEPLOY_TIMEOUT_SECONDS:-1800}"
DEPLOY_POLL_SECONDS="${DEPLOY_POLL_SECONDS:-15}"
REPOSITORY="${ECR_REPOSITORY_URL#*/}"
IMAGE="${ECR_REPOSITORY_URL}:${IMAGE_TAG}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

log() { echo "ecs-deploy: $*" >&2; }
fail() {
  echo "ecs-deploy: ERROR: $*" >&2
  exit 1
}
case "$DEPLOYED_TAG" in "$DEPLOYED_PREFIX"*) ;; *) fail "DEPLOYED_TAG must start with ${DEPLOYED_PREFIX}, got ${DEPLOYED_TAG}" ;; esac
[[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || fail "IMAGE_TAG is not an image tag: ${IMAGE_TAG}"
case "$IMAGE_TAG" in "$DEPLOYED_PREFIX"*) fail "IMAGE_TAG names a deployed- tag; give the image's sha-<commit> tag" ;; esac

# 1. The image exists, and will stay among the deployed images the lifecycle policy keeps.
aws ecr describe-images --repository-name "$REPOSITORY" --output json >"$WORK/images.json"
DIGEST="$(jq -r --arg tag "$IMAGE_TAG" '[.imageDetails[] | select((.imageTags // []) | index($tag))][0].imageDigest // empty' "$WORK/images.json")"
[ -n "$DIGEST" ] || fail "no image ${IMAGE} in the repository: push it first"
KEEP="$(aws ecr get-lifecycle-policy --repository-name "$REPOSITORY" --query lifecyclePolicyText --output text |
  jq --arg pattern "${DEPLOYED_PREFIX}*" '[.rules[] | select(.selection.tagPatternList == [$pattern])][0].selection.countNumber // empty')"
[ -n "$KEEP" ] || fail "the lifecycle policy of ${REPOSITORY} has no rule keeping ${DEPLOYED_PREFIX}* images: the image tag contract needs it"
# Deployed images pushed after this one (push times compare as numbers or as ISO 8601 strings of one form).
NEWER_DEPLOYED="$(jq --arg digest "$DIGEST" --arg prefix "$DEPLOYED_PREFIX" '
  (.imageDetails | sort_by(.imagePushedAt)) as $all
  | ($all | map(.imageDigest) | index($digest)) as $i
  | [$all[$i + 1:][] | select(any((.imageTags // [])[]; startswith($prefix))) | select(.imageDigest != $digest)] | length' "$WORK/images.json")"
if [ "$NEWER_DEPLOYED" -ge "$KEEP" ]; then
  fail "${IMAGE} is older than the ${KEEP} newest deployed images the repository keeps (${NEWER_DEPLOYED} are newer): deployed now, it could expire while it runs. Rebuild it (a new push) instead."
fi

# 2. A new revision: the family's latest, with only this service's image replaced.
aws ecs describe-task-definition --task-definition "$ECS_TASK_DEFINITION_FAMILY" --query taskDefinition --output json >"$WORK/current.json"
jq --arg repository "$ECR_REPOSITORY_URL" --arg image "$IMAGE" '
  def ours: (.image | startswith($repository + ":")) or (.image | startswith($repository + "@"));
  ([.containerDefinitions[] | select(ours)] | length) as $count
  | if $count != 1 then error("expected one container running an image of \($repository), found \($count)") else . end
  | .containerDefinitions |= map(if ours then .image = $image else . end)
  | {family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes, placementConstraints,
     requiresCompatibilities, cpu, memory, pidMode, ipcMode, proxyConfiguration, ephemeralStorage, runtimePlatform}
  | with_entries(select(.value != null))' "$WORK/current.json" >"$WORK/next.json"
TASK_DEFINITION="$(aws ecs register-task-definition --cli-input-json "file://$WORK/next.json" --query taskDefinition.taskDefinitionArn --output text)"
log "registered ${TASK_DEFINITION} (image ${IMAGE})"

# 3. Roll it out and wait until it is the only deployment, completed.
aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --task-definition "$TASK_DEFINITION" --query service.serviceArn --output text >/dev/null
deadline=$(($(date +%s) + DEPLOY_TIMEOUT_SECONDS))
while :; do
  aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$ECS_SERVICE" --query 'services[0]' --output json >"$WORK/service.json"
  state="$(jq -r --arg td "$TASK_DEFINITION" '
    ([.deployments[] | select(.status == "PRIMARY")][0]) as $primary
    | if $primary.taskDefinition != $td then "ROLLED_BACK"
      elif $primary.rolloutState == "FAILED" then "FAILED"
      elif $primary.rolloutState == "COMPLETED" and (.deployments | length) == 1 then "COMPLETED"
      else "IN_PROGRESS" end' "$WORK/service.json")"
  case "$state" in
    COMPLETED) break ;;
    ROLLED_BACK | FAILED) fail "the rollout of ${TASK_DEFINITION} ${state}: $(jq -r '[.events[0:3][].message] | join(" / ")' "$WORK/service.json")" ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || fail "the rollout of ${TASK_DEFINITION} did not complete within ${DEPLOY_TIMEOUT_SECONDS} s"
  sleep "$DEPLOY_POLL_SECONDS"
done
log "${ECS_SERVICE} runs ${TASK_DEFINITION}"

# 4. Mark the image deployed: a new tag on the same manifest (the digest must not change). The live
#    image is protected only once it carries this tag, so the step is retried, and if it still fails the
#    error says how to tag it by hand (docs/deploying.md, "If the deployed- tag is missing").
MEDIA_TYPE="$(jq -r --arg digest "$DIGEST" '[.imageDetails[] | select(.imageDigest == $digest)][0].imageManifestMediaType // empty' "$WORK/images.json")"
tag_deployed() {
  # The manifest exactly as stored (its own media type accepted), so that its digest is the same.
  aws ecr batch-get-image --repository-name "$REPOSITORY" --image-ids imageDigest="$DIGEST" \
    ${MEDIA_TYPE:+--accepted-media-types "$MEDIA_TYPE"} --output json >"$WORK/manifest.json" || return 1
  jq -j '.images[0].imageManifest' "$WORK/manifest.json" >"$WORK/manifest"
  local tagged
  if tagged="$(aws ecr put-image --repository-name "$REPOSITORY" --image-tag "$DEPLOYED_TAG" --image-manifest "file://$WORK/manifest" \
    ${MEDIA_TYPE:+--image-manifest-media-type "$MEDIA_TYPE"} --query image.imageId.imageDigest --output text 2>"$WORK/put-image.err")"; then
    [ "$tagged" = "$DIGEST" ] || fail "tagging ${DEPLOYED_TAG} created another image (${tagged}, not ${DIGEST})"
    return 0
  fi
  # A retry after a put-image whose answer was lost finds the tag already there: fine if on this image.
  grep -q ImageAlreadyExistsException "$WORK/put-image.err" &&
    [ "$(aws ecr describe-images --repository-name "$REPOSITORY" --image-ids imageTag="$DEPLOYED_TAG" --query 'imageDetails[0].imageDigest' --output text)" = "$DIGEST" ]
}
for attempt in 1 2 3; do
  tag_deployed && break
  [ "$attempt" -lt 3 ] || fail "${ECS_SERVICE} runs ${IMAGE}, but tagging it ${DEPLOYED_TAG} failed ($(cat "$WORK/put-image.err" 2>/dev/null)): until it carries a deployed- tag the lifecycle policy may expire it. Tag it by hand: aws ecr batch-get-image --repository-name ${REPOSITORY} --image-ids imageDigest=${DIGEST} --query 'images[0].imageManifest' --output text > manifest.json && aws ecr put-image --repository-name ${REPOSITORY} --image-tag ${DEPLOYED_TAG} --image-manifest file://manifest.json${MEDIA_TYPE:+ --image-manifest-media-type ${MEDIA_TYPE}}"
  log "tagging ${DEPLOYED_TAG} failed (attempt ${attempt}); retrying"
  sleep $((attempt * 5))
done
log "tagged ${DIGEST} as ${DEPLOYED_TAG}"
