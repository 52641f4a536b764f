import { ModifyImageAttributeCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'

/** Reads the AMIs; shares each with amiUsers / amiGroups (launch permission). Creates nothing. */
export function modifyImage(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:modify-image',
    async run({ ui, signal }) {
      const { amiUsers, amiGroups } = env.options
      if (amiUsers.length === 0 && amiGroups.length === 0) return
      for (const img of env.images.images) {
        ui.say(`Modifying attributes on AMI (${img.id})...`)
        if (amiUsers.length) ui.message(`Modifying: users`)
        if (amiGroups.length) ui.message(`Modifying: groups`)
        await env.api.send(
          img.region,
          new ModifyImageAttributeCommand({
            ImageId: img.id,
            LaunchPermission: { Add: [...amiUsers.map((UserId) => ({ UserId })), ...amiGroups.map((g) => ({ Group: g as 'all' }))] },
          }),
          { signal },
        )
      }
    },
  }
}
