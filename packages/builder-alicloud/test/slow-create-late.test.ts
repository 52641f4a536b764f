import { describe, expect, it, vi } from 'vitest'
import { callAnswers as answers, cancelWhenHeld, isolated } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX, CREATES } from './support.js'

// The SDK gives up on an ordinary call after 10 s idle (its connect timeout is the socket idle
// timeout) or 30 s (its read timeout): a create the server holds longer than that
// must still be awaited by a cancelled build's cleanup (the request waits for the create's
// bound instead), or what it makes appears after the build has exited.
const LATE_MS = 35_000

// Every row waits out its own hold: all of them at once (vitest's default is 5 at a time),
// so the file takes one hold plus a build, not two.
vi.setConfig({ maxConcurrency: CREATES.length })

// The subject is the API (a create held past the SDK's timeout) and the teardown: machines on
// paper. The rows share nothing, so each has an emulator of its own and they wait side by side.
describe.concurrent('a create the server holds past the SDK timeout, cancelled meanwhile, leaves nothing, now or later', () => {
  it.each(CREATES)(
    'cancelled while $action is held 35 s (it acts at the end): the build waits for it, deletes it, and nothing appears later',
    ({ action, before }) => {
      const a = answers()
      return isolated(
        ALICLOUD_MATRIX,
        async (m) => {
          m.emu.injectFault({ action, cloud: 'alicloud', delayMs: LATE_MS, times: 1 })
          const ac = new AbortController()
          // Cancel once the server holds the request (the fault counts it as it starts waiting).
          const cancel = cancelWhenHeld(m.emu, action, ac)
          const r = await m.run({
            machine: 'paper',
            over: { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] },
            signal: ac.signal,
            onEvent: (e) => e.type === 'ui' && e.text.startsWith(before) && cancel.arm(),
          })
          cancel.disarm()
          expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
          expect(m.emu.faultsFired()[action] ?? 0).toBe(1)
          // The build did not exit before the held call acted: the emulator had answered it already.
          expect(a.answered.filter((c) => c.action === action).map((c) => c.status)).toEqual([200])
          await m.expectNothingLeft(r)
          // And nothing appears later: once the held call has acted, still nothing is left.
          await a.acted(action)
          expect(m.alive()).toEqual([])
        },
        { seed: 35, onCall: a.onCall },
      )
    },
    600_000,
  )
})
