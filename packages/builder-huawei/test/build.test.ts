import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REGION, deleteImage, emulatorSource, journalFiles, leftovers, runBuild, stateText, useEmulator } from './support.js'

const run = promisify(execFile)

// huaweicloud-ecs end to end against the emulator's Huawei front end: real containers, jobs, IMS.
describe('huaweicloudEcs against the emulator', () => {
  const t = useEmulator()

  it('builds an image that holds what the shell provisioner wrote, and leaves only that image', async () => {
    const { emu, stateDir } = t
    const secret = emu.credentials.secretAccessKey
    const r = await runBuild(emulatorSource(emu), { stateDir })
    expect(r.summary.error?.message).toBeUndefined()
    const artifactId = r.summary.artifacts[0]?.id ?? ''
    expect(artifactId).toMatch(new RegExp(`^${REGION}:`))
    const imageId = artifactId.slice(REGION.length + 1)
    const image = emu.backend.images.get(imageId)!
    expect(image.state).toBe('available')
    // The image is a docker commit of the server: read the file the provisioner wrote.
    const { stdout } = await run('docker', ['run', '--rm', '--entrypoint', 'cat', image.dockerRef, '/etc/tsimg-marker'])
    expect(stdout).toContain('made by tsimg on huawei')
    // Only the artifact is left: server, EIP, volumes, group, subnet, VPC and key pair are gone.
    expect(
      leftovers(emu)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['image', 'snapshot'])
    // The kept image is off the journal and no longer carries the build-id tag.
    expect(await journalFiles(stateDir)).toEqual([])
    expect([...image.tags.keys()]).not.toContain('tsimg-build-id')
    for (const where of [r.text, await stateText(stateDir)]) expect(where).not.toContain(secret)
    await deleteImage(emu, imageId)
    expect(leftovers(emu)).toEqual([])
  }, 900_000)

  it('under 30% throttling (APIGW.0308) the build still succeeds and leaves only its image', async () => {
    const { emu, stateDir } = t
    emu.setThrottle(0.3)
    const r = await runBuild(emulatorSource(emu), { stateDir })
    emu.setThrottle(0)
    expect(r.summary.error?.message).toBeUndefined()
    expect(
      leftovers(emu)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['image', 'snapshot'])
    expect(await journalFiles(stateDir)).toEqual([])
    await deleteImage(emu, r.summary.artifacts[0]!.id.slice(REGION.length + 1))
    expect(leftovers(emu)).toEqual([])
  }, 900_000)
})
