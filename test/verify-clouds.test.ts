/**
 * The verify phase on each cloud builder against the emulator: after the image exists, a machine
 * of the new image (a container, since the checks need a real machine) is launched through the
 * builder's own steps and checked. Passing: the image is kept and the verify machine is gone.
 * A fact broken after provisioning: the build fails naming the check, and leaves nothing.
 *
 * Every test runs on an emulator and state directory of its own (`isolated`) and waits mostly on
 * machines booting and polls: each group's three clouds run side by side (`it.concurrent`), the
 * groups one after another, so no more than three clouds' machines boot at once on a busy machine.
 */
import { describe, expect, it } from 'vitest'
import { commandCheck, type ProvisionerPlugin, type VerifySpec } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'
import { ALICLOUD_MATRIX } from '../packages/builder-alicloud/test/support.js'
import { AWS_MATRIX } from '../packages/builder-aws/test/support.js'
import { HUAWEI_MATRIX } from '../packages/builder-huawei/test/support.js'
import { cancelDuring, isolated, type CancelPoint, type MatrixCloud } from './support/cloud-matrix.js'

const verify: VerifySpec = {
  checks: [commandCheck({ name: 'marker', command: 'cat /etc/tsimg-marker', stdout: ['made by tsimg'] })],
}
const breakMarker = shell({ inline: ['sudo -n rm -f /etc/tsimg-marker 2>/dev/null || rm -f /etc/tsimg-marker'] })

/** The verify machine's steps that ran, by the engine's events. */
const verifySteps = (events: readonly { type: string; step?: string }[]) =>
  events.flatMap((e) => (e.type === 'step-start' && e.step?.startsWith('verify') ? [e.step] : []))

const ROWS: [string, MatrixCloud<any, any>, string[]][] = [
  ['amazon-ebs', AWS_MATRIX, ['verify', 'verify:aws:run-instance', 'verify:ssh:connect', 'verify:checks']],
  ['alicloud-ecs', ALICLOUD_MATRIX, ['verify', 'verify:alicloud:instance', 'verify:alicloud:public-ip', 'verify:ssh:connect', 'verify:checks']],
  ['huaweicloud-ecs', HUAWEI_MATRIX, ['verify', 'verify:huaweicloud:server', 'verify:ssh:connect', 'verify:checks']],
]

describe('verify phase on the cloud builders (emulator, container machines)', { timeout: 900_000 }, () => {
  for (const [name, cloud, steps] of ROWS) {
    it.concurrent(
      `${name}: verify passes on an instance of the new image; with the fact broken the build fails naming the check and leaves nothing`,
      async () => {
        await isolated(cloud, async (m) => {
          const good = await m.run({ machine: 'container', verify })
          expect(good.summary.error?.message).toBeUndefined()
          expect(good.summary.outcome).toBe('success')
          expect(verifySteps(good.events)).toEqual(steps)
          expect(good.summary.checks?.map((c) => [c.name, c.outcome])).toEqual([
            ['command: marker: exit-status', 'pass'],
            ['command: marker: stdout', 'pass'],
          ])
          const image = good.summary.artifacts[0]!.id.split(',')[0]!.split(':').pop()!
          // Only the image (and its snapshots) stay: the verify machine is gone with the build's.
          const kinds = new Set(m.alive().map((e: { type: string }) => e.type))
          expect([...kinds].filter((k) => !['image', 'snapshot'].includes(k))).toEqual([])
          // The verify machine was launched from the new image.
          expect(good.lines.some((l) => l.includes(image) && /(instance|server).*of the new (AMI|image)/.test(l))).toBe(true)

          const kept = m.alive().map((e: { id: string }) => e.id)
          const provisioners: ProvisionerPlugin<any>[] = [...cloud.provisioners(), breakMarker]
          const bad = await m.run({ machine: 'container', verify, provisioners })
          expect(bad.summary.outcome).toBe('failed')
          const msg = bad.summary.error?.message ?? ''
          expect(msg).toMatch(/^Verify failed: 2 of 2 checks failed on a machine started from the image:/)
          expect(msg).toContain('  - command: marker: exit-status: expected 0, found 1')
          await m.expectNothingLeft(bad, kept)
        })
      },
    )
  }
})

/** Where each cloud's verify machine is starting: its launch step, one of its calls held by the emulator. */
const STARTING: [string, MatrixCloud<any, any>, CancelPoint][] = [
  ['amazon-ebs', AWS_MATRIX, { step: 'verify:aws:run-instance', hold: { action: 'DescribeInstances' } }],
  // Alibaba's SDK takes no abort signal: the held read is awaited, then the runner stops.
  ['alicloud-ecs', ALICLOUD_MATRIX, { step: 'verify:alicloud:instance', hold: { action: 'DescribeInstances' }, awaitsHeldCall: true }],
  ['huaweicloud-ecs', HUAWEI_MATRIX, { step: 'verify:huaweicloud:server', hold: { action: 'ShowJob' }, atLine: 'Server ID:' }],
]

describe('cancel while the verify machine starts (emulator, container machines)', { timeout: 900_000 }, () => {
  for (const [name, cloud, point] of STARTING) {
    it.concurrent(`${name}: cancelled in ${point.step} with ${point.hold!.action} held: the verify machine, the image and the rest are gone`, async () => {
      await isolated(cloud, async (m) => {
        const ac = new AbortController()
        const cancel = cancelDuring(m.emu, ac, point)
        const r = await m.run({ machine: 'container', verify, signal: ac.signal, onEvent: (e) => cancel.onEvent(e) })
        cancel.expectLanded(r)
        expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
        await m.expectNothingLeft(r)
      })
    })
  }
})

describe('tsimg verify --image on each cloud (emulator, container machines)', { timeout: 900_000 }, () => {
  for (const [name, cloud] of ROWS.map(([n, c]) => [n, c] as const)) {
    it.concurrent(`${name}: an existing good image passes, a broken one fails naming the check; neither run makes or leaves anything`, async () => {
      await isolated(cloud, async (m) => {
        const idOf = (r: { summary: { artifacts: { id: string }[] } }) => r.summary.artifacts[0]!.id.split(',')[0]!.split(':').pop()!
        const good = await m.run({ machine: 'container' })
        const bad = await m.run({ machine: 'container', provisioners: [...cloud.provisioners(), breakMarker] })
        expect([good.summary.outcome, bad.summary.outcome]).toEqual(['success', 'success'])
        const images = m.alive().map((e: { id: string }) => e.id)

        const ok = await m.run({ machine: 'container', verify, verifyImage: idOf(good), provisioners: [] })
        expect(ok.summary.error?.message).toBeUndefined()
        expect(ok.summary.artifacts).toEqual([])
        expect(ok.summary.checks?.map((c) => c.outcome)).toEqual(['pass', 'pass'])
        expect(verifySteps(ok.events).slice(0, 2)).toEqual(steps(name).slice(0, 2))
        expect(ok.lines.some((l) => l.includes(`of the ${name === 'amazon-ebs' ? 'AMI' : 'image'} ${idOf(good)}`))).toBe(true)
        await m.expectNothingLeft(ok, images)

        const no = await m.run({ machine: 'container', verify, verifyImage: idOf(bad), provisioners: [] })
        expect(no.summary.outcome).toBe('failed')
        expect(no.summary.error?.message).toContain('  - command: marker: exit-status: expected 0, found 1')
        await m.expectNothingLeft(no, images)
      })
    })
  }
})

function steps(name: string): string[] {
  return ROWS.find(([n]) => n === name)![2]
}
