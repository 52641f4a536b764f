import { describe, expect, it } from 'vitest'
import { cleanupErrors, emulatorSource, journalFiles, runBuild, settledLeftovers, useEmulator } from './support.js'

const t = useEmulator({ seed: 32 })

// Cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) while each step runs.
const steps = [
  'alicloud:prevalidate',
  'alicloud:source-image',
  'alicloud:key-pair',
  'alicloud:network',
  'alicloud:security-group',
  'alicloud:instance',
  'alicloud:public-ip',
  'ssh:connect',
  'provision',
  'alicloud:stop-instance',
  'alicloud:create-image',
  'alicloud:copy-share',
]

// Steps that wait (on a state change, SSH or a long call) are cancelled a moment in, mid-call or
// mid-wait; quick ones as they start, or they would be over before the cancel lands.
const WAITING = new Set(['alicloud:instance', 'alicloud:public-ip', 'ssh:connect', 'provision', 'alicloud:stop-instance', 'alicloud:create-image', 'alicloud:copy-share'])

describe('a cancel at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(steps)('cancelled during %s', async (step) => {
    const ac = new AbortController()
    const { summary, events } = await runBuild(
      // The system-disk snapshot, a copy and a share, so every kind of resource is made.
      emulatorSource(t.emu, { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'], imageShareAccount: ['1234567890123456'] }),
      {
        stateDir: t.stateDir,
        signal: ac.signal,
        onEvent: (e) => {
          if (e.type === 'step-start' && e.step === step) {
            if (WAITING.has(step)) setTimeout(() => ac.abort(), 150)
            else ac.abort()
          }
        },
      },
    )
    expect(events.some((e) => e.type === 'step-start' && e.step === step)).toBe(true)
    expect(summary.outcome, summary.error?.message).toBe('cancelled')
    expect(cleanupErrors(events)).toEqual([])
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })
})
