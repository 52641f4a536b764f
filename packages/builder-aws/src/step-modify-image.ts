import { ModifyImageAttributeCommand, ModifySnapshotAttributeCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'

/**
 * Reads the AMIs; shares each with amiUsers / amiGroups (launch permission), attaches
 * amiProductCodes, sets imdsSupport, and shares its snapshots with snapshotUsers / snapshotGroups (create-volume
 * permission), as Packer's modify-AMI-attributes step does. Creates nothing.
 */
export function modifyImage(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:modify-image',
    async run({ ui, signal }) {
      const { amiUsers, amiGroups, amiProductCodes, snapshotUsers, snapshotGroups, imdsSupport } = env.options
      const launch = amiUsers.length > 0 || amiGroups.length > 0
      const snapshots = snapshotUsers.length > 0 || snapshotGroups.length > 0
      if (!launch && !amiProductCodes.length && !snapshots && !imdsSupport) return
      for (const img of env.images.images) {
        ui.say(`Modifying attributes on AMI (${img.id})...`)
        if (amiUsers.length) ui.message(`Modifying: users`)
        if (amiGroups.length) ui.message(`Modifying: groups`)
        if (launch) {
          await env.api.send(
            img.region,
            new ModifyImageAttributeCommand({
              ImageId: img.id,
              LaunchPermission: { Add: [...amiUsers.map((UserId) => ({ UserId })), ...amiGroups.map((g) => ({ Group: g as 'all' }))] },
            }),
            { signal },
          )
        }
        if (imdsSupport) {
          ui.message('Modifying: imds support')
          await env.api.send(img.region, new ModifyImageAttributeCommand({ ImageId: img.id, ImdsSupport: { Value: imdsSupport } }), { signal })
        }
        if (amiProductCodes.length) {
          ui.message('Modifying: product codes')
          await env.api.send(img.region, new ModifyImageAttributeCommand({ ImageId: img.id, ProductCodes: amiProductCodes }), { signal })
        }
        if (!snapshots) continue
        for (const snap of img.snapshotIds) {
          ui.say(`Modifying attributes on snapshot (${snap})...`)
          await env.api.send(
            img.region,
            new ModifySnapshotAttributeCommand({
              SnapshotId: snap,
              Attribute: 'createVolumePermission',
              OperationType: 'add',
              CreateVolumePermission: { Add: [...snapshotUsers.map((UserId) => ({ UserId })), ...snapshotGroups.map((Group) => ({ Group }))] },
            }),
            { signal },
          )
        }
      }
    },
  }
}
