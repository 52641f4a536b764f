import { afterEach, describe, expect, it } from 'vitest'
import type { CallRecord } from '@tsimg/cloud-emulator'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

// What an EC2-compatible endpoint answers for a part of a request it does not implement: a
// 500 with an HTML page from its framework, not EC2's XML.
const HTML_500 =
  '<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>NotImplementedError: TagSpecification of type snapshot</p></body></html>'

const calls: CallRecord[] = []
const t = useEmulator({ onCall: (c: CallRecord) => calls.push(c) })
afterEach(() => {
  t.emu.clearFaults()
  calls.length = 0
})

/** Runs a build, and records the tags of the build's snapshots when tag-image starts (create-image is done then, the user's tags not yet on them). */
async function buildWatchingSnapshots() {
  let snapshotTags: Record<string, string>[] | undefined
  // Snapshots kept by an earlier test of this file are not this build's.
  const earlier = new Set(leftovers(t.emu).map((l) => l.id))
  const result = await runBuild(emulatorSource(t.emu, { snapshotTags: { Kind: 'root' } }), {
    stateDir: t.stateDir,
    onEvent: (e) => {
      if (e.type === 'ui' && e.text.startsWith('Tagging snapshot:') && !snapshotTags) {
        snapshotTags = leftovers(t.emu)
          .filter((l) => l.type === 'snapshot' && !earlier.has(l.id))
          .map((l) => ({ ...l.tags }))
      }
    },
  })
  return { ...result, snapshotTags }
}

describe('amazon-ebs where the endpoint lacks an optional part of CreateImage', { timeout: 600_000 }, () => {
  it('an endpoint answering CreateImage with snapshot tags by HTTP 500 and an HTML page: the build succeeds with one CreateImage, the snapshots tagged by CreateTags', async () => {
    t.emu.injectFault({ action: 'CreateImage', cloud: 'aws', request: 'TagSpecification\\.\\d+\\.ResourceType=snapshot', status: 500, body: HTML_500 })
    const { summary, snapshotTags } = await buildWatchingSnapshots()
    expect(summary.outcome, summary.error?.message).toBe('success')
    // Packer's path: snapshot tags never go into CreateImage, so the endpoint never refuses it.
    expect(calls.filter((c) => c.action === 'CreateImage')).toEqual([expect.objectContaining({ status: 200 })])
    expect(t.emu.faultsFired().CreateImage ?? 0).toBe(0)
    expect(snapshotTags?.length).toBeGreaterThan(0)
    for (const tags of snapshotTags!) expect(tags['tsimg-build-id']).toBe(summary.buildId)
    // Kept, with the user's snapshot tags.
    const kept = leftovers(t.emu).filter((l) => l.type === 'snapshot')
    for (const s of kept) expect(s.tags).toMatchObject({ Kind: 'root' })
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })

  it('an endpoint answering CreateImage with any TagSpecification by HTTP 500 and an HTML page: one refused call, one without tags (no retries), the AMI and snapshots tagged afterwards', async () => {
    t.emu.injectFault({ action: 'CreateImage', cloud: 'aws', request: 'TagSpecification\\.\\d+\\.ResourceType=', status: 500, body: HTML_500 })
    const { summary, snapshotTags, lines } = await buildWatchingSnapshots()
    expect(summary.outcome, summary.error?.message).toBe('success')
    expect(calls.filter((c) => c.action === 'CreateImage').map((c) => c.status)).toEqual([500, 200])
    expect(t.emu.faultsFired().CreateImage).toBe(1)
    expect(lines.join('\n')).toContain('The endpoint refused tags in CreateImage (HTTP 500)')
    // The HTML page itself is not shown to the user.
    expect(lines.join('\n')).not.toContain('<html>')
    for (const tags of snapshotTags!) expect(tags['tsimg-build-id']).toBe(summary.buildId)
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })

  it.each(['ImportKeyPair', 'CreateSecurityGroup', 'RunInstances'])(
    'an endpoint answering %s with TagSpecifications by HTTP 400 and an HTML page: sent once more without them, the resource tagged afterwards, nothing left',
    async (action) => {
      t.emu.injectFault({ action, cloud: 'aws', request: 'TagSpecification\\.\\d+\\.ResourceType=', status: 400, body: HTML_500 })
      let tagged: Record<string, string>[] = []
      const { summary } = await runBuild(emulatorSource(t.emu, { runTags: { Purpose: 'test' } }), {
        stateDir: t.stateDir,
        onEvent: (e) => {
          // Connected: the key pair, group and instance exist, and each was tagged by then.
          if (e.type === 'ui' && e.text.startsWith('Connected to SSH')) {
            const type = { ImportKeyPair: 'key-pair', CreateSecurityGroup: 'security-group', RunInstances: 'instance' }[action]
            tagged = leftovers(t.emu)
              .filter((l) => l.type === type || (action === 'RunInstances' && l.type === 'volume'))
              .map((l) => ({ ...l.tags }))
          }
        },
      })
      expect(summary.outcome, summary.error?.message).toBe('success')
      expect(calls.filter((c) => c.action === action).map((c) => c.status)).toEqual([400, 200])
      expect(tagged.length).toBeGreaterThan(0)
      for (const tags of tagged) expect(tags['tsimg-build-id']).toBe(summary.buildId)
      if (action === 'RunInstances') expect(tagged[0]).toMatchObject({ Purpose: 'test', Name: 'tsimg Builder' })
      expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
      expect(await journalFiles(t.stateDir)).toEqual([])
    },
  )
})
