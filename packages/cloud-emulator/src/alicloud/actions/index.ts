import { ALICLOUD_PROFILE, type CloudProfile } from '../../backend/profile.js'
import type { Params } from '../params.js'
import type { ActionTable, Handler } from '../server.js'
import type { AliState } from '../state.js'
import { eipActions } from './eips.js'
import { imageActions } from './images.js'
import { instanceActions } from './instances.js'
import { keyActions } from './keys.js'
import { networkActions } from './network.js'
import { describeRegions, describeZones } from './regions.js'
import { storageActions } from './storage.js'
import { stsActions } from './sts.js'
import { tagActions } from './tags.js'

/** Actions that need no backend state: the region and zone catalog (instance and disk types of the profile's catalog). */
export function protocolActions(profile: Pick<CloudProfile, 'instanceTypes' | 'volumeTypes'> = ALICLOUD_PROFILE): ActionTable {
  const zones = (p: Params): Record<string, unknown> => describeZones(p, profile.instanceTypes ?? [], profile.volumeTypes ?? [])
  return {
    Ecs: { DescribeRegions: (p) => describeRegions(p, 'Ecs'), DescribeZones: zones },
    Vpc: { DescribeRegions: (p) => describeRegions(p, 'Vpc'), DescribeZones: zones },
  }
}

/**
 * Every action of the alicloud-ecs flow. ECS 2014-05-26 still carries the VPC, vSwitch and
 * EIP actions (Packer uses those); VPC 2016-04-28 serves the same records; STS 2015-04-01
 * answers GetCallerIdentity.
 */
export function backendActions(state: AliState): ActionTable {
  const network = networkActions(state)
  const eips = eipActions(state)
  const pick = (names: readonly string[], from: Record<string, Handler>): Record<string, Handler> => Object.fromEntries(names.map((n) => [n, from[n]!]))
  const vpcNames = ['CreateVpc', 'DescribeVpcs', 'DeleteVpc', 'CreateVSwitch', 'DescribeVSwitches', 'DeleteVSwitch']
  const tags = tagActions(state)
  const protocol = protocolActions(state.cloud.profile(ALICLOUD_PROFILE.name) ?? ALICLOUD_PROFILE)
  return {
    Ecs: {
      ...protocol.Ecs,
      ...network,
      ...eips,
      ...instanceActions(state),
      ...keyActions(state),
      ...imageActions(state),
      ...storageActions(state),
      ...tags,
    },
    Vpc: {
      ...protocol.Vpc,
      ...pick(vpcNames, network),
      ...eips,
      TagResources: tags.TagResources!,
      UntagResources: tags.UntagResources!,
      ListTagResources: tags.ListTagResources!,
    },
    Sts: stsActions(state),
  }
}
