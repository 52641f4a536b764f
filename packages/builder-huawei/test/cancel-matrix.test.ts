// Cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) at each step of
// huaweicloud-ecs, and inside the steps that make several things: nothing is left behind.
// Where a row names a call, the emulator holds that call and the cancel is issued once it is
// held, so the cancel lands inside it however quick the step is; every row checks that the
// step was running when the cancel was issued and that no later step started.
import { describe, expect, it } from 'vitest'
import type { MachineMode } from '@tsimg/cloud-emulator'
import { cancelDuring, isolated, type CancelPoint } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX } from './support.js'

interface Point extends CancelPoint {
  /** Where the cancel lands. */
  name: string
  /** A cancel during SSH or provisioning needs a real machine; elsewhere the subject is the API and the teardown. */
  machine: MachineMode
}

const CONTAINER = new Set(['ssh:connect', 'provision'])
/** Cancelled while the emulator holds `action`, the step's call (the first one sent after `atLine`, if given). */
const holding = (step: string, action: string, name: string, atLine?: string, awaitsHeldCall?: boolean): Point => ({
  name,
  step,
  hold: { action },
  ...(atLine !== undefined && { atLine }),
  ...(awaitsHeldCall && { awaitsHeldCall }),
  machine: 'paper',
})
/**
 * Huawei's SDK takes no abort signal: a read in flight is awaited, and a step whose held read
 * is its last call may then end; the runner stops before the next step. Elsewhere the step
 * itself ends with the cancel.
 */
const awaitsHeldCall = true
/** Cancelled in the step's start event: SSH and provisioning send no API call. */
const atStart = (step: string): Point => ({ name: `as ${step} starts`, step, machine: CONTAINER.has(step) ? 'container' : 'paper' })
/** Cancelled as the step prints a line, before its next call is sent. */
const atLine = (step: string, name: string, prefix: string): Point => ({ name, step, atLine: prefix, machine: 'paper' })

const points: Point[] = [
  holding('huaweicloud:prevalidate', 'ListFlavors', 'during huaweicloud:prevalidate (ListFlavors held)', undefined, awaitsHeldCall),
  holding('huaweicloud:source-image', 'ListImages', 'during huaweicloud:source-image (ListImages held)', undefined, awaitsHeldCall),
  holding('huaweicloud:key-pair', 'NovaCreateKeypair', 'during huaweicloud:key-pair (NovaCreateKeypair held)'),
  holding('huaweicloud:network', 'CreateVpc', 'during huaweicloud:network (CreateVpc held)'),
  atLine('huaweicloud:network', 'once the VPC exists, before the subnet', 'Creating temporary subnet'),
  holding('huaweicloud:security-group', 'CreateSecurityGroup', 'during huaweicloud:security-group (CreateSecurityGroup held)'),
  atLine('huaweicloud:security-group', 'once the group exists, before its rule', 'Allowing port'),
  holding('huaweicloud:server', 'CreatePostPaidServers', 'as the server create is sent (CreatePostPaidServers held)', 'Creating server'),
  holding('huaweicloud:server', 'ShowJob', 'once the server exists, while its job runs (ShowJob held)', 'Server ID:'),
  atStart('ssh:connect'),
  atStart('provision'),
  holding('huaweicloud:stop', 'ShowJob', 'during huaweicloud:stop, while its job runs (ShowJob held)'),
  holding('huaweicloud:create-image', 'CreateImage', 'as the image create is sent (CreateImage held)', 'Creating image'),
  holding('huaweicloud:create-image', 'ShowJob', 'once the image exists, while its job runs (ShowJob held)', 'Image:'),
  holding('huaweicloud:create-image', 'BatchAddMembers', 'while the image is shared (members request, BatchAddMembers held)', 'Sharing image'),
  // The step's last call: the held ShowJob answers SUCCESS after the cancel and the step ends as if none had come; the build is still cancelled.
  holding('huaweicloud:create-image', 'ShowJob', "during the share's last ShowJob (ShowJob held, the step's last call)", 'Sharing image', awaitsHeldCall),
]

// Each row on an emulator and a state directory of its own: the rows share nothing and mostly
// wait (held calls, jobs, polls), so they run side by side.
describe.concurrent('a cancel anywhere leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(points.map((p) => [p.name, p] as const))('cancelled %s', (_, p) =>
    isolated(HUAWEI_MATRIX, async (m) => {
      const ac = new AbortController()
      const cancel = cancelDuring(m.emu, ac, p)
      const r = await m.run({
        machine: p.machine,
        over: { imageMembers: ['0123456789abcdef0123456789abcdef'] },
        signal: ac.signal,
        onEvent: (e) => cancel.onEvent(e),
      })
      cancel.expectLanded(r)
      expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
      expect(r.summary.artifacts).toEqual([])
      await m.expectNothingLeft(r)
    }),
  )
})
