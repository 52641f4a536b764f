import { describe, expect, it } from 'vitest'
import { journalFiles, useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { AWS_MATRIX } from './support.js'

// A fixed seed: the same calls are throttled on every run, so a failure can be replayed.
// The subject is the API's retries and the teardown: machines on paper.
const m = useCloudMatrix(AWS_MATRIX, { seed: 20261129 })

describe('transient errors are retried', { timeout: 600_000 }, () => {
  it('a build with 30% of all calls throttled still succeeds and leaves only its AMI', async () => {
    m.emu.injectFault({ action: '*', code: 'RequestLimitExceeded', probability: 0.3 })
    const r = await m.run({ machine: 'paper', over: { amiRegions: ['us-west-2'], amiUsers: ['210987654321'], tags: { Name: 'throttled' } } })
    expect(r.summary.error?.message).toBeUndefined()
    expect(r.summary.outcome).toBe('success')
    expect(m.emu.faultsFired()['DescribeImages'] ?? 0, 'calls were throttled').toBeGreaterThan(0)
    const amis = r.summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1])
    expect(
      m
        .alive()
        .filter((e) => e.type === 'image')
        .map((e) => e.id)
        .sort(),
    ).toEqual([...amis].sort())
    expect(m.alive().filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(m.stateDir)).toEqual([])
  })

  it('5xx answers and DependencyViolation on deleting the group are retried; eventual NotFound after RunInstances too', async () => {
    const before = m.emu.faultsFired()
    m.emu.injectFault({ action: 'DescribeInstances', code: 'InvalidInstanceID.NotFound', times: 2 })
    m.emu.injectFault({ action: 'CreateImage', code: 'InternalError', times: 2 })
    m.emu.injectFault({ action: 'DeleteSecurityGroup', code: 'DependencyViolation', times: 3 })
    const r = await m.run({ machine: 'paper' })
    expect(r.summary.error?.message).toBeUndefined()
    expect(r.summary.outcome).toBe('success')
    for (const [action, times] of [
      ['DescribeInstances', 2],
      ['CreateImage', 2],
      ['DeleteSecurityGroup', 3],
    ] as const)
      expect((m.emu.faultsFired()[action] ?? 0) - (before[action] ?? 0), action).toBe(times)
    expect(m.alive().filter((e) => e.type === 'security-group')).toEqual([])
    expect(await journalFiles(m.stateDir)).toEqual([])
  })
})
