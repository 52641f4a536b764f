import { StopInstancesCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { waitFor } from '@tsimg/cloud-kit'
import { type AwsState } from './state.js'
import { pollLimit, type AwsEnv } from './env.js'
import { describeInstance } from './instances.js'

/**
 * Reads state.instance; stops it (unless disableStopInstance: then the provisioners must) and
 * waits until stopped, so the image is taken from a quiet disk; then sets state.machineDown.
 * Creates nothing.
 */
export function stopInstance(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:stop-instance',
    async run({ state, ui, signal }) {
      const id = state.instance!.id
      // The SSH session is done: close it before the machine goes away under it.
      await state.communicator?.close().catch(() => undefined)
      if (!env.options.disableStopInstance) {
        ui.say('Stopping the source instance...')
        await env.api.send(env.region, new StopInstancesCommand({ InstanceIds: [id] }), { signal })
      } else {
        ui.say('Automatic instance stop disabled. Please stop instance manually.')
      }
      await waitFor({
        resource: `instance ${id}`,
        until: 'to stop',
        headline: 'Waiting for the instance to stop...',
        ui,
        signal,
        ...pollLimit(env),
        probe: async (s) => {
          const st = (await describeInstance(env, id, s))?.State?.Name
          if (st === 'stopped' || st === 'terminated' || st === 'shutting-down') state.machineDown = true
          if (st === 'stopped') return { done: true, value: undefined }
          if (st === 'terminated' || st === 'shutting-down') return { failed: `instance entered state ${st}` }
          return { done: false, ...(st ? { state: st } : {}) }
        },
      })
    },
  }
}
