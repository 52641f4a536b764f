// `tsimg build examples/alicloud/...` through the real CLI against the emulator.
import { execFileSync, spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { journalFiles, leftovers, useEmulator } from './support.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')
// One emulator (seed 31) and state directory per example: the two share nothing and wait on
// instance containers, so they run side by side.
const ack = useEmulator({ seed: 31 })
const redis = useEmulator({ seed: 31 })
type Env = typeof ack

function tsimg(t: Env, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        TSIMG_STATE_DIR: t.stateDir,
        TSIMG_ALICLOUD_ENDPOINT: t.emu.endpoint,
        NO_COLOR: '1',
        ALICLOUD_ACCESS_KEY: t.emu.credentials.accessKeyId,
        ALICLOUD_SECRET_KEY: t.emu.credentials.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => res({ code, out }))
  })
}

/** Reads a file from an image of the emulator (the committed container). */
const readFromImage = (t: Env, imageId: string, path: string): string =>
  execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', t.emu.backend.images.get(imageId)!.dockerRef, path], { encoding: 'utf8' })

const imageIds = (t: Env) =>
  leftovers(t.emu)
    .filter((e) => e.type === 'image')
    .map((e) => e.id)

describe.concurrent('examples/alicloud', () => {
  it('ack-node: the scripts run across a reboot, verify passes, and the image holds their files', { timeout: 900_000 }, async () => {
    const { code, out } = await tsimg(ack, ['build', '--var', 'poll_delay=200ms', 'examples/alicloud/ack-node/image.ts'])
    expect(out).toContain("Build 'alicloud-ecs.ack-node' finished")
    expect(code).toBe(0)
    for (const line of [
      '==> alicloud-ecs.ack-node: Prevalidating image name...',
      'alicloud-ecs.ack-node: Found image ID: centos_7_06_64_20G_alibase_20190711.vhd',
      '==> alicloud-ecs.ack-node: Allocating eip...',
      'Check if the machine was rebooted.  Verify Passed!',
      "==> alicloud-ecs.ack-node: Cleaning up 'VPC'",
    ]) {
      expect(out).toContain(line)
    }
    const [imageId] = imageIds(ack)
    expect(readFromImage(ack, imageId!, '/etc/ack-node-verified')).toBe('verified\n')
    expect(leftovers(ack.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  })

  it('redis: over the private IP, user data ran, image of the system disk only with its tags; a rebuild replaces it', { timeout: 900_000 }, async () => {
    const before = new Set(imageIds(redis))
    for (let round = 0; round < 2; round++) {
      const { code, out } = await tsimg(redis, ['build', '--var', 'install_redis=no', '--var', 'poll_delay=200ms', 'examples/alicloud/redis/image.ts'])
      expect(out).toContain("Build 'alicloud-ecs.redis' finished")
      expect(code).toBe(0)
      expect(out).not.toContain('Allocating eip')
      expect(out).toContain('user data ran at')
      expect(out).toContain('Creating snapshot from system disk')
      if (round === 1) expect(out).toMatch(/Deleted image: \S+/)
    }
    const mine = leftovers(redis.emu).filter((e) => e.type === 'image' && !before.has(e.id))
    expect(mine).toHaveLength(1)
    expect(mine[0]!.tags).toMatchObject({ version: 'v1.0.0', app: 'web' })
    expect(readFromImage(redis, mine[0]!.id, '/etc/redis/tsimg.conf')).toContain('port 6379')
    expect(leftovers(redis.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(redis.stateDir)).toEqual([])
  })
})
