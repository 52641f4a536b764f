// A cancel while a create (or a job poll) is slow to answer: the cloud acts after the cancel,
// and cleanup awaits the create, finds what it made and deletes it.
import { describe, expect, it } from 'vitest'
import { cancelWhenHeld, isolated } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX } from './support.js'

/** The call made slow, and the line said just before it is sent. */
const slow = [
  { action: 'NovaCreateKeypair', before: 'Creating temporary keypair' },
  { action: 'CreateVpc', before: 'Creating temporary VPC' },
  { action: 'CreateSubnet', before: 'Creating temporary subnet' },
  { action: 'CreateSecurityGroup', before: 'Creating temporary security group' },
  { action: 'CreatePostPaidServers', before: 'Creating server' },
  { action: 'ShowJob', before: 'Server ID:', what: 'the server job' },
  { action: 'CreateImage', before: 'Creating image' },
  { action: 'ShowJob', before: 'Image:', what: 'the image job' },
] as const

// The subject is the API (a slow create) and the teardown: machines on paper. The rows share
// nothing, so each has an emulator of its own and they wait out their slow calls side by side.
describe.concurrent('a cancel while a create is in flight leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(slow.map((s) => [`${s.action}${'what' in s ? ` (${s.what})` : ''}`, s] as const))(
    'cancelled while %s is slow: cleanup awaits it and deletes what it made',
    (_, s) =>
      isolated(HUAWEI_MATRIX, async (m) => {
        const ac = new AbortController()
        const cancel = cancelWhenHeld(m.emu, s.action, ac)
        let armed = false
        const r = await m.run({
          machine: 'paper',
          signal: ac.signal,
          onLine: (line) => {
            if (armed || !line.startsWith(s.before)) return
            armed = true
            // The next such call takes 4s to answer (the server acts first for a create): cancel
            // once the emulator holds it, so the cancel lands while it is in flight.
            m.emu.injectFault({ action: s.action, delayMs: 4000, times: 1 })
            cancel.arm()
          },
        })
        cancel.disarm()
        expect(armed).toBe(true)
        expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
        // The slow call really was made: the cancel landed while it was in flight.
        expect(m.emu.faultsFired()[s.action] ?? 0).toBe(1)
        await m.expectNothingLeft(r)
      }),
  )
})
