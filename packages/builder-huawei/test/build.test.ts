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
    expect(leftovers(emu).map((e) => e.type).sort()).toEqual(['image', 'snapshot'])
    // The kept image is off the journal and no longer carries the build-id tag.
    expect(await journalFiles(stateDir)).toEqual([])
    expect([...image.tags.keys()]).not.toContain('tsimg-build-id')
    for (const where of [r.text, await stateText(stateDir)]) expect(where).not.toContain(secret)
    await deleteImage(emu, imageId)
    expect(leftovers(emu)).toEqual([])
  }, 900_000)

  it('a failure to stop the server fails the build and deletes everything it made', async () => {
    const { emu, stateDir } = t
    emu.injectFault({ action: 'BatchServerAction', code: 'Ecs.0005', status: 400, message: 'stop refused', times: 1, cloud: 'huaweicloud' } as never)
    const r = await runBuild(emulatorSource(emu), { stateDir })
    expect(r.summary.error?.message).toMatch(/BatchStopServers|stop refused/)
    expect(leftovers(emu)).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
    expect(r.text).not.toContain(emu.credentials.secretAccessKey)
    emu.clearFaults()
  }, 900_000)

  it('a cancel once the server exists deletes everything it made', async () => {
    const { emu, stateDir } = t
    const ac = new AbortController()
    const r = await runBuild(emulatorSource(emu), { stateDir, signal: ac.signal, onLine: (l) => l.startsWith('Server ID:') && ac.abort() })
    expect(ac.signal.aborted).toBe(true)
    expect(r.summary.artifacts).toEqual([])
    expect(leftovers(emu)).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  }, 900_000)

  it('lost answers to CreatePostPaidServers and CreateImage are adopted: one server, one image, nothing else left', async () => {
    const { emu, stateDir } = t
    emu.injectFault({ action: 'CreatePostPaidServers', code: 'Ecs.0001', status: 500, phase: 'after', times: 1, cloud: 'huaweicloud' } as never)
    emu.injectFault({ action: 'CreateImage', code: 'IMG.0002', status: 500, phase: 'after', times: 1, cloud: 'huaweicloud' } as never)
    const source = emulatorSource(emu)
    const r = await runBuild(source, { stateDir })
    const fired = emu.faultsFired()
    emu.clearFaults()
    expect(Object.keys(fired).join()).toMatch(/CreatePostPaidServers/)
    expect(Object.keys(fired).join()).toMatch(/CreateImage/)
    expect(r.summary.error?.message).toBeUndefined()
    // The retried create carried the same X-Client-Token: the emulator started one server only.
    expect([...emu.backend.instances.values()].filter((i) => i.clientToken === r.summary.buildId)).toHaveLength(1)
    expect([...emu.backend.images.values()].filter((m) => m.name === source.imageName)).toHaveLength(1)
    expect(leftovers(emu).map((e) => e.type).sort()).toEqual(['image', 'snapshot'])
    expect(await journalFiles(stateDir)).toEqual([])
    await deleteImage(emu, r.summary.artifacts[0]!.id.slice(REGION.length + 1))
    expect(leftovers(emu)).toEqual([])
  }, 900_000)

  it('under 30% throttling (APIGW.0308) the build still succeeds and leaves only its image', async () => {
    const { emu, stateDir } = t
    emu.setThrottle(0.3)
    const r = await runBuild(emulatorSource(emu), { stateDir })
    emu.setThrottle(0)
    expect(r.summary.error?.message).toBeUndefined()
    expect(leftovers(emu).map((e) => e.type).sort()).toEqual(['image', 'snapshot'])
    expect(await journalFiles(stateDir)).toEqual([])
    await deleteImage(emu, r.summary.artifacts[0]!.id.slice(REGION.length + 1))
    expect(leftovers(emu)).toEqual([])
  }, 900_000)

  it('a failed IMS image job fails the build and the image it made is deleted (Packer leaks it)', async () => {
    const { emu, stateDir } = t
    emu.injectFault({ action: 'job:createImage', code: 'IMG.0002', message: 'image job failed', times: 1, cloud: 'huaweicloud' } as never)
    const r = await runBuild(emulatorSource(emu), { stateDir })
    emu.clearFaults()
    expect(r.summary.error?.message).toMatch(/IMG\.0002/)
    expect(r.lines.join('\n')).toMatch(/Deregistering the image/)
    expect(leftovers(emu)).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  }, 900_000)

  it('a cancel while the image job runs deletes the image and everything else', async () => {
    const { emu, stateDir } = t
    emu.setDelays({ imageAvailable: 'stuck' })
    const ac = new AbortController()
    const r = await runBuild(emulatorSource(emu), { stateDir, signal: ac.signal, onLine: (l) => l.startsWith('Image:') && ac.abort() })
    emu.setDelays({ imageAvailable: 200 })
    expect(ac.signal.aborted).toBe(true)
    expect(r.summary.artifacts).toEqual([])
    expect(leftovers(emu)).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  }, 900_000)
})
