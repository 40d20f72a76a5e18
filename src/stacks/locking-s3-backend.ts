import { S3Backend, S3BackendConfig } from "cdktf";
import { Construct } from "constructs";

/**
 * cdktf's `S3Backend` plus S3-native state locking (`use_lockfile`, Terraform >= 1.10), which
 * cdktf 0.21's `S3BackendConfig` has no field for. Locking needs no DynamoDB table: Terraform writes
 * a `<key>.tflock` object next to the state with a conditional put.
 *
 * This is the only place the project adds to cdktf's backend; cross-stack remote-state lookups still
 * come from `S3Backend.getRemoteStateDataSource` (reading state takes no lock).
 */
export class LockingS3Backend extends S3Backend {
  constructor(scope: Construct, props: S3BackendConfig) {
    super(scope, props);
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { ...super.synthesizeAttributes(), use_lockfile: true };
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return { ...super.synthesizeHclAttributes(), use_lockfile: true };
  }
}
