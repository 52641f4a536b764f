// Templates written against each cloud's public image names, as their documentation and users
// write them (Canonical's Ubuntu AMIs by owner 099720109477, Alibaba Cloud Linux 3 by family,
// Huawei's "Ubuntu 22.04 server 64bit" by name), built unchanged by `tsimg build` against the
// emulator with its default catalog: only the environment points the builders at it.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import { afterAll, describe, expect, it } from 'vitest'
import { readFromImage, tsimg } from './support/cli.js'

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/public-images')
const FAST = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100, jobStarted: 100 }
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined)
}, 300_000)

/** One emulator (default catalog: no `catalog` or `catalogs` option) and state directory per build. */
async function emulator(cloud: string): Promise<{ emu: Emulator; stateDir: string }> {
  const emu = await startEmulator({ frontEnds: [cloud], delays: FAST })
  const stateDir = await mkdtemp(join(tmpdir(), `tsimg-public-${cloud}-`))
  cleanups.push(
    () => emu.stop(),
    () => rm(stateDir, { recursive: true, force: true }),
  )
  return { emu, stateDir }
}

/** The one image the build made, from the catalog image named `source`; nothing else left, no journal. */
async function madeImage(emu: Emulator, stateDir: string, source: string): Promise<{ dockerRef: string; tags: Record<string, string>; name?: string }> {
  const left = emu.ledger().filter((e) => !e.seed)
  expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  const images = left.filter((e) => e.type === 'image')
  expect(images).toHaveLength(1)
  const made = emu.backend.images.get(images[0]!.id)!
  const from = [...emu.backend.instances.values()].find((i) => i.id === made.sourceInstanceId)
  expect(from && emu.backend.images.get(from.imageId)?.name).toBe(source)
  expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
  return { dockerRef: made.dockerRef, tags: images[0]!.tags, ...(images[0]!.name ? { name: images[0]!.name } : {}) }
}

describe.concurrent('templates written against public image names build unchanged against the default catalog', { timeout: 900_000 }, () => {
  it("amazon-ebs: source_ami_filter on Canonical's ubuntu/images/*ubuntu-jammy-22.04-amd64-server-* (owner 099720109477, most_recent), t2.micro, gp2", async () => {
    const { emu, stateDir } = await emulator('aws')
    const { code, out } = await tsimg(['build', join(fixtures, 'aws-ubuntu.json')], {
      TSIMG_STATE_DIR: stateDir,
      AWS_ENDPOINT_URL_EC2: emu.endpoint,
      AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey,
    })
    expect(code, out).toBe(0)
    // most_recent picks the newest of the two jammy builds in the catalog.
    const source = 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240501'
    expect(out).toContain('provisioned as ubuntu')
    expect(out).not.toContain(emu.credentials.secretAccessKey)
    const image = await madeImage(emu, stateDir, source)
    expect(image.tags).toMatchObject({ OS_Version: 'Ubuntu', Base_AMI_Name: source })
    expect(image.name).toMatch(/^packer-example \d+$/)
    expect(readFromImage(image.dockerRef, '/etc/image-origin')).toBe('built-from-public-ubuntu\n')
  })

  it('alicloud-ecs: image_family acs:alibaba_cloud_linux_3_2104_lts_x64 resolves to the newest aliyun_3_x64_20G_alibase_* image; ecs.c7.xlarge, cloud_essd', async () => {
    const { emu, stateDir } = await emulator('alicloud')
    const { code, out } = await tsimg(['build', join(fixtures, 'alicloud-aliyun3.json')], {
      TSIMG_STATE_DIR: stateDir,
      TSIMG_ALICLOUD_ENDPOINT: emu.endpoint,
      ALICLOUD_ACCESS_KEY: emu.credentials.accessKeyId,
      ALICLOUD_SECRET_KEY: emu.credentials.secretAccessKey,
    })
    expect(code, out).toBe(0)
    const source = 'aliyun_3_x64_20G_alibase_20240528.vhd'
    expect(out).toContain(source)
    expect(out).not.toContain(emu.credentials.secretAccessKey)
    const image = await madeImage(emu, stateDir, source)
    expect(image.name).toMatch(/^packer_aliyun3_\d+$/)
    expect(readFromImage(image.dockerRef, '/etc/image-origin')).toBe('built-from-aliyun-3\n')
  })

  it('huaweicloud-ecs: source_image_name "Ubuntu 22.04 server 64bit", flavor c6.large.2, volume_type GPSSD, a bought EIP', async () => {
    const { emu, stateDir } = await emulator('huaweicloud')
    const { code, out } = await tsimg(['build', join(fixtures, 'huawei-ubuntu.pkr.hcl')], {
      TSIMG_STATE_DIR: stateDir,
      TSIMG_HUAWEI_ENDPOINT: emu.endpoint,
      HW_ACCESS_KEY: emu.credentials.accessKeyId,
      HW_SECRET_KEY: emu.credentials.secretAccessKey,
    })
    expect(code, out).toBe(0)
    expect(out).toContain('Found source image: Ubuntu 22.04 server 64bit')
    expect(out).not.toContain(emu.credentials.secretAccessKey)
    const image = await madeImage(emu, stateDir, 'Ubuntu 22.04 server 64bit')
    expect(image.name).toBe('Ubuntu-2204-image-powered-by-Packer')
    expect(image.tags).toMatchObject({ builder: 'packer', os: 'Ubuntu-22.04-server' })
    expect(readFromImage(image.dockerRef, '/etc/image-origin')).toBe('built-from-public-ubuntu\n')
  })
})
