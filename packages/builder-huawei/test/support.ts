/** Shared by the builder-huawei tests: one Huawei emulator per file, builds through the engine's build(). */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { huaweicloudEcs, type HuaweicloudEcsInput } from '@tsimg/builder-huawei'
import { HuaweiApi } from '@tsimg/builder-huawei/api'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import type { BuildEvent, ProvisionerPlugin } from '@tsimg/core/plugin'
import { runSourceBuild, type SourceRunResult } from '../../../test/support/cloud-build.js'
import type { MatrixCloud } from '../../../test/support/cloud-matrix.js'

export { journalFiles, stateText } from '../../../test/support/cloud-build.js'
import { shell } from '@tsimg/provisioner-shell'
import { afterAll, afterEach, beforeAll } from 'vitest'

export const REGION = 'cn-north-4'

/** huaweicloud-ecs options pointing every service at the emulator, with the catalog's Debian image. */
export function emulatorSource(emu: HuaweiEmulator, over: Partial<HuaweicloudEcsInput> = {}): HuaweicloudEcsInput {
  return {
    region: REGION,
    endpoint: emu.endpoint,
    accessKey: emu.credentials.accessKeyId,
    secretKey: emu.credentials.secretAccessKey,
    sourceImageName: 'Debian 12.0.0 64bit tsimg',
    flavor: 's6.large.2',
    eipType: '5_bgp',
    sshUsername: 'root',
    sshTimeout: '120s',
    imageName: `tsimg-test-${Math.random().toString(36).slice(2, 10)}`,
    pollDelay: '200ms',
    // A server's container may take minutes to start on a busy machine: no tight poll limit.
    pollAttempts: 3000,
    ...over,
  } as HuaweicloudEcsInput
}

export const markerProvisioner = (): ProvisionerPlugin<any> => shell({ inline: ['echo "made by tsimg on huawei" > /etc/tsimg-marker'] })

export type RunResult = SourceRunResult

export interface RunOptions {
  stateDir: string
  signal?: AbortSignal
  onLine?: (line: string) => void
  onEvent?: (e: BuildEvent) => void
  provisioners?: ProvisionerPlugin<any>[]
}

/** Runs one build through the engine; what the Huawei SDK prints by itself is kept in `text` too. */
export function runBuild(source: HuaweicloudEcsInput, opts: RunOptions): Promise<RunResult> {
  return runSourceBuild(huaweicloudEcs({ name: 'test', ...source }), { ...opts, provisioners: opts.provisioners ?? [markerProvisioner()] })
}

/**
 * What every fault test checks after its build (the shared matrices' check): nothing the build
 * made is alive in the emulator (`keep`: ids of the test's own resources), the journal is empty,
 * no cleanup failed, and the secret key is in no event, error, printed line, journal or log.
 */
export { expectNothingLeft, expectNoSecret } from '../../../test/support/cloud-matrix.js'

/** What a client created and is still alive (the catalog excluded). */
export function leftovers(emu: HuaweiEmulator) {
  return emu.ledger().filter((e) => !e.seed)
}

/** Fast state changes: many builds run on two busy cores. */
const FAST_DELAYS = { jobStarted: 100, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200 }

/** huaweicloud-ecs for the shared cloud matrices (test/support/cloud-matrix.ts). */
export const HUAWEI_MATRIX: MatrixCloud<HuaweiEmulator, HuaweicloudEcsInput> = {
  name: 'huawei',
  start: (extra) => startHuaweiEmulator({ delays: FAST_DELAYS, ...extra }),
  delays: FAST_DELAYS,
  source: (emu, over) => huaweicloudEcs({ name: 'test', ...emulatorSource(emu, over) }),
  provisioners: () => [markerProvisioner()],
}

/**
 * One emulator and one temporary state directory for a test file; both removed after it.
 * Faults and throttling are cleared after each test. With `userEip`, the user owns one
 * unbound EIP (`t.eip`) from the start: for floatingIp, and to prove it is never released.
 */
export function useEmulator(opts: { userEip?: boolean } = {}): {
  readonly emu: HuaweiEmulator
  readonly stateDir: string
  readonly eip: { id: string; address: string }
} {
  const t = {} as { emu: HuaweiEmulator; stateDir: string; eip: { id: string; address: string } }
  beforeAll(async () => {
    t.emu = await startHuaweiEmulator({ delays: FAST_DELAYS })
    t.stateDir = await mkdtemp(join(tmpdir(), 'tsimg-huawei-'))
    if (opts.userEip) t.eip = await userEip(t.emu)
  })
  afterEach(() => t.emu?.clearFaults())
  afterAll(async () => {
    await t.emu?.stop()
    if (t.stateDir) await rm(t.stateDir, { recursive: true, force: true })
  })
  return t
}

/** The API as the test's user: for resources the user owns (EIPs, a VPC), and to delete a kept image. */
export async function userApi(emu: HuaweiEmulator): Promise<HuaweiApi> {
  const api = new HuaweiApi({ region: REGION, endpoint: emu.endpoint, accessKey: emu.credentials.accessKeyId, secretKey: emu.credentials.secretAccessKey })
  await api.projectId(AbortSignal.timeout(120_000))
  return api
}

/** Deletes a kept image through IMS, as a user would (its snapshots go with it). */
export async function deleteImage(emu: HuaweiEmulator, id: string): Promise<void> {
  const api = await userApi(emu)
  await api.json('ims', 'GlanceDeleteImage', 'DELETE', `/v2/images/${id}`, { signal: AbortSignal.timeout(120_000) })
}

/** An EIP the user bought, unbound: for floatingIp and reuseIps. */
export async function userEip(emu: HuaweiEmulator): Promise<{ id: string; address: string }> {
  const api = await userApi(emu)
  const res = await api.json(
    'eip',
    'CreatePublicip',
    'POST',
    `/v1/${api.pid}/publicips`,
    { signal: AbortSignal.timeout(120_000) },
    { publicip: { type: '5_bgp' }, bandwidth: { size: 5, name: 'user', share_type: 'PER' } },
  )
  return { id: res.publicip.id, address: res.publicip.public_ip_address }
}

/** The artifact's image id (`cn-north-4:<id>`). */
export function imageIdOf(r: RunResult): string {
  return (r.summary.artifacts[0]?.id ?? '').slice(REGION.length + 1)
}

export const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')

/** Environment for a `tsimg` child process against the emulator: HW_* and the seed's own names. */
export function cliEnv(emu: HuaweiEmulator, stateDir: string): NodeJS.ProcessEnv {
  const { accessKeyId, secretAccessKey } = emu.credentials
  return {
    ...process.env,
    NO_COLOR: '1',
    TSIMG_STATE_DIR: stateDir,
    TSIMG_HUAWEI_ENDPOINT: emu.endpoint,
    REGION_NAME: REGION,
    IAM_ACCESS_KEY: accessKeyId,
    IAM_SECRET_KEY: secretAccessKey,
    HW_ACCESS_KEY: accessKeyId,
    HW_SECRET_KEY: secretAccessKey,
  }
}

/** Runs the `tsimg` CLI; `onOutput` sees all output so far (stdout and stderr) and may kill the child. */
export function tsimg(
  emu: HuaweiEmulator,
  stateDir: string,
  args: string[],
  onOutput?: (out: string, child: ChildProcess) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv(emu, stateDir), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const add = (d: Buffer) => {
      out += d.toString()
      onOutput?.(out, child)
    }
    child.stdout.on('data', add)
    child.stderr.on('data', add)
    child.on('exit', (code) => res({ code, out }))
  })
}
