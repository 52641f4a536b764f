import { afterEach, describe, expect, it } from 'vitest'
import { CREATES, cleanupErrors, emulatorSource, failedStep, journalFiles, leftovers, runBuild, settledLeftovers, useEmulator } from './support.js'

const t = useEmulator({ seed: 33 })
afterEach(() => t.emu.clearFaults())

const OPTIONS = { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] }

describe('a create whose answer is lost after the server acted leaves nothing behind', () => {
  it.each(CREATES)('$action acts, then answers a permanent error: the build fails at $step and what it made is found and deleted', async ({ action, step }) => {
    t.emu.injectFault({ action, cloud: 'alicloud', code: 'Forbidden.RAM', phase: 'after', times: 1 })
    const { summary, events } = await runBuild(emulatorSource(t.emu, OPTIONS), { stateDir: t.stateDir })
    expect(summary.outcome, summary.error?.message).toBe('failed')
    expect(summary.error?.message).toMatch(new RegExp(`${action} failed at http://127\\.0\\.0\\.1:\\d+: Forbidden\\.RAM \\(HTTP`))
    expect(failedStep(events)).toBe(step)
    expect(cleanupErrors(events)).toEqual([])
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 600_000)

  it('every create acts, then answers ServiceUnavailable: the retry (same ClientToken) adopts what the first attempt made, and the build succeeds with one of each', async () => {
    const firedBefore = t.emu.faultsFired()
    for (const { action } of CREATES) t.emu.injectFault({ action, cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
    const { summary, events } = await runBuild(emulatorSource(t.emu, OPTIONS), { stateDir: t.stateDir })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    for (const { action } of CREATES) expect((t.emu.faultsFired()[action] ?? 0) - (firedBefore[action] ?? 0), action).toBe(1)
    expect(cleanupErrors(events)).toEqual([])
    const images = summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1]!)
    expect(images).toHaveLength(2)
    // Only the image, its copy and their snapshots: no second key pair, VPC, vSwitch, group, instance, EIP, image or copy.
    expect(leftovers(t.emu).filter((e) => e.type === 'image').map((e) => e.id).sort()).toEqual([...images].sort())
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
    await t.emu.reset()
  }, 600_000)

  it('every delete acts, then answers ServiceUnavailable: the retry finds it done (NotFound, or an EIP already free), and nothing is left', async () => {
    const deletes = ['DeleteImage', 'DeleteSnapshot', 'UnassociateEipAddress', 'ReleaseEipAddress', 'DeleteInstance', 'DeleteSecurityGroup', 'DeleteVSwitch', 'DeleteVpc', 'DeleteKeyPairs']
    const firedBefore = t.emu.faultsFired()
    for (const action of deletes) t.emu.injectFault({ action, cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
    // Sharing fails after the image and its copy exist, so every kind of resource is deleted.
    t.emu.injectFault({ action: 'ModifyImageSharePermission', cloud: 'alicloud', code: 'InvalidAccount.NotFound', times: 1 })
    const { summary, events } = await runBuild(emulatorSource(t.emu, { ...OPTIONS, imageShareAccount: ['1234567890123456'] }), { stateDir: t.stateDir })
    expect(summary.outcome).toBe('failed')
    expect(summary.error?.message).toMatch(/ModifyImageSharePermission failed/)
    for (const action of deletes) expect((t.emu.faultsFired()[action] ?? 0) - (firedBefore[action] ?? 0), action).toBe(1)
    expect(cleanupErrors(events)).toEqual([])
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 600_000)
})
