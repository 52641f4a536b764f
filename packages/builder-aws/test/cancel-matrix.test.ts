import { describe, expect, it } from 'vitest'
import { cancelDuring, isolated, type CancelPoint } from '../../../test/support/cloud-matrix.js'
import { AWS_MATRIX } from './support.js'

// Cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) while each step runs. Each
// step with an API call has one of its calls held by the emulator, and the cancel is issued
// once the emulator holds it: the cancel lands inside the step, however quick the step is.
// SSH and provisioning send no call: they are cancelled in their start event.
const points: CancelPoint[] = [
  { step: 'aws:prevalidate', hold: { action: 'DescribeImages' } },
  { step: 'aws:source-ami', hold: { action: 'DescribeImages' } },
  { step: 'aws:network-info', hold: { action: 'DescribeSubnets' } },
  { step: 'aws:key-pair', hold: { action: 'ImportKeyPair' } },
  // Once the group exists, while its SSH rule is being added.
  { step: 'aws:security-group', hold: { action: 'AuthorizeSecurityGroupIngress' } },
  // Once the instance exists, while the build waits for it to run.
  { step: 'aws:run-instance', hold: { action: 'DescribeInstances' } },
  { step: 'ssh:connect' },
  { step: 'provision' },
  { step: 'aws:stop-instance', hold: { action: 'DescribeInstances' } },
  // Once the AMI exists, while the build waits for it.
  { step: 'aws:create-image', hold: { action: 'DescribeImages' } },
  { step: 'aws:copy-images', hold: { action: 'DescribeImages' } },
  { step: 'aws:modify-image', hold: { action: 'ModifyImageAttribute' } },
  { step: 'aws:tag-image', hold: { action: 'CreateTags' } },
]

/** A cancel during SSH or provisioning needs a real machine; every other step's subject is the API and the teardown. */
const CONTAINER = new Set(['ssh:connect', 'provision'])

// Each row on an emulator and a state directory of its own: the rows share nothing and mostly
// wait (held calls, polls), so they run side by side.
describe.concurrent('a cancel at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(points.map((p) => [p.step, p] as const))('cancelled during %s', (step, point) =>
    isolated(AWS_MATRIX, async (m) => {
      const ac = new AbortController()
      const cancel = cancelDuring(m.emu, ac, point)
      const r = await m.run({
        machine: CONTAINER.has(step) ? 'container' : 'paper',
        over: { amiRegions: ['us-west-2'], amiUsers: ['210987654321'], tags: { Name: 'c' } },
        signal: ac.signal,
        onEvent: (e) => cancel.onEvent(e),
      })
      cancel.expectLanded(r)
      expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
      await m.expectNothingLeft(r)
    }),
  )
})
