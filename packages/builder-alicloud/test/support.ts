/** Shared by the builder-alicloud build tests: one emulator per file, builds through the engine's build(). */
import { afterAll, beforeAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alicloudEcs, type AlicloudEcsInput } from '@tsimg/builder-alicloud'
import { startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import type { BuildEvent, ProvisionerPlugin } from '@tsimg/core/plugin'
import { runSourceBuild, type SourceRunResult } from '../../../test/support/cloud-build.js'
import type { MatrixCloud } from '../../../test/support/cloud-matrix.js'

export { journalFiles } from '../../../test/support/cloud-build.js'
export { settledLeftovers } from '../../../test/support/cloud-matrix.js'
import { shell } from '@tsimg/provisioner-shell'

/** Fast state changes: several builds run on two busy cores. */
/**
 * Fast state changes, and a network resource counts a deleted instance for 300 ms instead of
 * 3 s: long enough that teardown still meets, and retries, the DependencyViolation; how long
 * it lasts is no builder test's subject (the emulator's own tests keep the 3 s).
 */
const FAST_DELAYS = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100, dependencyHold: 300 }

/** alicloud-ecs options pointing at the emulator, with the catalog's Debian 12 image as source. */
export function emulatorSource(emu: Emulator, over: Partial<AlicloudEcsInput> = {}): AlicloudEcsInput {
  return {
    region: 'cn-beijing',
    endpoint: emu.endpoint,
    accessKey: emu.credentials.accessKeyId,
    secretKey: emu.credentials.secretAccessKey,
    sourceImageFamily: 'acs:debian_12_x64',
    instanceType: 'ecs.g7.large',
    sshUsername: 'root',
    sshTimeout: '90s',
    imageName: `tsimg-test-${Math.random().toString(36).slice(2, 10)}`,
    pollDelay: '200ms',
    ...over,
  } as AlicloudEcsInput
}

export const markerProvisioner = (): ProvisionerPlugin<any> => shell({ inline: ['echo "made by tsimg" > /etc/tsimg-marker'] })

export type RunResult = SourceRunResult

export async function runBuild(
  source: AlicloudEcsInput,
  opts: { provisioners?: ProvisionerPlugin<any>[]; signal?: AbortSignal; onEvent?: (e: BuildEvent) => void; stateDir: string },
): Promise<RunResult> {
  return runSourceBuild(alicloudEcs({ name: 'test', ...source }), { ...opts, provisioners: opts.provisioners ?? [markerProvisioner()] })
}

/** What a client created and is still alive (seed images and default networks excluded). */
export const leftovers = (emu: Emulator) => emu.ledger().filter((e) => !e.seed)

/** One Alibaba emulator and one temporary state directory for a test file; both removed after it. */
export function useEmulator(extra: Record<string, unknown> = {}): { readonly emu: Emulator; readonly stateDir: string } {
  const t = {} as { emu: Emulator; stateDir: string }
  beforeAll(async () => {
    t.emu = await startEmulator({ frontEnds: ['alicloud'], delays: FAST_DELAYS, ...extra })
    t.stateDir = await mkdtemp(join(tmpdir(), 'tsimg-ali-'))
  })
  afterAll(async () => {
    await t.emu?.stop()
    if (t.stateDir) await rm(t.stateDir, { recursive: true, force: true })
  })
  return t
}

/**
 * Every call that creates something, the step that makes it, and the line said just before
 * the call. The snapshot is made only with imageIgnoreDataDisks, the copy only with
 * imageCopyRegions: the tests using this list set both.
 */
export const CREATES = [
  { action: 'ImportKeyPair', step: 'alicloud:key-pair', before: 'Creating temporary keypair' },
  { action: 'CreateVpc', step: 'alicloud:network', before: 'Creating vpc...' },
  { action: 'CreateVSwitch', step: 'alicloud:network', before: 'Creating vswitch...' },
  { action: 'CreateSecurityGroup', step: 'alicloud:security-group', before: 'Creating security group...' },
  { action: 'RunInstances', step: 'alicloud:instance', before: 'Creating instance...' },
  { action: 'AllocateEipAddress', step: 'alicloud:public-ip', before: 'Allocating eip...' },
  { action: 'CreateSnapshot', step: 'alicloud:create-image', before: 'Creating snapshot from system disk' },
  { action: 'CreateImage', step: 'alicloud:create-image', before: 'Creating image:' },
  { action: 'CopyImage', step: 'alicloud:copy-share', before: 'Copying image ' },
] as const

/** The matrices' delays: the same as every builder test's. */
const MATRIX_DELAYS = FAST_DELAYS

/** alicloud-ecs for the shared cloud matrices (test/support/cloud-matrix.ts). */
export const ALICLOUD_MATRIX: MatrixCloud<Emulator, AlicloudEcsInput> = {
  name: 'ali',
  start: (extra) => startEmulator({ frontEnds: ['alicloud'], delays: MATRIX_DELAYS, ...extra }),
  delays: MATRIX_DELAYS,
  source: (emu, over) => alicloudEcs({ name: 'test', ...emulatorSource(emu, over) }),
  provisioners: () => [markerProvisioner()],
  // DeleteInstance answers before the container is removed.
  ledgerLags: true,
}
