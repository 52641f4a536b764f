import { describe, expect, it } from 'vitest'
import { callAnswers, cancelWhenHeld, expectSlowCreateCancelled, isolated } from '../../../test/support/cloud-matrix.js'
import { AWS_MATRIX } from './support.js'

/** The line each step says just before its create call. */
const creates = [
  { action: 'ImportKeyPair', before: 'Creating temporary keypair' },
  { action: 'CreateSecurityGroup', before: 'Creating temporary security group' },
  { action: 'RunInstances', before: 'Launching a source AWS instance' },
  { action: 'CreateImage', before: 'Creating AMI' },
  { action: 'CopyImage', before: 'Copying to:' },
] as const

// The EC2 SDK sets no request timeout: a create's request runs until the kit's create bound. Held
// as long as the other clouds' slow-create-late rows, past any SDK's ordinary timeout.
const LATE_MS = 35_000

// The subject is the API (a slow create) and the teardown: machines on paper. The rows share
// nothing, so each has an emulator of its own and they wait out their slow calls side by side.
describe.concurrent('a cancel while a create is in flight leaves nothing behind', () => {
  it.each(creates)(
    'cancelled while $action is held 35 s (the server acts at the end, after the cancel): the build waits for it, deletes what it made, and nothing appears later',
    (create) => {
      const a = callAnswers()
      return isolated(
        AWS_MATRIX,
        (m) => expectSlowCreateCancelled(m, { create, holdMs: LATE_MS, over: { amiRegions: ['us-west-2'] }, late: { answers: a, status: 200 } }),
        { onCall: a.onCall },
      )
    },
    600_000,
  )

  it(
    'cancelled while CreateSecurityGroup is being retried after lost answers: the group made by the first attempt is found and deleted',
    () =>
      isolated(AWS_MATRIX, async (m) => {
        m.emu.injectFault({ action: 'CreateSecurityGroup', code: 'InternalError', phase: 'after', delayMs: 1000, times: 3 })
        const ac = new AbortController()
        // The first call has made the group and holds its (lost) answer: the build is in its retry loop when the cancel lands.
        const cancel = cancelWhenHeld(m.emu, 'CreateSecurityGroup', ac)
        const r = await m.run({
          machine: 'paper',
          over: { amiRegions: ['us-west-2'] },
          signal: ac.signal,
          onLine: (l) => l.startsWith('Creating temporary security group') && cancel.arm(),
        })
        cancel.disarm()
        expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
        expect(m.emu.faultsFired().CreateSecurityGroup).toBeGreaterThanOrEqual(1)
        await m.expectNothingLeft(r)
      }),
    600_000,
  )
})
