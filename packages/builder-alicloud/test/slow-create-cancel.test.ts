import { describe, expect, it } from 'vitest'
import { cancelWhenHeld, isolated } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX, CREATES } from './support.js'

// The subject is the API (a slow create) and the teardown: machines on paper. The rows share
// nothing, so each has an emulator of its own and they wait out their slow calls side by side.
describe.concurrent('a cancel while a create is in flight leaves nothing behind', () => {
  it.each(CREATES)(
    'cancelled while $action is slow (the server acts after the cancel): cleanup awaits it and deletes what it made',
    ({ action, before }) =>
      isolated(
        ALICLOUD_MATRIX,
        async (m) => {
          // The server waits 4 s, then acts: the cancel lands while the request is in flight.
          m.emu.injectFault({ action, cloud: 'alicloud', delayMs: 4000, times: 1 })
          const ac = new AbortController()
          // Cancel once the server holds the request (the fault counts it as it starts waiting), not
          // after a fixed time: on a busy machine the journal write before the call may take longer.
          const cancel = cancelWhenHeld(m.emu, action, ac)
          const r = await m.run({
            machine: 'paper',
            over: { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] },
            signal: ac.signal,
            onEvent: (e) => e.type === 'ui' && e.text.startsWith(before) && cancel.arm(),
          })
          cancel.disarm()
          expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
          // The slow call really was made (the cancel landed while it was in flight).
          expect(m.emu.faultsFired()[action] ?? 0).toBe(1)
          await m.expectNothingLeft(r)
        },
        { seed: 34 },
      ),
    600_000,
  )
})
