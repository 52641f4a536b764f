// Seeds 001 and 002 (Alibaba Cloud JSON templates) built unchanged by `tsimg build` against the
// emulator: the endpoint and keys come from the environment, as a user sets them.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildYumImage, fixtures, madeImage, removeYumImage, seed002Profile, seedEmulator } from './support/alicloud-seeds.js'
import { readFromImage, tsimg } from './support/cli.js'

const cleanups: (() => Promise<unknown>)[] = []
beforeAll(() => buildYumImage(), 300_000)
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined)
  removeYumImage()
}, 300_000)

/** One emulator and state directory per build, so the builds run side by side and each ledger is its own. */
const emulator = (profile = {}) => seedEmulator(cleanups, profile)

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

  it("seed 002: the inline yum install runs on the instance, and the image carries the template's tags", async () => {
    const { emu, env, stateDir } = await emulator(seed002Profile())
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
