import { describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

// A fixed seed: the same calls are throttled on every run, so a failure can be replayed.
const t = useEmulator({ seed: 20261129 })

describe('transient errors are retried', { timeout: 600_000 }, () => {
  it('a build with 30% of all calls throttled still succeeds and leaves only its AMI', async () => {
    t.emu.injectFault({ action: '*', code: 'RequestLimitExceeded', probability: 0.3 })
    try {
      const { summary } = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'], amiUsers: ['210987654321'], tags: { Name: 'throttled' } }), { stateDir: t.stateDir })
      expect(summary.error?.message).toBeUndefined()
      expect(summary.outcome).toBe('success')
      const amis = summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1])
      expect(leftovers(t.emu).filter((e) => e.type === 'image').map((e) => e.id).sort()).toEqual([...amis].sort())
      expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    } finally {
      t.emu.clearFaults?.()
    }
  })

  it('5xx answers and DependencyViolation on deleting the group are retried; eventual NotFound after RunInstances too', async () => {
    t.emu.injectFault({ action: 'DescribeInstances', code: 'InvalidInstanceID.NotFound', times: 2 })
    t.emu.injectFault({ action: 'CreateImage', code: 'InternalError', times: 2 })
    t.emu.injectFault({ action: 'DeleteSecurityGroup', code: 'DependencyViolation', times: 3 })
    const { summary } = await runBuild(emulatorSource(t.emu), { stateDir: t.stateDir })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    expect(leftovers(t.emu).filter((e) => e.type === 'security-group')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })
})
