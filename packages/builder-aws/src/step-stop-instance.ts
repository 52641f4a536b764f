import { StopInstancesCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core'
import { pollOptions, type AwsEnv, type AwsState } from './state.js'
import { describeInstance } from './step-run-instance.js'
import { pollUntil } from './wait.js'

/**
 * Reads state.instance; stops it (unless disableStopInstance: then the provisioners must) and
 * waits until stopped, so the image is taken from a quiet disk. Creates nothing.
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
        await env.api.call(env.region, (c, x) => c.send(new StopInstancesCommand({ InstanceIds: [id] }), x), { signal })
      } else {
        ui.say('Automatic instance stop disabled. Please stop instance manually.')
      }
      ui.say('Waiting for the instance to stop...')
      const done = ui.wait('Waiting for the instance to stop')
      try {
        await pollUntil(
          `instance (${id}) to stop`,
          async () => {
            const s = (await describeInstance(env, id, signal))?.State?.Name
            if (s === 'stopped') return { done: true, value: undefined }
            if (s === 'terminated' || s === 'shutting-down') return { failed: `instance entered state ${s}` }
            return { done: false, ...(s ? { state: s } : {}) }
          },
          pollOptions(env, signal),
        )
      } finally {
        done()
      }
    },
  }
}
