import { ListFlavorsRequest, NovaListAvailabilityZonesRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { scopeData } from '@tsimg/cloud-kit'
import { field } from './api.js'
import { PLUGIN, type HuaweiState } from './state.js'
import { type HuaweiEnv } from './env.js'

/**
 * Creates nothing. Finds the project id (the account `tsimg cleanup` checks), refuses an image
 * name already taken, and picks the availability zone: the given one, or the first zone
 * available in the region that offers the flavor.
 */
export function prevalidate(env: HuaweiEnv): Step<HuaweiState> {
  return {
    name: 'huaweicloud:prevalidate',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const projectId = await env.api.projectId(signal)
      env.scope = { ...env.scope, account: projectId }
      await journal.addScope({ plugin: PLUGIN, data: scopeData(env.scope) })

      if (!o.skipCreateImage) {
        ui.say(`Prevalidating image name: ${o.imageName}`)
        const res = await env.api.json('ims', 'ListImages', 'GET', '/v2/cloudimages', { signal }, undefined, { name: o.imageName, __imagetype: 'private' })
        const taken = ((res.images ?? []) as { id: string; name: string }[]).filter((m) => m.name === o.imageName)
        if (taken.length) {
          throw new TsimgError('HUAWEI_IMAGE_NAME_TAKEN', `Image name '${o.imageName}' is used by an existing image: ${taken.map((m) => m.id).join(', ')}`, {
            hint: 'Use another imageName.',
          })
        }
      }

      const zones = await env.api.sdk('NovaListAvailabilityZones', (c) => c.ecs.novaListAvailabilityZones(new NovaListAvailabilityZonesRequest()), { signal })
      const available = ((field(zones, 'availabilityZoneInfo', 'availability_zone_info') ?? []) as object[])
        .filter((z) => field(field(z, 'zoneState', 'zone_state'), 'available') !== false)
        .map((z) => String(field(z, 'zoneName', 'zone_name')))
      if (o.availabilityZone) {
        if (!available.includes(o.availabilityZone)) {
          throw new TsimgError(
            'HUAWEI_ZONE',
            `Availability zone ${o.availabilityZone} is not available in ${env.region} (available: ${available.join(', ') || 'none'})`,
            { hint: 'Check availabilityZone.' },
          )
        }
        state.availabilityZone = o.availabilityZone
      } else {
        for (const zone of available) {
          const res = await env.api.sdk('ListFlavors', (c) => c.ecs.listFlavors(new ListFlavorsRequest().withAvailabilityZone(zone)), { signal })
          if (((field(res, 'flavors') ?? []) as object[]).some((f) => field(f, 'id', 'name') === o.flavor || field(f, 'name') === o.flavor)) {
            state.availabilityZone = zone
            break
          }
        }
        if (!state.availabilityZone) {
          throw new TsimgError('HUAWEI_FLAVOR', `No availability zone of ${env.region} offers flavor ${o.flavor}`, {
            hint: 'Check flavor, or set availabilityZone.',
          })
        }
      }
      ui.say(`Using availability zone ${state.availabilityZone}`)
    },
  }
}
