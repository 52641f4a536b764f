import { afterEach, describe, expect, it } from 'vitest'
import { CREATES, cleanupErrors, emulatorSource, journalFiles, runBuild, settledLeftovers, useEmulator } from './support.js'

const t = useEmulator({ seed: 34 })
afterEach(() => t.emu.clearFaults())

describe('a cancel while a create is in flight leaves nothing behind', () => {
  it.each(CREATES)('cancelled while $action is slow (the server acts after the cancel): cleanup awaits it and deletes what it made', async ({ action, before }) => {
    const firedBefore = t.emu.faultsFired()[action] ?? 0
    // The server waits 4 s, then acts: the cancel lands while the request is in flight.
    t.emu.injectFault({ action, cloud: 'alicloud', delayMs: 4000, times: 1 })
    const ac = new AbortController()
    let poll: NodeJS.Timeout | undefined
    const { summary, events } = await runBuild(emulatorSource(t.emu, { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] }), {
      stateDir: t.stateDir,
      signal: ac.signal,
      // Cancel once the server holds the request (the fault counts it as it starts waiting), not
      // after a fixed time: on a busy machine the journal write before the call may take longer.
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
    // The slow call really was made (the cancel landed while it was in flight).
    expect((t.emu.faultsFired()[action] ?? 0) - firedBefore).toBe(1)
    expect(cleanupErrors(events)).toEqual([])
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 600_000)
})
