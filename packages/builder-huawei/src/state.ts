import { pluginId } from '@tsimg/core/plugin'
import type { CloudState } from '@tsimg/cloud-kit'

// No SDK here, not even its types: this file is part of the package's public declarations,
// which a template's type-check reads; the step environment (and the SDK) is in env.ts.

/** This package's identity in journals and scopes (what `tsimg cleanup` loads). */
export const PLUGIN = pluginId('@tsimg/builder-huawei')

/** What the huaweicloud-ecs steps learned and created, in the order they ran. */
export interface HuaweiState extends CloudState {
  availabilityZone?: string
  sourceImage?: { id: string; name: string; minDisk?: number }
  vpcId?: string
  subnetIds?: string[]
  securityGroupIds?: string[]
  /** An existing EIP bound for the build (floatingIp / reuseIps): unbound at the end, kept. */
  boundIp?: { id: string; address: string }
  server?: { id: string; deleted?: boolean }
  sshHost?: string
}
