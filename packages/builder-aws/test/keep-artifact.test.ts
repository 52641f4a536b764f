import { execFileSync } from 'node:child_process'
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { cleanupLeftovers, sweepTagged } from '@tsimg/core/node'
import { BUILD_ID_LABEL, KEPT_LABEL } from '@tsimg/core/plugin'
import { shell } from '@tsimg/provisioner-shell'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { emulatorSource, journalFiles, leftovers, markerProvisioner, runBuild, useEmulator, type RunResult } from './support.js'

const t = useEmulator()
let first: RunResult
let amis: { region: string; id: string }[] = []

// One build, three user-visible promises: the artifact survives a failed un-tag, an endpoint that
// refuses tags on CreateImage still gets tagged resources, and the image no longer trusts the build's key.
beforeAll(async () => {
  t.emu.injectFault({
    action: 'CreateImage',
    code: 'InvalidParameterValue',
    message: "The resource type 'snapshot' is not supported for TagSpecifications on CreateImage",
    times: 1,
  })
  t.emu.injectFault({ action: 'DeleteTags', code: 'UnauthorizedOperation', times: 1 })
  first = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'], sshClearAuthorizedKeys: true }), {
    stateDir: t.stateDir,
    provisioners: [markerProvisioner(), shell({ inline: ['echo "authorized: $(cat ~/.ssh/authorized_keys)"'] })],
  })
  t.emu.clearFaults()
  amis = (first.summary.artifacts[0]?.id ?? '')
    .split(',')
    .filter(Boolean)
    .map((s) => ({ region: s.split(':')[0]!, id: s.split(':')[1]! }))
}, 900_000)

describe('on success the artifact is kept, whatever fails after it is made', () => {
  it('a failure while un-tagging the AMIs is reported, and neither AMI is left to tsimg cleanup or a sweep', async () => {
    expect(first.summary.error?.message).toBeUndefined()
    expect(first.summary.outcome).toBe('success')
    expect(amis).toHaveLength(2)
    expect(first.lines.join('\n')).toMatch(/AMI ami-\w+ \(us-east-1\) is kept, but its temporary tsimg-build-id tag could not be removed/)
    expect(first.summary.leftovers).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
    // Still tagged with the build id (DeleteTags failed), but marked kept: sweeps pass it by.
    const img = leftovers(t.emu).find((e) => e.id === amis[0]!.id)!
    expect(img.tags).toMatchObject({ [BUILD_ID_LABEL]: first.summary.buildId, [KEPT_LABEL]: first.summary.buildId })
    const report = await cleanupLeftovers({ stateDir: t.stateDir, log: () => undefined })
    expect(report.found).toBe(0)
    // The sweep reads credentials from the environment; restored after the test (and by unstubEnvs).
    vi.stubEnv('AWS_ACCESS_KEY_ID', t.emu.credentials.accessKeyId)
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', t.emu.credentials.secretAccessKey)
    try {
      for (const region of ['us-east-1', 'us-west-2']) {
        await sweepTagged({ clouds: ['aws'], target: { region, endpoint: t.emu.endpoint }, olderThanMs: 0, yes: true, log: () => undefined })
      }
    } finally {
      vi.unstubAllEnvs()
    }
    expect(
      leftovers(t.emu)
        .filter((e) => e.type === 'image')
        .map((e) => e.id)
        .sort(),
    ).toEqual(amis.map((a) => a.id).sort())
  })

  it('an endpoint that refuses tag specifications on CreateImage: the AMI is made without them and tagged afterwards', async () => {
    expect(t.emu.backend.faults.fired.get('CreateImage')).toBe(1)
    expect(
      first.lines.some(
        (l) =>
          l.startsWith('The endpoint refused tags in CreateImage (') && l.endsWith('creating the AMI without them and tagging it afterwards, as Packer does.'),
      ),
      first.lines.join('\n'),
    ).toBe(true)
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: t.emu.endpoint, credentials: t.emu.credentials })
    const res = await ec2.send(new DescribeImagesCommand({ ImageIds: [amis[0]!.id] }))
    ec2.destroy()
    expect(res.Images?.[0]?.Tags?.map((x) => x.Key)).toContain(KEPT_LABEL)
  })

  it('sshClearAuthorizedKeys: the build key, trusted while provisioning, is no longer in the AMI', () => {
    // The key the build logged in with, as authorized on the instance while provisioning.
    const blob = /^authorized: ssh-ed25519 (\S+)/.exec(first.lines.find((l) => l.startsWith('authorized: ')) ?? '')?.[1]
    expect(blob).toMatch(/^AAAA/)
    // The AMI's disk as the emulator committed it (an instance's first boot would rewrite the file).
    const image = `tsimg-emulator/${t.emu.backend.session}:${amis[0]!.id}`
    const files = execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', image, '/home/admin/.ssh/authorized_keys', '/root/.ssh/authorized_keys'], {
      encoding: 'utf8',
    })
    expect(files).not.toContain(blob!)
  })
})
