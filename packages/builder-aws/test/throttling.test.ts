import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, removeDir, runBuild, startEmulator, tempStateDir, type Emulator } from './support.js'

let emu: Emulator
let stateDir: string
beforeAll(async () => {
  emu = await startEmulator()
  stateDir = await tempStateDir()
})
afterAll(async () => {
  await emu?.stop()
  await removeDir(stateDir)
})

describe('transient errors are retried', () => {
  it('a build with 30% of all calls throttled still succeeds and leaves only its AMI', async () => {
    emu.injectFault({ action: '*', code: 'RequestLimitExceeded', probability: 0.3 })
    try {
      const { summary } = await runBuild(emulatorSource(emu, { amiRegions: ['us-west-2'], amiUsers: ['210987654321'], tags: { Name: 'throttled' } }), { stateDir })
      expect(summary.error?.message).toBeUndefined()
      expect(summary.outcome).toBe('success')
      const amis = summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1])
      expect(leftovers(emu).filter((e) => e.type === 'image').map((e) => e.id).sort()).toEqual([...amis].sort())
      expect(leftovers(emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    } finally {
      emu.clearFaults?.()
    }
  })

  it('5xx answers and DependencyViolation on deleting the group are retried; eventual NotFound after RunInstances too', async () => {
    emu.injectFault({ action: 'DescribeInstances', code: 'InvalidInstanceID.NotFound', times: 2 })
    emu.injectFault({ action: 'CreateImage', code: 'InternalError', times: 2 })
    emu.injectFault({ action: 'DeleteSecurityGroup', code: 'DependencyViolation', times: 3 })
    const { summary } = await runBuild(emulatorSource(emu), { stateDir })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    expect(leftovers(emu).filter((e) => e.type === 'security-group')).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  })
})
