import { type Step } from '@tsimg/core/plugin'
import { waitFor, resourceData } from '@tsimg/cloud-kit'
import { findImageByName } from './images.js'
import { PLUGIN, type HuaweiState } from './state.js'
import { imagePollLimit, pollLimit, tagList, type HuaweiEnv } from './env.js'

/**
 * Creates the IMS image from the stopped server. Its journal entry (token: the image name,
 * which prevalidate made sure is free) exists before the call, the image id is recorded as soon
 * as IMS lists it, and the job is awaited within waitImageReadyTimeout. The kit's ArtifactImages
 * deletes it on failure or cancel and keeps it (off the journal, build-id tag removed) on success.
 */
export function createImage(env: HuaweiEnv): Step<HuaweiState> {
  return {
    name: 'huaweicloud:create-image',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const serverId = state.server!.id
      ui.say(`Creating image ${o.imageName} from server ${serverId}...`)
      let jobId: string | undefined
      const image = await env.images.create({ journal, signal }, env.region, {
        plugin: PLUGIN,
        kind: 'image',
        token: o.imageName,
        description: `image ${o.imageName} (${env.region})`,
        data: { ...resourceData(env), name: o.imageName },
        create: async (requestSignal, stop) => {
          const body = {
            name: o.imageName,
            instance_id: serverId,
            ...(o.imageDescription && { description: o.imageDescription }),
            image_tags: [...tagList(env.build), ...Object.entries(o.imageTags).map(([key, value]) => ({ key, value }))],
            ...(o.enterpriseProjectId && { enterprise_project_id: o.enterpriseProjectId }),
          }
          const res = await env.api.json('ims', 'CreateImage', 'POST', '/v2/cloudimages/action', { signal: stop, requestSignal }, body)
          jobId = res.job_id
          return res
        },
        // The answer names the job only: the image is found by its (unique) name.
        idOf: () => undefined,
        find: (s) => findImageByName(env.api, o.imageName, s),
      })
      ui.message(`Image: ${image.id}`)
      if (jobId) await env.api.waitJob('ims', jobId, `image ${image.id}`, imagePollLimit(env), signal, ui)
      await waitFor({
        resource: `image ${image.id}`,
        until: 'to become active',
        signal,
        ...imagePollLimit(env),
        probe: async (s) => {
          const m = await env.api.json('ims', 'GlanceShowImage', 'GET', `/v2/images/${image.id}`, { signal: s, retry: ['not-found'], budget: { attempts: 6 } })
          if (m.status === 'active') return { done: true, value: undefined }
          if (m.status === 'killed' || m.status === 'deleted') return { failed: `image ${image.id} entered state ${m.status}` }
          return { done: false, state: String(m.status) }
        },
      })
      if (o.imageMembers.length) {
        ui.say(`Sharing image ${image.id} with ${o.imageMembers.join(', ')}`)
        const res = await env.api.json(
          'ims',
          'BatchAddMembers',
          'POST',
          '/v1/cloudimages/members',
          { signal },
          { images: [image.id], projects: o.imageMembers },
        )
        if (res.job_id) await env.api.waitJob('ims', res.job_id, `sharing image ${image.id}`, pollLimit(env), signal)
      }
      state.artifact = {
        builderType: 'huaweicloud-ecs',
        buildName: env.build.name,
        id: `${env.region}:${image.id}`,
        description: ['An image was created:', `${env.region}: ${image.id}`].join('\n'),
        data: { images: { [env.region]: image.id }, sourceImage: state.sourceImage?.id },
      }
    },
    async cleanup(ctx) {
      await env.images.cleanup(ctx)
    },
  }
}
