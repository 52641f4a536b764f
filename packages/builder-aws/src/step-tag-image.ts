import { CreateTagsCommand } from '@aws-sdk/client-ec2'
import { fillBuildValues, type Step } from '@tsimg/core/plugin'
import { type AwsState } from './state.js'
import type { AwsEnv } from './env.js'
import { toTags } from './tags.js'

/**
 * Reads the AMIs; tags each with `tags`, and its snapshots with `tags` + `snapshotTags`
 * (snapshot tags win, as in Packer). Then sets the artifact. Creates nothing.
 */
export function tagImage(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:tag-image',
    async run({ state, ui, signal }) {
      const images = env.images.images
      for (const img of images) {
        // Packer's {{ .BuildRegion }} in tags is the region of the AMI being tagged (each copy its own).
        const inRegion = (t: Record<string, string>) => fillBuildValues(t, (n) => (n === 'BuildRegion' ? img.region : undefined))
        const tags = inRegion(env.options.tags)
        const snapshotTags = inRegion(env.options.snapshotTags)
        if (Object.keys(tags).length) {
          ui.say(`Adding tags to AMI (${img.id})...`)
          for (const [k, v] of Object.entries(tags)) ui.message(`Adding tag: "${k}": "${v}"`)
          await env.api.send(img.region, new CreateTagsCommand({ Resources: [img.id!], Tags: toTags(tags) }), { signal })
        }
        const snapTags = { ...tags, ...snapshotTags }
        if (Object.keys(snapTags).length && img.snapshotIds.length) {
          ui.say('Tagging snapshot: ' + img.snapshotIds.join(', '))
          await env.api.send(img.region, new CreateTagsCommand({ Resources: img.snapshotIds, Tags: toTags(snapTags) }), { signal })
        }
      }
      if (images.length === 0) return
      state.artifact = {
        builderType: 'amazon-ebs',
        buildName: env.build.name,
        id: images.map((i) => `${i.region}:${i.id}`).join(','),
        description: ['AMIs were created:', ...images.map((i) => `${i.region}: ${i.id}`)].join('\n'),
        data: { amis: Object.fromEntries(images.map((i) => [i.region, i.id])), sourceAmi: state.sourceImage?.id },
      }
    },
  }
}
