// The tags in each Alibaba create are an optional part: an endpoint that refuses them gets the
// create once more without them (no retries spent), and the resource is tagged afterwards with
// TagResources, so the sweep by build-id tag still finds it. The subject is the API and the
// teardown, so the machines run on paper and no provisioner runs.
import { afterEach, describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, settledLeftovers, useEmulator } from './support.js'

const sent: { action: string; status: number }[] = []
const t = useEmulator({ seed: 36, machines: 'paper', onCall: (c: { action: string; status: number }) => sent.push({ action: c.action, status: c.status }) })
afterEach(() => {
  t.emu.clearFaults()
  sent.length = 0
})

const rows = [
  { action: 'ImportKeyPair', type: 'key-pair' },
  { action: 'CreateVpc', type: 'vpc' },
  { action: 'CreateVSwitch', type: 'subnet' },
  { action: 'CreateSecurityGroup', type: 'security-group' },
  { action: 'RunInstances', type: 'instance' },
  { action: 'AllocateEipAddress', type: 'public-ip' },
] as const

describe('alicloud-ecs where the endpoint refuses tags in a create', { timeout: 600_000 }, () => {
  it.each(rows)('$action refused once (HTTP 400): sent once more without tags, tagged afterwards with the build id, nothing left', async ({ action, type }) => {
    t.emu.injectFault({
      action,
      cloud: 'alicloud',
      code: 'InvalidParameter',
      status: 400,
      message: 'The specified parameter "Tag.1.Key" is not valid.',
      times: 1,
    })
    let tags: Record<string, string>[] = []
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { runTags: { Purpose: 'test' } }), {
      stateDir: t.stateDir,
      provisioners: [],
      onEvent: (e) => {
        // Connected: every temporary resource exists by then.
        if (e.type === 'ui' && e.text.startsWith('Connected to SSH'))
          tags = leftovers(t.emu)
            .filter((l) => l.type === type)
            .map((l) => ({ ...l.tags }))
      },
    })
    expect(summary.outcome, summary.error?.message).toBe('success')
    expect(sent.filter((c) => c.action === action).map((c) => c.status)).toEqual([400, 200])
    expect(lines.join('\n')).toContain(`The endpoint refused tags in ${action} (InvalidParameter, HTTP 400)`)
    expect(tags.length).toBeGreaterThan(0)
    for (const tg of tags) expect(tg['tsimg-build-id']).toBe(summary.buildId)
    if (action === 'RunInstances') expect(tags[0]).toMatchObject({ Purpose: 'test' })
    // The artifact (image and snapshots) is kept; waiting for it to go would only time out.
    const artifact = leftovers(t.emu)
      .filter((e) => e.type === 'image' || e.type === 'snapshot')
      .map((e) => e.id)
    expect(await settledLeftovers(t.emu, artifact)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
    await t.emu.reset()
  })
})
