import { BUILD_ID_LABEL, CancelledError, errorMessage, type Step } from '@tsimg/core/plugin'
import { createJournaled } from './create-journaled.js'
import { docker, isNotFound } from './docker-cli.js'
import { BUILD_NAME_LABEL, IMAGE_BUILD_ID_LABEL, PLUGIN, shortId, type DockerEnv, type DockerState } from './state.js'

/**
 * Reads state.container (stopped), state.sourceImage and state.replacedTags; commits the
 * container with the `changes`, labels, message and author, tags the image (moving tags that
 * --force replaces) and sets state.artifact. The image is journaled until it is fully tagged;
 * if the build fails after the commit, cleanup deletes it and puts replaced tags back.
 */
export function commitContainer(env: DockerEnv, opts: { untilVerified?: boolean } = {}): Step<DockerState> {
  // The `docker commit` in flight: cleanup waits for it, so an image made while the build was
  // being cancelled is still deleted.
  let pending: Promise<unknown> | undefined
  return {
    name: 'docker:commit',
    async run({ state, ui, signal, journal, build }) {
      const c = state.container
      if (!c) return
      const o = env.options
      if (!o.commit) {
        ui.say('Discarding the container (commit: false)')
        return
      }
      ui.say('Committing the container')
      const args = ['commit', ...commitChanges(env, state).flatMap((ch) => ['--change', ch])]
      if (o.message !== undefined) args.push('-m', o.message)
      if (o.author !== undefined) args.push('-a', o.author)
      args.push(c.id)
      const record = async (): Promise<string> => {
        let id = ''
        await createJournaled(args, { kind: 'image', labels: { [IMAGE_BUILD_ID_LABEL]: build.id } }, { journal, build }, async ({ stdout }) => {
          id = stdout.trim()
          state.image = { id, tagged: [] }
          state.image.journalId = await journal.add({
            plugin: PLUGIN,
            kind: 'image',
            description: `image ${shortId(id)} (${build.name}, not yet tagged${opts.untilVerified ? ' or verified' : ''})`,
            data: { id },
          })
        })
        return id
      }
      const committed = record()
      pending = committed.catch(() => undefined)
      const id = await committed
      const image = state.image!
      ui.message(`Image ID: ${id}`)
      if (signal.aborted) throw new CancelledError()
      for (const tag of o.tags) {
        ui.message(`Tagging image: ${tag}`)
        await docker(['tag', id, tag], { signal })
        image.tagged.push(tag)
      }
      // An image still to be verified stays journaled until the build ends well: a verify that
      // fails under -on-error=abort (or a kill) leaves it for `tsimg cleanup`.
      if (image.journalId && !opts.untilVerified) {
        await journal.remove(image.journalId)
        delete image.journalId
      }
      await removeReplaced(state, id, ui.message.bind(ui))
      state.artifact = {
        builderType: 'docker',
        buildName: build.name,
        id,
        description: `Imported Docker image: ${o.tags[0] ?? id}`,
        data: { tags: [...o.tags], sourceImage: o.image },
      }
    },
    async cleanup({ state, ui, signal, journal, outcome }) {
      await pending
      const img = state.image
      if (img && outcome === 'success' && img.journalId !== undefined && opts.untilVerified) {
        await journal.remove(img.journalId)
        delete img.journalId
        return
      }
      if (!img || (outcome === 'success' && img.journalId === undefined)) return
      ui.say(`Deleting the image of the failed build: ${img.id}`)
      for (const tag of img.tagged) {
        const old = state.replacedTags?.[tag]
        if (old) await docker(['tag', old, tag], { signal }).catch(() => undefined)
      }
      try {
        await docker(['rmi', '-f', img.id], { signal })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      if (img.journalId) await journal.remove(img.journalId)
      delete state.image
    },
  }
}

/**
 * `--change` lines: first restore what the build container changed (its command, the
 * entrypoint it replaced, blank tsimg labels so containers run from the image are never
 * taken for build containers), label the image with the build id under a name of its own
 * (so `tsimg cleanup` finds an image whose commit outlived a killed build), then the labels
 * option, then the user's changes, which win.
 */
function commitChanges(env: DockerEnv, state: DockerState): string[] {
  const o = env.options
  const src = state.sourceImage
  const has = (kw: string) => o.changes.some((ch) => new RegExp(`^\\s*${kw}\\s`, 'i').test(ch))
  const out: string[] = []
  if (src && !state.container?.ownRunCommand) {
    // docker commit cannot clear CMD; an image without one gets a plain shell.
    if (!has('CMD')) out.push(`CMD ${JSON.stringify(src.cmd ?? ['/bin/sh'])}`)
    if (state.container?.entrypointOverridden && src.entrypoint && !has('ENTRYPOINT')) out.push(`ENTRYPOINT ${JSON.stringify(src.entrypoint)}`)
  }
  out.push(`LABEL ${BUILD_ID_LABEL}="" ${BUILD_NAME_LABEL}="" ${IMAGE_BUILD_ID_LABEL}=${JSON.stringify(env.build.id)}`)
  const labels = Object.entries(o.labels)
  if (labels.length > 0) out.push(`LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ')}`)
  out.push(...o.changes)
  return out
}

/** After --force moved tags away: delete the old images that nothing uses any more. */
async function removeReplaced(state: DockerState, newId: string, say: (s: string) => void): Promise<void> {
  const old = new Set(Object.values(state.replacedTags ?? {}).filter((id) => id !== newId))
  for (const id of old) {
    // Without -f: Docker refuses while the image still has a tag, a container or a child.
    try {
      await docker(['rmi', id])
      say(`Removed the replaced image ${shortId(id)}`)
    } catch (err) {
      say(`Kept the replaced image ${shortId(id)}: ${errorMessage(err)}`)
    }
  }
}
