/**
 * What the Alibaba seed tests share: an emulator per build (its own ledger, so builds run side by
 * side), a stand-in source image with `yum` for seed 002, and the one image a build must leave.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { alicloud, startEmulator, type CallRecord, type CloudProfile, type Emulator } from '@tsimg/cloud-emulator'
import { expect } from 'vitest'

export const fixtures = join(fileURLToPath(new URL('..', import.meta.url)), 'fixtures')
const FAST = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 }

// The emulator's "CentOS" images boot the Debian base image, which has no yum; seed 002's source
// image gets a stand-in that records what it was asked to install, so the command runs unchanged.
const YUM_IMAGE = `tsimg-test/centos-yum:${process.pid}`
const YUM = '#!/bin/sh\necho "yum $*" >> /var/log/yum.log\n'

export function buildYumImage(): void {
  execFileSync('docker', ['build', '-q', '-t', YUM_IMAGE, '-'], {
    input: `FROM tsimg/debian-ssh:bookworm\nRUN printf '${YUM.replaceAll('\n', '\\n')}' > /usr/bin/yum && chmod 755 /usr/bin/yum\n`,
  })
}
export function removeYumImage(): void {
  execFileSync('docker', ['rmi', '-f', YUM_IMAGE], { stdio: 'ignore' })
}

/** Seed 002's profile: its CentOS 7.3 source boots the yum stand-in. */
export const seed002Profile = (): Partial<CloudProfile> => ({
  catalog: alicloud.ALICLOUD_EMULATOR_PROFILE.catalog.map((c) => (c.name === 'centos_7_03_64_20G_alibase_20170818.vhd' ? { ...c, dockerRef: YUM_IMAGE } : c)),
})

export interface SeedEmulator {
  readonly emu: Emulator
  readonly env: NodeJS.ProcessEnv
  readonly stateDir: string
  /** Every call the emulator answered, in order. */
  readonly calls: CallRecord[]
}

/** One emulator and state directory; `cleanups` gets what removes them. */
export async function seedEmulator(cleanups: (() => Promise<unknown>)[], profile: Partial<CloudProfile> = {}): Promise<SeedEmulator> {
  const calls: CallRecord[] = []
  const emu = await startEmulator({ frontEnds: ['alicloud'], delays: FAST, profiles: { alicloud: profile }, onCall: (c) => calls.push(c) })
  const stateDir = await mkdtemp(join(tmpdir(), 'tsimg-seed-ali-'))
  cleanups.push(
    () => emu.stop(),
    () => rm(stateDir, { recursive: true, force: true }),
  )
  const env = {
    TSIMG_STATE_DIR: stateDir,
    TSIMG_ALICLOUD_ENDPOINT: emu.endpoint,
    ALICLOUD_ACCESS_KEY: emu.credentials.accessKeyId,
    ALICLOUD_SECRET_KEY: emu.credentials.secretAccessKey,
  }
  return { emu, env, stateDir, calls }
}

/** The one image the build made; everything else it created is gone, and so is its journal. */
export async function madeImage(emu: Emulator, stateDir: string): Promise<{ dockerRef: string; tags: Record<string, string>; name?: string }> {
  const left = emu.ledger().filter((e) => !e.seed)
  expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  const images = left.filter((e) => e.type === 'image')
  expect(images).toHaveLength(1)
  expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
  return { dockerRef: emu.backend.images.get(images[0]!.id)!.dockerRef, tags: images[0]!.tags, ...(images[0]!.name ? { name: images[0]!.name } : {}) }
}
