import { TsimgError, type Step } from '@tsimg/core/plugin'
import { Ecs } from './sdk.js'
import { type AliState } from './state.js'
import { type AliEnv } from './env.js'

/**
 * Reads sourceImage, sourceImageFamily or sourceImageName (newest match); creates nothing.
 * With skipImageValidation the sourceImage id is taken as given (RunInstances then names an
 * image this account cannot see, e.g. one shared from elsewhere or a marketplace image).
 */
export function sourceImage(env: AliEnv): Step<AliState> {
  return {
    name: 'alicloud:source-image',
    async run({ state, ui, signal }) {
      const o = env.options
      const r = env.region
      let found: { imageId?: string; imageName?: string; creationTime?: string } | undefined
      if (o.skipImageValidation && o.sourceImage) {
        ui.say(`Skip image validation flag found, using source image ${o.sourceImage} as given.`)
        found = { imageId: o.sourceImage }
      } else if (o.sourceImageFamily) {
        const res = await env.api.ecs(
          'DescribeImageFromFamily',
          r,
          (c) => c.describeImageFromFamily(new Ecs.DescribeImageFromFamilyRequest({ regionId: r, imageFamily: o.sourceImageFamily })),
          { signal },
        )
        found = res.body?.image?.imageId ? res.body.image : undefined
      } else {
        const req = o.sourceImage ? { imageId: o.sourceImage } : { imageName: o.sourceImageName }
        const res = await env.api.ecs('DescribeImages', r, (c) => c.describeImages(new Ecs.DescribeImagesRequest({ regionId: r, ...req, pageSize: 100 })), {
          signal,
        })
        found = (res.body?.images?.image ?? []).sort((a, b) => (b.creationTime ?? '').localeCompare(a.creationTime ?? ''))[0]
      }
      const what = o.sourceImage ?? o.sourceImageFamily ?? o.sourceImageName
      if (!found?.imageId) {
        throw new TsimgError('ALICLOUD_SOURCE_IMAGE_NOT_FOUND', `No source image ${what} in ${r}`, {
          hint: 'Check sourceImage / sourceImageFamily / sourceImageName and region.',
        })
      }
      ui.message(`Found image ID: ${found.imageId}`)
      state.sourceImage = { id: found.imageId, name: found.imageName ?? found.imageId }
      state.generated.SourceImage = found.imageId
    },
  }
}
