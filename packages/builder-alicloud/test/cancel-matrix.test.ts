import { describe, expect, it } from 'vitest'
import { cancelDuring, isolated, type CancelPoint } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX } from './support.js'

// Cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) while each step runs. Each
// step with an API call has one of its calls held by the emulator, and the cancel is issued
// once the emulator holds it: the cancel lands inside the step, however quick the step is.
// SSH and provisioning send no call: they are cancelled in their start event.
// Alibaba's SDK takes no abort signal: a read in flight (`awaitsHeldCall`) is awaited, and the
// runner stops before the next step; the other calls' steps end with the cancel.
const awaitsHeldCall = true
const points: CancelPoint[] = [
  { step: 'alicloud:prevalidate', hold: { action: 'DescribeRegions' } },
  { step: 'alicloud:source-image', hold: { action: 'DescribeImageFromFamily' }, awaitsHeldCall },
  { step: 'alicloud:key-pair', hold: { action: 'ImportKeyPair' } },
  // Once the VPC exists, while its vSwitch is being made.
  { step: 'alicloud:network', hold: { action: 'CreateVSwitch' } },
  // Once the group exists, while its SSH rule is being added.
  { step: 'alicloud:security-group', hold: { action: 'AuthorizeSecurityGroup' }, awaitsHeldCall },
  // Once the instance exists, while the build waits for it to run.
  { step: 'alicloud:instance', hold: { action: 'DescribeInstances' }, awaitsHeldCall },
  // Once the EIP is allocated and associated, while the build waits for it to be bound.
  { step: 'alicloud:public-ip', hold: { action: 'DescribeEipAddresses' }, awaitsHeldCall },
  { step: 'ssh:connect' },
  { step: 'provision' },
  { step: 'alicloud:stop-instance', hold: { action: 'DescribeInstances' }, awaitsHeldCall },
  // Once the system disk snapshot exists, while the build waits for it.
  { step: 'alicloud:create-image', hold: { action: 'DescribeSnapshots' } },
  // Once the copy exists, while the build waits for it.
  { step: 'alicloud:copy-share', hold: { action: 'DescribeImages' } },
  // The build's last call: the share answers after the cancel and the step ends as if none had come; the build is still cancelled.
  { step: 'alicloud:copy-share', hold: { action: 'ModifyImageSharePermission' }, awaitsHeldCall },
]

/** A cancel during SSH or provisioning needs a real machine; every other step's subject is the API and the teardown. */
const CONTAINER = new Set(['ssh:connect', 'provision'])

// Each row on an emulator of its own (seed 32) and a state directory of its own: the rows share
// nothing and mostly wait (held calls, polls), so they run side by side.
describe.concurrent('a cancel at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(points.map((p) => [`${p.step}${p.hold ? ` (${p.hold.action} held)` : ''}`, p] as const))('cancelled during %s', (step, point) =>
    isolated(
      ALICLOUD_MATRIX,
      async (m) => {
        const ac = new AbortController()
        const cancel = cancelDuring(m.emu, ac, point)
        const r = await m.run({
          machine: CONTAINER.has(step) ? 'container' : 'paper',
          // The system-disk snapshot, a copy and a share, so every kind of resource is made.
          over: { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'], imageShareAccount: ['1234567890123456'] },
          signal: ac.signal,
          onEvent: (e) => cancel.onEvent(e),
        })
        cancel.expectLanded(r)
        expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
        await m.expectNothingLeft(r)
      },
      { seed: 32 },
    ),
  )
})
