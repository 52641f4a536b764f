import { BUILD_ID_LABEL, type ResourcePlugin, type SweptResource } from '@tsimg/core'
import { containersWithLabels, docker, isNotFound, removeContainer } from './docker-cli.js'
import { BUILD_NAME_LABEL } from './state.js'

/**
 * What `tsimg cleanup` loads from this package to delete what a killed docker build left:
 * kind `container` (`docker rm -f`) and kind `image` (an image committed but not yet fully
 * tagged: `docker rmi -f`), both with `data.id`. A missing one counts as deleted.
 */
export const tsimgResources: ResourcePlugin = {
  async deleteResource(kind, data, ctx) {
    const id = data.id
    if (typeof id !== 'string' || id === '') throw new Error(`journal entry of kind '${kind}' has no docker id`)
    if (kind === 'container') {
      ctx.log(`Removing container ${id.slice(0, 12)}...`)
      await removeContainer(id, ctx.signal)
    } else if (kind === 'image') {
      ctx.log(`Removing image ${id}...`)
      try {
        await docker(['rmi', '-f', id], { signal: ctx.signal })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    } else {
      throw new Error(`@tsimg/builder-docker does not know how to delete a resource of kind '${kind}'`)
    }
  },

  /** Containers labelled with one of the build ids (killed between `docker run` and the journal). */
  async sweep(_scope, buildIds, ctx) {
    const found: SweptResource[] = []
    for (const buildId of buildIds) {
      for (const id of await containersWithLabels({ [BUILD_ID_LABEL]: buildId }, ctx.signal)) {
        const name = await buildNameOf(id, ctx.signal)
        found.push({
          description: `container ${id.slice(0, 12)} (${name ?? 'build'} ${buildId})`,
          delete: () => removeContainer(id, ctx.signal),
        })
      }
    }
    return found
  },
}

async function buildNameOf(id: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const r = await docker(['inspect', '--format', `{{index .Config.Labels "${BUILD_NAME_LABEL}"}}`, id], { signal })
    return r.stdout.trim() || undefined
  } catch {
    return undefined
  }
}
