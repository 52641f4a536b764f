import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { file } from '@tsimg/provisioner-file'
import { shell } from '@tsimg/provisioner-shell'
import { emulatorSource, journalFiles, leftovers, markerProvisioner, runBuild, useEmulator, type RunResult } from './support.js'

const t = useEmulator()

describe('amazon-ebs against the EC2 emulator', { timeout: 600_000 }, () => {
  const amiName = `tsimg-e2e-${Date.now()}`
  // The AMI the first three tests look at, built once here (not by a test that others rely on).
  let built: RunResult
  let amiId = ''
  /** The journal files' text while the instance was being waited for. */
  let journals: string[] = []

  beforeAll(async () => {
    const source = emulatorSource(t.emu, { amiName, tags: { Name: 'e2e', Team: 'images' }, snapshotTags: { Kind: 'root' }, runTags: { Purpose: 'test' } })
    built = await runBuild(source, {
      stateDir: t.stateDir,
      onEvent: (e) => {
        // Read at once, while the build waits for the instance: the journal lists it then.
        if (e.type === 'ui' && e.text.startsWith('Waiting for instance')) {
          const dir = join(t.stateDir, 'journal')
          journals = readdirSync(dir).map((n) => readFileSync(join(dir, n), 'utf8'))
        }
      },
      provisioners: [file({ content: 'hello from file provisioner\n', destination: '/tmp/hello.txt' }), markerProvisioner()],
    })
    amiId = built.summary.artifacts[0]?.id.split(':')[1] ?? ''
  }, 600_000)

  it('builds an AMI, keeps only it and its snapshots, and reads like Packer', async () => {
    const { summary, lines } = built
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    const artifact = summary.artifacts[0]!
    expect(artifact.id).toMatch(/^us-east-1:ami-[0-9a-f]+$/)
    expect(artifact.description).toMatch(/^AMIs were created:\nus-east-1: ami-[0-9a-f]+$/)
    expect(artifact.id).toBe(`us-east-1:${amiId}`)

    const text = lines.join('\n')
    for (const line of [
      'Prevalidating any provided VPC information',
      `Prevalidating AMI Name: ${amiName}`,
      'Found Image ID: ami-',
      'Creating temporary keypair: tsimg-',
      'Creating temporary security group for this instance: tsimg-',
      'Authorizing access to port 22 from [0.0.0.0/0] in the temporary security groups...',
      'Launching a source AWS instance...',
      'Instance ID: i-',
      'Waiting for instance (i-',
      'Stopping the source instance...',
      'Waiting for the instance to stop...',
      `Creating AMI ${amiName} from instance i-`,
      `AMI: ${amiId}`,
      'Waiting for AMI to become ready...',
      'Adding tags to AMI',
      'Terminating the source AWS instance...',
      'Cleaning up any extra volumes...',
      'Deleting temporary security group...',
      'Deleting temporary keypair...',
    ]) {
      expect(text).toContain(line)
    }
    // The temporary private key and the secret key are never printed.
    expect(text).not.toContain('PRIVATE KEY')
    expect(text).not.toContain(t.emu.credentials.secretAccessKey)

    const left = leftovers(t.emu)
    expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    const image = left.find((e) => e.type === 'image')!
    expect(image.id).toBe(amiId)
    expect(image.tags).toMatchObject({ Name: 'e2e', Team: 'images' })
    // A kept AMI is no longer marked as a temporary resource of the build.
    expect(image.tags['tsimg-build-id']).toBeUndefined()
    const snaps = left.filter((e) => e.type === 'snapshot')
    expect(snaps.length).toBeGreaterThan(0)
    for (const s of snaps) expect(s.tags).toMatchObject({ Kind: 'root', Name: 'e2e' })
    expect(await journalFiles(t.stateDir)).toEqual([])
    // The source instance ran with IMDSv2 required and carried the run tags and the build id.
    const instance = [...t.emu.backend.instances.values()].at(-1)!
    expect(instance.metadataOptions.httpTokens).toBe('required')
    expect(Object.fromEntries(instance.tags)).toMatchObject({ Purpose: 'test', 'tsimg-build-id': summary.buildId })
    // Mid-build, the journal listed the live instance, with no credential in it.
    expect(journals.join('')).toContain('"kind": "instance"')
    expect(journals.join('')).not.toContain(t.emu.credentials.secretAccessKey)
    expect(journals.join('')).not.toContain('PRIVATE KEY')
  })

  it('the AMI holds what was provisioned: a build from it sees the files (skipCreateAmi)', async () => {
    expect(amiId).not.toBe('')
    const before = leftovers(t.emu)
      .map((e) => e.id)
      .sort()
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { sourceAmi: amiId, sourceAmiFilter: undefined, skipCreateAmi: true }), {
      stateDir: t.stateDir,
      provisioners: [shell({ inline: ['cat /etc/tsimg-marker /opt/app/version /tmp/hello.txt'] })],
    })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    expect(summary.artifacts).toEqual([])
    const text = lines.join('\n')
    expect(text).toContain('made by tsimg')
    expect(text).toContain('v1')
    expect(text).toContain('hello from file provisioner')
    expect(
      leftovers(t.emu)
        .map((e) => e.id)
        .sort(),
    ).toEqual(before)
  })

  // Replaces the AMI built above: keep this after the tests that read it.
  it('refuses a taken AMI name before creating anything, and replaces it with --force', async () => {
    expect(amiId).not.toBe('')
    const before = leftovers(t.emu)
      .map((e) => e.id)
      .sort()
    const taken = await runBuild(emulatorSource(t.emu, { amiName }), { stateDir: t.stateDir })
    expect(taken.summary.outcome).toBe('failed')
    expect(taken.summary.error?.message).toContain(`AMI Name: '${amiName}' is used by an existing AMI`)
    expect(
      leftovers(t.emu)
        .map((e) => e.id)
        .sort(),
    ).toEqual(before)

    const forced = await runBuild(emulatorSource(t.emu, { amiName, forceDeleteSnapshot: true }), { stateDir: t.stateDir, force: true })
    expect(forced.summary.error?.message).toBeUndefined()
    expect(forced.lines.join('\n')).toContain(`Deregistered AMI ${amiName}, id: ${amiId}`)
    const images = leftovers(t.emu).filter((e) => e.type === 'image')
    expect(images.map((i) => i.id)).toEqual([forced.summary.artifacts[0]!.id.split(':')[1]])
  })

  it('copies to other regions and shares: the artifact lists each region', async () => {
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { amiRegions: ['us-west-2'], amiUsers: ['210987654321'] }), { stateDir: t.stateDir })
    expect(summary.error?.message).toBeUndefined()
    const artifact = summary.artifacts[0]!
    expect(artifact.id).toMatch(/^us-east-1:ami-[0-9a-f]+,us-west-2:ami-[0-9a-f]+$/)
    expect(artifact.description.split('\n')).toHaveLength(3)
    expect(lines.join('\n')).toContain('Modifying attributes on AMI')
    const west = leftovers(t.emu).filter((e) => e.region === 'us-west-2')
    expect(west.map((e) => e.type).sort()).toContain('image')
  })

  it('an instance without the chosen address fails at once, naming the option', async () => {
    // An sshTimeout past the test's own limit: waiting for SSH instead of failing would time the test out.
    const { summary } = await runBuild(emulatorSource(t.emu, { associatePublicIpAddress: false, sshInterface: 'public_ip', sshTimeout: '2h' }), {
      stateDir: t.stateDir,
    })
    expect(summary.outcome).toBe('failed')
    expect(summary.error?.message).toMatch(/has no public ip address to connect to/)
    expect((summary.error as { hint?: string }).hint).toMatch(/sshInterface to 'private_ip'/)
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  })
})
