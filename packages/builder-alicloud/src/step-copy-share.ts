import type { Step } from '@tsimg/core/plugin'
import { resourceData } from '@tsimg/cloud-kit'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, type AliEnv } from './env.js'
import { imagesNamed, waitForImage } from './images.js'
import { Ecs } from './sdk.js'

/**
 * Copies the image to imageCopyRegions (named by imageCopyNames), each copy journaled and kept
 * or deleted with the build's images; shares every image with imageShareAccount (and
 * unshares imageUnshareAccount); then sets the artifact, one `region: image-id` per image.
 */
export function copyAndShare(env: AliEnv): Step<AliState> {
  return {
    name: 'alicloud:copy-share',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const source = env.images.images[0]!
      for (const [i, dest] of o.imageCopyRegions.entries()) {
        const name = o.imageCopyNames[i] ?? o.imageName
        const token = `${env.build.id}-copy-${dest}`
        ui.say(`Copying image ${source.id} from ${env.region} to ${dest} as ${name}...`)
        const copy = await env.images.create({ journal, signal }, dest, {
          plugin: PLUGIN,
          kind: 'image',
          token,
          description: `image ${name} (${dest})`,
          data: { ...resourceData(env, dest), name },
          create: (requestSignal, stop) =>
            env.api.ecs(
              'CopyImage',
              env.region,
              (c) =>
                c.copyImage(
                  new Ecs.CopyImageRequest({
                    regionId: env.region,
                    imageId: source.id,
                    destinationRegionId: dest,
                    destinationImageName: name,
                    clientToken: token,
                    ...(o.imageEncrypted !== undefined && { encrypted: o.imageEncrypted }),
                    tag: buildTags(Ecs.CopyImageRequestTag, env.build, o.tags),
                  }),
                ),
              { signal: stop, requestSignal },
            ),
          idOf: (res) => res.body?.imageId,
          find: async (s) => (await imagesNamed(env, dest, name, s))[0],
        })
        await waitForImage(env, copy, { ui, signal }, { after: o.waitCopyingImageReadyTimeout, option: 'waitCopyingImageReadyTimeout' })
      }
      if (o.imageShareAccount.length || o.imageUnshareAccount.length) {
        for (const img of env.images.images) {
          ui.say(`Sharing image ${img.id} (${img.region}) with ${o.imageShareAccount.join(', ') || 'nobody new'}`)
          await env.api.ecs(
            'ModifyImageSharePermission',
            img.region,
            (c) =>
              c.modifyImageSharePermission(
                new Ecs.ModifyImageSharePermissionRequest({
                  regionId: img.region,
                  imageId: img.id,
                  addAccount: o.imageShareAccount,
                  removeAccount: o.imageUnshareAccount,
                }),
              ),
            { signal },
          )
        }
      }
      const images = env.images.images
      state.artifact = {
        builderType: 'alicloud-ecs',
        buildName: env.build.name,
        id: images.map((i) => `${i.region}:${i.id}`).join(','),
        description: ['Alicloud images were created:', '', ...images.map((i) => `${i.region}: ${i.id}`)].join('\n'),
        data: { images: Object.fromEntries(images.map((i) => [i.region, i.id])), sourceImage: state.sourceImage?.id },
      }
    },
  }
}
