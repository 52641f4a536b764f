import { afterEach, describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const t = useEmulator()
afterEach(() => t.emu.clearFaults())

/** The line each step says just before its create call. */
const creates = [
  { action: 'ImportKeyPair', before: 'Creating temporary keypair' },
  { action: 'CreateSecurityGroup', before: 'Creating temporary security group' },
  { action: 'RunInstances', before: 'Launching a source AWS instance' },
  { action: 'CreateImage', before: 'Creating AMI' },
  { action: 'CopyImage', before: 'Copying to:' },
] as const

async function cancelAt(before: string) {
  const ac = new AbortController()
  const result = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'] }), {
    stateDir: t.stateDir,
    signal: ac.signal,
    // The create is sent right after this line and takes seconds to land: cancel while it is in flight.
    onEvent: (e) => {
      if (e.type === 'ui' && e.text.startsWith(before)) setTimeout(() => ac.abort(), 300)
    },
  })
  return result
}

describe('a cancel while a create is in flight leaves nothing behind', () => {
  it.each(creates)('cancelled while $action is slow (the server acts after the cancel): cleanup awaits it and deletes what it made', async ({ action, before }) => {
    const firedBefore = t.emu.backend.faults.fired.get(action) ?? 0
    t.emu.injectFault({ action, delayMs: 4000, times: 1 })
    const { summary, events } = await cancelAt(before)
    expect(summary.outcome, summary.error?.message).toBe('cancelled')
    // The slow call really was made (the cancel landed while it was in flight).
    expect((t.emu.backend.faults.fired.get(action) ?? 0) - firedBefore).toBe(1)
    expect(events.filter((e) => e.type === 'cleanup-end' && e.error)).toEqual([])
    expect(leftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 600_000)

  it('cancelled while CreateSecurityGroup is being retried after lost answers: the group made by the first attempt is found and deleted', async () => {
    t.emu.injectFault({ action: 'CreateSecurityGroup', code: 'InternalError', phase: 'after', delayMs: 1000, times: 3 })
    const { summary, events } = await cancelAt('Creating temporary security group')
    expect(summary.outcome, summary.error?.message).toBe('cancelled')
    expect(events.filter((e) => e.type === 'cleanup-end' && e.error)).toEqual([])
    expect(leftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 600_000)
})
