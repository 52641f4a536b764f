/** Shared by the builder-alicloud build tests: one emulator per file, builds through the engine's build(). */
import { afterAll, beforeAll } from 'vitest'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alicloudEcs, type AlicloudEcsInput } from '@tsimg/builder-alicloud'
import { startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import { build, type BuildEvent, type BuildSummary, type ProvisionerPlugin } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'

/** Fast state changes: several builds run on two busy cores. */
const FAST_DELAYS = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 }

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

export interface RunResult {
  summary: BuildSummary
  events: BuildEvent[]
  lines: string[]
}

export async function runBuild(
  source: AlicloudEcsInput,
  opts: { provisioners?: ProvisionerPlugin<any>[]; signal?: AbortSignal; onEvent?: (e: BuildEvent) => void; stateDir: string },
): Promise<RunResult> {
  const events: BuildEvent[] = []
  const res = await build({
    template: { sources: [alicloudEcs({ name: 'test', ...source })], provisioners: opts.provisioners ?? [markerProvisioner()] },
    stateDir: opts.stateDir,
    typecheck: false,
    cleanupTimeoutMs: 180_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onEvent: (e) => {
      events.push(e)
      opts.onEvent?.(e)
    },
  })
  return { summary: res.builds[0]!, events, lines: events.flatMap((e) => (e.type === 'ui' ? [e.text] : [])) }
}

/** What a client created and is still alive (seed images and default networks excluded). */
export const leftovers = (emu: Emulator) => emu.ledger().filter((e) => !e.seed)

/**
 * What is left once the emulator's background deletes (container and image removal) have
 * settled: a delete answers before docker is done, so the ledger may lag a moment.
 */
export async function settledLeftovers(emu: Emulator): Promise<ReturnType<typeof leftovers>> {
  for (let i = 0; i < 100 && leftovers(emu).length > 0; i++) await new Promise((r) => setTimeout(r, 200))
  return leftovers(emu)
}

/** The step whose run failed, by the engine's events. */
export const failedStep = (events: readonly BuildEvent[]): string | undefined =>
  events.flatMap((e) => (e.type === 'step-end' && e.error ? [e.step] : []))[0]

/** Cleanups that reported an error (a resource the build could not delete). */
export const cleanupErrors = (events: readonly BuildEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'cleanup-end' && e.error ? [`${e.step}: ${e.error}`] : []))

export const journalFiles = (stateDir: string): Promise<string[]> => readdir(join(stateDir, 'journal')).catch(() => [])

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

