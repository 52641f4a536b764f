import { TsimgError, type Step } from '@tsimg/core/plugin'
import { scopeData } from '@tsimg/cloud-kit'
import { Ecs } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { accountOf, type AliEnv } from './env.js'
import { imagesNamed } from './images.js'

/**
 * Reads the regions and the image name; creates nothing. Fails before any resource exists
 * when a region is unknown or the image name is taken (unless imageForceDelete or -force).
 */
export function prevalidate(env: AliEnv): Step<AliState> {
  return {
    name: 'alicloud:prevalidate',
    async run({ ui, signal, journal }) {
      const o = env.options
      env.scope = { ...env.scope, account: await accountOf(env.api, env.region, signal) }
      // Where `tsimg cleanup` looks for resources tagged with this build id if the journal missed them.
      await journal.addScope({ plugin: PLUGIN, data: scopeData(env.scope) })

      if (!o.skipRegionValidation) {
        ui.say('Prevalidating source region and copied regions...')
        const res = await env.api.ecs('DescribeRegions', env.region, (c) => c.describeRegions(new Ecs.DescribeRegionsRequest({})), { signal })
        const known = new Set((res.body?.regions?.region ?? []).map((r) => r.regionId))
        for (const r of [env.region, ...o.imageCopyRegions]) {
          if (!known.has(r))
            throw new TsimgError('ALICLOUD_REGION_UNKNOWN', `Region ${r} does not exist (known: ${[...known].join(', ')})`, {
              hint: 'Check region and imageCopyRegions.',
            })
        }
      }

      // Packer's alicloud-ecs: an image of that name will be deleted before the new one is made.
      if (o.imageForceDelete) {
        ui.say('Force delete flag found, skipping prevalidating image name.')
        return
      }
      ui.say('Prevalidating image name...')
      const taken = await imagesNamed(env, env.region, o.imageName, signal)
      if (taken.length > 0 && !env.build.force) {
        throw new TsimgError('ALICLOUD_IMAGE_NAME_TAKEN', `Image name ${o.imageName} is used by an existing image: ${taken.join(', ')}`, {
          hint: 'Use another imageName, or -force / imageForceDelete to replace it.',
        })
      }
    },
  }
}
