import { DescribeImagesCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { deleteImageAndSnapshots, deregisterImage } from './ami.js'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'

/**
 * With forceDeregister (or --force), deregisters the existing AMI(s) named amiName (and their
 * snapshots with forceDeleteSnapshot) in the build region and every copy region. Runs just
 * before CreateImage, as Packer does, so a build that fails earlier keeps the old AMI.
 */
export function deregisterAmi(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:deregister-ami',
    async run({ ui, signal }) {
      const o = env.options
      if (o.skipCreateAmi || !(o.forceDeregister || env.build.force)) return
      for (const region of new Set([env.region, ...o.amiRegions])) {
        const res = await env.api.send(region, new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [o.amiName] }] }), { signal })
        for (const image of res.Images ?? []) {
          if (image.Name !== o.amiName || !image.ImageId) continue
          ui.say(`Deregistered AMI ${o.amiName}, id: ${image.ImageId}`)
          if (o.forceDeleteSnapshot) {
            const snaps = await deleteImageAndSnapshots(env.api, region, image.ImageId, signal)
            for (const s of snaps) ui.say(`Deleted snapshot: ${s}`)
          } else {
            await deregisterImage(env.api, region, image.ImageId, signal)
          }
        }
      }
    },
  }
}
