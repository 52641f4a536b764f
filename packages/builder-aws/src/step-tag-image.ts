import { CreateTagsCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core'
import { toTags, type AwsEnv, type AwsState } from './state.js'

/**
 * Reads the AMIs; tags each with `tags`, and its snapshots with `tags` + `snapshotTags`
 * (snapshot tags win, as in Packer). Then sets the artifact. Creates nothing.
 */
export function tagImage(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:tag-image',
    async run({ state, ui, signal }) {
      const { tags, snapshotTags } = env.options
      for (const img of state.images) {
        if (Object.keys(tags).length) {
          ui.say(`Adding tags to AMI (${img.imageId})...`)
          for (const [k, v] of Object.entries(tags)) ui.message(`Adding tag: "${k}": "${v}"`)
          await env.api.call(img.region, (c, x) => c.send(new CreateTagsCommand({ Resources: [img.imageId], Tags: toTags(tags) }), x), { signal })
        }
        const snapTags = { ...tags, ...snapshotTags }
        if (Object.keys(snapTags).length && img.snapshotIds.length) {
          ui.say('Tagging snapshot: ' + img.snapshotIds.join(', '))
          await env.api.call(img.region, (c, x) => c.send(new CreateTagsCommand({ Resources: img.snapshotIds, Tags: toTags(snapTags) }), x), { signal })
        }
      }
      if (state.images.length === 0) return
      state.artifact = {
        builderType: 'amazon-ebs',
        buildName: env.build.name,
        id: state.images.map((i) => `${i.region}:${i.imageId}`).join(','),
        description: ['AMIs were created:', ...state.images.map((i) => `${i.region}: ${i.imageId}`)].join('\n'),
        data: { amis: Object.fromEntries(state.images.map((i) => [i.region, i.imageId])), sourceAmi: state.sourceImage?.id },
      }
    },
  }
}
