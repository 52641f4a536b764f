import { afterEach, describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const t = useEmulator()
afterEach(() => t.emu.clearFaults())

// Every call that creates something, and the step that makes it.
const creates = [
  { action: 'ImportKeyPair', step: 'aws:key-pair' },
  { action: 'CreateSecurityGroup', step: 'aws:security-group' },
  { action: 'RunInstances', step: 'aws:run-instance' },
  { action: 'CreateImage', step: 'aws:create-image' },
  { action: 'CopyImage', step: 'aws:copy-images' },
] as const

describe('a create whose answer is lost after the server acted leaves nothing behind', () => {
  it.each(creates)('$action acts, then answers a permanent error: the build fails at $step and what it made is found and deleted', async ({ action, step }) => {
    t.emu.injectFault({ action, code: 'UnauthorizedOperation', phase: 'after', times: 1 })
    const { summary, events } = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'] }), { stateDir: t.stateDir })
    expect(summary.outcome, summary.error?.message).toBe('failed')
    expect(summary.error?.message).toMatch(new RegExp(`EC2 ${action} failed at http://127\\.0\\.0\\.1:\\d+: UnauthorizedOperation \\(HTTP 403`))
    const failed = events.find((e) => e.type === 'step-end' && e.error)
    expect(failed && 'step' in failed ? failed.step : undefined).toBe(step)
    expect(events.filter((e) => e.type === 'cleanup-end' && e.error)).toEqual([])
    expect(leftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 600_000)

  it('every create acts, then answers a 500: the retry adopts what the first attempt made and the build succeeds with one of each', async () => {
    for (const { action } of creates) t.emu.injectFault({ action, code: 'InternalError', phase: 'after', times: 1 })
    const { summary } = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'] }), { stateDir: t.stateDir })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    const amis = summary.artifacts[0]!.id.split(',').map((s) => s.split(':')[1]!)
    expect(amis).toHaveLength(2)
    // Only the two AMIs and their snapshots: no second key pair, group, instance, AMI or copy.
    expect(leftovers(t.emu).filter((e) => e.type === 'image').map((e) => e.id).sort()).toEqual([...amis].sort())
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
    await t.emu.reset()
  })
})
