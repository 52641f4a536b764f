import { describe, expect, it } from 'vitest'
import { useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX } from './support.js'

const m = useCloudMatrix(ALICLOUD_MATRIX, { seed: 32 })

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
/** A cancel during SSH or provisioning needs a real machine; every other step's subject is the API and the teardown. */
const CONTAINER = new Set(['ssh:connect', 'provision'])

describe('a cancel at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(steps)('cancelled during %s', async (step) => {
    const ac = new AbortController()
    const r = await m.run({
      machine: CONTAINER.has(step) ? 'container' : 'paper',
      // The system-disk snapshot, a copy and a share, so every kind of resource is made.
      over: { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'], imageShareAccount: ['1234567890123456'] },
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'step-start' && e.step === step) {
          if (WAITING.has(step)) setTimeout(() => ac.abort(), 150)
          else ac.abort()
        }
      },
    })
    expect(r.events.some((e) => e.type === 'step-start' && e.step === step)).toBe(true)
    expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
    await m.expectNothingLeft(r)
  })
})
