// Seeds 001 and 002 (Alibaba Cloud JSON templates) built unchanged by `tsimg build` against the
// emulator: the endpoint and keys come from the environment, as a user sets them.
import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { alicloud, startEmulator, type CloudProfile, type Emulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFromImage, tsimg } from './support/cli.js'

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
const FAST = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 }
// The emulator's "CentOS" images boot the Debian base image, which has no yum; seed 002's source
// image gets a stand-in that records what it was asked to install, so the command runs unchanged.
const YUM_IMAGE = `tsimg-test/centos-yum:${process.pid}`
const YUM = '#!/bin/sh\necho "yum $*" >> /var/log/yum.log\n'
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(() => {
  execFileSync('docker', ['build', '-q', '-t', YUM_IMAGE, '-'], {
    input: `FROM tsimg/debian-ssh:bookworm\nRUN printf '${YUM.replaceAll('\n', '\\n')}' > /usr/bin/yum && chmod 755 /usr/bin/yum\n`,
  })
}, 300_000)
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined)
  execFileSync('docker', ['rmi', '-f', YUM_IMAGE], { stdio: 'ignore' })
}, 300_000)

/** One emulator and state directory per build, so the builds run side by side and each ledger is its own. */
async function emulator(profile: Partial<CloudProfile> = {}): Promise<{ emu: Emulator; env: NodeJS.ProcessEnv; stateDir: string }> {
  const emu = await startEmulator({ frontEnds: ['alicloud'], delays: FAST, profiles: { alicloud: profile } })
  const stateDir = await mkdtemp(join(tmpdir(), 'tsimg-seed-ali-'))
  cleanups.push(() => emu.stop(), () => rm(stateDir, { recursive: true, force: true }))
  const env = {
    TSIMG_STATE_DIR: stateDir, TSIMG_ALICLOUD_ENDPOINT: emu.endpoint,
    ALICLOUD_ACCESS_KEY: emu.credentials.accessKeyId, ALICLOUD_SECRET_KEY: emu.credentials.secretAccessKey,
  }
  return { emu, env, stateDir }
}

/** The one image the build made; everything else it created is gone, and so is its journal. */
async function madeImage(emu: Emulator, stateDir: string): Promise<{ dockerRef: string; tags: Record<string, string>; name?: string }> {
  const left = emu.ledger().filter((e) => !e.seed)
  expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  const images = left.filter((e) => e.type === 'image')
  expect(images).toHaveLength(1)
  expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
  return { dockerRef: emu.backend.images.get(images[0]!.id)!.dockerRef, tags: images[0]!.tags, ...(images[0]!.name ? { name: images[0]!.name } : {}) }
}

describe.concurrent('Alibaba Cloud seed templates built unchanged against the emulator', { timeout: 900_000 }, () => {
  it('seed 001: its four scripts run in order across the reboot script, verify passes, and the image holds their files', async () => {
    const { emu, env, stateDir } = await emulator()
    const { code, out } = await tsimg(['build', 'alicloud.json'], env, join(fixtures, 'seed-001'))
    expect(code, out).toBe(0)
    expect(out).toMatch(/Build 'alicloud-ecs[.\w-]*' finished/)
    expect(out).toContain('Found image ID: centos_7_06_64_20G_alibase_20190711.vhd')
    expect(out).toContain('Check if the machine was rebooted.  Verify Passed!')
    expect(out).not.toContain(emu.credentials.secretAccessKey)
    const image = await madeImage(emu, stateDir)
    expect(image.name).toMatch(/^test_image\d+$/)
    expect(readFromImage(image.dockerRef, '/etc/ack-node-defaults', '/etc/ack-node/resolv.conf', '/etc/ack-node-verified')).toBe(
      'ack-node defaults applied\nnameserver 100.100.2.136\nnameserver 100.100.2.138\nverified\n',
    )
  })

  it('seed 002: the inline yum install runs on the instance, and the image carries the template\'s tags', async () => {
    const catalog = alicloud.ALICLOUD_EMULATOR_PROFILE.catalog.map((c) => (c.name === 'centos_7_03_64_20G_alibase_20170818.vhd' ? { ...c, dockerRef: YUM_IMAGE } : c))
    const { emu, env, stateDir } = await emulator({ catalog })
    const { code, out } = await tsimg(['build', 'alicloud.json'], env, join(fixtures, 'seed-002'))
    expect(code, out).toBe(0)
    expect(out).toMatch(/Build 'alicloud-ecs[.\w-]*' finished/)
    expect(out).toContain('Found image ID: centos_7_03_64_20G_alibase_20170818.vhd')
    const image = await madeImage(emu, stateDir)
    expect(image.name).toBe('packer_basic')
    expect(image.tags).toMatchObject({ version: 'v1.0.0', app: 'web' })
    expect(readFromImage(image.dockerRef, '/var/log/yum.log')).toBe('yum install redis.x86_64 -y\n')
  })
})
