import type { CloudState } from '@tsimg/cloud-kit'
import { pluginId } from '@tsimg/core/plugin'

// No AWS SDK types here: this file is part of the package's public types, and a template's
// type-check would otherwise read the SDK's 1,700 declaration files.
/** This package's identity in journals and scopes (what `tsimg cleanup` loads). */
export const PLUGIN = pluginId('@tsimg/builder-aws')

/** What the amazon-ebs steps learned and created, in the order they ran. */
export interface AwsState extends CloudState {
  sourceImage?: { id: string; name: string; rootDeviceName?: string }
  vpcId?: string
  subnetId?: string
  availabilityZone?: string
  securityGroupIds?: string[]
  instance?: { id: string; terminated?: boolean }
  /** The address picked by sshInterface. */
  sshHost?: string
}
