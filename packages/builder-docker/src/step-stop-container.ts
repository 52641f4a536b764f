import type { Step } from '@tsimg/core/plugin'
import { docker } from './docker-cli.js'
import type { DockerEnv, DockerState } from './state.js'

/**
 * Reads state.container; closes the SSH connection (its server is about to go away) and stops
 * the container so the commit sees a quiet filesystem; sets state.machineDown. Creates nothing.
 */
export function stopContainer(env: DockerEnv): Step<DockerState> {
  return {
    name: 'docker:stop-container',
    async run({ state, ui, signal }) {
      const c = state.container
      if (!c) return
      await state.communicator?.close()
      // From here on nothing may run in it (the error-cleanup provisioner would only wait).
      state.machineDown = true
      ui.say(`Stopping the container: ${c.id}`)
      await docker(['stop', '-t', String(env.options.stopTimeout), c.id], { signal })
    },
  }
}
