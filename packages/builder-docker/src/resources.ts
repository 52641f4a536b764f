import { BUILD_ID_LABEL, isRunning, waitForExit, type ResourceContext, type ResourcePlugin, type SweptResource } from '@tsimg/core/plugin'
import { containersWithLabels, docker, imagesWithLabels, isNotFound, removeContainer } from './docker-cli.js'
import { BUILD_NAME_LABEL, shortId } from './state.js'

/** How long `tsimg cleanup` waits for a `docker run`/`docker commit` a killed build left running. */
const PENDING_WAIT_MS = 10 * 60_000

/**
 * What `tsimg cleanup` loads from this package to delete what a killed docker build left:
 * kind `container` (`docker rm -f`) and kind `image` (an image committed but not yet fully
 * tagged: `docker rmi -f`), both with `data.id`; kind `pending` (a `docker run` or `docker
 * commit` the build had started: waited for, then what it made is deleted by its labels, see
 * createJournaled). A missing one counts as deleted.
 */
export const tsimgResources: ResourcePlugin = {
  async deleteResource(kind, data, ctx) {
    if (kind === 'pending') return deletePending(data, ctx)
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

/** Waits for the CLI the killed build started to finish, then deletes what it made. */
async function deletePending(data: Readonly<Record<string, unknown>>, ctx: ResourceContext): Promise<void> {
  const { pid, startTicks, command, creates, labels } = data as {
    pid?: unknown
    startTicks?: unknown
    command?: unknown
    creates?: unknown
    labels?: unknown
  }
  if (typeof pid !== 'number' || (creates !== 'container' && creates !== 'image') || typeof labels !== 'object' || labels === null) {
    throw new Error("journal entry of kind 'pending' has no pid, kind or labels")
  }
  const ref = typeof startTicks === 'number' ? { pid, startTicks } : { pid }
  if (await isRunning(ref)) {
    ctx.log(`Waiting for ${String(command)} (pid ${pid}), which the killed build started, to finish...`)
    if (!(await waitForExit(ref, { timeoutMs: PENDING_WAIT_MS, signal: ctx.signal }))) {
      throw new Error(`${String(command)} (pid ${pid}) is still running after ${PENDING_WAIT_MS / 60_000} minutes; run 'tsimg cleanup' again once it has ended`)
    }
  }
  const wanted = labels as Record<string, string>
  if (creates === 'container') {
    for (const id of await containersWithLabels(wanted, ctx.signal)) {
      ctx.log(`Removing container ${id.slice(0, 12)} (made by ${String(command)})...`)
      await removeContainer(id, ctx.signal)
    }
  } else {
    for (const id of await imagesWithLabels(wanted, ctx.signal)) {
      ctx.log(`Removing image ${shortId(id)} (made by ${String(command)})...`)
      try {
        await docker(['rmi', '-f', id], { signal: ctx.signal })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
  }
}

async function buildNameOf(id: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const r = await docker(['inspect', '--format', `{{index .Config.Labels "${BUILD_NAME_LABEL}"}}`, id], { signal })
    return r.stdout.trim() || undefined
  } catch {
    return undefined
  }
}
