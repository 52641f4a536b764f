import { TsimgError, type Step } from '@tsimg/core/plugin'
import { field } from './api.js'
import { type HuaweiState } from './state.js'
import { type HuaweiEnv } from './env.js'

interface ImsImage {
  id: string
  name: string
  status: string
  min_disk?: number
  created_at?: string
}

/**
 * Creates nothing. Finds the source image: by id (sourceImage), by name (sourceImageName,
 * exactly one), or by an IMS query (sourceImageFilter; several need mostRecent). It must be active.
 */
export function sourceImage(env: HuaweiEnv): Step<HuaweiState> {
  return {
    name: 'huaweicloud:source-image',
    async run({ state, ui, signal }) {
      const o = env.options
      const query: Record<string, string> = o.sourceImage
        ? { id: o.sourceImage }
        : o.sourceImageName
          ? { name: o.sourceImageName }
          : { ...o.sourceImageFilter!.filters }
      const res = await env.api.json('ims', 'ListImages', 'GET', '/v2/cloudimages', { signal }, undefined, query)
      const found = ((field(res, 'images') ?? []) as ImsImage[]).filter((m) => m.status === 'active')
      const what = o.sourceImage ? `id ${o.sourceImage}` : o.sourceImageName ? `name '${o.sourceImageName}'` : `filter ${JSON.stringify(query)}`
      if (found.length === 0)
        throw new TsimgError('HUAWEI_SOURCE_IMAGE', `No active image with ${what} in ${env.region}`, {
          hint: 'Check sourceImage, sourceImageName or sourceImageFilter.',
        })
      if (found.length > 1 && !o.sourceImageFilter?.mostRecent) {
        throw new TsimgError('HUAWEI_SOURCE_IMAGE', `${found.length} images match ${what}: ${found.map((m) => m.id).join(', ')}`, {
          hint: 'Narrow the filter, or set sourceImageFilter.mostRecent.',
        })
      }
      const image = [...found].sort((a, b) => String(b.created_at ?? '').localeCompare(String(a.created_at ?? '')))[0]!
      state.sourceImage = { id: image.id, name: image.name, ...(image.min_disk !== undefined && { minDisk: Number(image.min_disk) }) }
      ui.say(`Found source image: ${image.name} (${image.id})`)
    },
  }
}
