// `tsimg build examples/huaweicloud/image.ts` and `tsimg cleanup` through the real CLI against the emulator.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REGION, deleteImage, journalFiles, leftovers, tsimg, useEmulator } from './support.js'

const t = useEmulator()
const run = (args: string[], onOutput?: Parameters<typeof tsimg>[3]) => tsimg(t.emu, t.stateDir, args, onOutput)

describe('examples/huaweicloud/image.ts', () => {
  it("tsimg build makes an image holding the uploaded package and the script's output; kill -9 then tsimg cleanup leaves nothing", async () => {
    const manifest = join(t.stateDir, 'manifest.json')
    const { code, out } = await run(['build', '--var', `manifest=${manifest}`, 'examples/huaweicloud/image.ts'])
    expect(code, out).toBe(0)
    expect(out).toContain('==> huaweicloud-ecs.builder: Uploading user-packages/example.package => /tmp/example.package')
    expect(out).toContain('huaweicloud-ecs.builder: foo')
    expect(out).not.toContain(t.emu.credentials.secretAccessKey)
    const imageId = new RegExp(`${REGION}: ([0-9a-f-]{36})`).exec(out)?.[1]
    expect(imageId).toBeDefined()
    const text = await readFile(manifest, 'utf8')
    expect(text).toContain(`${REGION}:${imageId}`)
    expect(text).not.toContain(t.emu.credentials.secretAccessKey)
    const ref = t.emu.backend.images.get(imageId!)!.dockerRef
    const { stdout } = await promisify(execFile)('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'cat',
      ref,
      '/opt/cce-custom/example.package',
      '/opt/cce-custom/release',
    ])
    expect(stdout).toContain('example package uploaded by the file provisioner')
    expect(stdout).toContain('customised_at=')
    await deleteImage(t.emu, imageId!)
    expect(leftovers(t.emu)).toEqual([])

    // A build killed once its server answers SSH leaves its resources and journal; tsimg cleanup deletes them.
    const killed = await run(['build', '--var', `manifest=${manifest}`, 'examples/huaweicloud/image.ts'], (o, child) => {
      if (o.includes('Connected to SSH!') && child.exitCode === null) child.kill('SIGKILL')
    })
    expect(killed.code).toBeNull()
    expect(leftovers(t.emu).map((e) => e.type)).toContain('instance')
    expect(await journalFiles(t.stateDir)).toHaveLength(1)
    const cleanup = await run(['cleanup'])
    expect(cleanup.code, cleanup.out).toBe(0)
    expect(cleanup.out).not.toContain(t.emu.credentials.secretAccessKey)
    expect(leftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 900_000)
})
