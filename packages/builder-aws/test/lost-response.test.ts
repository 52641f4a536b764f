import { describe, expect, it } from 'vitest'
import { failedStep, journalFiles, useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { AWS_MATRIX } from './support.js'

// Every row's subject is the API (an answer lost after the server acted) and the teardown: machines on paper.
const m = useCloudMatrix(AWS_MATRIX)

// Every call that creates something, and the step that makes it.
const creates = [
  { action: 'ImportKeyPair', step: 'aws:key-pair' },
  { action: 'CreateSecurityGroup', step: 'aws:security-group' },
  { action: 'RunInstances', step: 'aws:run-instance' },
  { action: 'CreateImage', step: 'aws:create-image' },
  { action: 'CopyImage', step: 'aws:copy-images' },
] as const

describe('a create whose answer is lost after the server acted leaves nothing behind', () => {
  it.each(creates)(
    '$action acts, then answers a permanent error: the build fails at $step and what it made is found and deleted',
    async ({ action, step }) => {
      m.emu.injectFault({ action, code: 'UnauthorizedOperation', phase: 'after', times: 1 })
      const r = await m.run({ machine: 'paper', over: { amiRegions: ['us-west-2'] } })
      expect(r.summary.outcome, r.summary.error?.message).toBe('failed')
      expect(r.summary.error?.message).toMatch(new RegExp(`EC2 ${action} failed at http://127\\.0\\.0\\.1:\\d+: UnauthorizedOperation \\(HTTP 403`))
      expect(failedStep(r.events)).toBe(step)
      await m.expectNothingLeft(r)
    },
    600_000,
  )

  it('every create acts, then answers a 500: the retry adopts what the first attempt made and the build succeeds with one of each', async () => {
    const before = m.emu.faultsFired()
    for (const { action } of creates) m.emu.injectFault({ action, code: 'InternalError', phase: 'after', times: 1 })
    const r = await m.run({ machine: 'paper', over: { amiRegions: ['us-west-2'] } })
    expect(r.summary.error?.message).toBeUndefined()
    expect(r.summary.outcome).toBe('success')
    for (const { action } of creates) expect((m.emu.faultsFired()[action] ?? 0) - (before[action] ?? 0), action).toBe(1)
    const amis = r.summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1]!)
    expect(amis).toHaveLength(2)
    // Only the two AMIs and their snapshots: no second key pair, group, instance, AMI or copy.
    const left = m.alive()
    expect(
      left
        .filter((e) => e.type === 'image')
        .map((e) => e.id)
        .sort(),
    ).toEqual([...amis].sort())
    expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(m.stateDir)).toEqual([])
    m.expectNoSecret(r.text)
    await m.emu.reset()
  }, 600_000)
})
