import { KEPT_LABEL, BUILD_ID_LABEL, CREATED_AT_LABEL } from '@tsimg/core/plugin'
import { ignoreNotFound, type ImageCloud } from '@tsimg/cloud-kit'
import type { HuaweiApi } from './api.js'

// IMS images: what the image step and `tsimg cleanup` ask of them.

/** Our private image of this name, if IMS lists it (what an image job with a lost answer made). */
export async function findImageByName(api: HuaweiApi, name: string, signal: AbortSignal): Promise<string | undefined> {
  const res = await api.json('ims', 'ListImages', 'GET', '/v2/cloudimages', { signal }, undefined, { name, __imagetype: 'private' })
  return ((res.images ?? []) as { id: string; name: string }[]).find((m) => m.name === name)?.id
}

/** IMS images for the kit's ArtifactImages: delete (no snapshots to track), or keep and un-tag. */
export function imsCloud(api: HuaweiApi, buildId: string): ImageCloud {
  const tags = (id: string, action: 'create' | 'delete', list: { key: string; value?: string }[], signal: AbortSignal) =>
    api.json('ims', 'BatchAddOrDeleteTags', 'POST', `/v2/${api.pid}/images/${id}/tags/action`, { signal }, { action, tags: list })
  return {
    deleteImage: (_region, id, _snapshots, signal) => ignoreNotFound(api.json('ims', 'GlanceDeleteImage', 'DELETE', `/v2/images/${id}`, { signal })),
    async keep(_region, ids, signal) {
      for (const id of ids) {
        await tags(id, 'create', [{ key: KEPT_LABEL, value: buildId }], signal)
        // A tag is deleted by key and value: read the values the build set.
        const res = await api.json('ims', 'ListImageTags', 'GET', `/v2/${api.pid}/images/${id}/tags`, { signal })
        const temporary = ((res.tags ?? []) as { key: string; value: string }[]).filter((t) => t.key === BUILD_ID_LABEL || t.key === CREATED_AT_LABEL)
        if (temporary.length) await tags(id, 'delete', temporary, signal)
      }
    },
  }
}
