import { describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, settledLeftovers, useEmulator } from './support.js'

// Failures, a cancel and lost answers against the emulator: whatever happens, the ledger ends
// with nothing the build made but its kept image, and no journal.
const t = useEmulator({ seed: 21 })

describe('alicloud-ecs failures and cancel leak nothing', () => {
  it('a failure after the image exists (sharing refused) deletes the image and every temporary resource', { timeout: 600_000 }, async () => {
    t.emu.injectFault({ action: 'ModifyImageSharePermission', cloud: 'alicloud', code: 'InvalidParameter' })
    try {
      const { summary, lines } = await runBuild(emulatorSource(t.emu, { imageShareAccount: ['1111222233334444'] }), { stateDir: t.stateDir })
      expect(summary.outcome).toBe('failed')
      expect(summary.error?.message).toMatch(/ModifyImageSharePermission failed .*InvalidParameter/)
      expect(lines.join('\n')).toContain('Deregistering the image and deleting associated snapshots because of cancellation, or error')
    } finally {
      t.emu.clearFaults()
    }
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })

  it('a cancel while the instance is running deletes the instance, EIP, group, vSwitch, VPC and key pair', { timeout: 600_000 }, async () => {
    const ac = new AbortController()
    const { summary } = await runBuild(emulatorSource(t.emu), {
      stateDir: t.stateDir,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'ui' && e.text.startsWith('Using ssh communicator to connect')) ac.abort()
      },
    })
    expect(summary.outcome).toBe('cancelled')
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })

  it('lost answers to RunInstances, AllocateEipAddress and CreateImage are recovered without a second resource or a leak', { timeout: 600_000 }, async () => {
    for (const action of ['RunInstances', 'AllocateEipAddress', 'CreateImage']) {
      t.emu.injectFault({ action, cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
    }
    try {
      const { summary } = await runBuild(emulatorSource(t.emu), { stateDir: t.stateDir })
      expect(summary.error?.message).toBeUndefined()
      expect(summary.outcome).toBe('success')
      expect(t.emu.faultsFired()).toMatchObject({ RunInstances: 1, AllocateEipAddress: 1, CreateImage: 1 })
      const imageId = summary.artifacts[0]!.id.split(':')[1]!
      const left = leftovers(t.emu)
      expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
      expect(left.filter((e) => e.type === 'image').map((e) => e.id)).toEqual([imageId])
      expect(await journalFiles(t.stateDir)).toEqual([])
    } finally {
      t.emu.clearFaults()
    }
  })
})
