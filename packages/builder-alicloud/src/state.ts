import { pluginId } from '@tsimg/core/plugin'
import type { CloudState } from '@tsimg/cloud-kit'

// No SDK here, not even its types: this file is part of the package's public declarations,
// which a template's type-check reads; the step environment (and the SDK) is in env.ts.

/** This package's identity in journals and scopes (what `tsimg cleanup` loads). */
export const PLUGIN = pluginId('@tsimg/builder-alicloud')

/** What the alicloud-ecs steps learned and created, in the order they ran. */
export interface AliState extends CloudState {
  sourceImage?: { id: string; name: string }
  zoneId?: string
  vpcId?: string
  vswitchId?: string
  securityGroupId?: string
  instance?: { id: string; deleted?: boolean }
  privateIp?: string
  publicIp?: string
  sshHost?: string
}
