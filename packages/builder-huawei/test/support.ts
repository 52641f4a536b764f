/** Shared by the builder-huawei tests: one Huawei emulator per file, builds through the engine's build(). */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HuaweiApi, huaweicloudEcs, type HuaweicloudEcsInput } from '@tsimg/builder-huawei'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { build, type BuildEvent, type BuildSummary, type ProvisionerPlugin } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'
import { afterAll, beforeAll } from 'vitest'

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
    ...over,
  } as HuaweicloudEcsInput
}

export const markerProvisioner = (): ProvisionerPlugin<any> => shell({ inline: ['echo "made by tsimg on huawei" > /etc/tsimg-marker'] })

export interface RunResult {
  summary: BuildSummary
  lines: string[]
  /** Every event as JSON: what a secret must never be found in. */
  text: string
}

export async function runBuild(source: HuaweicloudEcsInput, opts: { stateDir: string; signal?: AbortSignal; onLine?: (line: string) => void; provisioners?: ProvisionerPlugin<any>[] }): Promise<RunResult> {
  const events: BuildEvent[] = []
  const res = await build({
    template: { sources: [huaweicloudEcs({ name: 'test', ...source })], provisioners: opts.provisioners ?? [markerProvisioner()] },
    stateDir: opts.stateDir,
    typecheck: false,
    cleanupTimeoutMs: 180_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'ui') opts.onLine?.(e.text)
    },
  })
  const summary = res.builds[0]!
  const lines = events.flatMap((e) => (e.type === 'ui' ? [e.text] : []))
  return { summary, lines, text: JSON.stringify(events, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)) + JSON.stringify(summary, (_k, v) => (v instanceof Error ? { message: v.message } : v)) }
}

/** What a client created and is still alive (the catalog excluded). */
export function leftovers(emu: HuaweiEmulator) {
  return emu.ledger().filter((e) => !e.seed)
}

/** Every file under the state directory (journals, logs), concatenated. */
export async function stateText(dir: string): Promise<string> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  const texts = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8').catch(() => '')))
  return texts.join('\n')
}

export async function journalFiles(stateDir: string): Promise<string[]> {
  return readdir(join(stateDir, 'journal')).catch(() => [])
}

/** One emulator and one temporary state directory for a test file; both removed after it. */
export function useEmulator(): { readonly emu: HuaweiEmulator; readonly stateDir: string } {
  const t = {} as { emu: HuaweiEmulator; stateDir: string }
  beforeAll(async () => {
    t.emu = await startHuaweiEmulator({ delays: { jobStarted: 100, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200 } })
    t.stateDir = await mkdtemp(join(tmpdir(), 'tsimg-huawei-'))
  })
  afterAll(async () => {
    await t.emu?.stop()
    if (t.stateDir) await rm(t.stateDir, { recursive: true, force: true })
  })
  return t
}

/** Deletes a kept image through IMS, as a user would (its snapshots go with it). */
export async function deleteImage(emu: HuaweiEmulator, id: string): Promise<void> {
  const api = new HuaweiApi({ region: REGION, endpoint: emu.endpoint, accessKey: emu.credentials.accessKeyId, secretKey: emu.credentials.secretAccessKey })
  const signal = AbortSignal.timeout(120_000)
  await api.projectId(signal)
  await api.json('ims', 'GlanceDeleteImage', 'DELETE', `/v2/images/${id}`, { signal })
}
