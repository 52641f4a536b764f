/** Shared by the builder-aws tests: one emulator per file, builds through the engine's build(). */
import { afterAll, beforeAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { amazonEbs, type AmazonEbsInput } from '@tsimg/builder-aws'
import { startEc2Emulator } from '@tsimg/cloud-emulator'
import type { BuildEvent, ProvisionerPlugin } from '@tsimg/core/plugin'
import { runSourceBuild, type SourceRunResult } from '../../../test/support/cloud-build.js'
import type { MatrixCloud } from '../../../test/support/cloud-matrix.js'

export { journalFiles } from '../../../test/support/cloud-build.js'
import { shell } from '@tsimg/provisioner-shell'

export type Emulator = Awaited<ReturnType<typeof startEc2Emulator>>

/** Fast state changes: the matrix runs many builds on two cores. */
export const FAST_DELAYS = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 }

export async function startEmulator(extra: Record<string, unknown> = {}): Promise<Emulator> {
  return startEc2Emulator({ delays: FAST_DELAYS, ...extra } as Parameters<typeof startEc2Emulator>[0])
}

/** amazon-ebs options pointing at the emulator, with the catalog's Debian image as source. */
export function emulatorSource(emu: Emulator, over: Partial<AmazonEbsInput> = {}): AmazonEbsInput {
  return {
    region: 'us-east-1',
    endpoint: emu.endpoint,
    accessKey: emu.credentials.accessKeyId,
    secretKey: emu.credentials.secretAccessKey,
    sourceAmiFilter: { filters: { name: 'debian-12-amd64-tsimg-base' }, mostRecent: true },
    instanceType: 't3.micro',
    sshUsername: 'admin',
    sshTimeout: '60s',
    amiName: `tsimg-test-${Math.random().toString(36).slice(2, 10)}`,
    pollDelay: '100ms',
    pollAttempts: 300,
    ...over,
  } as AmazonEbsInput
}

export const markerProvisioner = (): ProvisionerPlugin<any> =>
  shell({ inline: ['echo "made by tsimg" | sudo tee /etc/tsimg-marker >/dev/null', 'sudo mkdir -p /opt/app && echo v1 | sudo tee /opt/app/version'] })

export type RunResult = SourceRunResult

export async function runBuild(
  source: AmazonEbsInput,
  opts: { provisioners?: ProvisionerPlugin<any>[]; signal?: AbortSignal; onEvent?: (e: BuildEvent) => void; stateDir: string; force?: boolean },
): Promise<RunResult> {
  return runSourceBuild(amazonEbs({ name: 'test', ...source }), {
    ...opts,
    provisioners: opts.provisioners ?? [markerProvisioner()],
    cleanupTimeoutMs: 120_000,
  })
}

/** What a client created and is still alive (seed images, VPCs and subnets excluded). */
export function leftovers(emu: Emulator) {
  return emu.ledger().filter((e) => !e.seed)
}

export async function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tsimg-aws-'))
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** One emulator and one temporary state directory for a test file; both removed after it. */
export function useEmulator(extra: Record<string, unknown> = {}): { readonly emu: Emulator; readonly stateDir: string } {
  const t = {} as { emu: Emulator; stateDir: string }
  beforeAll(async () => {
    t.emu = await startEmulator(extra)
    t.stateDir = await tempStateDir()
  })
  afterAll(async () => {
    await t.emu?.stop()
    if (t.stateDir) await removeDir(t.stateDir)
  })
  return t
}

/** Environment for a `tsimg` child process that builds against the emulator. */
export function cliEnv(emu: Emulator, stateDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TSIMG_STATE_DIR: stateDir,
    TSIMG_AWS_ENDPOINT: emu.endpoint,
    AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    NO_COLOR: '1',
    ...extra,
  }
}

/** amazon-ebs for the shared cloud matrices (test/support/cloud-matrix.ts). */
export const AWS_MATRIX: MatrixCloud<Emulator, AmazonEbsInput> = {
  name: 'aws',
  start: (extra) => startEmulator(extra),
  delays: FAST_DELAYS,
  source: (emu, over) => amazonEbs({ name: 'test', ...emulatorSource(emu, over) }),
  provisioners: () => [markerProvisioner()],
  cleanupTimeoutMs: 120_000,
}
