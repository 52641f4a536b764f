// Cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) at each step of
// huaweicloud-ecs, and inside the steps that make several things: nothing is left behind.
import type { BuildEvent } from '@tsimg/core'
import { describe, expect, it } from 'vitest'
import type { MachineMode } from '@tsimg/cloud-emulator'
import { useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX } from './support.js'

const m = useCloudMatrix(HUAWEI_MATRIX)

interface Point {
  /** Where the cancel lands. */
  name: string
  /** The event after which the build is cancelled. */
  when: (e: BuildEvent) => boolean
  /** Steps that wait are cancelled a moment in (mid-call or mid-wait); quick ones at once. */
  afterMs?: number
  /** A cancel during SSH or provisioning needs a real machine; elsewhere the subject is the API and the teardown. */
  machine: MachineMode
}

const CONTAINER = new Set(['ssh:connect', 'provision'])
const atStart = (step: string, afterMs?: number): Point => ({
  name: `as ${step} starts${afterMs ? ` (+${afterMs}ms)` : ''}`, when: (e) => e.type === 'step-start' && e.step === step, ...(afterMs && { afterMs }),
  machine: CONTAINER.has(step) ? 'container' : 'paper',
})
const atLine = (name: string, prefix: string): Point => ({ name, when: (e) => e.type === 'ui' && e.text.startsWith(prefix), machine: 'paper' })

const points: Point[] = [
  atStart('huaweicloud:prevalidate'),
  atStart('huaweicloud:source-image'),
  atStart('huaweicloud:key-pair'),
  atStart('huaweicloud:network'),
  atLine('once the VPC exists, before the subnet', 'Creating temporary subnet'),
  atStart('huaweicloud:security-group'),
  atLine('once the group exists, before its rule', 'Allowing port'),
  atLine('as the server create is sent', 'Creating server'),
  atLine('once the server exists, while its job runs', 'Server ID:'),
  atStart('ssh:connect', 30),
  atStart('provision', 30),
  atStart('huaweicloud:stop', 30),
  atLine('as the image create is sent', 'Creating image'),
  atLine('once the image exists, while its job runs', 'Image:'),
  atLine('while the image is shared (members job)', 'Sharing image'),
]

describe('a cancel anywhere leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(points.map((p) => [p.name, p] as const))('cancelled %s', async (_, p) => {
    const ac = new AbortController()
    let reached = false
    const r = await m.run({
      machine: p.machine,
      over: { imageMembers: ['0123456789abcdef0123456789abcdef'] },
      signal: ac.signal,
      onEvent: (e) => {
        if (reached || !p.when(e)) return
        reached = true
        if (p.afterMs) setTimeout(() => ac.abort(), p.afterMs)
        else ac.abort()
      },
    })
    expect(reached, 'the cancel point was reached').toBe(true)
    expect(r.summary.outcome).toBe('cancelled')
    expect(r.summary.artifacts).toEqual([])
    await m.expectNothingLeft(r)
  })
})
