import { describe, it, vi } from 'vitest'
import { callAnswers as answers, expectSlowCreateCancelled, isolated } from '../../../test/support/cloud-matrix.js'
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
    (create) => {
      const a = answers()
      return isolated(
        ALICLOUD_MATRIX,
        (m) =>
          expectSlowCreateCancelled(m, {
            create,
            holdMs: LATE_MS,
            cloud: 'alicloud',
            over: { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] },
            late: { answers: a, status: 200 },
          }),
        { seed: 35, onCall: a.onCall },
      )
    },
    600_000,
  )
})
