import { describe, expect, it } from 'vitest'
import { useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { AWS_MATRIX } from './support.js'

const m = useCloudMatrix(AWS_MATRIX)

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
/** A cancel during SSH or provisioning needs a real machine; every other step's subject is the API and the teardown. */
const CONTAINER = new Set(['ssh:connect', 'provision'])

describe('a cancel at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(steps)('cancelled during %s', async (step) => {
    const ac = new AbortController()
    const r = await m.run({
      machine: CONTAINER.has(step) ? 'container' : 'paper',
      over: { amiRegions: ['us-west-2'], amiUsers: ['210987654321'], tags: { Name: 'c' } },
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
    expect(r.events.some((e) => e.type === 'step-start' && e.step === step)).toBe(true)
    expect(r.summary.outcome).toBe('cancelled')
    await m.expectNothingLeft(r)
  })
})
