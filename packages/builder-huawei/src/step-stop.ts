import { BatchStopServersRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import type { Step } from '@tsimg/core/plugin'
import { waitFor } from '@tsimg/cloud-kit'
import { field } from './api.js'
import { showServer } from './server.js'
import { type HuaweiState } from './state.js'
import { pollLimit, type HuaweiEnv } from './env.js'

/** Stops the server (soft) and waits for its job and SHUTOFF; any failure to stop fails the build. */
export function stopServer(env: HuaweiEnv): Step<HuaweiState> {
  return {
    name: 'huaweicloud:stop',
    async run({ state, ui, signal }) {
      const id = state.server!.id
      ui.say(`Stopping server ${id}...`)
      const res = await env.api.sdk(
        'BatchStopServers',
        (c) => c.ecs.batchStopServers(new BatchStopServersRequest().withBody({ 'os-stop': { servers: [{ id }], type: 'SOFT' } } as never)),
        { signal },
      )
      const jobId = field(res, 'jobId', 'job_id')
      if (jobId) await env.api.waitJob('ecs', String(jobId), `stopping server ${id}`, pollLimit(env), signal)
      await waitFor({
        resource: `server ${id}`,
        until: 'to stop',
        ui,
        signal,
        ...pollLimit(env),
        probe: async (s) => {
          const v = await showServer(env.api, id, s)
          if (!v) return { failed: 'the server is gone' }
          if (v.status === 'SHUTOFF') return { done: true, value: undefined }
          if (v.status === 'ERROR') return { failed: 'the server entered state ERROR' }
          return { done: false, state: v.status }
        },
      })
      state.machineDown = true
    },
  }
}
