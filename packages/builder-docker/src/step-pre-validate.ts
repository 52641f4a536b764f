import { TsimgError, type Step } from '@tsimg/core/plugin'
import { imageId } from './docker-cli.js'
import { shortId, type DockerEnv, type DockerState } from './state.js'

/**
 * Reads the target tags; fails when one already names an image, unless --force, in which
 * case it records the old image ids (state.replacedTags) for the commit step. Creates nothing.
 */
export function prevalidate(env: DockerEnv): Step<DockerState> {
  return {
    name: 'docker:prevalidate',
    async run({ state, ui, signal, build }) {
      const { options } = env
      if (!options.commit || options.tags.length === 0) return
      const replaced: Record<string, string> = {}
      for (const tag of options.tags) {
        const existing = await imageId(tag, signal)
        if (!existing) continue
        if (!build.force) {
          throw new TsimgError('IMAGE_EXISTS', `image ${tag} already exists; use --force to replace it`, {
            hint: `Run with --force, or remove it first: docker rmi ${tag}`,
          })
        }
        replaced[tag] = existing
        ui.say(`Force flag found: image ${tag} (${shortId(existing)}) will be replaced`)
      }
      state.replacedTags = replaced
    },
  }
}
