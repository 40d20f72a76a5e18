export * from "./ecs-ec2-cluster";
export * from "./policy-document";
export * from "./state-bucket";
export * from "./subnet-layout";
export * from "./vpc-network";
export * from "./container-repository";
export * from "./github-deploy-role";
export * from "./github-oidc-provider";
