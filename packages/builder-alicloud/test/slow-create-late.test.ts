import { afterEach, describe, expect, it } from 'vitest'
import type { CallRecord } from '@tsimg/cloud-emulator'
import { CREATES, cleanupErrors, emulatorSource, journalFiles, leftovers, runBuild, settledLeftovers, useEmulator } from './support.js'

// The SDK gives up on an ordinary call after 10 s idle (its connect timeout is the socket idle
// timeout) or 30 s (its read timeout): a create the server holds longer than that
// must still be awaited by a cancelled build's cleanup (the request waits for the create's
// bound instead), or what it makes appears after the build has exited.
const LATE_MS = 35_000

const answered: CallRecord[] = []
const waiters: Array<() => void> = []
const t = useEmulator({
  seed: 35,
  onCall: (c: CallRecord) => {
    answered.push(c)
    for (const w of waiters.splice(0)) w()
  },
})
afterEach(() => {
  t.emu.clearFaults()
  answered.length = 0
})

/** Resolves once the emulator has answered `action` (the slow call acted and replied), however late. */
async function acted(action: string): Promise<void> {
  while (!answered.some((c) => c.action === action)) await new Promise<void>((r) => waiters.push(r))
}

describe('a create the server holds past the SDK timeout, cancelled meanwhile, leaves nothing, now or later', () => {
  it.each(CREATES)('cancelled while $action is held 35 s (it acts at the end): the build waits for it, deletes it, and nothing appears later', async ({ action, before }) => {
    const firedBefore = t.emu.faultsFired()[action] ?? 0
    t.emu.injectFault({ action, cloud: 'alicloud', delayMs: LATE_MS, times: 1 })
    const ac = new AbortController()
    let poll: NodeJS.Timeout | undefined
    const { summary, events } = await runBuild(emulatorSource(t.emu, { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] }), {
      stateDir: t.stateDir,
      signal: ac.signal,
      // Cancel once the server holds the request (the fault counts it as it starts waiting).
      onEvent: (e) => {
        if (e.type !== 'ui' || !e.text.startsWith(before)) return
        poll ??= setInterval(() => {
          if ((t.emu.faultsFired()[action] ?? 0) > firedBefore) {
            clearInterval(poll)
            ac.abort()
          }
        }, 20)
      },
    })
    clearInterval(poll)
    expect(summary.outcome, summary.error?.message).toBe('cancelled')
    expect((t.emu.faultsFired()[action] ?? 0) - firedBefore).toBe(1)
    // The build did not exit before the held call acted: the emulator had answered it already.
    expect(answered.filter((c) => c.action === action).map((c) => c.status)).toEqual([200])
    expect(cleanupErrors(events)).toEqual([])
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
    // And nothing appears later: once the held call has acted, still nothing is left.
    await acted(action)
    expect(leftovers(t.emu)).toEqual([])
  }, 600_000)
})
