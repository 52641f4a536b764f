import { describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const t = useEmulator()

// Cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) while each step runs.
const steps = [
  'aws:prevalidate',
  'aws:source-ami',
  'aws:network-info',
  'aws:key-pair',
  'aws:security-group',
  'aws:run-instance',
  'ssh:connect',
  'provision',
  'aws:stop-instance',
  'aws:create-image',
  'aws:copy-images',
  'aws:modify-image',
  'aws:tag-image',
]

const WAITING = new Set(['aws:run-instance', 'ssh:connect', 'provision', 'aws:stop-instance', 'aws:create-image', 'aws:copy-images'])

describe('a cancel at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(steps)('cancelled during %s', async (step) => {
    const ac = new AbortController()
    const { summary, events } = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'], amiUsers: ['210987654321'], tags: { Name: 'c' } }), {
      stateDir: t.stateDir,
      signal: ac.signal,
      onEvent: (e) => {
        // Steps that wait are cancelled a moment in (mid-call or mid-wait); quick ones as they start,
        // or they would be over before the cancel lands.
        if (e.type === 'step-start' && e.step === step) {
          if (WAITING.has(step)) setTimeout(() => ac.abort(), 30)
          else ac.abort()
        }
      },
    })
    expect(events.some((e) => e.type === 'step-start' && e.step === step)).toBe(true)
    expect(summary.outcome).toBe('cancelled')
    expect(events.filter((e) => e.type === 'cleanup-end' && e.error)).toEqual([])
    expect(leftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })
})
