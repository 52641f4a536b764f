import { rm } from 'node:fs/promises'
import { pluginId, type ResourcePlugin } from './resources.js'

/** Module name that core steps put in `JournalResource.plugin` for their own resources. */
export const CORE_PLUGIN = pluginId('@tsimg/core')

/**
 * The core's own journaled resources, so `tsimg cleanup` can delete what a killed build left:
 * kind `file` (a temporary private key, a generated script) and kind `dir` (a temporary folder),
 * both with `data.path`.
 */
export const tsimgResources: ResourcePlugin = {
  id: CORE_PLUGIN,
  async deleteResource(kind, data) {
    const path = data.path
    if (typeof path !== 'string' || path === '' || path === '/') {
      throw new Error(`journal entry of kind '${kind}' has no usable path`)
    }
    if (kind === 'file') {
      // force: a file that is already gone counts as deleted.
      await rm(path, { force: true })
    } else if (kind === 'dir') {
      await rm(path, { recursive: true, force: true })
    } else {
      throw new Error(`@tsimg/core does not know how to delete a resource of kind '${kind}'`)
    }
  },
}
