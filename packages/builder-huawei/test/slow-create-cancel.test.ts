// A cancel while a create (or a job poll) is slow to answer: the cloud acts after the cancel,
// and cleanup awaits the create, finds what it made and deletes it.
import { describe, expect, it } from 'vitest'
import { emulatorSource, expectNothingLeft, runBuild, useEmulator } from './support.js'

const t = useEmulator()

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

describe('a cancel while a create is in flight leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(slow.map((s) => [`${s.action}${'what' in s ? ` (${s.what})` : ''}`, s] as const))('cancelled while %s is slow: cleanup awaits it and deletes what it made', async (_, s) => {
    const firedBefore = t.emu.faultsFired()[s.action] ?? 0
    const ac = new AbortController()
    let armed = false
    const r = await runBuild(emulatorSource(t.emu), {
      stateDir: t.stateDir,
      signal: ac.signal,
      onLine: (line) => {
        if (armed || !line.startsWith(s.before)) return
        armed = true
        // The next such call takes 4s to answer (the server acts first for a create): cancel while it is in flight.
        t.emu.injectFault({ action: s.action, delayMs: 4000, times: 1 })
        setTimeout(() => ac.abort(), 300)
      },
    })
    expect(armed).toBe(true)
    expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
    // The slow call really was made: the cancel landed while it was in flight.
    expect((t.emu.faultsFired()[s.action] ?? 0) - firedBefore).toBe(1)
    await expectNothingLeft(t.emu, t.stateDir, r)
  })
})
