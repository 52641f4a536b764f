import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const t = useEmulator({ seed: 11 })

describe('alicloud-ecs against the emulator', () => {
  it('builds an image holding what the shell provisioner wrote, keeps only it, and reads like Packer', { timeout: 600_000 }, async () => {
    const imageName = `tsimg-e2e-${Date.now()}`
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { imageName, tags: { Team: 'images' } }), { stateDir: t.stateDir })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    const artifact = summary.artifacts[0]!
    expect(artifact.description).toMatch(/^Alicloud images were created:\n\ncn-beijing: \S+$/)
    const imageId = artifact.id.split(':')[1]!

    const text = lines.join('\n')
    for (const line of [
      'Prevalidating source region and copied regions...',
      'Prevalidating image name...',
      'Found image ID: debian_12_5_x64_20G_alibase_20240429.vhd',
      'Creating temporary keypair: tsimg',
      'Creating vpc...',
      'Created vpc: ',
      'Creating vswitch...',
      'Created vswitch: ',
      'Creating security group...',
      'Created security group: ',
      'Creating instance...',
      'Created instance: ',
      'Allocating eip...',
      'Allocated eip: ',
      'Using SSH communicator to connect: ',
      'Adding tags(map[Team:images]) to snapshot: s-',
      'Stopping instance: ',
      'Waiting instance stopped: ',
      `Creating image: ${imageName}`,
      `Created image: ${imageId}`,
      "Cleaning up 'EIP'",
      "Cleaning up 'instance'",
      "Cleaning up 'security group'",
      "Cleaning up 'vSwitch'",
      "Cleaning up 'VPC'",
      'Deleting temporary keypair...',
    ])
      expect(text).toContain(line)
    // The connect line once (the kit's connect step says it; the EIP step no longer does too).
    expect(text.match(/communicator to connect/gi)).toHaveLength(1)
    // The stop wait once too: Packer's line is the wait's own.
    expect(text.match(/Waiting instance stopped|to stop\.\.\./g)).toHaveLength(1)
    expect(text).not.toContain('PRIVATE KEY')
    expect(text).not.toContain(t.emu.credentials.secretAccessKey)

    // Only the image and its snapshots are left; the image is no longer marked temporary.
    const left = leftovers(t.emu)
    expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    const image = left.find((e) => e.type === 'image')!
    expect(image.tags).toMatchObject({ Team: 'images', 'tsimg-kept': 'true' })
    expect(image.tags['tsimg-build-id']).toBeUndefined()
    // Its snapshots carry the template's tags too, as Packer tags them, and are kept likewise.
    const snaps = left.filter((e) => e.type === 'snapshot')
    expect(snaps.length).toBeGreaterThan(0)
    for (const s of snaps) {
      expect(s.tags).toMatchObject({ Team: 'images', 'tsimg-kept': 'true' })
      expect(s.tags['tsimg-build-id']).toBeUndefined()
    }
    expect(await journalFiles(t.stateDir)).toEqual([])

    // The image's container holds what the provisioner wrote.
    const ref = t.emu.backend.images.get(left.find((e) => e.type === 'image')!.id)?.dockerRef
    expect(ref).toBeTruthy()
    expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', ref!, '/etc/tsimg-marker'], { encoding: 'utf8' })).toBe('made by tsimg\n')
  })
})
