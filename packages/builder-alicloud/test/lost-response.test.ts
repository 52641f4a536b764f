import { describe, expect, it } from 'vitest'
import { failedStep, isolated, journalFiles } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX, CREATES } from './support.js'

// Every row's subject is the API (an answer lost after the server acted) and the teardown: machines on paper.
// Each row on an emulator (seed 33) and a state directory of its own: the rows share nothing and
// mostly wait (retries, polls), so they run side by side.
const SEED = { seed: 33 }

const OPTIONS = { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] }

describe.concurrent('a create whose answer is lost after the server acted leaves nothing behind', () => {
  it.each(CREATES)(
    '$action acts, then answers a permanent error: the build fails at $step and what it made is found and deleted',
    ({ action, step }) =>
      isolated(
        ALICLOUD_MATRIX,
        async (m) => {
          m.emu.injectFault({ action, cloud: 'alicloud', code: 'Forbidden.RAM', phase: 'after', times: 1 })
          const r = await m.run({ machine: 'paper', over: OPTIONS })
          expect(r.summary.outcome, r.summary.error?.message).toBe('failed')
          expect(r.summary.error?.message).toMatch(new RegExp(`${action} failed at http://127\\.0\\.0\\.1:\\d+: Forbidden\\.RAM \\(HTTP`))
          expect(failedStep(r.events)).toBe(step)
          await m.expectNothingLeft(r)
        },
        SEED,
      ),
    600_000,
  )

  it(
    'every create acts, then answers ServiceUnavailable: the retry (same ClientToken) adopts what the first attempt made, and the build succeeds with one of each',
    () =>
      isolated(
        ALICLOUD_MATRIX,
        async (m) => {
          const firedBefore = m.emu.faultsFired()
          for (const { action } of CREATES) m.emu.injectFault({ action, cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
          const r = await m.run({ machine: 'paper', over: OPTIONS })
          expect(r.summary.error?.message).toBeUndefined()
          expect(r.summary.outcome).toBe('success')
          for (const { action } of CREATES) expect((m.emu.faultsFired()[action] ?? 0) - (firedBefore[action] ?? 0), action).toBe(1)
          const images = r.summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1]!)
          expect(images).toHaveLength(2)
          // Only the image, its copy and their snapshots: no second key pair, VPC, vSwitch, group, instance, EIP, image or copy.
          expect(
            m
              .alive()
              .filter((e) => e.type === 'image')
              .map((e) => e.id)
              .sort(),
          ).toEqual([...images].sort())
          expect(m.alive().filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
          expect(await journalFiles(m.stateDir)).toEqual([])
          m.expectNoSecret(r.text)
          await m.emu.reset()
        },
        SEED,
      ),
    600_000,
  )

  it(
    'every delete acts, then answers ServiceUnavailable: the retry finds it done (NotFound, or an EIP already free), and nothing is left',
    () =>
      isolated(
        ALICLOUD_MATRIX,
        async (m) => {
          const deletes = [
            'DeleteImage',
            'DeleteSnapshot',
            'UnassociateEipAddress',
            'ReleaseEipAddress',
            'DeleteInstance',
            'DeleteSecurityGroup',
            'DeleteVSwitch',
            'DeleteVpc',
            'DeleteKeyPairs',
          ]
          const firedBefore = m.emu.faultsFired()
          for (const action of deletes) m.emu.injectFault({ action, cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
          // Sharing fails after the image and its copy exist, so every kind of resource is deleted.
          m.emu.injectFault({ action: 'ModifyImageSharePermission', cloud: 'alicloud', code: 'InvalidAccount.NotFound', times: 1 })
          const r = await m.run({ machine: 'paper', over: { ...OPTIONS, imageShareAccount: ['1234567890123456'] } })
          expect(r.summary.outcome).toBe('failed')
          expect(r.summary.error?.message).toMatch(/ModifyImageSharePermission failed/)
          for (const action of deletes) expect((m.emu.faultsFired()[action] ?? 0) - (firedBefore[action] ?? 0), action).toBe(1)
          await m.expectNothingLeft(r)
        },
        SEED,
      ),
    600_000,
  )
})
