import { processRef, type BuildInfo, type BuildJournal } from '@tsimg/core/plugin'
import { docker, type DockerResult } from './docker-cli.js'
import { PLUGIN } from './state.js'

/** What a `docker run` or `docker commit` makes, and the labels that find it without its id. */
export interface Creates {
  readonly kind: 'container' | 'image'
  readonly labels: Readonly<Record<string, string>>
}

/**
 * Runs a docker command that creates a container or an image so that a `kill -9` of tsimg at
 * any moment leaves something `tsimg cleanup` can act on. The CLI outlives tsimg and may finish
 * after cleanup has looked, so before the CLI may start, a `pending` journal entry records its
 * pid and the labels of what it makes; cleanup waits for the pid to exit, then deletes by label.
 * `record` journals the result by id; only then is the pending entry dropped.
 *
 * Not given the build's signal: killing the CLI would not stop the daemon, and the container
 * or image would exist without our knowing its id. The caller checks cancellation after.
 */
export async function createJournaled(
  args: readonly string[],
  creates: Creates,
  ctx: { journal: BuildJournal; build: BuildInfo },
  record: (result: DockerResult) => Promise<void>,
): Promise<DockerResult> {
  let entry: string | undefined
  try {
    const result = await docker(args, {
      beforeStart: async (pid) => {
        entry = await ctx.journal.add({
          plugin: PLUGIN,
          kind: 'pending',
          description: `docker ${args[0]} (pid ${pid}) of ${ctx.build.name}, and the ${creates.kind} it makes`,
          data: { ...(await processRef(pid)), command: `docker ${args[0]}`, creates: creates.kind, labels: creates.labels },
        })
      },
    })
    await record(result)
    return result
  } finally {
    // After a failed command the build's own cleanup looks for leftovers by label.
    if (entry) await ctx.journal.remove(entry)
  }
}
