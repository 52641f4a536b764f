import type { Step } from '@tsimg/core/plugin'
import { waitFor } from '@tsimg/cloud-kit'
import { describeInstance } from './ops.js'
import { Ecs } from './sdk.js'
import { type AliState } from './state.js'
import { pollLimit, type AliEnv } from './env.js'

/**
 * Stops the instance (forceStopInstance: without a clean shutdown) unless disableStopInstance,
 * and waits until it is Stopped, so the image is taken from a quiet disk. Creates nothing.
 */
export function stopInstance(env: AliEnv): Step<AliState> {
  return {
    name: 'alicloud:stop-instance',
    async run({ state, ui, signal }) {
      const id = state.instance!.id
      const r = env.region
      // The SSH session is done: close it before the machine goes away under it.
      await state.communicator?.close().catch(() => undefined)
      if (env.options.disableStopInstance) {
        ui.say('Automatic instance stop disabled. Please stop instance manually.')
      } else {
        ui.say(`Stopping instance: ${id}`)
        await env.api.ecs('StopInstance', r, (c) => c.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, forceStop: env.options.forceStopInstance })), {
          signal,
          retry: ['conflict'],
          budget: { attempts: 8 },
        })
      }
      // Packer's line is the wait's headline: one line, not Packer's and then the kit's own.
      await waitFor({
        resource: `instance ${id}`,
        until: 'to stop',
        headline: `Waiting instance stopped: ${id}`,
        ui,
        signal,
        ...pollLimit(env, 10 * 60_000),
        probe: async (s) => {
          const st = (await describeInstance(env.api, r, id, s))?.status
          if (st === 'Stopped') return { done: true, value: undefined }
          return { done: false, ...(st ? { state: st } : {}) }
        },
      })
      state.machineDown = true
    },
  }
}
